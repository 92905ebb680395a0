"""Chinese full-text search: the terms a text is indexed under, the terms a query looks
for, and the highlighted titles and snippets shown with the results.

Both engines index the same terms (docs/architecture.md, "Search"): text is normalised
(NFKC, lower case) and cut by jieba's dictionary in search mode (rjieba, the Rust port;
no HMM guesses, so the same text always gives the same words), so 停车场 is indexed
under 停车, 车场 and 停车场; every run of Chinese characters adds its overlapping
bigrams, so that a word jieba cut differently in the query and in the text still meets
(路灯不亮 is cut 路 / 灯不亮, its bigram 路灯 finds 路灯坏了). A text's terms are
distinct: ranking counts how many of the query's terms an item holds, weighted by how
rare each is (bm25 on SQLite, ts_rank on PostgreSQL), a title match counting three times.

A query keeps its significant terms (two characters or more, not a function word; single
characters only when nothing else is left) and finds items holding any of them, best
first. Terms are letters and digits only: nothing a user types reaches the engines' query
syntax (FTS5 operators, quotes, tsquery operators) as anything but a word.
"""

import hashlib
import re
import threading
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from itertools import chain
from html import escape

MAX_QUERY_CHARS = 100  # a longer query is cut here
MAX_QUERY_TERMS = 24
MAX_TERM_CHARS = 40  # longer runs of letters or digits are cut (an engine's lexeme limit)

_WORD = re.compile(r"[^\W_]+")  # what the FTS5 unicode61 tokenizer keeps as one token
_CJK = r"\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_CJK_RUN = re.compile(f"[{_CJK}]+")
_CJK_CHAR = re.compile(f"[{_CJK}]")

# Function words and fillers that say nothing about what a text is about: never a reason
# on their own to list an item (they are still indexed; a query drops them).
STOP_TERMS = frozenset("""
的 了 是 在 和 与 及 或 也 都 就 还 又 很 太 把 被 对 从 向 给 让 这 那 有 无 不 没 我 你 他 她 它
吗 呢 吧 啊 哦 嗯 之 其 为 以 于 而 并 等 个 请
我们 你们 他们 她们 这个 那个 这些 那些 这里 那里 什么 怎么 怎样 为什么 如何 可以 能否
是否 已经 没有 一个 一些 进行 有关 相关 问题 情况 希望 要求 反映 请问 谢谢 您好 你好 如果
但是 因为 所以 而且 以及 还是 或者 非常 特别 目前 现在 时候 一直 关于
""".split())

_lock = threading.Lock()
_cut = None


def _segmenter():
    """rjieba's cut_for_search, imported (and its dictionary loaded) once per process,
    on first use: importing this module costs nothing."""
    global _cut
    if _cut is None:
        with _lock:
            if _cut is None:
                import rjieba
                _cut = rjieba.cut_for_search
    return _cut


def normalise(text: str) -> str:
    return unicodedata.normalize("NFKC", text or "").lower()


@lru_cache(maxsize=1024)
def _tokens(text: str) -> tuple[str, ...]:
    """jieba's search-mode words, then the text's Chinese bigrams; in order, repeats kept.
    Remembered for the last thousand texts: a projection indexes an item's title and
    content in several read models, often in the same batch."""
    text = normalise(text)
    words = [w[:MAX_TERM_CHARS] for piece in _segmenter()(text, False)
             for w in _WORD.findall(piece)]
    bigrams = [run[i:i + 2] for run in _CJK_RUN.findall(text) for i in range(len(run) - 1)]
    return tuple(words + bigrams)


@lru_cache(maxsize=2048)
def index_terms(*texts: str | None) -> str:
    """The terms a text is found by: distinct, space-separated (what the index stores).
    Remembered like `_tokens`: several read models index the same title and content."""
    return " ".join(dict.fromkeys(chain.from_iterable(_tokens(t) for t in texts if t)))


def _significant(term: str) -> bool:
    return term not in STOP_TERMS and (len(term) >= 2 or not _CJK_CHAR.match(term))


@dataclass(frozen=True)
class SearchQuery:
    """What a query looks for: its significant terms, longest first."""

    text: str
    terms: tuple[str, ...]

    @classmethod
    def parse(cls, q: str | None) -> "SearchQuery | None":
        """None when the query holds nothing to look for (empty, punctuation only)."""
        text = (q or "").strip()[:MAX_QUERY_CHARS]
        candidates = list(dict.fromkeys(_tokens(text)))
        terms = [t for t in candidates if _significant(t)]
        if not terms:  # a single character, or only function words: look for them then
            terms = [t for t in candidates if t not in STOP_TERMS] or candidates
        if not terms:
            return None
        terms = sorted(terms[:MAX_QUERY_TERMS], key=len, reverse=True)
        return cls(text, tuple(terms))

    def fts5(self) -> str:
        """An FTS5 MATCH expression: any of the terms, each quoted as a string."""
        return " OR ".join(f'"{t}"' for t in self.terms)

    def fts5_tiers(self, columns: tuple[str, ...]) -> list[str]:
        """FTS5 expressions of the tiers results come in, best first: every term in the
        title (the first of `columns`), every term anywhere, any term in the title, any
        term anywhere; each tier excludes the ones before it. Items hold terms in other
        columns too (filter tokens): these expressions look only in `columns`."""
        quoted = [f'"{t}"' for t in self.terms]
        every, any_ = " AND ".join(quoted), " OR ".join(quoted)
        title, anywhere = f"{{{columns[0]}}}", "{" + " ".join(columns) + "}"
        tiers = [f"{title} : ({every})", f"{anywhere} : ({every})"]
        if len(quoted) > 1:
            tiers += [f"{title} : ({any_})", f"{anywhere} : ({any_})"]
        return [f"({tier}) NOT ({' OR '.join(f'({t})' for t in tiers[:i])})" if i else
                f"({tier})" for i, tier in enumerate(tiers)]

    def tsquery(self) -> str:
        """A tsquery (the text form, cast as is): any of the terms, each quoted."""
        return " | ".join(f"'{t}'" for t in self.terms)

    @property
    def _pattern(self) -> re.Pattern:
        # Terms are letters and digits; longest first so 停车场 wins over 停车.
        return re.compile("|".join(map(re.escape, self.terms)))

    def highlight(self, text: str | None) -> str:
        """`text` HTML-escaped with each occurrence of a term in <mark>…</mark>."""
        return _marked(text or "", self._pattern)

    def snippet(self, *texts: str | None, width: int = 80) -> str:
        """About `width` characters around the first match in the first text holding one
        (HTML-escaped, terms marked, … where cut); the first text's start when none does."""
        pattern = self._pattern
        for text in texts:
            found = pattern.search(normalise(text)) if text else None
            if found:
                break
        else:
            text = next((t for t in texts if t), "")
            found = None
        text = unicodedata.normalize("NFKC", text)
        start = max(0, found.start() - width // 4) if found else 0
        end = min(len(text), start + width)
        piece = text[start:end]
        return (("…" if start else "") + _marked(piece, pattern)
                + ("…" if end < len(text) else ""))


def facet_token(facet: str, value) -> str:
    """A filter value as one index token no text gives (letters and digits only), for
    filtering inside the full-text index: `facet` a short prefix (d, c, k, v)."""
    digest = hashlib.sha1(str(value).encode()).hexdigest()[:16]
    return f"zz{facet}{digest}"


def _marked(text: str, pattern: re.Pattern) -> str:
    """Escape `text` and mark matches; matching runs on the normalised text (same length
    for what NFKC leaves alone, so positions agree; otherwise nothing is marked)."""
    text = unicodedata.normalize("NFKC", text)
    folded = text.lower()
    if len(folded) != len(text):
        return escape(text)
    out, last = [], 0
    for m in pattern.finditer(folded):
        out += [escape(text[last:m.start()]), "<mark>", escape(text[m.start():m.end()]),
                "</mark>"]
        last = m.end()
    out.append(escape(text[last:]))
    return "".join(out)
