"""The incident board over the JSON API and in the console: opening by hand, the two owners,
both tracks, the close rule (409), and what handlers may see."""

import pytest

from domain.actors import SYSTEM_ACTOR
from infrastructure.security import hash_password
from tests.web.conftest import PASSWORD, login


@pytest.fixture
def tokens(client, rt):
    rt.app.register_staff(username="yq", display_name="舆情专班", roles=["opinion"],
                          password_hash=hash_password(PASSWORD), department=None,
                          actor=SYSTEM_ACTOR)
    rt.catch_up_all()

    def token(username):
        body = client.post("/api/v1/auth/token", json={"username": username,
                                                       "password": PASSWORD}).get_json()
        return {"Authorization": f"Bearer {body['token']}"}
    return {name: token(name) for name in ("yq", "h1", "h2", "rev")}


def act(client, tokens, who, no, action, **body):
    return client.post(f"/api/v1/staff/incidents/{no}/{action}", json=body, headers=tokens[who])


def test_an_incident_from_opening_to_closing(client, tokens, rt):
    opened = client.post("/api/v1/staff/incidents", headers=tokens["yq"], json={
        "title": "临城街道化工异味", "area": "临城街道", "level": "II", "topic": "生态环境"})
    assert opened.status_code == 201
    no = opened.get_json()["incident_no"]
    rt.catch_up_all()
    board = client.get("/api/v1/staff/incidents", headers=tokens["yq"]).get_json()
    (row,) = board["items"]
    assert row["incident_no"] == no and row["status"] == "open" and row["level"] == "II"
    assert [c["name"] for c in row["clocks"]] == ["authoritative", "press_conference"]
    assert all(c["state"] == "green" for c in row["clocks"])
    # Handlers see nothing that does not concern their department.
    assert client.get("/api/v1/staff/incidents", headers=tokens["h1"]).get_json()["items"] == []
    assert client.get(f"/api/v1/staff/incidents/{no}", headers=tokens["h1"]).status_code == 404
    assert act(client, tokens, "yq", no, "assign", handling_department="区住建局",
               response_department="区政府办公室").status_code == 200
    rt.catch_up_all()
    assert [r["incident_no"] for r in client.get("/api/v1/staff/incidents",
                                                 headers=tokens["h1"]).get_json()["items"]] == [no]
    assert act(client, tokens, "h1", no, "handling_update", text="已派员核查并封控现场",
               completed=True).status_code == 200
    refused = act(client, tokens, "yq", no, "close", summary="办结")
    assert refused.status_code == 409 and "回应尚未完成" in refused.get_json()["error"]["message"]
    assert act(client, tokens, "h2", no, "response_statement", statement="written",
               text="x").status_code in (403, 404)
    assert act(client, tokens, "yq", no, "response_statement", statement="authoritative",
               text="经查系企业排放异常，已责令停产整改。", channel="区政府网站",
               completed=True).status_code == 200
    assert act(client, tokens, "yq", no, "close", summary="处置与回应均已完成").status_code == 200
    rt.catch_up_all()
    detail = client.get(f"/api/v1/staff/incidents/{no}", headers=tokens["yq"]).get_json()
    assert detail["status"] == "closed"
    row = client.get("/api/v1/staff/incidents?status=closed",
                     headers=tokens["yq"]).get_json()["items"][0]
    assert row["clocks"][0]["state"] == "done" and row["clocks"][1]["state"] == "closed"


def test_bad_input_is_a_clear_error(client, tokens):
    assert client.post("/api/v1/staff/incidents", headers=tokens["yq"],
                       json={"title": ""}).status_code == 422
    assert client.post("/api/v1/staff/incidents", headers=tokens["yq"],
                       json={"title": "x", "level": "V"}).status_code == 422
    assert client.post("/api/v1/staff/incidents", headers=tokens["rev"],
                       json={"title": "x"}).status_code == 403
    assert client.get("/api/v1/staff/incidents?level=9", headers=tokens["yq"]).status_code == 422
    no = client.post("/api/v1/staff/incidents", headers=tokens["yq"],
                     json={"title": "x"}).get_json()["incident_no"]
    assert act(client, tokens, "yq", no, "link", item_kind="tickets",
               item_no="000").status_code == 404
    assert act(client, tokens, "yq", no, "assign", handling_department="不存在的局",
               response_department="区政府办公室").status_code == 422


def test_the_console_board_lists_incidents_and_refreshes_its_table(client, tokens, rt):
    client.post("/api/v1/staff/incidents", headers=tokens["yq"], json={"title": "河道死鱼"})
    rt.catch_up_all()
    login(client, "yq")
    page = client.get("/staff/incidents")
    assert page.status_code == 200 and "河道死鱼" in page.get_data(as_text=True)
    partial = client.get("/staff/incidents?partial=1").get_data(as_text=True)
    assert partial.lstrip().startswith("<table") and "河道死鱼" in partial


def test_a_linked_item_shows_its_incident_on_its_staff_page(client, tokens, rt):
    no = client.post("/api/v1/staff/incidents", headers=tokens["yq"],
                     json={"title": "化工异味事件"}).get_json()["incident_no"]
    created = client.post("/api/v1/comments", json={
        "title": "河水发黄", "content": "河水颜色发黄，特此反映，望予处理。", "kind": "投诉", "category": "生态环境"})
    comment = created.get_json()["tracking_no"]
    assert act(client, tokens, "yq", no, "link", item_kind="comments",
               item_no=comment).status_code == 200
    rt.catch_up_all()
    detail = client.get(f"/api/v1/staff/comments/{comment}", headers=tokens["rev"]).get_json()
    assert [i["incident_no"] for i in detail["incidents"]] == [no]
    login(client, "rev")
    assert "化工异味事件" in client.get(f"/staff/comments/{comment}").get_data(as_text=True)
    assert act(client, tokens, "yq", no, "unlink", item_kind="comments", item_no=comment,
               reason="无关").status_code == 200
    rt.catch_up_all()
    assert client.get(f"/api/v1/staff/comments/{comment}",
                      headers=tokens["rev"]).get_json()["incidents"] == []


def test_the_team_edits_the_lexicon_over_the_api_and_in_the_console(client, tokens, rt):
    shown = client.get("/api/v1/staff/lexicon", headers=tokens["yq"]).get_json()
    assert shown["version"] == 0 and shown["settings"]["spike_count"] == 5
    edited = client.post("/api/v1/staff/lexicon/set_term", headers=tokens["yq"],
                         json={"topic": "生态环境", "term": "偷倒渣土", "weight": 0.8})
    assert edited.status_code == 200 and edited.get_json()["topics"]["生态环境"]["偷倒渣土"] == 0.8
    assert client.post("/api/v1/staff/lexicon/set_term", headers=tokens["yq"],
                       json={"topic": "生态环境", "term": ""}).status_code == 422
    assert client.post("/api/v1/staff/lexicon/nope", headers=tokens["yq"],
                       json={}).status_code == 404
    assert client.get("/api/v1/staff/lexicon", headers=tokens["h1"]).status_code == 403
    login(client, "yq")
    page = client.get("/staff/lexicon")
    assert page.status_code == 200 and "偷倒渣土" in page.get_data(as_text=True)


def test_the_console_forms_edit_the_lexicon(client, tokens, rt):
    login(client, "yq")
    done = client.post("/staff/lexicon/add_exclusion", data={"phrase": "电子鞭炮"})
    assert done.status_code == 303
    assert "电子鞭炮" in rt.app.current_lexicon()[0].exclusions
    refused = client.post("/staff/lexicon/change_settings", data={"threshold": "abc"},
                          follow_redirects=True)
    assert refused.status_code == 200 and "须为数字" in refused.get_data(as_text=True)


def test_who_must_act_is_notified(client, tokens, rt, web_clock):
    from tests.support import Staff, replied
    no = client.post("/api/v1/staff/incidents", headers=tokens["yq"],
                     json={"title": "河道死鱼"}).get_json()["incident_no"]
    act(client, tokens, "yq", no, "assign", handling_department="区住建局",
        response_department="区政府办公室")
    act(client, tokens, "yq", no, "set_level", level="II", reason="关注度上升")
    receipt = replied(rt.app, Staff())  # a comment with an e-mail address, now answered
    rt.catch_up_all()
    team = client.get("/api/v1/staff/notifications", headers=tokens["yq"]).get_json()["items"]
    assert sorted(n["subject"] for n in team) == ["新的舆情事件（一般）：河道死鱼",
                                                  "舆情事件升级为重大：河道死鱼"]
    handler = client.get("/api/v1/staff/notifications", headers=tokens["h1"]).get_json()
    subjects = [n["subject"] for n in handler["items"]]
    assert "请处置舆情事件：河道死鱼" in subjects and "舆情事件升级为重大：河道死鱼" in subjects
    assert client.get("/api/v1/staff/notifications", headers=tokens["h2"]).get_json()[
        "items"] == []
    outbox = rt.views.query("SELECT item_no, subject FROM outbox WHERE audience IS NULL")
    assert outbox == [{"item_no": receipt["tracking_no"],
                       "subject": f"您的留言 {receipt['tracking_no']} 已答复"}]
    rt.updater("notifications").rebuild()  # a rebuild writes the same notices, no more
    assert len(client.get("/api/v1/staff/notifications", headers=tokens["yq"]).get_json()[
        "items"]) == 2
    login(client, "h1")
    assert "请处置舆情事件" in client.get("/staff/notifications").get_data(as_text=True)
