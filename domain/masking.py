"""Masks personal data found inside free text before it is published.

`mask_personal_data` replaces ID-card numbers, mobile and landline numbers and e-mail
addresses, plus any contact data the citizen gave (`known`), and leaves a department's
official numbers (`keep`) as written. Detection runs on a normalised *view* of the text
(NFKC per character, so full-width digits, letters, ＠ and spaces count as ASCII);
Chinese numerals are digits to the number patterns. The result is the original text
with only the detected spans replaced.

`highlight_candidates` points a reviewer at spans that look like a person's name or a
home address; it never changes the text.
"""

import re
import unicodedata
from bisect import bisect_right
from collections.abc import Iterable
from itertools import accumulate

# --- Normalised view -----------------------------------------------------------------


class _NfkcTable(dict):
    """A `str.translate` table: code point -> NFKC form of that one character, memoised.

    Normalising character by character keeps a simple map from the view back to the
    original text (no character normalises to the empty string). The memo holds at most
    `_LIMIT` characters so odd input cannot grow it without bound.
    """

    __slots__ = ()
    _LIMIT = 20_000

    def __missing__(self, code_point: int) -> str:
        char = chr(code_point)
        # Enumerators such as ① ⑩ ⒈ ¹ are not digits of a number: kept as they are, so
        # that "①13812345678" is a list item followed by a number, not a longer number.
        if unicodedata.category(char) == "No":
            form = char
        else:
            form = unicodedata.normalize("NFKC", char)
        if len(self) < self._LIMIT:
            self[code_point] = form
        return form


_NFKC = _NfkcTable()


def _view(text: str) -> tuple[str, list[int] | None]:
    """The NFKC view of `text` and, if lengths differ, each original character's end in it."""
    if text.isascii():
        return text, None
    view = text.translate(_NFKC)
    if len(view) == len(text):
        return view, None  # every character normalised to exactly one character
    return view, list(accumulate(map(len, map(_NFKC.__getitem__, map(ord, text)))))


def _original_span(ends: list[int] | None, start: int, end: int) -> tuple[int, int]:
    """The span of the original text that produced view[start:end]."""
    if ends is None:
        return start, end
    return bisect_right(ends, start), bisect_right(ends, end - 1) + 1


# --- Digits --------------------------------------------------------------------------

# Chinese numerals read as digits when they are part of a number (幺 is 1 when reading
# out phone numbers; 壹贰… are the financial forms). 十/百/千 are positional, not digits.
_CHINESE_DIGITS = {"0": "〇零", "1": "一壹幺", "2": "二贰貳", "3": "三叁參", "4": "四肆",
                   "5": "五伍", "6": "六陆陸", "7": "七柒", "8": "八捌", "9": "九玖"}
_TO_ASCII = str.maketrans({c: d for d, chars in _CHINESE_DIGITS.items() for c in chars})
_DIGIT_CHARS = frozenset("0123456789" + "".join(_CHINESE_DIGITS.values()))
_NON_DIGIT = re.compile(r"[^0-9]")
_NON_ID_CHAR = re.compile(r"[^0-9Xx]")


def _digit_class(digits: str) -> str:
    return "[" + digits + "".join(_CHINESE_DIGITS[d] for d in digits) + "]"


def _digits(text: str) -> str:
    """The ASCII digits of a (normalised) string, Chinese numerals included."""
    return _NON_DIGIT.sub("", text.translate(_TO_ASCII))


_D = _digit_class("0123456789")
_D0, _D1, _D39 = _digit_class("0"), _digit_class("1"), _digit_class("3456789")
# One separator between digit groups: space, dot or any hyphen/dash (full-width forms are
# already ASCII in the view).
_S = r"[ .\-\u2010-\u2015]"
_AREA_SEP = r"(?: ?[\-\u2010-\u2015] ?| )"

# A number is never part of a longer alphanumeric token (LY20190501000123,
# RX2026113000012), except right after a label glued to it, such as tel13812345678.
_LABELS = ("tel", "mob", "phone", "mobile", "wx", "vx", "cell", "wechat", "weixin")
_LEFT = "(?:(?<![0-9A-Za-z])" + "".join(
    "|(?<=(?<![0-9A-Za-z])(?i:" + "|".join(w for w in _LABELS if len(w) == n) + "))"
    for n in sorted({len(w) for w in _LABELS})) + ")"
_RIGHT = r"(?![0-9A-Za-z])"

# 18-digit ID: 17 digits and a check digit or X, also split 6-8-4 or 6-4-4-4.
_ID18 = rf"{_D}{{6}}{_S}?{_D}{{4}}{_S}?{_D}{{4}}{_S}?{_D}{{3}}(?:{_D}|[Xx])"
# Old 15-digit ID: region, YYMMDD, sequence (the date is checked after matching).
_ID15 = rf"{_D}{{6}}{_S}?{_D}{{6}}{_S}?{_D}{{3}}"
# Mobile: 1[3-9] + 9 digits, as 3-4-4 groups or as single digits with one separator
# throughout (1 5 9 4 4 4 4 5 5 5 5), optionally after +86, 0086, 86 or (+86).
_MOBILE = (rf"(?P<prefix>\(?(?:\+|00)?86\)?[ \-]?)?"
           rf"(?:{_D1}{_D39}{_D}{_S}?{_D}{{4}}{_S}?{_D}{{4}}"
           rf"|{_D1}(?P<sep>{_S}){_D39}(?:(?P=sep){_D}){{9}})")
# Landline: area code 0 + 2-3 digits (optionally bracketed), then 7-8 digits.
_LANDLINE = rf"\(?{_D0}{_D}{{2,3}}\)?{_AREA_SEP}?{_D}{{3,4}}{_S}?{_D}{{4}}"
# The leading lookahead lets the engine skip positions that cannot start a number
# without evaluating the boundary (about ten times faster on Chinese text).
_NUMBER_START = "[0-9(+" + "".join(_CHINESE_DIGITS.values()) + "]"
_NUMBER = re.compile(rf"(?={_NUMBER_START}){_LEFT}(?:(?P<id18>{_ID18})|(?P<id15>{_ID15})"
                     rf"|(?P<mobile>{_MOBILE})|(?P<landline>{_LANDLINE})){_RIGHT}")

# Any run of at least 7 digits with up to two separators between them: where a known
# phone number is looked for, whatever its grouping.
_DIGIT_RUN = re.compile(rf"{_D}(?:[ .\-\u2010-\u2015()+]{{0,2}}{_D}){{6,}}")
# A known string that is a phone number: digits and the usual punctuation only.
_PHONE_LIKE = re.compile(r"[0-9\s.()+\-\u2010-\u2015]+")


def _id_mask(match: re.Match) -> str | None:
    chars = _NON_ID_CHAR.sub("", match.group().translate(_TO_ASCII))
    if len(chars) == 15:
        month, day = int(chars[8:10]), int(chars[10:12])
        if not (1 <= month <= 12 and 1 <= day <= 31):
            return None  # 15 digits without a birth date: some other number
    return chars[:6] + "*" * (len(chars) - 6)


def _mobile_mask(digits: str, prefix: str = "") -> str:
    return prefix + digits[:3] + "****" + digits[-4:]


def _area_code(digits: str) -> str:
    """010 and 02x are three-digit area codes; all others have four digits."""
    return digits[:3] if digits[1] in "12" else digits[:4]


def _phone_mask(digits: str) -> str:
    """The mask of a known phone number given as digits."""
    if len(digits) == 11 and digits[0] == "1" and digits[1] in "3456789":
        return _mobile_mask(digits)
    if digits[0] == "0" and 10 <= len(digits) <= 12:
        return _area_code(digits) + "-********"
    return "********"


# --- E-mail --------------------------------------------------------------------------

_HAN = r"\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_HAN_TLDS = ("中国|中國|公司|网络|網絡|政务|公益|在线|网址|网店|商城|集团|香港|台湾|台灣|"
             "信息|企业|移动|游戏|我爱你|手机|中文网|商标|购物|娱乐|时尚|广东|佛山")
_EMAIL = re.compile(
    # (the lookbehind tries a local part only from its first character: linear, not
    # quadratic, on a long run of letters before an @)
    rf"(?:(?<![A-Za-z0-9._%+\-])(?P<ascii>[A-Za-z0-9._%+\-]+)|(?P<han>[{_HAN}]{{1,4}}))@"
    rf"(?:[A-Za-z0-9\-{_HAN}]+(?:\.|。(?=[A-Za-z]|(?:{_HAN_TLDS})(?![{_HAN}]))))+"
    rf"(?:[A-Za-z][A-Za-z0-9\-]+|{_HAN_TLDS})")
# Words that introduce an address; a Chinese local part starts after the last of them.
_EMAIL_CUE = re.compile(r".*(?:邮箱|邮件|信箱|地址|发到|发至|寄到|给|至|到|是|为)")

_OPEN, _CLOSE = r"[(\[{<【〔]", r"[)\]}>】〕]"
_SPELLED_AT = (rf"(?:\s*{_OPEN}\s*(?i:at|@)\s*{_CLOSE}\s*|\s+(?i:at)\s+|\s*艾特\s*|#|\s*@\s*)")
_SPELLED_DOT = (rf"(?:\s*{_OPEN}\s*(?i:dot|点|\.)\s*{_CLOSE}\s*|\s+(?i:dot)\s+|\s*点\s*|[.。])")
_COMMON_TLDS = ("com|cn|net|org|edu|gov|info|biz|io|me|cc|co|tv|xyz|top|vip|club|site|"
                "online|hk|mo|tw|uk|us|jp|kr|de|fr|ru")
# Spelled-out addresses (wang at example dot com, wang[at]example[dot]com, wang 艾特
# example.com, wang#example.com): ASCII only, and only with a common top-level domain.
_SPELLED_EMAIL = re.compile(
    rf"(?<![A-Za-z0-9._%+\-])[A-Za-z0-9._%+\-]+{_SPELLED_AT}"
    rf"[A-Za-z0-9\-]+(?:{_SPELLED_DOT}[A-Za-z0-9\-]+)*?{_SPELLED_DOT}"
    rf"(?i:{_COMMON_TLDS})(?![A-Za-z0-9])")
_SPELLED_CUE = re.compile(r"(?i:at)|艾特|#")
_EMAIL_MASK = "***@***"


def _email_spans(view: str, spans: list) -> None:
    at_sign = "@" in view
    if at_sign:
        for m in _EMAIL.finditer(view):
            start = m.start()
            if m.group("han"):
                cue = _EMAIL_CUE.match(m.group("han"))
                if cue:
                    start += cue.end()
            spans.append((start, m.end(), _EMAIL_MASK))
    if at_sign or _SPELLED_CUE.search(view):
        spans.extend((m.start(), m.end(), _EMAIL_MASK) for m in _SPELLED_EMAIL.finditer(view))


# --- Numbers -------------------------------------------------------------------------


def _number_spans(view: str, keep: frozenset[str], spans: list, kept: list) -> None:
    """Numbers found by pattern; official ones (`keep`) go to `kept` instead of `spans`."""
    for m in _NUMBER.finditer(view):
        if keep and _digits(m.group()) in keep:
            kept.append((m.start(), m.end()))
            continue
        if m.group("mobile"):
            digits = _digits(m.group("mobile"))[-11:]
            if digits in keep:
                kept.append((m.start(), m.end()))
                continue
            prefix = m.group("prefix") or ""
            if prefix:
                prefix = ("+" if "+" in prefix else "") + _digits(prefix)
            mask = _mobile_mask(digits, prefix)
        elif m.group("landline"):
            mask = _area_code(_digits(m.group())) + "-********"
        else:
            mask = _id_mask(m)
            if mask is None:
                continue
        spans.append((m.start(), m.end(), mask))


def _known_phone_spans(view: str, phones: tuple[str, ...], spans: list) -> None:
    """Every occurrence of the given phone numbers, however the digits are grouped."""
    for run in _DIGIT_RUN.finditer(view):
        digits = _digits(run.group())
        if not any(phone in digits for phone in phones):
            continue
        where = [run.start() + i for i, c in enumerate(run.group()) if c in _DIGIT_CHARS]
        for phone in phones:
            i = digits.find(phone)
            while i != -1:
                first, last = where[i], where[i + len(phone) - 1]
                glued_left = first > 0 and view[first - 1].isascii() and view[first - 1].isalnum()
                if glued_left and digits[:i] in ("86", "0086"):
                    glued_left = False  # +8613812345678: the country code stays visible
                glued_right = (last + 1 < len(view) and view[last + 1].isascii()
                               and view[last + 1].isalnum())
                if not (glued_left or glued_right):
                    spans.append((first, last + 1, _phone_mask(phone)))
                i = digits.find(phone, i + 1)


def _known_text_spans(view: str, texts: tuple[str, ...], spans: list) -> None:
    """Every occurrence of the given names (or other strings); ASCII ones ignore case."""
    lowered = view.lower()
    if len(lowered) != len(view):
        lowered = view
    for item in texts:
        haystack = lowered if item.isascii() else view
        needle = item.lower() if item.isascii() else item
        mask = _EMAIL_MASK if "@" in item else None  # None: mask like a name
        i = haystack.find(needle)
        while i != -1:
            end = i + len(needle)
            if not (needle.isascii() and (
                    (i > 0 and view[i - 1].isascii() and view[i - 1].isalnum())
                    or (end < len(view) and view[end].isascii() and view[end].isalnum()))):
                spans.append((i, end, mask))
            i = haystack.find(needle, end)


def _split_known(known: Iterable[str]) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """Known strings as (phone numbers as digits, other strings normalised), longest first."""
    phones, texts = set(), set()
    for item in known or ():
        if not isinstance(item, str):
            continue
        item = unicodedata.normalize("NFKC", item).strip()
        if len(item) < 2:
            continue
        if _PHONE_LIKE.fullmatch(item.translate(_TO_ASCII)):
            digits = _digits(item)
            for prefix in ("0086", "86"):
                if len(digits) == 11 + len(prefix) and digits.startswith(prefix + "1"):
                    digits = digits[len(prefix):]
            if len(digits) < 7:  # shorter digit strings are service numbers, not contacts
                continue
            phones.add(digits)
            if digits[0] == "0" and 10 <= len(digits) <= 12:
                local = digits[len(_area_code(digits)):]
                if len(local) >= 7:
                    phones.add(local)  # the landline written without its area code
        else:
            texts.add(item)
    by_length = dict(key=len, reverse=True)
    return tuple(sorted(phones, **by_length)), tuple(sorted(texts, **by_length))


def _keep_digits(keep: Iterable[str]) -> frozenset[str]:
    found = set()
    for item in keep or ():
        if isinstance(item, str):
            digits = _digits(unicodedata.normalize("NFKC", item))
            if len(digits) >= 3:
                found.add(digits)
    return frozenset(found)


# --- Masking -------------------------------------------------------------------------


def mask_personal_data(text: str, *, known: Iterable[str] = (),
                       keep: Iterable[str] = ()) -> str:
    """Replace ID-card numbers, phone numbers and e-mail addresses with masks.

    `known` holds the contact data the citizen gave (name, phone number): every
    occurrence is masked too, a name keeping its first character. `keep` holds a
    department's official numbers, left exactly as written wherever they appear.
    Everything outside the masked spans is returned exactly as written.
    """
    if not text:
        return text
    return masker(known=known, keep=keep)(text)


def masker(*, known: Iterable[str] = (), keep: Iterable[str] = ()):
    """`mask_personal_data` with these `known` and `keep`, as a function of the text: the
    contact data and official numbers are prepared once for an item's several texts."""
    if isinstance(known, str):  # a single string, not an iterable of its characters
        known = (known,)
    if isinstance(keep, str):
        keep = (keep,)
    keep_digits = _keep_digits(keep) if keep else frozenset()
    phones, texts = _split_known(known) if known else ((), ())
    phones = tuple(p for p in phones if p not in keep_digits)

    def mask(text: str) -> str:
        return _masked(text, keep_digits, phones, texts) if text else text
    return mask


def _masked(text: str, keep_digits: frozenset, phones: tuple, texts: tuple) -> str:
    view, ends = _view(text)
    spans: list[tuple[int, int, str | None]] = []
    kept: list[tuple[int, int]] = []
    _email_spans(view, spans)
    _number_spans(view, keep_digits, spans, kept)
    if phones:
        _known_phone_spans(view, phones, spans)
    if texts:
        _known_text_spans(view, texts, spans)
    if kept:  # nothing inside an official number is masked (e.g. a known local number)
        spans = [span for span in spans
                 if not any(span[0] < end and start < span[1] for start, end in kept)]
    if not spans:
        return text

    spans = sorted(((*_original_span(ends, start, end), mask) for start, end, mask in spans),
                   key=lambda span: (span[0], -span[1]))  # the longest first at each start
    merged: list[list] = []
    for start, end, mask in spans:
        if mask is None:
            mask = mask_name(text[start:end])
        if merged and start < merged[-1][1]:
            last = merged[-1]
            if end > last[1]:  # overlapping detections: mask the union
                last[2] += "*" * (end - last[1])
                last[1] = end
            continue
        merged.append([start, end, mask])

    pieces, position = [], 0
    for start, end, mask in merged:
        pieces += (text[position:start], mask)
        position = end
    pieces.append(text[position:])
    return "".join(pieces)


def mask_name(name: str | None) -> str:
    """A display form of a person's name that keeps only the surname."""
    if not name:
        return "网民"
    return name[0] + "*" * max(1, len(name) - 1)


# --- Review hints ----------------------------------------------------------------------

# The most common single-character surnames (ambiguous function words such as 和, 都, 那
# are left out) and common compound surnames.
_SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜"
    "叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付傅方白邹孟熊秦邱江尹薛闫段雷侯龙史"
    "陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤常温康施牛樊葛邢安齐易乔伍庞颜倪庄聂章鲁岳翟殷"
    "詹申欧耿关兰焦俞左柳甘祝包宁尚符舒阮柯纪梅童凌毕单季裴霍涂成苗谷盛曲翁冉骆蓝路游辛"
    "靳管柴蒙鲍华喻祁蒲房滕屈饶解牟艾尤穆农卓古吉缪简车项连麦褚娄窦戚岑景党宫费卜冷晏席"
    "卫米柏宗瞿桂佟臧闵苟邬边卞姬师仇栾隋商刁沙荣巫寇桑郎甄丛仲虞敖巩佘池查麻苑迟邝鞠惠"
    "荆冀郁胥储栗燕楚鄢劳谌奚皮粟冼蔺楼阚帅屠朴练廉禹祖漆巴卿狄宣晋扈晁芮阙伏鹿薄邸雍辜"
    "洪赖")
_COMPOUND_SURNAMES = ("欧阳|司马|诸葛|上官|东方|皇甫|尉迟|公孙|慕容|长孙|令狐|夏侯|宇文|"
                      "司徒|独孤|南宫|西门|端木|百里|呼延|轩辕|澹台|闻人|濮阳|万俟|钟离|"
                      "单于|申屠|太史|赫连|第五|拓跋")
_SURNAME = rf"(?:{_COMPOUND_SURNAMES}|[{_SURNAMES}])"
# Characters that end a name rather than belong to it: particles, verbs that follow a
# name, place and organisation suffixes, titles.
_NOT_IN_NAME = ("的了在是有和与及或就都也还又把被给对向从到于为说讲问要想会能已曾将这那些个"
                "们我你他她它您村镇乡街路区市县省局委办厅院校司厂店府庄屯井楼栋号室巷弄道家"
                "电手话机住反映投诉举报先生女士姐同志经理主任书记今昨现年岁男身份证联系称姓名"
                "中")
# ... and 一 when it starts a common word (王五一直没人管).
_GIVEN = (rf"(?:(?![{_NOT_IN_NAME}]|一[直起个些家次下定样般边名位])[\u4e00-\u9fff])")
_NAME_CUES = ("我叫|我是|本人(?:是|叫|姓名)?|姓名(?:是|为|叫)?|名叫|名字(?:是|叫)|叫做|联系人|"
              "业主|户主|投诉人|举报人|反映人|来电人|来信人|申请人|当事人|签名|署名|落款")
_TITLES = ("先生|女士|小姐|老师|师傅|阿姨|大爷|大妈|大姐|大哥|同志|经理|主任|书记|医生|律师|"
           "老板")
# Characters a match can start with; the leading lookahead skips all other positions
# cheaply (several times faster than letting every alternative fail at each position).
_NAME_START = "".join(sorted(set(_SURNAMES + "业举反叫名姓当我户投本来申签署联落"
                                 + "".join(name[0] for name in _COMPOUND_SURNAMES.split("|")))))
_NAME = re.compile(
    rf"(?=[{_NAME_START}])"
    rf"(?:(?:{_NAME_CUES})[：:\s]{{0,2}}(?P<cued>{_SURNAME}{_GIVEN}{{1,2}})"
    rf"|(?P<titled>{_SURNAME}(?:{_TITLES})"
    # with a given name, unless the next character starts a title of its own (向马师傅)
    rf"|{_SURNAME}(?!{_SURNAME}(?:{_TITLES})){_GIVEN}{{1,2}}?(?:{_TITLES}))"
    rf"|(?P<anonymised>{_SURNAME}某{{1,2}}))")

_NUM = r"[0-9０-９零〇一二三四五六七八九十百两]{1,5}"
_BUILDING = rf"(?:[A-Za-zＡ-Ｚａ-ｚ]{{1,2}}|{_NUM})(?:号楼|号院|栋|幢|座)"
_UNIT = rf"{_NUM}单元"
_FLOOR = rf"{_NUM}(?:层|楼)"
_ROOM = rf"{_NUM}(?:室|户)"
_ROOM_AFTER = rf"{_NUM}(?:室|户|号)?"  # after a unit or a house number the suffix is optional
_HYPHENATED = rf"{_NUM}(?:[\-－—]{_NUM}){{1,2}}(?:室|号)?"  # 5-2-301
# A road or community marker, or a building/unit/room number; for the first two the
# place name before the marker is added afterwards by walking back over its characters
# (a pattern that starts with the name would be tried at every position: far slower).
_ADDRESS = re.compile(
    rf"(?=[路街巷弄胡大道小花家新社公苑华广村园城0-9０-９零〇一二三四五六七八九十百两A-Za-zＡ-Ｚａ-ｚ])"
    rf"(?:(?P<road>(?:路|街|巷|弄|胡同|大道|道){_NUM}号院?)"
    rf"(?:{_BUILDING})?(?:{_UNIT})?(?:{_FLOOR})?(?:{_ROOM_AFTER})?"
    rf"|(?P<community>小区|花园|家园|新村|社区|公寓|大厦|苑|公馆|华庭|广场|村|园|城)"
    rf"(?:{_HYPHENATED}|{_BUILDING}(?:{_UNIT})?(?:{_FLOOR})?(?:{_ROOM_AFTER})?"
    rf"|{_UNIT}(?:{_ROOM_AFTER})?|{_ROOM})"
    rf"|{_BUILDING}(?:{_UNIT}(?:{_ROOM_AFTER})?|(?:{_FLOOR})?{_ROOM})"
    rf"|{_UNIT}{_ROOM_AFTER})")
# Characters that end a place name when walking back from a marker: particles, verbs,
# pronouns, and the suffixes of numbers.
_NOT_IN_PLACE = frozenset("在住于是的到址从往去和与及我你他她们了有为就都也还又把被给对请映诉报称说"
                          "号室户层楼栋幢座元")
_PLACE_MAX = 12


def _place_start(text: str, marker: int, floor: int) -> int:
    """Where the place name ending at `marker` starts (== marker when there is none)."""
    start = marker
    while (start > floor and marker - start < _PLACE_MAX
           and "\u4e00" <= text[start - 1] <= "\u9fff" and text[start - 1] not in _NOT_IN_PLACE):
        start -= 1
    return start


def _address_spans(text: str) -> list[tuple[int, int, str]]:
    spans, floor = [], 0
    for m in _ADDRESS.finditer(text):
        start = m.start()
        if m.group("road") is not None or m.group("community") is not None:
            start = _place_start(text, start, floor)
            if start == m.start():
                continue  # a bare 路8号 or 小区3单元 without a name is too vague
        spans.append((start, m.end(), "address"))
        floor = m.end()
    return spans


def highlight_candidates(text: str) -> list[tuple[int, int, str]]:
    """Spans (start, end, kind) of `text` that look like a name or a home address.

    kind is "name" or "address". A hint for the reviewer before publication, found by
    simple rules: a common surname and one or two more characters after a cue such as
    我叫 or 联系人, a surname with a title (王先生), 张某某; a road with a house number,
    or a building, unit or room number. Spans do not overlap and are sorted by start.
    """
    if not text:
        return []
    found = [(m.start(m.lastgroup), m.end(m.lastgroup), "name") for m in _NAME.finditer(text)]
    found += _address_spans(text)
    found.sort(key=lambda span: (span[0], -span[1]))
    result: list[tuple[int, int, str]] = []
    for span in found:
        if not result or span[0] >= result[-1][1]:
            result.append(span)
    return result
