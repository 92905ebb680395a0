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
