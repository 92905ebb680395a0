"""The lexicon staff keep: every edit an event, the escalation scores with the edited one."""

import pytest

from domain.actors import Actor
from domain.errors import AccessDeniedError, InvalidValueError, NotFoundError
from domain.sensitivity import EMERGENCY, SensitivityPolicy

TEAM = Actor("yq", ("opinion",))


def test_the_default_stands_until_the_first_edit(app):
    lexicon, version = app.current_lexicon()
    assert version == 0 and "爆炸" in lexicon.emergency


def test_edits_are_events_and_change_what_is_sensitive(app):
    assert not SensitivityPolicy(app.current_lexicon()[0]).assess("小区附近有人放鞭炮").sensitive
    app.edit_lexicon(TEAM, "set_term", topic=EMERGENCY, term="放鞭炮", weight=1)
    app.edit_lexicon(TEAM, "add_exclusion", phrase="电子鞭炮")
    app.edit_lexicon(TEAM, "change_settings", threshold=1.5, spike_count=3)
    lexicon, version = app.current_lexicon()
    assert version > 1 and lexicon.threshold == 1.5 and lexicon.spike_count == 3
    policy = SensitivityPolicy(lexicon)
    assert policy.assess("小区附近有人放鞭炮").topics == {EMERGENCY: ("放鞭炮",)}
    assert policy.assess("小区附近有人放鞭炮").topic == "突发事件（其他）"
    app.edit_lexicon(TEAM, "set_term", topic=EMERGENCY, term="放鞭炮", weight=1,
                     kind="火灾爆炸")
    assert SensitivityPolicy(app.current_lexicon()[0]).assess(
        "小区附近有人放鞭炮").topic == "突发事件（火灾爆炸）"
    app.edit_lexicon(TEAM, "remove_term", topic=EMERGENCY, term="放鞭炮")
    assert "放鞭炮" not in app.current_lexicon()[0].emergency


def test_bad_edits_are_refused_and_only_the_team_may_edit(app):
    with pytest.raises(AccessDeniedError):
        app.edit_lexicon(Actor("h1", ("handler",), "区住建局"), "set_term", topic="x",
                         term="y", weight=1)
    for edit, values in (("set_term", {"topic": "生态环境", "term": "", "weight": 1}),
                         ("set_term", {"topic": "生态环境", "term": "污水", "weight": 0}),
                         ("set_term", {"topic": "生态环境", "term": "污水", "weight": "x"}),
                         ("set_term", {"topic": "生态环境", "term": "污水"}),
                         ("set_term", {"topic": "生态环境", "term": 5, "weight": 1}),
                         ("set_term", {"topic": ["x"], "term": "污水", "weight": 1}),
                         ("set_term", {"topic": "生态环境", "term": "污\x00水", "weight": 1}),
                         ("set_term", {"topic": "生态环境", "term": "污\ud800", "weight": 1}),
                         ("set_term", {"topic": "生态环境", "term": "污水", "weight": 1,
                                       "kind": "火灾爆炸"}),
                         ("change_settings", {"threshold": -1}),
                         ("change_settings", {"colour": "red"}),
                         ("explode", {})):
        with pytest.raises(InvalidValueError):
            app.edit_lexicon(TEAM, edit, **values)
    with pytest.raises(NotFoundError):
        app.edit_lexicon(TEAM, "remove_term", topic="生态环境", term="不存在的词")
