"""Search terms: what a text is indexed under, what a query looks for, highlighting."""

import pytest

from infrastructure.search import MAX_QUERY_TERMS, SearchQuery, index_terms


def terms(text: str) -> set[str]:
    return set(index_terms(text).split())


def test_longer_words_are_indexed_under_the_words_inside_them():
    assert {"停车", "停车场", "车场"} <= terms("停车场")
    assert "停车" in terms("小区门口乱停车")


def test_every_run_of_chinese_characters_adds_its_bigrams():
    assert {"路灯", "灯不", "不亮"} <= terms("路灯不亮")  # jieba cuts it 路 / 灯不亮
    assert "路灯" in terms("路灯坏了")


def test_terms_are_distinct_lower_case_letters_and_digits():
    indexed = index_terms("Wi-Fi 信号差，WIFI！12345热线 under_score")
    assert indexed.split() == list(dict.fromkeys(indexed.split()))
    assert {"wi", "fi", "wifi", "12345", "热线", "under", "score"} <= set(indexed.split())
    assert all(t.isalnum() for t in indexed.split())
    assert index_terms(None, "", "！？。") == ""


def test_full_width_letters_are_folded():
    assert "wifi" in terms("ＷＩＦＩ")


def test_a_query_keeps_its_significant_terms_longest_first():
    query = SearchQuery.parse("路灯不亮")
    assert "路灯" in query.terms and "不亮" in query.terms
    assert "路" not in query.terms  # single characters only when nothing else is left
    assert [len(t) for t in query.terms] == sorted((len(t) for t in query.terms), reverse=True)


def test_function_words_are_dropped_unless_nothing_else_is_left():
    assert "我们" not in SearchQuery.parse("我们的路灯").terms
    assert SearchQuery.parse("我们").terms == ("我们",)
    assert SearchQuery.parse("灯").terms == ("灯",)


@pytest.mark.parametrize("q", ["", "   ", '"', "*", "-", "!(&|)", "“”", "\\"])
def test_a_query_with_nothing_to_look_for_is_none(q):
    assert SearchQuery.parse(q) is None


@pytest.mark.parametrize("q", ['NEAR("停车" 路灯)', '停车" OR "1', "停车*", "-停车", "a:b|c&!d",
                               "'路灯' | '停车'"])
def test_operators_and_quotes_never_reach_the_engines(q):
    query = SearchQuery.parse(q)
    for term in query.terms:
        assert term.isalnum()
    assert query.fts5() == " OR ".join(f'"{t}"' for t in query.terms)
    assert query.tsquery() == " | ".join(f"'{t}'" for t in query.terms)


def test_near_is_a_word_like_any_other():
    assert SearchQuery.parse("NEAR").terms == ("near",)


def test_long_queries_are_cut():
    query = SearchQuery.parse("停车场路灯噪音垃圾" * 50)
    assert len(query.text) == 100 and len(query.terms) <= MAX_QUERY_TERMS


def test_highlight_escapes_and_marks_the_longest_term():
    query = SearchQuery.parse("停车场")
    assert query.highlight("<b>停车场</b>收费") == "&lt;b&gt;<mark>停车场</mark>&lt;/b&gt;收费"
    assert SearchQuery.parse("停车").highlight("乱停车") == "乱<mark>停车</mark>"
    assert SearchQuery.parse("wifi").highlight("WiFi & 4G") == "<mark>WiFi</mark> &amp; 4G"
    assert query.highlight(None) == ""


def test_a_snippet_is_cut_around_the_first_match_of_the_first_text_that_has_one():
    query = SearchQuery.parse("路灯")
    content = "甲" * 100 + "路灯坏了" + "乙" * 100
    snippet = query.snippet("没有命中的内容", content, width=20)
    assert snippet.startswith("…") and snippet.endswith("…")
    assert "<mark>路灯</mark>坏了" in snippet
    assert query.snippet("没有命中", None, width=4) == "没有命中"
    assert query.snippet("<没有命中的很长的内容>", width=4) == "&lt;没有命…"
