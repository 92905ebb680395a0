"""Request ids, structured logs and request metrics; the request id follows a citizen's
submission into the catch-up job that projects it; and under gunicorn with several
worker processes /metrics adds up all of them (prometheus-client's multiprocess mode)."""

import io
import json
import logging
import os
import secrets
import signal
import subprocess
import time
import urllib.request
from dataclasses import replace

import pytest
from eventsourcing.cryptography import AESCipher
from prometheus_client.parser import text_string_to_metric_families
from rq import Queue, SimpleWorker

from infrastructure import observability
from infrastructure.bootstrap import bootstrap
from infrastructure.config import Settings
from tests.conftest import REDIS_URL, purge_queue
from web import create_app
from workers.context import use_runtime

COMMENT = {"title": "小区路灯不亮", "content": "路灯坏了一个月，特此反映，望予处理。", "kind": "咨询",
           "category": "城乡建设"}


@pytest.fixture
def log_lines():
    """Everything logged while the test runs, as our JSON formatter writes it."""
    stream = io.StringIO()
    handler = observability.configure_logging("json", "INFO", stream=stream)
    yield lambda: [json.loads(line) for line in stream.getvalue().splitlines()]
    observability.remove_logging(handler)


def request_counts(client, route: str) -> dict:
    """{(method, status): count} of the latency histogram for one route."""
    text = client.get("/metrics").get_data(as_text=True)
    counts = {}
    for family in text_string_to_metric_families(text):
        if family.name == "minyi_http_request_duration_seconds":
            for sample in family.samples:
                if sample.name.endswith("_count") and sample.labels["route"] == route:
                    counts[sample.labels["method"], sample.labels["status"]] = sample.value
    return counts


# --- request ids ------------------------------------------------------------------------


def test_a_sane_incoming_request_id_is_kept_and_any_other_replaced(client):
    assert client.get("/healthz", headers={"X-Request-ID": "lb-7f3a.42"}).headers[
        "X-Request-ID"] == "lb-7f3a.42"
    for bad in ("x" * 65, "two words", "换行", "a\"b", ""):
        answered = client.get("/healthz", headers={"X-Request-ID": bad}).headers["X-Request-ID"]
        assert answered != bad and len(answered) == 16 and int(answered, 16) >= 0
    first, second = (client.get("/no/such/page").headers["X-Request-ID"] for _ in range(2))
    assert first != second  # generated afresh for each request, errors included


def test_what_a_request_logs_is_a_json_line_with_its_request_id(app, log_lines):
    def noisy():
        logging.getLogger("some.library").warning("disk %s full", "/var", extra={"pct": 97})
        observability.get_logger("web.test").info("structured", item="LY1")
        return "ok"

    app.add_url_rule("/_noisy", "noisy", noisy)
    assert app.test_client().get("/_noisy", headers={"X-Request-ID": "req-1"}).status_code == 200
    lines = log_lines()
    library = next(line for line in lines if line["logger"] == "some.library")
    assert library["event"] == "disk /var full" and library["level"] == "warning"
    assert library["request_id"] == "req-1" and library["pct"] == 97 and library["timestamp"]
    ours = next(line for line in lines if line["logger"] == "web.test")
    assert ours["event"] == "structured" and ours["item"] == "LY1"
    assert ours["request_id"] == "req-1"
    logging.getLogger("some.library").warning("after the request")
    assert "request_id" not in log_lines()[-1]  # unbound when the request ended


def test_access_log_lines_when_asked_for(rt, log_lines):
    rt.settings = replace(rt.settings, access_log=True)
    client = create_app({"TESTING": True}, runtime=rt).test_client()
    client.get("/api/v1/replies/LY000", headers={"X-Request-ID": "acc-1"})
    line = next(line for line in log_lines() if line["event"] == "request")
    assert line["request_id"] == "acc-1" and line["status"] == 404
    assert line["route"] == "/api/v1/replies/<tracking_no>" and line["duration_ms"] >= 0


def test_text_logs_for_a_person():
    stream = io.StringIO()
    handler = observability.configure_logging("text", "INFO", stream=stream)
    try:
        logging.getLogger("x").info("hello %s", "there")
    finally:
        observability.remove_logging(handler)
    assert "hello there" in stream.getvalue() and not stream.getvalue().startswith("{")


# --- request metrics ----------------------------------------------------------------------


def test_latency_is_counted_by_url_rule_method_and_status_class(client):
    route = "/api/v1/replies/<tracking_no>"
    before = request_counts(client, route)
    for number in ("LY001", "LY002", "LY003"):
        assert client.get(f"/api/v1/replies/{number}").status_code == 404
    after = request_counts(client, route)
    assert after[("GET", "4xx")] - before.get(("GET", "4xx"), 0) == 3
    text = client.get("/metrics").get_data(as_text=True)
    assert "LY001" not in text  # the raw path is never a label
    unmatched = request_counts(client, "<unmatched>")
    client.open("/no/such/page", method="BREW")
    assert request_counts(client, "<unmatched>").get(("OTHER", "4xx"), 0) == \
        unmatched.get(("OTHER", "4xx"), 0) + 1


def test_metrics_keep_their_names_and_add_lag_seconds_and_queues(client, rt):
    text = client.get("/metrics").get_data(as_text=True)
    names = {family.name for family in text_string_to_metric_families(text)}
    assert {"minyi_event_log_head", "minyi_read_model_position", "minyi_read_model_lag",
            "minyi_read_model_lag_seconds", "minyi_read_model_failed", "minyi_failed_jobs",
            "minyi_queue_length", "minyi_queue_failed_jobs", "minyi_redis_up",
            "minyi_mail_stuck", "minyi_http_request_duration_seconds"} <= names


# --- the request id follows the save into the catch-up job ---------------------------------


@pytest.fixture(params=[False, True], ids=["in-request-pokes", "background-pokes"])
def poking_rt(request, web_clock):
    """An in-memory runtime that pokes a queue of its own (directly, or from a thread)."""
    name = f"minyi-webtest-{secrets.token_hex(6)}"
    runtime = bootstrap(Settings(database_url="memory://", secret_key="test-secret",
                                 cipher_key=AESCipher.create_key(32), rate_limits="off",
                                 redis_url=REDIS_URL, duplicate_window=0, key_prefix=name,
                                 queue_name=name, catchup_linger_ms=0,
                                 catchup_busy_linger_ms=0, background_pokes=request.param),
                        clock=web_clock)
    runtime.init_storage()
    queue = Queue(name, connection=runtime.redis)
    deadline = time.monotonic() + 5
    while not queue.count:  # the departments' poke has arrived (it may come from a thread)
        assert time.monotonic() < deadline, "no catch-up job for the seeded departments"
        time.sleep(0.01)
    use_runtime(runtime)
    yield runtime
    use_runtime(None)
    runtime.poke_enabled = False
    time.sleep(0.2)  # a background poke under way lands before the clean-up, not after
    runtime.close()
    purge_queue(runtime.redis, name)
    keys = list(runtime.redis.scan_iter(f"{name}*"))
    if keys:
        runtime.redis.delete(*keys)


def test_the_request_ids_go_with_the_job_that_projects_their_saves(poking_rt, log_lines):
    rt = poking_rt
    queue = Queue(rt.settings.queue_name, connection=rt.redis)
    SimpleWorker([queue], connection=rt.redis).work(burst=True)  # the departments' job
    client = create_app({"TESTING": True}, runtime=rt).test_client()
    for n in range(3):
        assert client.post("/api/v1/comments", json=COMMENT,
                           headers={"X-Request-ID": f"citizen-{n}"}).status_code == 201
    deadline = time.monotonic() + 5
    while rt.redis.get(f"{rt.settings.key_prefix}:catchup:requests:{queue.name}:count") != b"3":
        assert time.monotonic() < deadline, "the pokes did not arrive"
        time.sleep(0.02)
    job = queue.jobs[0]
    kept = {}

    class MetaReadingWorker(SimpleWorker):  # catch-up jobs leave no result behind to read
        def handle_job_success(self, job, queue, *args, **kwargs):
            kept.update(job.get_meta(refresh=True))
            return super().handle_job_success(job, queue, *args, **kwargs)

    MetaReadingWorker([queue], connection=rt.redis).work(burst=True)
    assert kept["request_ids"] == ["citizen-0", "citizen-1", "citizen-2"]
    assert kept["request_count"] == 3
    line = next(line for line in log_lines()
                if line["event"] == "catch-up job" and line["job_id"] == job.id)
    assert line["request_ids"] == ["citizen-0", "citizen-1", "citizen-2"]
    assert line["request_count"] == 3 and line["read"]["staff_inbox"] == 3
    # The job took them: the next one starts from none.
    assert rt.redis.get(f"{rt.settings.key_prefix}:catchup:requests:{queue.name}:count") is None


def test_a_job_carries_at_most_fifty_request_ids_and_counts_them_all(poking_rt):
    rt = poking_rt
    rt.poker.clear()
    ids = [f"r{n}" for n in range(60)]
    rt.poker(request_ids=ids[:50], request_count=60)
    assert rt.poker.clear() == (ids[:50], 60)
    assert rt.poker.clear() == ([], 0)


# --- several gunicorn processes -------------------------------------------------------------


def _get(url: str, headers: dict | None = None):
    request = urllib.request.Request(url, headers=headers or {})
    with urllib.request.urlopen(request, timeout=10) as response:
        return response.status, dict(response.headers), response.read().decode()


def _healthz_count(url: str) -> float:
    text = _get(url + "/metrics")[2]
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            if sample.name == "minyi_http_request_duration_seconds_count" and \
                    sample.labels["route"] == "/healthz":
                return sample.value
    return 0.0


@pytest.mark.e2e
def test_metrics_add_up_across_gunicorn_worker_processes_and_survive_a_restart(
        tmp_path, redis_url):
    from bench.system import free_port
    from scripts.run_all import web_command

    port, name = free_port(), f"minyi-webtest-{secrets.token_hex(6)}"
    metrics_dir = tmp_path / "prometheus"
    observability.clean_multiprocess_dir(metrics_dir)
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{tmp_path}/minyi.sqlite",
           "REDIS_URL": redis_url, "RQ_QUEUE": name, "REDIS_KEY_PREFIX": name,
           "SECRET_KEY": "test-secret", "CIPHER_KEY": AESCipher.create_key(32),
           "MINYI_VAR_DIR": str(tmp_path), "LOG_FORMAT": "json", "GRACEFUL_TIMEOUT": "5",
           "PROMETHEUS_MULTIPROC_DIR": str(metrics_dir)}
    argv = web_command({"WEB_WORKERS": "2", "PORT": str(port)})
    log = open(tmp_path / "web.log", "w")
    web = subprocess.Popen(argv, cwd=os.path.dirname(os.path.dirname(os.path.dirname(
        os.path.abspath(__file__)))), env=env, stdout=log, stderr=log)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                _get(url + "/healthz")
                break
            except OSError:
                assert time.monotonic() < deadline and web.poll() is None, \
                    (tmp_path / "web.log").read_text()
                time.sleep(0.2)
        for n in range(40):
            status, headers, _ = _get(url + "/healthz", {"X-Request-ID": f"h{n}"})
            assert status == 200 and headers["X-Request-ID"] == f"h{n}"
        assert _healthz_count(url) == 41  # whichever process answers, all of them count
        pids = {int(f.name.split("_")[-1].split(".")[0]) for f in metrics_dir.glob("*.db")}
        worker = next(iter(pids))
        os.kill(worker, signal.SIGTERM)  # gunicorn starts another; its samples stay
        deadline = time.monotonic() + 20
        while True:
            try:
                if _healthz_count(url) == 41:
                    break
            except OSError:
                pass
            assert time.monotonic() < deadline, "the count changed after the restart"
            time.sleep(0.2)
    finally:
        web.send_signal(signal.SIGTERM)
        try:
            web.wait(timeout=15)
        finally:
            if web.poll() is None:
                web.kill()
            log.close()
    lines = (tmp_path / "web.log").read_text().splitlines()
    assert lines and all(line.startswith("{") for line in lines)
    assert any(json.loads(line)["event"].startswith("Booting worker") for line in lines)
    assert web.returncode == 0


@pytest.mark.e2e
def test_on_sigterm_gunicorn_finishes_the_requests_it_has(tmp_path):
    """With scripts/gunicorn_conf.py (as `make run` starts it): a request under way when
    SIGTERM arrives still gets its answer; then gunicorn exits."""
    import threading

    from bench.system import free_port
    from scripts.run_all import web_command

    (tmp_path / "slowapp.py").write_text(
        "import time\n"
        "def app(environ, start_response):\n"
        "    time.sleep(1.5)\n"
        "    start_response('200 OK', [('Content-Type', 'text/plain')])\n"
        "    return [b'finished']\n")
    port = free_port()
    argv = web_command({"WEB_WORKERS": "1", "PORT": str(port)})[:-1] + ["slowapp:app"]
    env = {**os.environ, "PYTHONPATH": str(tmp_path), "GRACEFUL_TIMEOUT": "5"}
    env.pop("PROMETHEUS_MULTIPROC_DIR", None)
    log = open(tmp_path / "web.log", "w")
    web = subprocess.Popen(argv, env=env, stdout=log, stderr=log)
    url, answers = f"http://127.0.0.1:{port}/", []
    try:
        deadline = time.monotonic() + 30
        while not (tmp_path / "web.log").read_text().count("Booting worker"):
            assert time.monotonic() < deadline and web.poll() is None
            time.sleep(0.1)
        time.sleep(0.3)
        caller = threading.Thread(target=lambda: answers.append(_get(url)))
        caller.start()
        time.sleep(0.5)  # the request is being served
        web.send_signal(signal.SIGTERM)
        caller.join(timeout=10)
        assert web.wait(timeout=10) == 0
    finally:
        if web.poll() is None:
            web.kill()
        log.close()
    assert answers and answers[0][0] == 200 and answers[0][2] == "finished"
