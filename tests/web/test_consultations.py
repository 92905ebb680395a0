"""重大决策预公开 on the web: the public contract (/api/v1/consultations), the portal column
and pages, staff actions through the generic routes, files, feeds — and no personal data in
anything public."""

import io
import re
import xml.etree.ElementTree as ET

import pytest

from domain.actors import SYSTEM_ACTOR
from infrastructure.security import hash_password
from tests.support import local
from tests.web.conftest import PASSWORD, login

NAME, PHONE, EMAIL = "张小明", "13912345678", "zxm@example.com"


@pytest.fixture
def tokens(client, rt):
    rt.app.register_staff(username="root", display_name="管理员", roles=["admin"],
                          password_hash=hash_password(PASSWORD), department=None,
                          actor=SYSTEM_ACTOR)
    rt.catch_up_all()
    return Tokens(client)


class Tokens:
    """A fresh bearer token per use: the tests move the clock past a token's lifetime."""

    def __init__(self, client):
        self.client = client

    def __getitem__(self, username: str) -> dict:
        token = self.client.post("/api/v1/auth/token", json={
            "username": username, "password": PASSWORD}).get_json()["token"]
        return {"Authorization": f"Bearer {token}"}


def listed(client, tokens, user="h1", **kw):
    body = dict(year=2026, title="老旧小区改造三年行动方案", department="区住建局",
                planned_on="2026-12-20", participation=["online", "symposium"])
    body.update(kw)
    return client.post("/api/v1/staff/consultations", json=body, headers=tokens[user])


def published(client, tokens, rt, opens_on="2026-09-16", closes_on="2026-10-15"):
    no = listed(client, tokens).get_json()["consultation_no"]
    answer = client.post(f"/api/v1/staff/consultations/{no}/publish_draft", headers=tokens["h1"],
                         json={"draft": "一、改造范围……", "basis": "依据国办发〔2020〕23号",
                               "opens_on": opens_on, "closes_on": closes_on})
    assert answer.status_code == 200, answer.get_json()
    rt.catch_up_all()
    return no


def opinion(client, no, content=f"建议加装电梯，我的电话{PHONE}", **kw):
    body = {"content": content, "name": NAME, "phone": PHONE, "email": EMAIL, **kw}
    return client.post(f"/api/v1/consultations/{no}/opinions", json=body)


def test_staff_list_an_entry_and_bad_input_is_refused(client, tokens, rt):
    created = listed(client, tokens)
    assert created.status_code == 201 and created.get_json()["status"] == "planned"
    unknown = listed(client, tokens, "root", department="区不存在局")
    assert unknown.status_code == 422
    assert unknown.get_json()["error"]["details"]["field"] == "department"
    assert listed(client, tokens, "h2").status_code == 403  # not their department
    assert listed(client, tokens, "rev").status_code == 403
    assert listed(client, tokens, participation=["lottery"]).status_code == 422
    assert listed(client, tokens, planned_on="明年").status_code == 422
    assert client.post("/api/v1/staff/consultations", json={}).status_code == 401
    no = created.get_json()["consultation_no"]
    closes_first = client.post(f"/api/v1/staff/consultations/{no}/publish_draft",
                               headers=tokens["h1"],
                               json={"draft": "草案", "basis": "依据", "opens_on": "2026-10-15",
                                     "closes_on": "2026-10-01"})
    assert closes_first.status_code == 422
    assert closes_first.get_json()["error"]["details"]["field"] == "closes_on"
    short = client.post(f"/api/v1/staff/consultations/{no}/publish_draft", headers=tokens["h1"],
                        json={"draft": "草案", "basis": "依据", "opens_on": "2026-09-16",
                              "closes_on": "2026-10-14"})
    assert short.status_code == 422 and "30" in short.get_json()["error"]["message"]
    assert client.get(f"/api/v1/staff/consultations/{no}", headers=tokens["h2"]).status_code == 404


def test_the_column_lists_by_status_with_dates_and_days_left(client, tokens, rt, web_clock):
    upcoming = published(client, tokens, rt, "2026-09-16", "2026-10-15")
    open_now = published(client, tokens, rt, "2026-09-15", "2026-10-14")
    planned = listed(client, tokens).get_json()["consultation_no"]
    rt.catch_up_all()
    items = {i["consultation_no"]: i for i in client.get("/api/v1/consultations").get_json()[
        "items"]}
    assert set(items) == {upcoming, open_now}  # the column: drafts published
    assert items[upcoming]["status"] == "upcoming" and items[upcoming]["days_left"] == 30
    assert items[open_now]["status"] == "open" and items[open_now]["days_left"] == 30
    assert items[open_now]["opens_on"] == "2026-09-15" and items[open_now]["closes_on"] == \
        "2026-10-14"
    only_open = client.get("/api/v1/consultations?status=open").get_json()["items"]
    assert [i["consultation_no"] for i in only_open] == [open_now]
    assert [i["consultation_no"] for i in client.get(
        "/api/v1/consultations?status=planned").get_json()["items"]] == [planned]
    assert client.get("/api/v1/consultations?status=whatever").status_code == 422
    assert client.get("/api/v1/consultations?department=区不存在局").status_code == 422
    assert client.get("/api/v1/consultations?year=2025").get_json()["total"] == 0
    assert client.get("/api/v1/consultations?department=区住建局&year=2026").get_json()[
        "total"] == 2
    web_clock.now = local(2026, 10, 15, 0, 1)  # the day after open_now closed, locally
    statuses = {i["consultation_no"]: i["status"] for i in client.get(
        "/api/v1/consultations").get_json()["items"]}
    assert statuses == {upcoming: "open", open_now: "closed"}
    page = client.get("/consultations").get_data(as_text=True)
    assert "征集中" in page and "已结束" in page and "2026-10-14" in page
    assert client.get("/consultations?status=closed").status_code == 200
    assert client.get("/consultations?year=abc").status_code == 422
    catalogue = client.get("/consultations/catalogue").get_data(as_text=True)
    assert "老旧小区改造三年行动方案" in catalogue and "座谈会" in catalogue


def test_opinions_while_open_late_ones_refused(client, tokens, rt, web_clock):
    no = published(client, tokens, rt, "2026-09-15", "2026-10-14")
    created = opinion(client, no)
    assert created.status_code == 201
    body = created.get_json()
    assert body["opinion_no"] == f"{no}-0001" and len(body["query_code"]) == 10
    empty = opinion(client, no, content="   ")
    assert empty.status_code == 422
    assert client.post(f"/api/v1/consultations/{no}/opinions", data="x").status_code == 400
    web_clock.now = local(2026, 10, 15, 0, 0)
    late = opinion(client, no)
    assert late.status_code == 422 and "截止" in late.get_json()["error"]["message"]
    page = client.post(f"/consultations/{no}/opinions", data={"content": "晚到的意见"})
    assert page.status_code == 422 and "已于 2026-10-14 截止" in page.get_data(as_text=True)
    assert client.post("/api/v1/consultations/JC00000000/opinions",
                       json={"content": "意见"}).status_code == 404


def answer_all_and_publish(client, tokens, rt, no, numbers):
    for i, number in enumerate(numbers):
        adoption = ("adopted", "partly", "not_adopted")[i % 3]
        done = client.post(f"/api/v1/staff/consultations/{no}/answer", headers=tokens["h1"],
                           json={"opinion_no": number, "adoption": adoption,
                                 "reason": f"理由{i}"})
        assert done.status_code == 200, done.get_json()
    assert client.post(f"/api/v1/staff/consultations/{no}/submit_summary", headers=tokens["h1"],
                       json={"summary": "共收到意见，逐条研究。"}).status_code == 200
    assert client.post(f"/api/v1/staff/consultations/{no}/approve", headers=tokens["h1"],
                       json={}).status_code == 403
    assert client.post(f"/api/v1/staff/consultations/{no}/approve", headers=tokens["rev"],
                       json={}).status_code == 200
    rt.catch_up_all()


def test_adoption_is_published_with_numbers_and_answers_and_no_personal_data(
        client, tokens, rt, web_clock):
    no = published(client, tokens, rt, "2026-09-15", "2026-10-14")
    receipts = [opinion(client, no).get_json() for _ in range(3)]
    hidden = opinion(client, no, content="不愿公开的意见", publish=False).get_json()
    numbers = [r["opinion_no"] for r in receipts] + [hidden["opinion_no"]]
    web_clock.now = local(2026, 10, 15, 9)
    early = client.post(f"/api/v1/staff/consultations/{no}/submit_summary", headers=tokens["h1"],
                        json={"summary": "汇总"})
    assert early.status_code == 409 and len(early.get_json()["error"]["details"][
        "unanswered"]) == 4
    answer_all_and_publish(client, tokens, rt, no, numbers)
    detail = client.get(f"/api/v1/consultations/{no}").get_json()
    assert detail["status"] == "published"
    assert (detail["received"], detail["adopted"], detail["partly"], detail["not_adopted"]) == \
        (4, 2, 1, 1)
    assert detail["summary"] == "共收到意见，逐条研究。"
    shown = {o["opinion_no"]: o for o in detail["opinions"]}
    assert set(shown) == set(numbers[:3])  # the one not consented stays unpublished
    assert shown[numbers[1]]["adoption"] == "partly" and shown[numbers[1]]["reason"] == "理由1"
    listing = client.get("/api/v1/consultations?status=published").get_json()["items"][0]
    assert listing["received"] == 4 and listing["adopted"] == 2
    html = client.get(f"/consultations/{no}").get_data(as_text=True)
    assert 'id="count-received">4<' in html and "部分采纳" in html and "理由1" in html
    for public in (client.get(f"/api/v1/consultations/{no}").get_data(as_text=True), html,
                   client.get("/api/v1/consultations").get_data(as_text=True),
                   client.get("/feeds/consultations.json").get_data(as_text=True),
                   client.get("/feeds/consultations.atom").get_data(as_text=True)):
        for private in (NAME, PHONE, EMAIL, "不愿公开的意见"):
            assert private not in public


def test_the_citizen_reads_the_answer_to_their_own_opinion(client, tokens, rt, web_clock):
    no = published(client, tokens, rt, "2026-09-15", "2026-10-14")
    receipt = opinion(client, no).get_json()
    url = f"/api/v1/consultations/opinions/{receipt['opinion_no']}"
    before = client.get(url, query_string={"query_code": receipt["query_code"]}).get_json()
    assert before["status"] == "received" and before["adoption"] is None
    assert client.get(url, query_string={"query_code": "WRONGWRONG"}).status_code == 403
    assert client.get(url).status_code == 400
    web_clock.now = local(2026, 10, 15, 9)
    answer_all_and_publish(client, tokens, rt, no, [receipt["opinion_no"]])
    after = client.get(url, query_string={"query_code": receipt["query_code"]}).get_json()
    assert after["status"] == "answered" and after["adoption"] == "adopted"
    assert after["reason"] == "理由0"
    page = client.post("/consultations/follow", data={"opinion_no": receipt["opinion_no"],
                                                       "query_code": receipt["query_code"]})
    text = page.get_data(as_text=True)
    assert page.status_code == 200 and "理由0" in text and page.headers["Cache-Control"] == \
        "no-store"
    wrong = client.post("/consultations/follow", data={"opinion_no": receipt["opinion_no"],
                                                        "query_code": "X"})
    assert wrong.status_code == 403


def test_the_portal_form_gives_a_receipt(client, tokens, rt):
    no = published(client, tokens, rt, "2026-09-15", "2026-10-14")
    page = client.get(f"/consultations/{no}").get_data(as_text=True)
    assert "提交意见" in page and "剩余天数" in page
    empty = client.post(f"/consultations/{no}/opinions", data={"content": ""})
    assert empty.status_code == 422
    done = client.post(f"/consultations/{no}/opinions",
                       data={"content": "建议分期施工", "phone": PHONE, "publish": "true"})
    text = done.get_data(as_text=True)
    assert done.status_code == 200 and re.search(r'id="opinion-no">[^<]+-0001<', text)
    assert re.search(r'id="query-code">[A-Z0-9]{10}<', text)


def test_extension_and_meetings_through_the_api(client, tokens, rt, web_clock):
    no = published(client, tokens, rt, "2026-09-15", "2026-10-14")
    no_reason = client.post(f"/api/v1/staff/consultations/{no}/extend", headers=tokens["h1"],
                            json={"closes_on": "2026-10-31"})
    assert no_reason.status_code == 422
    extended = client.post(f"/api/v1/staff/consultations/{no}/extend", headers=tokens["h1"],
                           json={"closes_on": "2026-10-31", "reason": "意见较多"})
    assert extended.status_code == 200
    rt.catch_up_all()
    item = client.get("/api/v1/consultations?status=open").get_json()["items"][0]
    assert item["closes_on"] == "2026-10-31" and item["extended"] is True
    meeting = client.post(f"/api/v1/staff/consultations/{no}/record_meeting",
                          headers=tokens["h1"],
                          json={"title": "座谈会", "held_on": "2026-09-15",
                                "attendees": "市民代表3名", "decisions": "形成修改意见5条"})
    assert meeting.status_code == 200
    added = client.post(f"/api/v1/staff/consultations/{no}/add_representative_opinion",
                        headers=tokens["h1"],
                        json={"meeting_no": 1, "representative": "市民代表甲",
                              "content": "应公开资金来源"})
    assert added.status_code == 200
    web_clock.now = local(2026, 11, 1, 9)
    expired = client.post(f"/api/v1/staff/consultations/{no}/extend", headers=tokens["h1"],
                          json={"closes_on": "2026-11-30", "reason": "再延"})
    assert expired.status_code == 409
    answer_all_and_publish(client, tokens, rt, no, ["M1-1"])
    detail = client.get(f"/api/v1/consultations/{no}").get_json()
    assert detail["meetings"][0]["decisions"] == "形成修改意见5条"
    assert detail["meetings"][0]["opinions"][0]["adoption"] == "adopted"
    assert detail["extensions"][0]["reason"] == "意见较多"


def test_files_upload_and_publication(client, tokens, rt):
    no = listed(client, tokens).get_json()["consultation_no"]
    data = b"%PDF-1.4 " + b"x" * 400_000  # larger than the ordinary 256 KiB body limit
    up = client.post(f"/api/v1/staff/consultations/{no}/files", headers=tokens["h1"],
                     data={"role": "draft", "file": (io.BytesIO(data), "草案全文.pdf")},
                     content_type="multipart/form-data")
    assert up.status_code == 201, up.get_json()
    file_id = up.get_json()["file_id"]
    assert client.get(f"/consultations/{no}/files/{file_id}").status_code == 404  # not yet
    assert client.post(f"/api/v1/staff/consultations/{no}/files", headers=tokens["h2"],
                       data={"role": "draft", "file": (io.BytesIO(b"x"), "a.pdf")},
                       content_type="multipart/form-data").status_code == 404
    assert client.post(f"/api/v1/staff/consultations/{no}/files", headers=tokens["h1"],
                       data={"role": "other", "file": (io.BytesIO(b"x"), "a.pdf")},
                       content_type="multipart/form-data").status_code == 422
    client.post(f"/api/v1/staff/consultations/{no}/publish_draft", headers=tokens["h1"],
                json={"draft": "草案", "basis": "依据", "opens_on": "2026-09-16",
                      "closes_on": "2026-10-15"})
    got = client.get(f"/consultations/{no}/files/{file_id}")
    assert got.status_code == 200 and got.data == data
    assert got.headers["Content-Disposition"].startswith("attachment")
    detail = client.get(f"/api/v1/consultations/{no}").get_json()
    assert detail["draft_files"][0]["name"] == "草案全文.pdf"
    assert client.get(f"/consultations/{no}/files/../../x").status_code == 404


def test_feeds_and_openapi(client, tokens, rt):
    no = published(client, tokens, rt, "2026-09-15", "2026-10-14")
    feed = client.get("/feeds/consultations.json")
    body = feed.get_json()
    assert feed.status_code == 200 and body["generated_at"] and body["items"][0][
        "consultation_no"] == no and body["items"][0]["status"] == "open"
    assert client.get("/feeds/consultations.json", headers={
        "If-None-Match": feed.headers["ETag"]}).status_code == 304
    assert client.get("/feeds/consultations.json?status=bad").status_code == 422
    atom = client.get("/feeds/consultations.atom")
    root = ET.fromstring(atom.data)
    entries = root.findall("{http://www.w3.org/2005/Atom}entry")
    assert atom.status_code == 200 and len(entries) == 1 and "征集中" in entries[0].find(
        "{http://www.w3.org/2005/Atom}title").text
    paths = client.get("/api/openapi.json").get_json()["paths"]
    for path in ("/api/v1/consultations", "/api/v1/consultations/{consultation_no}",
                 "/api/v1/consultations/{consultation_no}/opinions",
                 "/api/v1/staff/consultations/{number}/answer", "/feeds/consultations.json"):
        assert path in paths


def test_the_staff_console_pages(client, tokens, rt):
    login(client, "h1")
    page = client.get("/staff/consultations")
    assert page.status_code == 200 and "列入目录" in page.get_data(as_text=True)
    bad = client.post("/staff/consultations", data={"year": "2026", "title": "事项",
                                                    "department": "区住建局",
                                                    "planned_on": "2026-12-01"})
    assert bad.status_code == 422 and "公众参与方式" in bad.get_data(as_text=True)
    made = client.post("/staff/consultations", data={
        "year": "2026", "title": "停车收费调整", "department": "区住建局",
        "planned_on": "2026-12-01", "participation": ["online", "hearing"]})
    assert made.status_code == 303
    number = made.headers["Location"].rsplit("/", 1)[-1]
    detail = client.get(f"/staff/consultations/{number}").get_data(as_text=True)
    assert "发布草案征求意见" in detail and "听证会" in detail
    done = client.post(f"/staff/consultations/{number}/publish_draft", data={
        "draft": "草案", "basis": "依据", "opens_on": "2026-09-16", "closes_on": "2026-10-15"})
    assert done.status_code == 303
    up = client.post(f"/staff/consultations/{number}/files", data={
        "role": "draft", "file": (io.BytesIO(b"x" * 300_000), "说明.docx")},
        content_type="multipart/form-data")
    assert up.status_code == 303
    detail = client.get(f"/staff/consultations/{number}").get_data(as_text=True)
    assert "说明.docx" in detail
    labels = re.findall(r"<dt>([^<]*)</dt>", detail)  # the timeline's details
    assert {"计划决策时间", "公众参与方式", "征集截止日期", "文件用途"} <= set(labels)
    assert not [label for label in labels if re.fullmatch(r"[a-z_]+", label)], labels
    assert "<dd>网上征求意见、听证会</dd>" in detail
    home = client.get("/").get_data(as_text=True)
    assert 'href="/consultations"' in home
