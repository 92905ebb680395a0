"""/metrics, /readyz and /healthz details answer operators only (a token or a listed
network); everyone else gets a bare status or a 404."""

from dataclasses import replace

from web import create_app

OUTSIDE = {"REMOTE_ADDR": "203.0.113.9"}


def test_outsiders_see_no_detail(client):
    health = client.get("/healthz", environ_base=OUTSIDE)
    assert health.status_code == 200 and health.get_json() == {"status": "ok"}
    for path in ("/metrics", "/readyz"):
        assert client.get(path, environ_base=OUTSIDE).status_code == 404


def test_the_local_host_and_a_token_holder_see_everything(client, rt):
    assert "event_store_position" in client.get("/healthz").get_json()["checks"]
    assert "minyi_event_log_head" in client.get("/metrics").get_data(as_text=True)
    rt.settings = replace(rt.settings, metrics_token="s3cret-metrics", metrics_networks="")
    app = create_app({"TESTING": True}, runtime=rt).test_client()
    assert app.get("/metrics").status_code == 404  # no network is trusted now
    bearer = {"Authorization": "Bearer s3cret-metrics"}
    assert app.get("/metrics", headers=bearer, environ_base=OUTSIDE).status_code == 200
    assert app.get("/readyz", headers={"Authorization": "Bearer wrong"},
                   environ_base=OUTSIDE).status_code == 404


# --- readiness ------------------------------------------------------------------------------

UNREACHABLE_REDIS = "redis://127.0.0.1:6399/0"


def gauge(text: str, name: str, **labels) -> float:
    from prometheus_client.parser import text_string_to_metric_families

    return next(sample.value for family in text_string_to_metric_families(text)
                for sample in family.samples
                if sample.name == name and sample.labels == labels)


def test_ready_when_the_stores_and_redis_answer_with_each_read_models_lag(client, rt):
    from tests.support import submit

    ready = client.get("/readyz")
    assert ready.status_code == 200 and ready.get_json()["status"] == "ok"
    checks = ready.get_json()["checks"]
    assert checks["event_store"] == "ok" and checks["redis"] == "ok"
    assert checks["read_models"]["staff_inbox"] == {
        "position": rt.updater("staff_inbox").position(), "lag": 0, "lag_seconds": 0.0,
        "ready": True}
    submit(rt.app)  # not projected yet: a lag, but still ready
    inbox = client.get("/readyz").get_json()["checks"]["read_models"]["staff_inbox"]
    assert client.get("/readyz").status_code == 200
    assert inbox["lag"] == 1 and inbox["lag_seconds"] > 0 and inbox["ready"] is True
    metrics = client.get("/metrics").get_data(as_text=True)
    assert gauge(metrics, "minyi_read_model_lag", read_model="staff_inbox") == 1
    assert gauge(metrics, "minyi_read_model_lag_seconds", read_model="staff_inbox") > 0


def test_not_ready_while_a_read_model_is_stopped_on_an_event(client, rt):
    inbox = rt.updater("staff_inbox")
    rt.views.record_failure(inbox.serving(), "read model staff_inbox (g1) stopped at event 9")
    ready = client.get("/readyz")
    assert ready.status_code == 503 and ready.get_json()["status"] == "not_ready"
    model = ready.get_json()["checks"]["read_models"]["staff_inbox"]
    assert model["ready"] is False and "stopped at event 9" in model["error"]
    assert ready.get_json()["checks"]["read_models"]["citizen_view"]["ready"] is True
    assert 'minyi_read_model_failed{read_model="staff_inbox"} 1.0' in \
        client.get("/metrics").get_data(as_text=True)
    rt.views.record_failure(inbox.serving(), None)
    assert client.get("/readyz").status_code == 200


def test_not_ready_while_redis_is_down(client, rt):
    from redis import Redis

    from infrastructure.redis_server import redis_answers

    assert not redis_answers(UNREACHABLE_REDIS), "something listens on 6399"
    answering = rt.__dict__.get("redis")
    rt.__dict__["redis"] = Redis.from_url(UNREACHABLE_REDIS, socket_connect_timeout=0.5)
    try:
        ready = client.get("/readyz")
        assert ready.status_code == 503 and ready.get_json()["status"] == "not_ready"
        assert ready.get_json()["checks"]["redis"].startswith("unavailable")
        assert all(m["ready"] for m in ready.get_json()["checks"]["read_models"].values())
        metrics = client.get("/metrics")  # still answers, without the Redis figures
        assert metrics.status_code == 200
        text = metrics.get_data(as_text=True)
        assert "minyi_redis_up 0.0" in text and "minyi_failed_jobs" not in text
    finally:
        rt.__dict__.pop("redis")
        if answering is not None:
            rt.__dict__["redis"] = answering
    assert client.get("/readyz").status_code == 200
