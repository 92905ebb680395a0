"""Full-text search in the read models, on SQLite (FTS5) and PostgreSQL (tsvector): the same
test bodies on both stores."""

import pytest

from domain.actors import Actor
from infrastructure.views.public_replies import PublicReplies
from infrastructure.views.updater import ReadModelUpdater
from tests.support import NAME, PHONE, replied, submit

OPERATOR = Actor("op", ("operator",))

OPERATOR_TICKET = dict(channel="phone", area="临城街道", category="城乡建设", kind="投诉",
                       urgency="normal")


@pytest.fixture
def q(runtime):
    return runtime.queries


PLEA = "请尽快处理，谢谢。"  # comments are at least ten characters long


def publish(runtime, staff, title: str, content: str, **kw) -> str:
    return replied(runtime.app, staff, title=title, content=content + PLEA,
                   **kw)["tracking_no"]


def numbers(page) -> list[str]:
    return [row["tracking_no"] for row in page.items]


@pytest.fixture
def listing(runtime, staff):
    """Five published replies and one that is not public."""
    made = {
        "parking_lot": publish(runtime, staff, "停车场收费太贵", "小区停车场每月收费八百元。"),
        "parking_mess": publish(runtime, staff, "门口乱停车", "每天晚上门口乱停车，堵住消防通道。"),
        "lamp": publish(runtime, staff, "路灯坏了", "东门外的路灯坏了两个星期。"),
        "lamp_dark": publish(runtime, staff, "路灯不亮", "晚上路灯不亮，出行不便。"),
        "noise": publish(runtime, staff, "工地噪音扰民", "夜间施工噪音很大。"),
        "private": publish(runtime, staff, "停车难", "停车位太少。", publish=False),
    }
    runtime.catch_up_all()
    return made


def test_a_word_finds_the_longer_words_that_hold_it(runtime, q, listing):
    found = q.public_replies(q="停车")
    assert sorted(numbers(found)) == sorted([listing["parking_lot"], listing["parking_mess"]])
    assert found.total == 2  # never the item the citizen kept private


def test_a_phrase_finds_items_sharing_one_of_its_words_full_matches_first(runtime, q, listing):
    found = numbers(q.public_replies(q="路灯不亮"))
    assert set(found) == {listing["lamp"], listing["lamp_dark"]}
    assert found[0] == listing["lamp_dark"]  # holds every term of the query


def test_the_title_counts_more_than_the_text(runtime, q, staff, listing):
    in_text = publish(runtime, staff, "小区环境问题", "垃圾桶旁边噪音也很大。")
    runtime.catch_up_all()
    found = numbers(q.public_replies(q="噪音"))
    assert found == [listing["noise"], in_text]


def test_matches_are_highlighted_and_escaped(runtime, q, staff):
    no = publish(runtime, staff, "<b>停车</b>场收费", "停车场 <script>x</script> 太贵")
    runtime.catch_up_all()
    row = q.public_replies(q="停车场").items[0]
    assert row["tracking_no"] == no
    assert row["highlight"]["title"] == "&lt;b&gt;<mark>停车</mark>&lt;/b&gt;场收费"
    assert row["highlight"]["snippet"].startswith("<mark>停车场</mark> &lt;script&gt;")
    assert row["title"] == "<b>停车</b>场收费"  # the plain fields are untouched


def test_search_keeps_the_other_filters(runtime, q, staff, listing):
    other = publish(runtime, staff, "停车收费", "收费不合理。", department="区交运局")
    runtime.catch_up_all()
    assert numbers(q.public_replies(q="停车", department="区交运局")) == [other]
    assert q.public_replies(q="停车", per_page=1, page=2).total == 3
    assert q.public_replies(q="停车", page=9).items == []
    assert q.public_replies(q="停车", page=9).total == 3


def test_queries_with_operators_quotes_or_nothing_searchable(runtime, q, listing):
    for hostile in ('"', '""', "*", "-", "NEAR(路灯 停车)", "路灯 OR", "停车*", "'", "\\",
                    "a:b", "!(", "&|", "路灯" * 200, "停车\" OR \"1", "-停车"):
        q.public_replies(q=hostile)  # never an engine syntax error
    assert q.public_replies(q="***").total == 0
    assert set(numbers(q.public_replies(q="-停车"))) == {listing["parking_lot"],
                                                        listing["parking_mess"]}
    assert q.public_replies(q="NEAR").total == 0  # a word like any other


def test_a_redaction_and_a_rejection_change_what_is_found(runtime, q, staff, listing):
    app = runtime.app
    app.act("comments", listing["noise"], "redact", staff.reviewer, title="工地夜间施工",
            content="夜间施工影响休息。" + PLEA)
    rejected = submit(app, title="停车位被占", content="停车位被占用。" + PLEA)["tracking_no"]
    runtime.catch_up_all()
    app.act("comments", rejected, "reject", staff.reviewer, reason="duplicate")
    runtime.catch_up_all()
    assert q.public_replies(q="噪音").total == 0
    assert numbers(q.public_replies(q="施工")) == [listing["noise"]]
    assert runtime.views.query("SELECT id FROM pub_search WHERE id IN "
                               "(SELECT id FROM pub_status WHERE tracking_no = :t)",
                               {"t": rejected}) == []


def test_no_search_table_holds_contact_details(runtime, staff):
    replied(runtime.app, staff, content=f"路灯坏了，电话{PHONE}")
    runtime.catch_up_all()
    for table in ("pub_search", "inbox_search", "ticket_search"):
        text = repr(runtime.views.query(f"SELECT * FROM {table}"))
        assert "路灯" in text or table == "ticket_search"
        assert PHONE not in text and NAME not in text and "13812345678"[:7] not in text


def test_the_staff_inbox_searches_titles_and_content_or_takes_a_number(runtime, q, staff,
                                                                       clock):
    app = runtime.app
    lot = submit(app, title="停车场收费", content="收费太贵。" + PLEA)["tracking_no"]
    in_text = submit(app, title="投诉物业", content="小区里乱停车没人管。" + PLEA)["tracking_no"]
    lamp = submit(app, title="路灯坏了", content="请修理。" + PLEA)["tracking_no"]
    runtime.catch_up_all()
    today = clock.today()
    found = q.inbox(today=today, q="停车")
    assert numbers(found) == [lot, in_text]  # the title match first
    assert found.items[0]["highlight"]["title"] == "<mark>停车</mark>场收费"
    assert numbers(q.inbox(today=today, q="路灯不亮")) == [lamp]
    assert numbers(q.inbox(today=today, q=lamp)) == [lamp]
    assert q.inbox(today=today, q="停车", status="accepted").total == 0
    assert q.inbox(today=today, q="NEAR \"*").total == 0


def test_the_ticket_queue_searches_titles_and_content(runtime, q, clock):
    app = runtime.app
    lamp = app.register_ticket(OPERATOR, title="路灯坏了", content="东门路灯坏了",
                               **OPERATOR_TICKET).number
    parking = app.register_ticket(OPERATOR, title="噪音", content="停车场夜间噪音",
                                  **OPERATOR_TICKET).number
    runtime.catch_up_all()
    kw = dict(today=clock.today(), now=clock())
    assert numbers_of_tickets(q.ticket_queue(q="路灯不亮", **kw)) == [lamp]
    assert numbers_of_tickets(q.ticket_queue(q="停车", **kw)) == [parking]
    assert numbers_of_tickets(q.ticket_queue(q=parking, **kw)) == [parking]
    assert q.ticket_queue(q='"', **kw).total == 0


def numbers_of_tickets(page) -> list[str]:
    return [row["ticket_no"] for row in page.items]


def test_a_rebuild_gives_the_same_search_results(runtime, q, clock, listing):
    queries = ("停车", "路灯不亮", "噪音")
    before = [numbers(q.public_replies(q=text)) for text in queries]
    inbox_before = numbers(q.inbox(today=clock.today(), q="停车"))
    for name in ("public_replies", "staff_inbox"):
        runtime.updater(name).rebuild()  # a new generation, swapped in; the old one dropped
    assert [numbers(q.public_replies(q=text)) for text in queries] == before
    assert numbers(q.inbox(today=clock.today(), q="停车")) == inbox_before


class PublicRepliesBeforeSearch(PublicReplies):
    """The listing as it was before it had a search table (the deploy that adds it)."""

    version = PublicReplies.version - 1
    tables = {t: c for t, c in PublicReplies.tables.items() if t != "pub_search"}
    full_text = {}

    def index(self, emit, e, **texts):
        pass

    def set(self, emit, e, assignments, *, visible=None, **params):
        if visible is not None:
            assignments = f"{assignments}, visible = {visible}"
        emit(f"UPDATE pub_replies SET {assignments} WHERE id = :id",
             {"id": e.originator_id.hex, **params})


def test_an_upgrade_builds_the_index_beside_the_old_listing_which_serves_meanwhile(
        make_settings, make_runtime, database_url, staff):
    rt = make_runtime(make_settings(database_url), init=False)
    ReadModelUpdater(rt.app, rt.views, PublicRepliesBeforeSearch()).ensure()
    rt.init_storage()  # this code's version starts building beside the old one
    no = replied(rt.app, staff, title="停车场收费太贵", content="小区停车场每月收费八百元。")
    old = ReadModelUpdater(rt.app, rt.views, PublicRepliesBeforeSearch())
    old.catch_up()
    assert rt.queries.public_replies().total == 1  # the old generation serves ...
    assert rt.queries.public_replies(q="停车").total == 0  # ... with an empty index
    rt.catch_up_all()  # the new one catches up and is swapped in
    assert numbers(rt.queries.public_replies(q="停车")) == [no["tracking_no"]]


def test_search_with_kind_category_and_dates(runtime, q, staff, clock, listing):
    other = publish(runtime, staff, "停车收费", "收费不合理。", kind="建议", category="交通出行")
    runtime.catch_up_all()
    assert numbers(q.public_replies(q="停车", kind="建议")) == [other]
    assert numbers(q.public_replies(q="停车", category="交通出行")) == [other]
    assert q.public_replies(q="停车", kind="建议", category="城乡建设").total == 0
    today = clock.today()
    dated = q.public_replies(q="停车", date_from=today, date_to=today)
    assert set(numbers(dated)) == {other, listing["parking_lot"], listing["parking_mess"]}
    assert q.public_replies(q="停车", date_to=today.replace(year=2025)).total == 0


def test_a_withheld_reply_leaves_the_search_and_comes_back_when_released(runtime, q, staff,
                                                                        listing):
    app = runtime.app
    app.act("comments", listing["lamp"], "withhold", staff.reviewer, reason="待核实")
    runtime.catch_up_all()
    assert listing["lamp"] not in numbers(q.public_replies(q="路灯"))
    app.act("comments", listing["lamp"], "release", staff.reviewer)
    runtime.catch_up_all()
    assert listing["lamp"] in numbers(q.public_replies(q="路灯"))
