"""Aggregates kept between commands (AGGREGATE_CACHE): a command works on a copy, so a
refused or failed command leaves the kept aggregate as it was, and a load always sees
what another process saved meanwhile."""

from copy import deepcopy

import pytest
from eventsourcing.cryptography import AESCipher

from domain.actors import Actor
from domain.casework import fresh_copy
from domain.errors import IllegalTransitionError
from infrastructure.bootstrap import bootstrap
from infrastructure.config import Settings

REVIEWER = Actor("rev", ("reviewer",))
HANDLER = Actor("h1", ("handler",), department="区住建局")


@pytest.fixture
def app(tmp_path):
    settings = Settings(database_url=f"sqlite:///{tmp_path}/cache.sqlite", secret_key="x",
                        cipher_key=AESCipher.create_key(32), rate_limits="off",
                        aggregate_cache=10)
    runtimes = [bootstrap(settings, poke_enabled=False) for _ in range(2)]
    runtimes[0].init_storage()
    yield [rt.app for rt in runtimes]
    for rt in runtimes:
        rt.close()


def submitted(app) -> str:
    return app.submit_comment(title="路灯不亮", content="小区路灯坏了三天，特此反映，望予处理。",
                              kind="投诉", category="城乡建设", name="张三",
                              phone="13812345678")["tracking_no"]


def test_the_repository_keeps_aggregates(app):
    first, _ = app
    assert first.repository.cache is not None and first.repository.cache.maxsize == 10


def test_a_copy_shares_nothing_a_command_could_change():
    class Thing:
        pass
    thing = Thing()
    shared = ["a"]
    thing.__dict__.update(title="t", items=shared, again=shared, contact={"phone": "1"})
    copied = fresh_copy(thing)
    assert copied.__dict__ == thing.__dict__ == deepcopy(thing).__dict__
    assert copied.items is not thing.items and copied.contact is not thing.contact
    assert copied.items is copied.again  # shared within the copy, as deepcopy keeps it
    copied.items.append("b")
    assert thing.items == ["a"]


def test_a_refused_command_leaves_the_kept_aggregate_unchanged(app):
    first, _ = app
    number = submitted(first)
    first.act("comments", number, "accept_dispatch", REVIEWER, department="区住建局")
    kept = first.get_item("comments", number)
    with pytest.raises(IllegalTransitionError):
        first.act("comments", number, "accept", REVIEWER)
    item = first.get_item("comments", number)
    assert item.version == kept.version and item.status == kept.status
    item.title = "changed by a caller"  # a loaded copy is the caller's own
    assert first.get_item("comments", number).title == "路灯不亮"


def test_a_load_sees_what_another_process_saved(app):
    first, second = app
    number = submitted(first)
    first.get_item("comments", number)  # kept by the first process
    second.act("comments", number, "accept_dispatch", REVIEWER, department="区住建局")
    second.act("comments", number, "save_draft", HANDLER, content="已安排维修。")
    item = first.get_item("comments", number)
    assert item.status == second.get_item("comments", number).status
    assert item.saved_draft == "已安排维修。"
    first.act("comments", number, "save_draft", HANDLER, content="已修复。")  # no conflict
    assert second.get_item("comments", number).saved_draft == "已修复。"
