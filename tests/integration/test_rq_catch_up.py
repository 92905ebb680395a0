"""Commands poke a deduplicated RQ catch-up job; a real worker drains it (SQLite and PostgreSQL).

The worker is an in-process rq.SimpleWorker in burst mode, with the test's runtime installed
through workers.context.use_runtime. Every queue and key is unique to the test and removed
afterwards by the redis_client fixture.
"""

import pytest
from rq import Queue, SimpleWorker

from infrastructure.pipeline import CATCH_UP_JOB
from infrastructure.redis_server import redis_answers
from tests.support import submit
from workers.context import use_runtime

UNREACHABLE_REDIS = "redis://127.0.0.1:6399/0"


@pytest.fixture
def rt(make_settings, make_runtime, database_url, redis_client):
    """A runtime that pokes the test's own queue; installed as the workers' runtime."""
    runtime = make_runtime(make_settings(database_url), poke_enabled=True)
    use_runtime(runtime)
    yield runtime
    use_runtime(None)


@pytest.fixture
def queue(rt, redis_client) -> Queue:
    return Queue(rt.settings.queue_name, connection=redis_client)


def work(queue: Queue) -> bool:
    """Run every queued job in this process, then stop; True if there was any."""
    worker = SimpleWorker([queue], connection=queue.connection,
                          name=f"{queue.name}-worker")
    return worker.work(burst=True, logging_level="WARNING")


@pytest.fixture
def drained(rt, queue) -> Queue:
    """The queue after the job poked by seeding the departments has run."""
    assert work(queue)
    assert queue.count == 0
    return queue


def inbox_total(rt) -> int:
    return rt.views.query("SELECT COUNT(*) AS n FROM inbox")[0]["n"]


pytestmark = pytest.mark.redis


def test_seeding_the_departments_queues_one_job_for_33_saves(rt, queue):
    assert queue.count == 1
    assert queue.jobs[0].func_name == CATCH_UP_JOB


def test_several_submissions_queue_exactly_one_catch_up_job(rt, drained):
    for _ in range(3):
        submit(rt.app)
    assert drained.count == 1


def test_the_job_projects_the_submissions_into_the_read_models(rt, drained):
    numbers = [submit(rt.app)["tracking_no"] for _ in range(3)]
    assert work(drained)
    assert drained.failed_job_registry.count == 0
    assert all(rt.queries.inbox_item(no)["status"] == "submitted" for no in numbers)
    assert rt.queries.citizen_view(numbers[0])["steps"][0]["event"] == "Submitted"


def test_the_job_leaves_nothing_in_the_queue(rt, drained):
    submit(rt.app)
    work(drained)
    assert drained.count == 0 and drained.failed_job_registry.count == 0


def test_a_second_job_processes_nothing_new_and_counts_nothing_twice(rt, drained, staff):
    no = submit(rt.app)["tracking_no"]
    rt.app.act("comments", no, "accept", staff.reviewer)
    work(drained)
    before = (inbox_total(rt), rt.queries.inbox_counts(today=rt.app.today()))
    job = drained.enqueue(CATCH_UP_JOB, result_ttl=60)
    assert work(drained)
    assert job.return_value() == {"public_replies": 0, "staff_inbox": 0, "citizen_view": 0,
                                  "ticket_queue": 0, "directory": 0, "statistics": 0,
                                  "incident_board": 0, "escalation": 0, "notifications": 0,
                                  "consultations": 0, "comment_photos": 0}
    assert (inbox_total(rt), rt.queries.inbox_counts(today=rt.app.today())) == before


def test_a_submission_after_the_job_started_queues_a_new_job(rt, drained):
    submit(rt.app)
    work(drained)  # the job cleared the pending flag when it started
    submit(rt.app)
    assert drained.count == 1


def test_the_job_reports_how_many_events_each_projection_read(rt, drained, staff):
    rt.poke_enabled = False  # so that the job below is the one that does the work
    no = submit(rt.app)["tracking_no"]
    rt.app.act("comments", no, "accept", staff.reviewer)
    job = drained.enqueue(CATCH_UP_JOB, result_ttl=60)
    assert drained.count == 1
    work(drained)
    result = job.return_value()
    assert result["staff_inbox"] == 2 and result["directory"] == 0


# --- Redis down ------------------------------------------------------------------------------


@pytest.fixture
def offline(make_settings, make_runtime, database_url):
    """A runtime whose Redis does not answer (nothing listens on port 6399)."""
    assert not redis_answers(UNREACHABLE_REDIS), "something listens on 6399; pick another port"
    return make_runtime(make_settings(database_url, redis_url=UNREACHABLE_REDIS),
                        poke_enabled=True)


def test_a_submission_succeeds_while_redis_is_unreachable(offline):
    receipt = submit(offline.app)
    comment = offline.app.comment_for_citizen(receipt["tracking_no"], receipt["query_code"])
    assert comment.tracking_no == receipt["tracking_no"]


def test_a_poke_without_redis_reports_failure_instead_of_raising(offline):
    assert offline.poker() is False


def test_a_later_catch_up_projects_what_was_submitted_while_redis_was_down(offline):
    numbers = [submit(offline.app)["tracking_no"] for _ in range(2)]
    offline.catch_up_all()
    assert [offline.queries.inbox_item(no)["tracking_no"] for no in numbers] == numbers
