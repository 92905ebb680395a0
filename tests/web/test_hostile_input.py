"""Input an attacker would try: each of these once gave a 500."""

import pytest


def test_a_json_body_nested_a_thousand_deep_is_a_400(client):
    for path in ("/api/v1/comments", "/api/v1/auth/token"):
        deep = "[" * 1000 + "]" * 1000
        for body in (deep, '{"title": ' + deep + "}"):
            answer = client.post(path, data=body, content_type="application/json")
            assert answer.status_code == 400, (path, body[:20])
            assert answer.get_json()["error"]["message"]


def test_a_lone_surrogate_as_a_key_is_a_clear_400(client):
    answer = client.post("/api/v1/comments", data='{"\\ud800": "x"}',
                         content_type="application/json")
    assert answer.status_code == 400 and "无效字符" in answer.get_json()["error"]["message"]


@pytest.mark.parametrize("path, status", [
    ("/api/v1/replies/LY%00", 404), ("/replies/LY%00x", 404), ("/staff/comments/LY%00", 404),
    ("/api/v1/replies?q=%00", 400), ("/replies?department=%00", 400),
])
def test_a_nul_byte_in_the_url_is_refused_before_any_query(client, path, status):
    assert client.get(path).status_code == status


def test_405_says_which_methods_are_allowed(client):
    answer = client.delete("/api/v1/comments")
    assert answer.status_code == 405 and "POST" in answer.headers["Allow"]
    assert answer.get_json()["error"]["code"] == "method_not_allowed"



def test_a_20_mb_comment_form_comes_back_with_the_text_and_a_clear_error(client, rt):
    head = rt.app.recorder.max_notification_id() or 0
    start = "我家楼下的路灯已经坏了一个月"
    answer = client.post("/comments/new", data={"title": "路灯", "kind": "投诉", "category": "城乡建设",
                                               "content": start + "很" * (20 * 1024 * 1024 // 9)})  # 20 MB encoded
    html = answer.get_data(as_text=True)
    assert answer.status_code == 422 and start in html and "3000" in html
    assert len(html) < 200_000  # the form holds the start of the text, not all 20 MB
    assert (rt.app.recorder.max_notification_id() or 0) == head
    too_big = client.post("/api/v1/comments", data="x" * (1024 * 1024),
                          content_type="application/json")
    assert too_big.status_code == 413 and too_big.get_json()["error"]["message"]


def test_the_inbox_sends_booleans_as_its_document_says(client, rt):
    from tests.support import submit
    from tests.web.conftest import PASSWORD
    submit(rt.app)
    rt.catch_up_all()
    token = client.post("/api/v1/auth/token", json={"username": "rev", "password": PASSWORD})
    items = client.get("/api/v1/staff/inbox", headers={
        "Authorization": f"Bearer {token.get_json()['token']}"}).get_json()["items"]
    assert items and all(type(i[k]) is bool for i in items
                         for k in ("overdue", "withheld", "supervised"))
