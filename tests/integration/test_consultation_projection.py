"""The consultation read model on SQLite and PostgreSQL: the column by status, opinion
counts and answers, the adoption numbers, no contact details in any row, a rebuild that
gives the same rows — and two runtimes on one database submitting opinions at once, each
getting a number of its own."""

import threading

from domain.actors import Actor
from domain.consultations import Phase
from tests.support import local

HANDLER = Actor("h1", ("handler",), "区住建局")
REVIEWER = Actor("rev", ("reviewer",))
ADMIN = Actor("root", ("admin",))
PHONE, EMAIL = "13912345678", "li@example.com"


def entry(app, department="区住建局", actor=HANDLER):
    return app.list_consultation(actor, year=2026, title=f"{department}重大决策",
                                 department=department, planned_on="2026-12-20",
                                 participation=["online"]).consultation_no


def publish(app, no, opens_on, closes_on):
    app.act("consultations", no, "publish_draft", ADMIN, draft="草案", basis="依据",
            opens_on=opens_on, closes_on=closes_on)


def rows(rt) -> dict:
    order = {"consultations": "consultation_no", "consultation_opinions": "opinion_no"}
    return {table: rt.views.query(f"SELECT * FROM {table} ORDER BY {key}")
            for table, key in order.items()}


def test_the_listing_follows_the_history_on_both_backends(runtime, clock):
    app, queries = runtime.app, runtime.queries
    planned = entry(app)
    decided = entry(app)
    publish(app, decided, "2026-10-01", "2026-10-30")
    upcoming = entry(app, "区交运局", ADMIN)
    publish(app, upcoming, "2026-11-01", "2026-11-30")
    clock.now = local(2026, 10, 5)
    receipts = [app.submit_opinion(decided, content=f"意见{i}，电话{PHONE}", name="李四",
                                   phone=PHONE, email=EMAIL, publish=i != 2) for i in range(3)]
    runtime.catch_up_all()
    today = clock.today()
    assert [r["consultation_no"] for r in queries.consultations(
        today=today, status=Phase.OPEN).items] == [decided]
    assert queries.consultation(decided, today)["opinion_count"] == 3
    clock.now = local(2026, 10, 31, 10)
    for i, receipt in enumerate(receipts):
        app.act("consultations", decided, "answer", HANDLER, opinion_no=receipt["opinion_no"],
                adoption=("adopted", "partly", "not_adopted")[i], reason=f"理由{i}")
    app.act("consultations", decided, "answer", HANDLER, opinion_no=receipts[0]["opinion_no"],
            adoption="adopted", reason="理由0（修改）")  # a correction counts once
    runtime.catch_up_all()
    today = clock.today()
    row = queries.consultation(decided, today)
    assert row["phase"] == Phase.CLOSED and row["answered_count"] == 3
    assert row["received"] is None  # not public before the adoption is
    assert queries.consultation_opinions(decided).total == 0
    app.act("consultations", decided, "submit_summary", HANDLER, summary="共收到3条")
    app.act("consultations", decided, "approve", REVIEWER)
    runtime.catch_up_all()
    row = queries.consultation(decided, today)
    assert (row["phase"], row["received"], row["adopted"], row["partly"],
            row["not_adopted"]) == (Phase.PUBLISHED, 3, 1, 1, 1)
    published = queries.consultation_opinions(decided).items
    assert [o["opinion_no"] for o in published] == [r["opinion_no"] for r in receipts[:2]]
    assert published[0]["reason"] == "理由0（修改）" and published[1]["adoption"] == "partly"
    phases = {r["consultation_no"]: r["phase"] for r in queries.consultations(
        today=today, catalogue=True).items}
    assert phases == {planned: Phase.PLANNED, decided: Phase.PUBLISHED,
                      upcoming: Phase.UPCOMING}  # it opens on 11-01
    clock.now = local(2026, 11, 1, 0, 0)  # midnight in Beijing, still 10-31 in UTC
    assert queries.consultation(upcoming, clock.today())["phase"] == Phase.OPEN


def test_no_contact_details_in_any_row_and_a_rebuild_gives_the_same_rows(runtime, clock):
    app = runtime.app
    no = entry(app)
    publish(app, no, "2026-10-01", "2026-10-30")
    clock.now = local(2026, 10, 2)
    app.submit_opinion(no, content="请公开改造资金明细", name="王五", phone=PHONE, email=EMAIL)
    runtime.catch_up_all()
    before = rows(runtime)
    text = repr(before)
    assert before["consultation_opinions"] and PHONE not in text and EMAIL not in text and \
        "王五" not in text
    runtime.updater("consultations").rebuild()
    assert rows(runtime) == before


def test_two_runtimes_submitting_at_once_get_distinct_dense_numbers(make_settings,
                                                                   make_runtime, database_url,
                                                                   clock):
    settings = make_settings(database_url)
    first, second = make_runtime(settings), make_runtime(settings, init=False)
    no = entry(first.app)
    publish(first.app, no, "2026-10-01", "2026-10-30")
    clock.now = local(2026, 10, 2)
    numbers, errors = [], []
    start = threading.Barrier(4, timeout=20)

    def submit(app, i):
        start.wait()
        try:
            for j in range(3):
                numbers.append(app.submit_opinion(no, content=f"意见{i}-{j}")["opinion_no"])
        except Exception as e:  # noqa: BLE001 - reported below
            errors.append(e)

    threads = [threading.Thread(target=submit, args=(app, i))
               for i, app in enumerate((first.app, second.app, first.app, second.app))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, errors
    assert sorted(numbers) == [f"{no}-{i:04d}" for i in range(1, 13)]
    assert second.app.opinion_count(no) == 12
    first.catch_up_all()
    assert first.queries.consultation(no, clock.today())["opinion_count"] == 12
