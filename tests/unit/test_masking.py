"""Personal data inside free text is masked before publication; ordinary numbers are not."""

import pytest

from domain.masking import highlight_candidates, mask_name, mask_personal_data


@pytest.mark.parametrize("text, masked", [
    ("联系电话13812345678", "联系电话138****5678"),
    ("电话：13812345678。", "电话：138****5678。"),
    ("手机 138-1234-5678 谢谢", "手机 138****5678 谢谢"),
    ("手机 138 1234 5678 谢谢", "手机 138****5678 谢谢"),
    ("手机+8613812345678", "手机+86138****5678"),
])
def test_a_mobile_number_is_masked_in_the_middle(text, masked):
    assert mask_personal_data(text) == masked


@pytest.mark.parametrize("id_number", ["370403199001011234", "37040319900101123X",
                                       "37040319900101123x"])
def test_an_18_digit_id_number_keeps_only_its_region_code(id_number):
    assert mask_personal_data(f"身份证号{id_number}。") == "身份证号370403************。"


def test_an_id_number_is_not_mistaken_for_a_mobile_number():
    masked = mask_personal_data("身份证13812319900101123X")
    assert masked == "身份证138123************"


@pytest.mark.parametrize("email", ["zhang.san@example.com", "li_si+gov@mail.xc.gov.cn"])
def test_an_email_address_is_masked_entirely(email):
    assert mask_personal_data(f"请回复至{email}，谢谢") == "请回复至***@***，谢谢"


@pytest.mark.parametrize("text", ["0632-1234567", "06321234567", "010-12345678",
                                  "(0632)1234567", "0632 1234567"])
def test_a_landline_number_keeps_only_its_area_code(text):
    masked = mask_personal_data(f"座机{text}")
    assert masked.startswith("座机0") and masked.endswith("-********")
    assert text[-7:] not in masked


@pytest.mark.parametrize("text", [
    "2026年10月13日前答复",
    "邮编277000",
    "共计1500户，投资3000万元",
    "第12345号文件",
    "12345市长热线",
    "G104国道",
])
def test_ordinary_numbers_are_left_alone(text):
    assert mask_personal_data(text) == text


def test_several_kinds_in_one_text_are_all_masked():
    text = "我叫王五，电话13912345678，邮箱wang@example.com，身份证370403199001011234"
    masked = mask_personal_data(text)
    for secret in ("13912345678", "wang@example.com", "199001011234"):
        assert secret not in masked


@pytest.mark.parametrize("text", ["", None])
def test_empty_text_stays_empty(text):
    assert mask_personal_data(text) == text


def test_a_name_keeps_only_the_surname():
    assert mask_name("张三丰") == "张**"
    assert mask_name("李四") == "李*"
    assert mask_name(None) == "网民"


# --- Full-width digits (NFKC for detection only) ---------------------------------------

@pytest.mark.parametrize("text, masked", [
    ("电话１３５２２２２３３３３，谢谢", "电话135****3333，谢谢"),
    ("身份证３７０４０３１９９００１０１１２３Ｘ。", "身份证370403************。"),
    ("座机（０６３２）７７１２３４５！", "座机0632-********！"),
    ("手机＋８６　１３８　１２３４　５６７８", "手机+86138****5678"),
])
def test_full_width_numbers_are_masked(text, masked):
    assert mask_personal_data(text) == masked


def test_text_around_a_full_width_number_is_kept_exactly_as_written():
    # …… and ㎡ normalise to several characters: spans are mapped back to the original.
    text = "您好……（联系人：李）电话：１３５２２２２３３３３！面积１００㎡，邮箱ｗａｎｇ＠ｅｘａｍｐｌｅ．ｃｏｍ。"
    assert mask_personal_data(text) == ("您好……（联系人：李）电话：135****3333！面积１００㎡，"
                                        "邮箱***@***。")


def test_an_enumerator_before_a_number_is_not_read_as_a_digit():
    assert mask_personal_data("①13812345678②0632-7712345") == "①138****5678②0632-********"


# --- Separated digits and country prefixes ------------------------------------------------

@pytest.mark.parametrize("text, masked", [
    ("电话158.3333.4444。", "电话158****4444。"),
    ("电话158 3333 4444，", "电话158****4444，"),
    ("电话158-3333-4444", "电话158****4444"),
    ("电话1 5 9 4 4 4 4 5 5 5 5谢谢", "电话159****5555谢谢"),
    ("电话1-5-9-4-4-4-4-5-5-5-5", "电话159****5555"),
    ("电话1.5.9.4.4.4.4.5.5.5.5", "电话159****5555"),
    ("电话+86 138 1234 5678", "电话+86138****5678"),
    ("电话+86-13812345678", "电话+86138****5678"),
    ("电话0086 13812345678", "电话0086138****5678"),
    ("电话(+86)13812345678", "电话+86138****5678"),
    ("tel13812345678", "tel138****5678"),
    ("联系0632 - 7712345", "联系0632-********"),
    ("北京01012345678", "北京010-********"),
])
def test_separated_and_prefixed_phone_numbers_are_masked(text, masked):
    assert mask_personal_data(text) == masked


def test_two_numbers_separated_by_a_space_are_both_masked():
    assert (mask_personal_data("电话13812345678 13912345678 0632-7712345")
            == "电话138****5678 139****5678 0632-********")


# --- Chinese numerals ------------------------------------------------------------------------

@pytest.mark.parametrize("text, masked", [
    ("我的电话一三八五五五五六六六六", "我的电话138****6666"),
    ("电话幺三八〇〇〇〇一二三四。", "电话138****1234。"),
    ("电话一三九零零零零一二三四", "电话139****1234"),
    ("电话138五五五五6666", "电话138****6666"),
    ("电话一三八 五五五五 六六六六", "电话138****6666"),
])
def test_a_mobile_number_in_chinese_numerals_is_masked(text, masked):
    assert mask_personal_data(text) == masked


def test_a_chinese_numeral_after_a_number_does_not_hide_it():
    assert mask_personal_data("13812345678一直打不通") == "138****5678一直打不通"


@pytest.mark.parametrize("text", ["二〇一九年五月一日", "一二三四五六七八九十", "第一千零三十四条",
                                  "一三五七九号楼"])
def test_ordinary_chinese_numerals_are_left_alone(text):
    assert mask_personal_data(text) == text


# --- ID-card numbers -----------------------------------------------------------------------

@pytest.mark.parametrize("text, masked", [
    ("老身份证370602900101123。", "老身份证370602*********。"),
    ("身份证370602 19900101 123X", "身份证370602************"),
    ("身份证370602 1990 0101 123X", "身份证370602************"),
    ("身份证370602-19900101-1234", "身份证370602************"),
])
def test_old_and_split_id_numbers_are_masked(text, masked):
    assert mask_personal_data(text) == masked


def test_fifteen_digits_without_a_birth_date_are_not_an_id_number():
    assert mask_personal_data("订单号123456789912345") == "订单号123456789912345"


# --- E-mail ----------------------------------------------------------------------------------

@pytest.mark.parametrize("email", [
    "李四@例子.中国", "zhang@例子.中国", "wang at example dot com", "WANG AT EXAMPLE DOT COM",
    "wang(at)example.com", "wang（at）example.com", "wang[at]example[dot]com",
    "wang 艾特 example.com", "wang@example。com", "wang#example.com", "wang@example dot com",
    "ｗａｎｇ＠ｅｘａｍｐｌｅ．ｃｏｍ", "13812345678@qq.com",
])
def test_idn_full_width_and_spelled_out_email_addresses_are_masked(email):
    assert mask_personal_data(f"请回复至{email}，谢谢") == "请回复至***@***，谢谢"


def test_a_chinese_local_part_starts_after_the_word_before_it():
    assert mask_personal_data("请发邮件给李四@例子.中国谢谢") == "请发邮件给***@***谢谢"


def test_a_full_stop_after_an_email_address_is_kept():
    assert mask_personal_data("请回复wang@example.com。谢谢") == "请回复***@***。谢谢"


@pytest.mark.parametrize("text", ["回复@张三：已收到", "#垃圾分类#话题", "微博@12345热线",
                                  "我们at大厦门口集合", "I am at home. Thanks"])
def test_other_uses_of_at_signs_are_left_alone(text):
    assert mask_personal_data(text) == text


# --- Not personal data ---------------------------------------------------------------------

@pytest.mark.parametrize("text", [
    "2019-05-01", "20190501", "2019.05.01", "2019/05/01", "2019年05月01日", "2019.05.01-2019.06.30",
    "受理编号LY20190501000123", "工单号RX2026113000012", "LY13812345678",
    "金额1,234.56元", "12345.67元", "13,800,000元", "2019年", "2018-2019年度",
    "《民法典》第1034条", "12345", "请拨打110、120、119", "0632-12345", "电话12345转8",
    "地址192.168.100.101", "坐标121.4737, 31.2304",
])
def test_dates_tracking_numbers_amounts_and_service_numbers_are_not_masked(text):
    assert mask_personal_data(text) == text


# --- Known personal data ----------------------------------------------------------------------

def test_every_occurrence_of_the_given_name_is_masked():
    text = "我叫张三丰，张三丰家门口的路灯坏了。"
    assert (mask_personal_data(text, known=("张三丰",))
            == "我叫张**，张**家门口的路灯坏了。")


def test_a_latin_name_is_found_whatever_its_case_but_not_inside_a_word():
    assert (mask_personal_data("LI LEI反映，li lei电话", known=("Li Lei",))
            == "L*****反映，l*****电话")
    assert mask_personal_data("Lili说", known=("Li",)) == "Lili说"


@pytest.mark.parametrize("text, masked", [
    ("手机1381 2345 678", "手机138****5678"),
    ("手机13 81 23 45 678", "手机138****5678"),
    ("手机１３８１２３４５６７８", "手机138****5678"),
    ("手机+861381 2345 678", "手机+86138****5678"),
    ("家里7712345", "家里********"),
])
def test_the_given_phone_numbers_are_found_however_they_are_written(text, masked):
    known = ("13812345678", "0632-7712345")
    assert mask_personal_data(text, known=known) == masked


def test_a_given_phone_number_inside_a_longer_token_is_left_alone():
    text = "编号LY7712345，流水号97712345"
    assert mask_personal_data(text, known=("7712345",)) == text


def test_given_strings_shorter_than_two_characters_and_short_numbers_are_ignored():
    text = "王先生反映12345热线"
    assert mask_personal_data(text, known=("王", "", "12345", None)) == text


def test_a_single_string_is_taken_as_one_known_or_kept_value():
    assert mask_personal_data("张三丰说", known="张三丰") == "张**说"
    assert mask_personal_data("0632-7712345", keep="0632-7712345") == "0632-7712345"


def test_known_and_keep_are_keyword_only():
    with pytest.raises(TypeError):
        mask_personal_data("张三", ("张三",))


# --- Official numbers ------------------------------------------------------------------------

@pytest.mark.parametrize("text", ["请拨打0632-7712345咨询", "请拨打（０６３２）７７１２３４５咨询",
                                  "请拨打0632 771 2345咨询", "请拨打06327712345咨询"])
def test_a_registered_official_number_stays_as_written(text):
    assert mask_personal_data(text, keep=("0632-7712345", "12345")) == text


def test_other_numbers_are_still_masked_next_to_an_official_one():
    text = "咨询电话0632-7712345，我的电话0632-7712346，手机13800000000"
    assert (mask_personal_data(text, keep=("0632-7712345", "138 0000 0000"))
            == "咨询电话0632-7712345，我的电话0632-********，手机13800000000")


def test_an_official_number_is_kept_even_when_also_given_as_contact():
    text = "请拨打0632-7712345"
    assert mask_personal_data(text, known=("0632-7712345",), keep=("0632-7712345",)) == text


# --- Review hints -----------------------------------------------------------------------------

def _hints(text):
    return [(text[start:end], kind) for start, end, kind in highlight_candidates(text)]


@pytest.mark.parametrize("text, hints", [
    ("我叫王五，住在永福路8号3单元502室。",
     [("王五", "name"), ("永福路8号3单元502室", "address")]),
    ("家住幸福小区5号楼2单元301，联系人：李四", [("幸福小区5号楼2单元301", "address"),
                                                ("李四", "name")]),
    ("姓名：欧阳娜娜，本人张三丰", [("欧阳娜娜", "name"), ("张三丰", "name")]),
    ("王先生和李女士向马师傅反映", [("王先生", "name"), ("李女士", "name"), ("马师傅", "name")]),
    ("据张某某称", [("张某某", "name")]),
    ("业主赵六反映阳光花园5-2-301室漏水", [("赵六", "name"), ("阳光花园5-2-301室", "address")]),
    ("山东省烟台市芝罘区永福路８号", [("山东省烟台市芝罘区永福路８号", "address")]),
    ("我叫王五一直没人管", [("王五", "name")]),
])
def test_names_and_addresses_are_highlighted_for_the_reviewer(text, hints):
    assert _hints(text) == hints


@pytest.mark.parametrize("text", [
    "区住建局答复", "我是王府井附近的商户", "我是张家村的村民", "依据第12345号文件",
    "地铁2号线", "2024年5月1日", "人民路上的路灯", "请到3号楼办理", "",
])
def test_ordinary_text_is_not_highlighted(text):
    assert highlight_candidates(text) == []


def test_highlights_are_sorted_and_do_not_overlap():
    text = "联系人王先生，住幸福家园3号楼2单元501，李女士住永福路8号"
    spans = highlight_candidates(text)
    assert [kind for _, _, kind in spans] == ["name", "address", "name", "address"]
    assert spans == sorted(spans)
    assert all(end <= next_start for (_, end, _), (next_start, _, _) in zip(spans, spans[1:]))
    assert highlight_candidates(None) == []


def test_a_name_inside_an_address_gives_way_to_the_address():
    # 我是金色… looks like a name, but 金色家园3号楼2单元 is the longer (address) span.
    assert _hints("我是金色家园3号楼2单元") == [("金色家园3号楼2单元", "address")]
