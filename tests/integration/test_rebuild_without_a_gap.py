"""Rebuilds and new read-model versions build beside the serving tables and swap at once.

Same test bodies on SQLite and PostgreSQL.
"""

import threading

from infrastructure.views.public_replies import PublicReplies
from infrastructure.views.updater import ReadModelUpdater
from tests.support import replied
from web import create_app


def listing_total(rt) -> int:
    return rt.queries.public_replies(per_page=1).total


def publish_some(rt, staff, count: int) -> None:
    for _ in range(count):
        replied(rt.app, staff)
    rt.catch_up_all()


def test_a_reader_polling_the_listing_during_rebuild_all_never_sees_fewer_items(
        make_settings, make_runtime, database_url, staff):
    rt = make_runtime(make_settings(database_url, batch_size=5))
    publish_some(rt, staff, 12)
    assert listing_total(rt) == 12
    seen, stop = [], threading.Event()

    def poll():
        while not stop.is_set():
            seen.append(listing_total(rt))

    reader = threading.Thread(target=poll)
    reader.start()
    try:
        result = create_app({"TESTING": True}, runtime=rt).test_cli_runner().invoke(
            args=["rebuild", "all", "--jobs", "1"])
    finally:
        stop.set()
        reader.join()
    assert result.exit_code == 0, result.output
    assert "public_replies: 已重建" in result.output
    assert seen and min(seen) == 12
    assert listing_total(rt) == 12
    # Every read model now serves its second generation; the first one's tables are gone.
    for updater in rt.updaters():
        assert [g.number for g in rt.views.generations(updater.model)] == [2]
    leftover = rt.views.query("SELECT name, generation FROM minyi_read_models "
                              "WHERE generation = 1")
    assert leftover == []


def test_the_old_generation_serves_while_a_new_one_builds_and_is_fed_meanwhile(
        make_settings, make_runtime, database_url, staff):
    rt = make_runtime(make_settings(database_url, batch_size=4))
    publish_some(rt, staff, 6)
    updater = rt.updater("public_replies")
    building = rt.views.start_generation(updater.model)
    assert updater.run_batch(building) == 4  # part-way through the log
    assert listing_total(rt) == 6  # readers still see the serving generation, all of it
    publish_some(rt, staff, 1)  # catch_up_all feeds both generations, then swaps
    assert rt.views.generations(updater.model)[0].number == building.number
    assert listing_total(rt) == 7


class PublicRepliesV2(PublicReplies):
    """The same read model with a new version (as a deploy that changed it would have)."""

    version = PublicReplies.version + 1


def test_a_version_bump_builds_itself_in_the_background_and_swaps_when_caught_up(
        make_settings, make_runtime, database_url, staff, clock):
    rt = make_runtime(make_settings(database_url, batch_size=3))
    publish_some(rt, staff, 5)
    before = rt.queries.public_replies(per_page=100).items
    bumped = ReadModelUpdater(rt.app, rt.views, PublicRepliesV2(), batch_size=3)
    totals = []
    bumped.catch_up(on_batch=lambda n: totals.append(listing_total(rt)))
    assert totals and set(totals) == {5}  # the old version served complete data throughout
    generations = rt.views.generations(bumped.model)
    assert [(g.version, g.state) for g in generations] == [(PublicRepliesV2.version, "serving")]
    assert rt.queries.public_replies(per_page=100).items == before


def _indexes(rt, table: str) -> set:
    if rt.views.dialect == "sqlite":
        rows = rt.views.query(f"PRAGMA index_list({table})")
        return {r["name"] for r in rows if not r["name"].startswith("sqlite_autoindex")}
    rows = rt.views.query("SELECT indexname FROM pg_indexes WHERE tablename = :t "
                          "AND indexname NOT LIKE :pkey AND indexname NOT LIKE :unique",
                          {"t": table, "pkey": "%pkey", "unique": "%key"})
    return {r["indexname"] for r in rows}


def test_a_build_gets_its_secondary_indexes_when_it_is_swapped_in(make_settings, make_runtime,
                                                                  database_url, staff):
    """Rows go into a building generation without index upkeep; the indexes are built in
    bulk before it serves. Escalation keeps its window index from the start (its handlers
    read through it)."""
    rt = make_runtime(make_settings(database_url))
    publish_some(rt, staff, 3)
    updater, escalation = rt.updater("public_replies"), rt.updater("escalation")
    building = rt.views.start_generation(updater.model)
    table = building.names["pub_replies"]
    assert _indexes(rt, table) == set()
    esc = rt.views.start_generation(escalation.model)
    assert _indexes(rt, esc.names["esc_items"])  # built with it
    while building.state != "serving":
        updater.run_batch(building)
        if not updater.pending():
            assert rt.views.swap(building)
    assert _indexes(rt, table) == {f"{table}_visible", f"{table}_dept", f"{table}_submitted"}
    assert listing_total(rt) == 3
