"""催办 and 督办 for every item kind: the oversight job on SQLite and PostgreSQL.

The clock starts on Wed 2026-09-30, the day before the National Day holiday (1-7 Oct);
Sat 10 Oct is an adjusted working day and Sun 11 Oct is not.
"""

import pytest
from rq import Queue, SimpleWorker

from domain.actors import Actor
from domain.oversight import Overseen
from tests.support import submit
from workers.context import use_runtime

OPERATOR = Actor("op", ("operator",))


def ticket(app, kind="咨询") -> str:
    return app.register_ticket(OPERATOR, channel="phone", area="临城街道", category="城乡建设",
                               kind=kind, urgency="normal", title="路灯", content="路灯坏了").number


def comment(app, staff) -> str:
    no = submit(app, kind="咨询")["tracking_no"]  # 5 working days: due Wed 14 Oct
    app.act("comments", no, "accept", staff.reviewer)
    return no


def marks(app, kind, number) -> list[str]:
    return [type(e).__name__ for e in app.events.get(app.workflows[kind].id_for(number))
            if isinstance(e, (Overseen.Reminded, Overseen.Supervised))]


def run_on(rt, clock, *day) -> dict:
    clock.set_local(2026, *day)
    rt.catch_up_all()
    result = rt.oversight.run()
    rt.catch_up_all()
    return result


def test_reminders_and_supervision_follow_working_days_across_the_holiday(runtime, clock, staff):
    app = runtime.app
    no = ticket(app)  # 3 working days: 8, 9, 10 Oct -> due Sat 10 Oct
    assert app.get_item("tickets", no).due_date.isoformat() == "2026-10-10"
    cm = comment(app, staff)
    run_on(runtime, clock, 10, 10)  # due today
    run_on(runtime, clock, 10, 11)  # Sunday: no working day after the due date yet
    assert marks(app, "tickets", no) == []
    run_on(runtime, clock, 10, 12)  # Monday: the first working day after it
    assert marks(app, "tickets", no) == ["Reminded"]
    run_on(runtime, clock, 10, 15)  # 4 working days overdue
    assert marks(app, "tickets", no) == ["Reminded"]
    assert marks(app, "comments", cm) == ["Reminded"]  # due Wed 14 Oct
    run_on(runtime, clock, 10, 16)  # 5 working days overdue
    assert marks(app, "tickets", no) == ["Reminded", "Supervised"]
    row = runtime.queries.ticket_queue(today=clock.today(), now=clock.now,
                                       supervised=True).items
    assert [(r["ticket_no"], r["reminders"], r["supervised"]) for r in row] == [(no, 1, 1)]
    inbox = runtime.queries.inbox_item(cm)
    assert inbox["reminders"] == 1 and inbox["supervised"] == 0


def test_running_the_job_twice_changes_nothing(runtime, clock, staff):
    app = runtime.app
    numbers = [ticket(app) for _ in range(3)]
    first = run_on(runtime, clock, 10, 20)
    assert first["tickets.remind"] == 3 and first["tickets.supervise"] == 3
    head = app.recorder.max_notification_id()
    again = runtime.oversight.run()
    assert set(again.values()) == {0} and app.recorder.max_notification_id() == head
    # The positions are kept: a fresh job reads no old due dates again.
    assert runtime.oversight.position("tickets", "remind") == "2026-10-19"
    assert all(marks(app, "tickets", n) == ["Reminded", "Supervised"] for n in numbers)


def test_closed_items_are_not_reminded_and_a_new_due_date_starts_over(runtime, clock, staff):
    app = runtime.app
    answered, extended = ticket(app), ticket(app)
    app.act("tickets", answered, "resolve_on_spot", OPERATOR, reply="已答复")
    app.act("tickets", extended, "dispatch", OPERATOR, department="区住建局")
    app.act("tickets", extended, "sign", staff.handler)
    app.act("tickets", extended, "request_extension", staff.handler, days=3, reason="勘查")
    app.act("tickets", extended, "grant_extension", Actor("sup", ("supervisor",)))
    run_on(runtime, clock, 10, 13)  # the old due date (10 Oct) passed, the new one (14) not
    assert marks(app, "tickets", answered) == [] and marks(app, "tickets", extended) == []
    run_on(runtime, clock, 10, 15)
    assert marks(app, "tickets", extended) == ["Reminded"]


def test_items_that_moved_on_since_the_read_model_saw_them_are_loaded_and_asked(
        runtime, clock, staff):
    """The job writes from the queue's standing of each item; where an item has changed
    since (the store refuses the batch), it loads the items and lets them decide."""
    app = runtime.app
    answered, dispatched, untouched = ticket(app), ticket(app), ticket(app)
    runtime.catch_up_all()
    app.act("tickets", answered, "resolve_on_spot", OPERATOR, reply="已答复")
    app.act("tickets", dispatched, "dispatch", OPERATOR, department="区住建局")
    clock.set_local(2026, 10, 20)
    first = runtime.oversight.run()  # no catch-up: the queue still has the old versions
    assert first["tickets.remind"] == 2 and first["tickets.supervise"] == 2
    assert marks(app, "tickets", answered) == []
    assert marks(app, "tickets", dispatched) == ["Reminded", "Supervised"]
    assert marks(app, "tickets", untouched) == ["Reminded", "Supervised"]
    assert app.get_item("tickets", dispatched).department == "区住建局"
    runtime.catch_up_all()
    head = app.recorder.max_notification_id()
    clock.set_local(2026, 10, 21)
    assert set(runtime.oversight.run().values()) == {0}
    assert app.recorder.max_notification_id() == head


def test_the_queues_keep_every_items_version(runtime, clock, staff):
    """The standing the job writes from is only as good as the version beside it: every
    event of an item must reach its queue row."""
    from eventsourcing.domain import CanMutateAggregate

    from domain.topics import topics_of
    from infrastructure.views import READ_MODELS

    queues = {model.name: model for model in READ_MODELS}
    for kind, queue in (("tickets", "ticket_queue"), ("comments", "staff_inbox")):
        aggregate = runtime.app.workflows[kind].aggregate
        handled = {t for cls in queues[queue].handlers for t in topics_of(cls)}
        events = [obj for obj in vars(aggregate).values()
                  if isinstance(obj, type) and issubclass(obj, CanMutateAggregate)
                  # the library's bases and its copies of the shared events are never stored
                  and obj.__name__ not in ("Event", "Created")
                  and not issubclass(obj, (Overseen.Reminded, Overseen.Supervised,
                                           Overseen.DeadlineRecomputed))]
        events += [Overseen.Reminded, Overseen.Supervised, Overseen.DeadlineRecomputed]
        assert len(events) > 10
        missing = [cls.__qualname__ for cls in events if cls.TOPIC not in handled]
        assert missing == [], f"{queue} misses {missing}"


@pytest.mark.redis
def test_the_oversight_job_runs_on_a_real_worker(make_settings, make_runtime, database_url,
                                                 redis_client, clock):
    rt = make_runtime(make_settings(database_url))
    use_runtime(rt)
    try:
        no = ticket(rt.app)
        clock.set_local(2026, 10, 12)
        rt.catch_up_all()
        queue = Queue(rt.settings.queue_name, connection=redis_client)
        job = queue.enqueue("workers.jobs.oversee")
        SimpleWorker([queue], connection=redis_client).work(burst=True,
                                                            logging_level="WARNING")
        assert job.return_value()["tickets.remind"] == 1
        assert marks(rt.app, "tickets", no) == ["Reminded"]
    finally:
        use_runtime(None)


def test_reminders_and_supervision_notify_the_department_and_the_supervisors(runtime, clock,
                                                                            staff):
    app = runtime.app
    no = ticket(app)
    app.act("tickets", no, "dispatch", OPERATOR, department="区住建局")
    run_on(runtime, clock, 10, 20)
    runtime.catch_up_all()
    department = [n["subject"] for n in runtime.queries.notices_for(staff.handler).items]
    assert sorted(s[:2] for s in department) == ["催办", "督办"]
    assert all(no in s for s in department)
    supervisors = runtime.queries.notices_for(Actor("sup", ("supervisor",))).items
    assert [n["subject"][:2] for n in supervisors] == ["督办"]
    assert runtime.queries.notices_for(staff.other_handler).items == []


def test_incident_clocks_warn_once_in_their_last_hour_and_once_when_missed(runtime, clock):
    from datetime import timedelta
    app, team = runtime.app, Actor("yq", ("opinion",))
    opened_at = clock.now
    no = app.open_incident(team, title="化工厂爆炸", level="II").incident_no
    runtime.catch_up_all()
    assert runtime.oversight.run()["incidents.clock_warnings"] == 0
    clock.now = opened_at + timedelta(hours=4, minutes=10)
    runtime.catch_up_all()
    assert runtime.oversight.run()["incidents.clock_warnings"] == 1
    assert runtime.oversight.run()["incidents.clock_warnings"] == 0
    clock.now = opened_at + timedelta(hours=5, minutes=1)
    assert runtime.oversight.run()["incidents.clock_warnings"] == 1
    runtime.catch_up_all()
    subjects = sorted(n["subject"] for n in runtime.queries.notices_for(team).items)
    assert any(s.startswith("发布权威信息时限将于") for s in subjects)
    assert any(s.startswith("发布权威信息已超过时限") for s in subjects)
    assert [type(e).__name__ for e in app.events.get(app.workflows["incidents"].id_for(no))
            ].count("ClockWarned") == 2
