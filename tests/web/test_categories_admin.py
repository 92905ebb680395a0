"""Categories as an admin keeps them: an added one is offered and accepted everywhere at
once and gets the next Open311 code; a retired one is refused for new items and kept on
the old ones; bad input is a Chinese 422."""

import pytest

from domain.actors import SYSTEM_ACTOR, Actor
from domain.errors import AccessDeniedError, ConflictError, InvalidValueError
from infrastructure.security import hash_password
from tests.web.conftest import PASSWORD, login

BODY = {"title": "无人机扰民", "content": "小区上空经常有无人机低飞", "kind": "投诉"}


@pytest.fixture
def admin(client, rt):
    rt.app.register_staff(username="root", display_name="管理员", roles=["admin"],
                          password_hash=hash_password(PASSWORD), department=None,
                          actor=SYSTEM_ACTOR)
    login(client, "root")
    return client


def test_an_added_category_is_offered_and_accepted_at_once(admin, rt):
    assert admin.post("/api/v1/comments", json={**BODY, "category": "低空经济"}
                      ).status_code == 422
    done = admin.post("/staff/admin/categories/add", data={"name": "低空经济", "group": "经济与政务"})
    assert done.status_code == 303
    assert "低空经济" in admin.get("/comments/new").get_data(as_text=True)
    assert "低空经济" in admin.get("/api/v1/reference").get_json()["categories"]
    created = admin.post("/api/v1/comments", json={**BODY, "category": "低空经济"})
    assert created.status_code == 201
    services = admin.get("/open311/v2/services.json").get_json()
    added = [s for s in services if s["service_name"] == "低空经济"]
    assert added == [{**added[0], "service_code": "018", "group": "经济与政务"}]


def test_a_retired_category_is_refused_for_new_items_and_kept_on_old_ones(admin, rt):
    old = admin.post("/api/v1/comments", json={**BODY, "category": "文化体育"}).get_json()
    assert admin.post("/staff/admin/categories/retire", data={"name": "文化体育"}
                      ).status_code == 303
    refused = admin.post("/api/v1/comments", json={**BODY, "category": "文化体育"})
    assert refused.status_code == 422 and "category" in refused.get_json()["error"]["details"][
        "fields"]
    assert "文化体育" not in admin.get("/open311/v2/services.json").get_data(as_text=True)
    assert rt.app.get_comment(old["tracking_no"]).category == "文化体育"
    assert admin.get("/replies?category=文化体育").status_code == 200  # still a filter
    assert admin.post("/staff/admin/categories/restore", data={"name": "文化体育"}
                      ).status_code == 303
    assert admin.post("/api/v1/comments", json={**BODY, "category": "文化体育"}
                      ).status_code == 201


def test_bad_category_edits(admin, rt):
    for data in ({"name": ""}, {"name": "城乡建设"}, {"name": "太长的分类名称超过十二个字了"}):
        answer = admin.post("/staff/admin/categories/add", data=data)
        assert answer.status_code in (409, 422) and "未完成" in answer.get_data(as_text=True)
    with pytest.raises(AccessDeniedError):
        rt.app.edit_categories(Actor("rev", ("reviewer",)), "add", "新分类")
    with pytest.raises(InvalidValueError):
        rt.app.edit_categories(SYSTEM_ACTOR, "explode", "x")
    with pytest.raises(ConflictError):
        rt.app.edit_categories(SYSTEM_ACTOR, "restore", "城乡建设")
