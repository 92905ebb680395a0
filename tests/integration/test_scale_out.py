"""Four real worker processes on two queues project a stream of commands: each read model
is fed by one worker at a time, each queue's jobs drain only that queue's read models, and
the read models end exactly as one consumer builds them (SQLite and PostgreSQL).

Read models are spread with READ_MODEL_QUEUES; the workers are `python -m workers worker
QUEUE ...` processes, through tests/integration/worker_probe.py, which records every
batch (read model, process, queue, start, end, tracking position before and after).
"""

import time
import uuid
from dataclasses import replace

import pytest
from rq import Queue
from rq import Worker as RQWorker

from domain.reference import AREAS
from infrastructure.pipeline import route_pokes
from tests.integration.worker_probe import (Worker, all_rows, records,  # noqa: F401
                                            reference_views_url, single_consumer_rows,
                                            wait_for, worker_env)
from tests.support import submit

pytestmark = pytest.mark.redis

SECOND_QUEUE_MODELS = ("staff_inbox", "citizen_view", "statistics", "directory")
ITEMS = 150
PACE = 0.01  # seconds between two submissions: the workers project while they arrive


def caught_up(rt, queues) -> bool:
    return all(q.count == 0 and q.started_job_registry.count == 0 for q in queues) and \
        all(u.backlog() == 0 for u in rt.updaters())


def test_four_workers_on_two_queues_feed_each_read_model_one_at_a_time_and_exactly_once(
        make_settings, make_runtime, database_url, redis_client, unique_names,
        reference_views_url, tmp_path, staff):
    base = make_settings(database_url, batch_size=10)
    first, second = base.queue_name, f"{base.queue_name}-b"
    unique_names.append(second)  # its queue and jobs are removed afterwards
    settings = replace(base, read_model_queues={second: SECOND_QUEUE_MODELS})
    rt = make_runtime(settings, poke_enabled=True)
    plan = route_pokes(rt)
    assert set(plan) == {first, second} and set(plan[second]) == set(SECOND_QUEUE_MODELS)
    owner = {model: queue for queue, models in plan.items() for model in models}

    probe = f"{settings.key_prefix}:probe"
    env = worker_env(settings, tmp_path, probe, PROBE_BATCH_DELAY="0.01")
    workers = [Worker(env, queues, tmp_path)
               for queues in ([first], [first], [second], [first, second])]
    queues = [Queue(name, connection=redis_client) for name in (first, second)]
    try:
        wait_for(lambda: [RQWorker.count(queue=q) for q in queues] == [3, 2], 60,
                 "the workers to listen")
        for i in range(ITEMS):  # a stream of commands, poking both queues as they save
            time.sleep(PACE)
            no = submit(rt.app, area=AREAS[i % len(AREAS)])["tracking_no"]
            if i % 3 == 0:
                rt.app.act("comments", no, "accept", staff.reviewer)
                if i % 2 == 0:
                    rt.app.act("comments", no, "dispatch", staff.reviewer,
                               department="区住建局")
            elif i % 5 == 0:
                rt.app.act("comments", no, "reject", staff.reviewer, reason="duplicate")
        wait_for(lambda: caught_up(rt, queues), 120, "the read models to catch up",
                 interval=0.2)
        for worker in workers:
            worker.terminate()
        assert [worker.wait(timeout=30) for worker in workers] == [0, 0, 0, 0]
    finally:
        for worker in workers:
            worker.kill()
    failed = [job.latest_result().exc_string for q in queues
              for job in (q.fetch_job(i) for i in q.failed_job_registry.get_job_ids()) if job]
    assert failed == []

    batches = records(redis_client, probe)
    listens = {worker.pid: worker.queues for worker in workers}
    for batch in batches:  # each job drained only its own queue's read models
        assert batch["queue"] == owner[batch["model"]], batch
        assert batch["queue"] in listens[batch["pid"]]
    for model in plan[first] + plan[second]:
        mine = sorted((b for b in batches if b["model"] == model), key=lambda b: b["start"])
        for before, after in zip(mine, mine[1:]):
            assert before["end"] <= after["start"], f"{model}: two batches overlap"
            assert after["before"] == before["after"], f"{model}: not one after the other"
        assert all(b["before"] < b["after"] for b in mine)
        assert not mine or mine[-1]["after"] == rt.updater(model).position()
    # The work was spread over several processes and both queues.
    assert len({b["pid"] for b in batches}) >= 2
    assert {b["queue"] for b in batches} == {first, second}

    assert all_rows(rt) == single_consumer_rows(make_settings, make_runtime, settings,
                                                reference_views_url)


# --- the plan, the pokes and the worker command lines ----------------------------------------


def test_read_models_not_named_stay_on_the_main_queue_in_their_usual_order():
    from infrastructure.pipeline import catch_up_plan

    names = ["escalation", "public_replies", "staff_inbox", "statistics"]
    assert catch_up_plan("main", {}, names) == {"main": names}
    assert catch_up_plan("main", {"b": ["statistics", "escalation"]}, names) == {
        "b": ["escalation", "statistics"], "main": ["public_replies", "staff_inbox"]}
    with pytest.raises(ValueError, match="unknown read model 'nope'"):
        catch_up_plan("main", {"b": ["nope"]}, names)
    with pytest.raises(ValueError, match="on two queues"):
        catch_up_plan("main", {"b": ["statistics"], "c": ["statistics"]}, names)


def test_the_setting_is_a_json_object_of_queue_to_read_models():
    from infrastructure.config import Settings

    env = {"READ_MODEL_QUEUES": '{"minyi-stats": ["statistics"]}'}
    assert Settings.from_env(env).read_model_queues == {"minyi-stats": ("statistics",)}
    assert Settings.from_env({}).read_model_queues == {}
    for bad in ('["statistics"]', '{"q": "statistics"}', "{not json"):
        with pytest.raises(ValueError, match="READ_MODEL_QUEUES"):
            Settings.from_env({"READ_MODEL_QUEUES": bad})


def test_a_poke_enqueues_one_job_per_queue_each_with_its_own_flag(redis_client, unique_names):
    from infrastructure.pipeline import CATCH_UP_JOB, Poker

    name = f"minyi-test-{uuid.uuid4().hex}"
    unique_names.extend([name, f"{name}-b"])
    poker = Poker(lambda: redis_client, name, name)
    poker.queues = [name, f"{name}-b"]
    assert poker(request_ids=["r1"], request_count=1) is True
    assert poker(request_ids=["r2"], request_count=1) is False  # both jobs still wait
    for queue_name in (name, f"{name}-b"):
        jobs = Queue(queue_name, connection=redis_client).jobs
        assert [(j.func_name, j.kwargs) for j in jobs] == [(CATCH_UP_JOB, {"queue": queue_name})]
    assert poker.clear(f"{name}-b") == (["r1", "r2"], 2)  # the b job takes its ids only
    assert poker(request_ids=["r3"], request_count=1) is True  # ... and b's flag only
    assert poker.clear(name) == (["r1", "r2", "r3"], 3)


def test_run_all_starts_one_worker_per_entry_of_rq_worker_queues():
    from scripts.run_all import worker_queue_sets

    assert worker_queue_sets({"RQ_WORKERS": "2", "RQ_WORKER_QUEUES": ""}) == [[], []]
    assert worker_queue_sets({"RQ_WORKERS": "1", "RQ_WORKER_QUEUES": "minyi;minyi, stats"}) \
        == [["minyi"], ["minyi", "stats"]]
