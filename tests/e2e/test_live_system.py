"""End to end over HTTP: a live gunicorn process, a real RQ worker, real Redis and storage."""

import json
import time
import urllib.error
import urllib.request

import pytest

from tests.support import live_system_with_staff

pytestmark = pytest.mark.e2e


def call(system, method: str, path: str, body=None, token: str | None = None):
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(system.url + path, data=data, method=method)
    request.add_header("Content-Type", "application/json")
    if token:
        request.add_header("Authorization", f"Bearer {token}")
    try:
        with urllib.request.urlopen(request, timeout=10) as resp:
            return resp.status, json.loads(resp.read() or b"null")
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read() or b"null")


def wait_for(predicate, timeout: float = 10.0):
    """Poll until predicate() is truthy; the worker projects asynchronously."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.05)
    raise AssertionError("condition not met in time")


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def live_system(request, redis_url):
    database_url = None if request.param == "sqlite" else request.getfixturevalue("postgres_url")
    system = live_system_with_staff(redis_url, database_url)
    yield system
    system.stop()


def token_for(system, username: str, password: str) -> str:
    status, body = call(system, "POST", "/api/v1/auth/token",
                        {"username": username, "password": password})
    assert status == 201, body
    return body["token"]


def test_a_comment_goes_from_submission_to_the_public_listing_through_a_real_worker(live_system):
    s = live_system
    status, created = call(s, "POST", "/api/v1/comments", {
        "title": "小区路灯长期不亮", "content": "永福路小区东门路灯坏了，电话13812345678",
        "kind": "投诉", "category": "城乡建设", "name": "张三", "phone": "13812345678"})
    assert status == 201
    no, code = created["tracking_no"], created["query_code"]
    rev, h1 = token_for(s, "rev", "review-pass-1"), token_for(s, "h1", "handler-pass-1")

    wait_for(lambda: call(s, "GET", "/api/v1/staff/inbox?status=submitted", token=rev)[1]["total"])
    for action, body, token in (("accept", {}, rev), ("dispatch", {"department": "区住建局"}, rev),
                                ("draft", {"content": "已更换线路，恢复照明。"}, h1),
                                ("approve", {}, rev)):
        status, result = call(s, "POST", f"/api/v1/staff/comments/{no}/{action}", body, token)
        assert status == 200, (action, result)

    listing = wait_for(lambda: call(s, "GET", "/api/v1/replies")[1]["items"])
    item = listing[0]
    assert item["tracking_no"] == no
    assert item["accepted_on"] and item["replied_on"]
    assert item["reply_department"] == "区住建局"
    assert item["reply"] == "已更换线路，恢复照明。"
    assert "13812345678" not in json.dumps(listing, ensure_ascii=False)
    assert "张三" not in json.dumps(listing, ensure_ascii=False)

    mine = wait_for(lambda: call(s, "GET", f"/api/v1/comments/{no}?query_code={code}")[1])
    wait_for(lambda: call(s, "GET", f"/api/v1/comments/{no}?query_code={code}")[1]["can_rate"])
    assert mine["tracking_no"] == no
    status, _ = call(s, "POST", f"/api/v1/comments/{no}/rating",
                     {"query_code": code, "rating": "满意"})
    assert status == 201
    wait_for(lambda: call(s, "GET", "/api/v1/replies")[1]["items"][0]["rating"] == "满意")

    status, detail = call(s, "GET", f"/api/v1/staff/comments/{no}", token=rev)
    steps = [(step["event"], step["actor"]) for step in detail["timeline"]]
    assert steps == [("Submitted", "citizen"), ("Accepted", "staff:rev"),
                     ("Dispatched", "staff:rev"), ("ReplyDrafted", "staff:h1"),
                     ("ReplyPublished", "staff:rev"), ("Rated", "citizen")]


def test_bad_input_over_http_is_a_clear_4xx_and_stores_nothing(live_system):
    s = live_system
    head = call(s, "GET", "/healthz")[1]["checks"]["event_store_position"]
    cases = [
        ({"title": "缺内容"}, 422),
        ({"title": 5, "content": "x", "kind": "投诉", "category": "城乡建设"}, 422),
        ({"title": "t", "content": "长" * 3001, "kind": "投诉", "category": "城乡建设"}, 422),
        ({"title": "t", "content": "c", "kind": "投诉", "category": "城乡建设",
          "department": "不存在的局"}, 422),
    ]
    for body, expected in cases:
        status, error = call(s, "POST", "/api/v1/comments", body)
        assert status == expected and error["error"]["message"], body
    request = urllib.request.Request(s.url + "/api/v1/comments", data=b"not json",
                                     method="POST")
    with pytest.raises(urllib.error.HTTPError) as e:
        urllib.request.urlopen(request, timeout=5)
    assert e.value.code == 400 and json.loads(e.value.read())["error"]["message"]
    rev = token_for(s, "rev", "review-pass-1")
    assert call(s, "GET", "/healthz")[1]["checks"]["event_store_position"] == head
    assert call(s, "POST", "/api/v1/staff/comments/LY000/accept", {}, rev)[0] == 404
    assert call(s, "GET", "/api/v1/staff/inbox")[0] == 401


def test_a_hotline_ticket_goes_from_call_to_callback_and_the_listing_through_a_real_worker(
        live_system):
    s = live_system
    op, h1, h2, sup, rev = (token_for(s, name, password) for name, password in (
        ("op", "operator-pass-1"), ("h1", "handler-pass-1"), ("h2", "handler-pass-2"),
        ("sup", "supervisor-pass-1"), ("rev", "review-pass-1")))
    status, created = call(s, "POST", "/api/v1/staff/tickets", {
        "channel": "电话", "caller_name": "李四", "caller_phone": "13912345678",
        "area": "巨山街道", "address": "某小区3号楼", "category": "城乡建设", "kind": "投诉",
        "urgency": "一般", "title": "小区门口积水", "content": "雨后积水严重，电话13912345678",
        "publish": True}, op)
    assert status == 201 and created["status"] == "registered"
    no = created["ticket_no"]

    def step(token, action, **body):
        status, result = call(s, "POST", f"/api/v1/staff/tickets/{no}/{action}", body, token)
        assert status == 200, (action, result)
        return result

    step(op, "dispatch", department="区住建局", co_departments=["区交运局"])
    assert call(s, "POST", f"/api/v1/staff/tickets/{no}/sign", {}, h2)[0] == 403
    step(h1, "sign")
    step(h1, "request_extension", days=2, reason="需协调排水")
    step(sup, "decline_extension", reason="可按期办结")
    step(h2, "co_reply", opinion="已配合疏通道路排水")
    step(h1, "resolve", reply="已疏通排水管道")
    queue = wait_for(lambda: call(s, "GET", "/api/v1/staff/tickets?callbacks=1",
                                  token=op)[1]["items"])
    assert [row["ticket_no"] for row in queue] == [no]
    assert step(op, "callback", reached=True, resolved=False, rating="不满意")["status"] == \
        "handling"
    step(h1, "resolve", reply="已更换排水管，积水已排除")
    assert step(op, "callback", reached=True, resolved=True, rating="满意")["status"] == "closed"
    step(rev, "publish", title="小区门口积水", content="雨后小区门口积水严重",
         reply="已更换排水管，积水已排除")
    public = wait_for(lambda: call(s, "GET", f"/api/v1/replies/{no}")[1].get("tracking_no"))
    assert public == no
    status, detail = call(s, "GET", f"/api/v1/staff/tickets/{no}", token=op)
    labels = [step["label"] for step in detail["timeline"]]
    assert labels.count("重办") == 1 and labels[-1] == "审核公开"
    assert all(step["actor"] and step["at"] for step in detail["timeline"])
    mine = call(s, "GET", "/api/v1/staff/tickets", token=h2)[1]
    assert [row["ticket_no"] for row in mine["items"]] == [no]  # co-handled
