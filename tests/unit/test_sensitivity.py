"""The sensitivity policy: hot topics, emergencies, the word-boundary trap, urgency, spikes."""

from datetime import timedelta

from hypothesis import given
from hypothesis import strategies as st

from domain.sensitivity import EMERGENCY, Lexicon, SensitivityPolicy, normalise, spike_in
from tests.support import local

POLICY = SensitivityPolicy()


def test_an_emergency_term_is_enough_and_a_longer_term_counts_once():
    found = POLICY.assess("小区燃气泄漏，楼道里气味很重，请尽快处理")
    assert found.sensitive and found.topic == "突发事件（泄漏中毒）" and found.is_emergency
    assert found.topics == {EMERGENCY: ("燃气泄漏",)} and found.score == 1.0
    assert found.reasons == ("突发事件：燃气泄漏",)


def test_terms_inside_longer_words_that_mean_something_else_do_not_fire():
    for text in ("我的手机中毒了，信息泄漏怎么办", "这是一条爆炸性新闻", "社保卡丢了怎么补办",
                 "当下是信息爆炸的时代", "不要把新事物视为洪水猛兽"):
        found = POLICY.assess(text)
        assert not found.sensitive and EMERGENCY not in found.topics, text
    # The same terms standing on their own do fire.
    assert POLICY.assess("食堂饭菜导致多人中毒").sensitive
    assert POLICY.assess("化工厂发生爆炸，有人员伤亡").topics[EMERGENCY] == ("伤亡", "爆炸")


def test_an_emergency_is_about_the_kind_of_event_its_terms_name():
    assert POLICY.assess("临街饭店起火，浓烟很大").topic == "突发事件（火灾爆炸）"
    assert POLICY.assess("下雨后地下通道内涝严重").topic == "突发事件（洪涝）"
    # A tie goes to the event rather than its consequence; more terms of a kind win.
    assert POLICY.assess("仓库爆炸，有人员伤亡").emergency_kind == "火灾爆炸"
    assert POLICY.assess("工地坍塌，一人死亡，多人伤亡").emergency_kind == "人员伤亡"
    assert POLICY.assess("咨询养老金").emergency_kind is None
    custom = Lexicon(emergency={"踩踏": 1.0}, emergency_kinds={})
    assert SensitivityPolicy(custom).assess("商场发生踩踏").topic == "突发事件（其他）"


def test_hot_topic_terms_add_up_to_the_threshold():
    one = POLICY.assess("咨询今年的养老金调整标准")
    assert not one.sensitive and one.topics == {"社会保障": ("养老金",)} and one.score == 0.5
    two = POLICY.assess("化工厂夜里偷排污水，河里大量死鱼，气味刺鼻")
    assert two.sensitive and two.topic == "生态环境"
    assert two.topics["生态环境"] == ("偷排", "刺鼻", "排污", "死鱼")  # 偷排污水: both


def test_spacing_and_full_width_characters_do_not_hide_a_term():
    assert POLICY.assess("燃 气 泄 漏").sensitive
    assert POLICY.assess("ＰＭ2.5超标，扬尘 污染严重").topic == "生态环境"


def test_an_urgent_ticket_is_sensitive_whatever_it_says():
    found = POLICY.assess("路灯坏了", urgent=True)
    assert found.sensitive and found.reasons == ("紧急工单",) and found.topic is None


def test_the_lexicon_is_data():
    lexicon = Lexicon(topics={"交通": {"拥堵": 1.0}}, emergency={}, exclusions=(),
                      threshold=1.0)
    policy = SensitivityPolicy(lexicon)
    assert policy.assess("早高峰拥堵严重").topics == {"交通": ("拥堵",)}
    assert not policy.assess("燃气泄漏").sensitive
    assert not SensitivityPolicy(Lexicon(topics={}, emergency={}, exclusions=())).assess(
        "爆炸").topics


def test_a_spike_counts_the_items_within_the_window_and_not_one_exactly_a_window_old():
    lexicon, now = Lexicon(), local(2026, 10, 12, 15)
    four_within = [now - timedelta(minutes=m) for m in (0, 10, 30, 119)]
    assert not spike_in(four_within, now, lexicon)
    assert spike_in(four_within + [now - timedelta(minutes=119, seconds=59)], now, lexicon)
    assert not spike_in(four_within + [now - timedelta(minutes=120)], now, lexicon)
    assert not spike_in(four_within + [now + timedelta(seconds=1)], now, lexicon)


def test_matching_over_bytes_keeps_to_character_boundaries():
    # Terms are matched over UTF-8 bytes: mixed scripts, emoji and a lone surrogate are fine,
    # and a term never matches across the bytes of two other characters.
    policy = SensitivityPolicy(Lexicon(topics={"生态环境": {"pm2.5超标": 1.0, "污染": 0.5}},
                                       emergency={}, exclusions=()))
    assert policy.assess("今天ＰＭ2.5超标了😷").topics == {"生态环境": ("pm2.5超标",)}
    assert policy.assess("\ud800河流污染").topics == {"生态环境": ("污染",)}
    # 汚 (U+6C5A) and 染 share no byte sequence with 污染 at a boundary: nothing found.
    assert policy.assess("汚染").topics == {}


@given(st.text())
def test_normalising_skips_only_texts_already_in_nfkc(text):
    import unicodedata
    assert normalise(text) == "".join(unicodedata.normalize("NFKC", text).lower().split())
