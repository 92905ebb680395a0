"""Comments take an optional place: the township or street (public) and a free-text
address (staff only, never published)."""

from tests.support import Staff, replied
from tests.web.conftest import login

ADDRESS = "永福路8号3单元502室"


def test_the_api_takes_area_and_address_and_only_staff_see_the_address(client, rt):
    body = {"title": "化工厂异味", "content": "夜里气味刺鼻，特此反映，望予处理。", "kind": "投诉", "category": "生态环境",
            "area": "临城街道", "address": ADDRESS}
    created = client.post("/api/v1/comments", json=body)
    assert created.status_code == 201
    no = created.get_json()["tracking_no"]
    item = rt.app.get_comment(no)
    assert (item.area, item.address) == ("临城街道", ADDRESS)
    staff = Staff()
    for step, extra in (("accept", {}), ("dispatch", {"department": "区住建局"}),
                        ("draft", {"content": "已核查"}), ("approve", {})):
        rt.app.act("comments", no, step, staff.reviewer if step != "draft" else staff.handler,
                   **extra)
    rt.catch_up_all()
    public = [client.get(path).get_data(as_text=True) for path in (
        "/replies", f"/replies/{no}", "/api/v1/replies", f"/api/v1/replies/{no}",
        "/feeds/replies.atom", "/open311/v2/requests.json", f"/open311/v2/requests/{no}.xml")]
    assert all(ADDRESS not in page for page in public)
    assert "临城街道" in client.get(f"/open311/v2/requests/{no}.json").get_data(as_text=True)
    login(client, "rev")
    assert ADDRESS in client.get(f"/staff/comments/{no}").get_data(as_text=True)


def test_an_unknown_area_or_a_long_address_is_refused(client):
    base = {"title": "t", "content": "c，特此反映，望予处理。", "kind": "咨询", "category": "其他"}
    bad_area = client.post("/api/v1/comments", json={**base, "area": "火星"})
    assert bad_area.status_code == 422 and "area" in bad_area.get_json()["error"]["details"][
        "fields"]
    long = client.post("/api/v1/comments", json={**base, "address": "路" * 201})
    assert long.status_code == 422


def test_the_portal_form_offers_the_place(client, rt):
    page = client.get("/comments/new").get_data(as_text=True)
    assert 'name="area"' in page and 'name="address"' in page and "临城街道" in page


def test_comments_without_a_place_still_work(rt):
    receipt = replied(rt.app, Staff())
    assert rt.app.get_comment(receipt["tracking_no"]).area is None
