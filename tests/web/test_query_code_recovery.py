"""找回查询码: the API and the portal answer alike whether or not the number and the
address match, and a matching request replaces the code."""

from tests.support import submit


def test_the_api_answers_202_alike_and_replaces_the_code_only_on_a_match(client, rt):
    receipt = submit(rt.app)
    no, old = receipt["tracking_no"], receipt["query_code"]
    path = f"/api/v1/comments/{no}/query-code-recovery"
    answers = [client.post(p, json={"email": e}) for p, e in (
        (path, "other@example.com"), ("/api/v1/comments/LY20000101000000/query-code-recovery",
                                      "zhang@example.com"))]
    assert [a.status_code for a in answers] == [202, 202]
    assert answers[0].get_json() == answers[1].get_json()
    assert rt.app.comment_for_citizen(no, old)  # nothing changed yet
    assert client.post(path, json={"email": "zhang@example.com"}).status_code == 202
    assert client.get(f"/api/v1/comments/{no}?query_code={old}").status_code in (403, 404)


def test_bad_recovery_input_is_a_clear_422(client):
    for body in ({}, {"email": "not-an-address"}, {"email": "a@b.cn", "extra": 1}):
        answer = client.post("/api/v1/comments/LY1/query-code-recovery", json=body)
        assert answer.status_code == 422 and answer.get_json()["error"]


def test_the_portal_form_redirects_to_the_follow_page_with_the_same_message(csrf_client, rt):
    from tests.web.conftest import csrf_token
    no = submit(rt.app)["tracking_no"]
    page = csrf_client.get("/follow/recover")
    assert page.status_code == 200 and "找回查询码" in page.get_data(as_text=True)
    token = csrf_token(page.get_data(as_text=True))
    bad = csrf_client.post("/follow/recover", data={"csrf_token": token, "tracking_no": no,
                                                    "email": "bad"})
    assert bad.status_code == 422 and "电子邮箱格式不正确" in bad.get_data(as_text=True)
    done = csrf_client.post("/follow/recover", data={"csrf_token": token, "tracking_no": no,
                                                     "email": "zhang@example.com"},
                            follow_redirects=True)
    html = done.get_data(as_text=True)
    assert done.status_code == 200 and "新的查询码将发送到该邮箱" in html and no in html
    assert "找回查询码" in csrf_client.get("/follow").get_data(as_text=True)
