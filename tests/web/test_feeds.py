"""The public statistics feeds: JSON (documented schema), CSV for Excel, conditional GET."""

import csv
import io

from domain.actors import Actor

OPERATOR = Actor("op", ("operator",))
HANDLER = Actor("h1", ("handler",), "区住建局")


def answered_ticket(rt, **overrides) -> str:
    values = dict(channel="phone", area="临城街道", category="城乡建设", kind="投诉",
                  urgency="normal", title="路灯", content="路灯坏了", caller_name="张三",
                  caller_phone="13812345678")
    values.update(overrides)
    no = rt.app.register_ticket(OPERATOR, **values).number
    rt.app.act("tickets", no, "dispatch", OPERATOR, department="区住建局")
    rt.app.act("tickets", no, "sign", HANDLER)
    rt.app.act("tickets", no, "resolve", HANDLER, reply="已修复")
    rt.app.act("tickets", no, "callback", OPERATOR, reached=True, resolved=True,
               rating="满意", remark="")
    return no


def waiting_ticket(rt) -> None:
    rt.app.register_ticket(OPERATOR, channel="web", area="临城街道", category="交通出行",
                           kind="咨询", urgency="normal", title="公交", content="几点发车")


def test_stats_json_follows_its_documented_schema(client, rt):
    answered_ticket(rt)
    waiting_ticket(rt)
    rt.catch_up_all()
    response = client.get("/feeds/stats.json")
    assert response.status_code == 200 and response.mimetype == "application/json"
    body = response.get_json()
    spec = client.get("/api/openapi.json").get_json()
    ref = spec["paths"]["/feeds/stats.json"]["get"]["responses"]["200"]["content"][
        "application/json"]["schema"]["$ref"]
    schema = spec["components"]["schemas"][ref.rsplit("/", 1)[1]]
    assert set(body) == set(schema["properties"])
    assert body["generated_at"].endswith("+08:00")
    totals = body["totals"]
    assert (totals["received"], totals["replied"], totals["open"]) == (2, 1, 1)
    assert totals["satisfaction_rate"] == 1.0 and totals["resolution_rate"] == 1.0
    department = next(d for d in body["departments"] if d["department"] == "区住建局")
    for key in ("department", "received", "replied", "on_time_rate", "median_response_days",
                "p90_response_days", "satisfaction_rate"):
        assert key in department
    assert {c["channel_label"] for c in body["channels"]} == {"12345热线电话", "12345网站"}
    assert "满意率" in body["definitions"]["satisfaction_rate"]
    # No personal data, whatever the figures are.
    text = response.get_data(as_text=True)
    assert "张三" not in text and "13812345678" not in text


def test_filters_by_period_and_department(client, rt, web_clock):
    answered_ticket(rt)
    rt.catch_up_all()
    month = web_clock.today().isoformat()[:7]
    assert client.get(f"/feeds/stats.json?period={month}").get_json()["totals"]["received"] == 1
    assert client.get("/feeds/stats.json?period=2019").get_json()["totals"]["received"] == 0
    one = client.get("/feeds/stats.json?department=区住建局&from=2026-01&to=2026-12").get_json()
    assert one["period"] == {"from": "2026-01", "to": "2026-12", "department": "区住建局"}
    assert [d["department"] for d in one["departments"]] == ["区住建局"]
    for bad in ("period=26", "from=2026-13", "period=2026&from=2026-01",
                "from=2026-05&to=2026-01"):
        response = client.get(f"/feeds/stats.json?{bad}")
        assert response.status_code == 422 and response.get_json()["error"], bad
    assert client.get("/feeds/stats.json?department=不存在的局").status_code == 404


def test_stats_csv_opens_in_excel_with_chinese_headers(client, rt, web_clock):
    answered_ticket(rt)
    waiting_ticket(rt)
    rt.catch_up_all()
    response = client.get("/feeds/stats.csv")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert response.data.startswith("\ufeff".encode("utf-8"))
    rows = list(csv.DictReader(io.StringIO(response.data.decode("utf-8-sig"))))
    assert list(rows[0])[:4] == ["受理月份", "单位", "收到", "受理"]
    by_department = {r["单位"]: r for r in rows}
    assert by_department["区住建局"]["已答复"] == "1"
    assert by_department["（未交办）"]["办理中"] == "1"
    assert {r["受理月份"] for r in rows} == {web_clock.today().isoformat()[:7]}


def test_a_matching_etag_or_date_gets_304_and_no_body(client, rt):
    answered_ticket(rt)
    rt.catch_up_all()
    first = client.get("/feeds/stats.json")
    etag, modified = first.headers["ETag"], first.headers["Last-Modified"]
    assert first.headers["Cache-Control"].startswith("public")
    again = client.get("/feeds/stats.json", headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.data == b"" and again.headers["ETag"] == etag
    assert client.get("/feeds/stats.json",
                      headers={"If-Modified-Since": modified}).status_code == 304
    assert client.get("/feeds/stats.json",
                      headers={"If-None-Match": '"other"'}).status_code == 200
    csv_response = client.get("/feeds/stats.csv")
    assert client.get("/feeds/stats.csv", headers={
        "If-None-Match": csv_response.headers["ETag"]}).status_code == 304


def test_replies_atom_is_valid_atom_with_the_published_replies_only(client, rt):
    import xml.etree.ElementTree as ET

    from tests.support import NAME, PHONE, Staff, replied, submit
    staff = Staff()
    shown = replied(rt.app, staff)["tracking_no"]
    private = replied(rt.app, staff, publish=False)["tracking_no"]
    unanswered = submit(rt.app)["tracking_no"]
    rt.catch_up_all()
    response = client.get("/feeds/replies.atom")
    assert response.status_code == 200 and response.mimetype == "application/atom+xml"
    ns = {"a": "http://www.w3.org/2005/Atom"}
    root = ET.fromstring(response.data)
    assert root.tag == "{http://www.w3.org/2005/Atom}feed"
    for required in ("a:id", "a:title", "a:updated", "a:author"):
        assert root.find(required, ns) is not None, required
    assert root.find("a:link[@rel='self']", ns) is not None
    entries = root.findall("a:entry", ns)
    links = [e.find("a:link", ns).get("href") for e in entries]
    assert any(link.endswith(f"/replies/{shown}") for link in links)
    assert not any(private in link or unanswered in link for link in links)
    for entry in entries:
        for required in ("a:id", "a:title", "a:updated"):
            assert entry.find(required, ns) is not None
        assert entry.find("a:updated", ns).text.endswith("+08:00")
    text = response.get_data(as_text=True)
    assert PHONE not in text and NAME not in text and "答复部门：区住建局" in text
    again = client.get("/feeds/replies.atom", headers={"If-None-Match": response.headers["ETag"]})
    assert again.status_code == 304
    assert client.get("/feeds/replies.atom?category=不存在").status_code == 422
