"""Photos on the web: the portal form and the API take them, staff see them, the public
only once a reviewer has published them and the reply is public; bad files are 422."""

import io
import json
import os
import re

import pytest
from PIL import Image

from domain.comments.photos import MAX_PHOTOS
from infrastructure.photos import LocalDirectory, Photos, StorageUnavailable
from tests.photo_support import (SECRET_COMMENT, jpeg_with_gps, png_bomb, png_bytes,
                                 webp_bytes)
from tests.support import PHONE
from tests.web.conftest import PASSWORD, login, logout, receipt_codes

FORM = {"title": "井盖缺失有危险", "content": "常庄街道某路口井盖缺失一周，夜间行人容易摔倒。",
        "kind": "投诉", "category": "城乡建设", "phone": PHONE}
COMMENT = {"title": "井盖缺失有危险", "content": "常庄街道某路口井盖缺失一周，夜间行人容易摔倒。",
           "kind": "投诉", "category": "城乡建设"}


@pytest.fixture(autouse=True)
def photo_dir(rt, tmp_path):
    """This test's photos go to a directory of its own."""
    rt.__dict__["photos"] = Photos(LocalDirectory(tmp_path / "photos"),
                                   rt.settings.cipher_key,
                                   max_bytes=rt.settings.photo_max_bytes,
                                   max_pixels=rt.settings.photo_max_pixels)
    return tmp_path / "photos"


def files(*blobs, names=("a.jpg", "b.png", "c.webp", "d.jpg")):
    return [(io.BytesIO(b), name) for b, name in zip(blobs, names * 2)]


def head(rt) -> int:
    return rt.app.recorder.max_notification_id() or 0


def post_form(client, photos=(), **fields):
    return client.post("/comments/new", data={**FORM, **fields, "photos": list(photos)},
                       content_type="multipart/form-data")


def token(client, username: str) -> dict:
    body = client.post("/api/v1/auth/token",
                       json={"username": username, "password": PASSWORD}).get_json()
    return {"Authorization": f"Bearer {body['token']}"}


def take_to_reply(client, no: str) -> None:
    """Accept, dispatch, draft and approve through the API."""
    rev, h1 = token(client, "rev"), token(client, "h1")
    for who, action, body in ((rev, "accept", {}), (rev, "dispatch", {"department": "区住建局"}),
                              (h1, "draft", {"content": "已补装井盖并设置警示标志。"}),
                              (rev, "approve", {})):
        response = client.post(f"/api/v1/staff/comments/{no}/{action}", json=body, headers=who)
        assert response.status_code == 200, response.get_json()


def test_a_citizen_posts_photos_staff_see_them_and_the_public_only_once_published(client, rt):
    response = post_form(client, files(jpeg_with_gps(), png_bytes()))
    assert response.status_code == 200, response.get_data(as_text=True)
    no, _ = receipt_codes(response.get_data(as_text=True))
    comment = rt.app.get_comment(no)
    assert len(comment.photos) == 2 and comment.public_photos == frozenset()
    keys = [p["key"] for p in comment.photos]

    # staff: the item page shows them; the photo itself has no metadata left
    login(client, "rev")
    page = client.get(f"/staff/comments/{no}").get_data(as_text=True)
    urls = re.findall(r'<img src="(/staff/comments/[^"]+)"', page)
    assert urls == [f"/staff/comments/{no}/photos/{k}" for k in keys]
    assert "网民上传照片" in page and "2 张" in page  # the timeline step
    photo = client.get(urls[0])
    assert photo.status_code == 200 and photo.mimetype == "image/jpeg"
    assert photo.headers["X-Content-Type-Options"] == "nosniff"
    assert "no-store" in photo.headers["Cache-Control"]
    assert b"Exif" not in photo.data and SECRET_COMMENT not in photo.data
    assert Image.open(io.BytesIO(photo.data)).getexif() == {}

    # the public: nothing before the reply is public and the photos are published
    rt.catch_up_all()
    for key in keys:
        assert client.get(f"/photos/{key}").status_code == 404
    take_to_reply(client, no)
    rt.catch_up_all()
    assert client.get(f"/photos/{keys[0]}").status_code == 404  # reply public, photo not
    assert "<img" not in client.get(f"/replies/{no}").get_data(as_text=True)
    assert client.get(f"/api/v1/replies/{no}").get_json()["photos"] == []

    # the reviewer publishes the first one from the item page's photo block
    assert 'id="act-publish_photos"' in client.get(f"/staff/comments/{no}").get_data(as_text=True)
    published = client.post(f"/staff/comments/{no}/publish_photos", data={"photos": keys[0]})
    assert published.status_code == 303
    rt.catch_up_all()
    public = client.get(f"/photos/{keys[0]}")
    assert public.status_code == 200 and public.mimetype == "image/jpeg"
    assert public.headers["Cache-Control"] == "public, max-age=300"
    assert public.headers["X-Content-Type-Options"] == "nosniff"
    assert public.data == photo.data and public.headers["ETag"]
    again = client.get(f"/photos/{keys[0]}", headers={"If-None-Match": public.headers["ETag"]})
    assert again.status_code == 304
    assert client.get(f"/photos/{keys[1]}").status_code == 404
    detail = client.get(f"/replies/{no}").get_data(as_text=True)
    assert f'src="/photos/{keys[0]}"' in detail and keys[1] not in detail
    api = client.get(f"/api/v1/replies/{no}").get_json()
    assert [p["url"] for p in api["photos"]] == [f"/photos/{keys[0]}"]
    assert PHONE not in json.dumps(api, ensure_ascii=False)

    # withholding the photo, or the whole item, takes it off the public pages
    assert client.post(f"/staff/comments/{no}/withhold_photo",
                       data={"photo": keys[0], "reason": "照片中有他人面部"}).status_code == 303
    rt.catch_up_all()
    assert client.get(f"/photos/{keys[0]}").status_code == 404
    client.post(f"/staff/comments/{no}/publish_photos", data={})  # all of them
    rt.catch_up_all()
    assert client.get(f"/photos/{keys[1]}").status_code == 200
    client.post(f"/staff/comments/{no}/withhold", data={"reason": "涉及个人隐私"})
    rt.catch_up_all()
    assert client.get(f"/photos/{keys[1]}").status_code == 404
    assert client.get(f"/photos/{'0' * 32}").status_code == 404
    assert client.get("/photos/..%2F..%2Fetc%2Fpasswd").status_code == 404


def test_who_may_see_a_photo_before_it_is_published(client, rt):
    no, _ = receipt_codes(post_form(client, files(png_bytes())).get_data(as_text=True))
    url = rt.app.get_comment(no).photos[0]["key"]
    url = f"/staff/comments/{no}/photos/{url}"
    anonymous = client.get(url)
    assert anonymous.status_code == 302 and "/staff/login" in anonymous.headers["Location"]
    assert client.get("/api/v1" + url).status_code == 401
    login(client, "rev")
    client.post(f"/staff/comments/{no}/accept")
    client.post(f"/staff/comments/{no}/dispatch", data={"department": "区住建局"})
    logout(client)
    login(client, "h2")  # another department's handler: the item is not there
    assert client.get(url).status_code == 404
    logout(client)
    login(client, "h1")
    assert client.get(url).status_code == 200
    # a handler cannot publish
    key = rt.app.get_comment(no).photos[0]["key"]
    client.post(f"/staff/comments/{no}/publish_photos", data={"photos": key})
    assert rt.app.get_comment(no).public_photos == frozenset()
    # the API with a token, and the item's JSON lists the photos
    headers = token(client, "h1")
    item = client.get(f"/api/v1/staff/comments/{no}", headers=headers).get_json()
    assert [p["url"] for p in item["photos"]] == ["/api/v1" + url]
    assert client.get(item["photos"][0]["url"], headers=headers).status_code == 200
    assert client.get(f"/api/v1/staff/comments/{no}/photos/{'f' * 32}",
                      headers=headers).status_code == 404


def test_the_api_takes_photos_as_multipart(client, rt):
    response = client.post("/api/v1/comments", data={
        "comment": json.dumps(COMMENT, ensure_ascii=False),
        "photos": files(jpeg_with_gps(), webp_bytes())}, content_type="multipart/form-data")
    assert response.status_code == 201, response.get_json()
    comment = rt.app.get_comment(response.get_json()["tracking_no"])
    assert [(p["width"], p["height"], p["content_type"]) for p in comment.photos] == [
        (64, 32, "image/jpeg"), (30, 20, "image/jpeg")]
    # JSON alone still works, and so does multipart without photos
    assert client.post("/api/v1/comments", json=COMMENT).status_code == 201
    plain = client.post("/api/v1/comments", data={"comment": json.dumps(COMMENT)},
                        content_type="multipart/form-data")
    assert plain.status_code == 201
    assert rt.app.get_comment(plain.get_json()["tracking_no"]).photos == ()


def too_big(rt) -> bytes:
    """A valid JPEG one byte over the limit (data after its end marker)."""
    photo = jpeg_with_gps()
    return photo + os.urandom(rt.settings.photo_max_bytes + 1 - len(photo))


@pytest.mark.parametrize("case", ["not an image", "four photos", "too big", "corrupt",
                                  "huge dimensions", "svg"])
def test_bad_photos_are_422_and_record_nothing(client, rt, photo_dir, case):
    blobs = {"not an image": [b"%PDF-1.4 not an image"],
             "four photos": [png_bytes()] * (MAX_PHOTOS + 1),
             "too big": [too_big(rt)] if case == "too big" else [],
             "corrupt": [jpeg_with_gps()[:500]],
             "huge dimensions": [png_bomb()] if case == "huge dimensions" else [],
             "svg": [b"<svg xmlns='http://www.w3.org/2000/svg'><script>alert(1)</script></svg>"],
             }[case]
    before = head(rt)
    api = client.post("/api/v1/comments", data={"comment": json.dumps(COMMENT),
                                                "photos": files(*blobs)},
                      content_type="multipart/form-data")
    assert api.status_code == 422, api.get_data(as_text=True)
    error = api.get_json()["error"]
    assert error["details"]["field"] == "photos" and "照片" in error["message"]

    page = post_form(client, files(*blobs))
    assert page.status_code == 422
    html = page.get_data(as_text=True)
    assert error["message"] in html and 'value="井盖缺失有危险"' in html  # the text is kept
    assert FORM["content"] in html and 'aria-describedby="photos-hint photos-error"' in html
    assert head(rt) == before  # nothing recorded
    assert not [p for p in photo_dir.rglob("*") if p.is_file()]  # nothing left stored


def test_a_storage_that_does_not_answer_is_503_and_records_nothing(client, rt, monkeypatch):
    def refuse(key, data):
        raise StorageUnavailable("the bucket is away")

    monkeypatch.setattr(rt.photos.storage, "put", refuse)
    before = head(rt)
    api = client.post("/api/v1/comments", data={"comment": json.dumps(COMMENT),
                                                "photos": files(png_bytes())},
                      content_type="multipart/form-data")
    assert api.status_code == 503 and api.headers["Retry-After"] == "5"
    page = post_form(client, files(png_bytes()))
    assert page.status_code == 503 and page.headers["Retry-After"] == "5"
    assert "照片暂时无法保存" in page.get_data(as_text=True)
    assert 'value="井盖缺失有危险"' in page.get_data(as_text=True)
    assert head(rt) == before
    # without photos a comment does not need the storage
    assert post_form(client).status_code == 200


def test_a_comment_refused_after_its_photos_were_stored_leaves_none_behind(
        client, rt, photo_dir):
    response = client.post("/api/v1/comments", data={
        "comment": json.dumps({**COMMENT, "department": "区不存在局"}),
        "photos": files(png_bytes())}, content_type="multipart/form-data")
    assert response.status_code == 422
    assert not [p for p in photo_dir.rglob("*") if p.is_file()]


def test_photos_sent_as_text_fields_are_422_not_ignored(client, rt):
    before = head(rt)
    response = client.post("/api/v1/comments", data={"comment": json.dumps(COMMENT),
                                                     "photos": "iVBORw0KGgo="},
                           content_type="multipart/form-data")
    assert response.status_code == 422 and head(rt) == before


def test_bad_multipart_bodies_are_400(client):
    for data in ({"photos": files(png_bytes())}, {"comment": "not json"},
                 {"comment": "[1, 2]"}):
        response = client.post("/api/v1/comments", data=data,
                               content_type="multipart/form-data")
        assert response.status_code == 400, response.get_json()


def test_the_openapi_document_describes_photo_uploads(client):
    doc = client.get("/api/openapi.json").get_json()
    body = doc["paths"]["/api/v1/comments"]["post"]["requestBody"]["content"]
    assert set(body) == {"application/json", "multipart/form-data"}
    assert body["multipart/form-data"]["schema"]["properties"]["photos"]["maxItems"] == 3
    assert "/photos/{key}" in doc["paths"]
    assert "/api/v1/staff/comments/{tracking_no}/photos/{key}" in doc["paths"]
    actions = doc["paths"]["/api/v1/staff/comments/{number}/publish_photos"]["post"]
    assert actions["requestBody"]["content"]["application/json"]["schema"]


def test_the_form_with_csrf_takes_photos_larger_than_the_sites_usual_body_limit(
        csrf_client, rt):
    """The body limit is raised for the photo endpoints before CSRF reads the form."""
    from tests.web.conftest import csrf_token
    out = io.BytesIO()
    Image.effect_noise((900, 900), 100).convert("RGB").save(out, "JPEG", quality=100)
    photo = out.getvalue()
    assert len(photo) > 256 * 1024  # the site's MAX_CONTENT_LENGTH
    token = csrf_token(csrf_client.get("/comments/new").get_data(as_text=True))
    response = csrf_client.post("/comments/new", data={
        **FORM, "csrf_token": token, "photos": files(photo)}, content_type="multipart/form-data")
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    no, _ = receipt_codes(response.get_data(as_text=True))
    assert rt.app.get_comment(no).photos[0]["width"] == 900
    # elsewhere the usual limit stands
    big = csrf_client.post("/follow", data={"tracking_no": "x" * (300 * 1024),
                                            "csrf_token": token})
    assert big.status_code == 413


def test_a_retried_upload_with_an_idempotency_key_records_one_comment(client, rt, photo_dir):
    def send():
        return client.post("/api/v1/comments", data={
            "comment": json.dumps(COMMENT), "photos": files(png_bytes())},
            content_type="multipart/form-data", headers={"Idempotency-Key": "photo-retry-1"})

    first = send()
    before = head(rt)
    again = send()
    assert first.status_code == again.status_code == 201
    assert again.headers["Idempotent-Replayed"] == "true" and again.data == first.data
    assert head(rt) == before
    assert len([p for p in photo_dir.rglob("*") if p.is_file()]) == 1


def test_an_over_long_text_in_the_multipart_form_comes_back_with_csrf_on(csrf_client, rt):
    from tests.web.conftest import csrf_token
    token = csrf_token(csrf_client.get("/comments/new").get_data(as_text=True))
    start = "我家楼下的井盖缺失已经一周"
    response = csrf_client.post("/comments/new", data={
        **FORM, "content": start + "很" * (2 * 1024 * 1024), "csrf_token": token,
        "photos": files(png_bytes())}, content_type="multipart/form-data")
    assert response.status_code == 422 and start in response.get_data(as_text=True)


def test_the_citizen_sees_their_own_photos_on_the_follow_page_and_no_one_else_does(
        client, app, rt):
    from tests.web.test_pages import follow
    no, code = receipt_codes(post_form(client, files(png_bytes(), webp_bytes()))
                             .get_data(as_text=True))
    keys = [p["key"] for p in rt.app.get_comment(no).photos]
    urls = [f"/follow/{no}/photos/{k}" for k in keys]
    stranger = app.test_client()  # no session that showed the code
    for url in urls:
        assert stranger.get(url).status_code == 404
    page = follow(client, no, code).get_data(as_text=True)
    assert re.findall(r'<img src="(/follow/[^"]+)"', page) == urls
    assert "您提供的照片" in page and "已公开" not in page
    photo = client.get(urls[0])
    assert photo.status_code == 200 and photo.mimetype == "image/jpeg"  # re-encoded
    assert "no-store" in photo.headers["Cache-Control"]
    assert photo.headers["X-Content-Type-Options"] == "nosniff"
    assert client.get(f"/follow/{no}/photos/{'0' * 32}").status_code == 404
    assert client.get(f"/follow/{no}/photos/..%2Fx").status_code == 404
    other_no, _ = receipt_codes(post_form(stranger, files(png_bytes())).get_data(as_text=True))
    other_key = rt.app.get_comment(other_no).photos[0]["key"]
    assert client.get(f"/follow/{no}/photos/{other_key}").status_code == 404  # not this one's
    assert client.get(f"/follow/{other_no}/photos/{other_key}").status_code == 404

    # once published by a reviewer, the page marks it; a new query code ends the session's view
    login(stranger, "rev")
    stranger.post(f"/staff/comments/{no}/publish_photos", data={"photos": keys[1]})
    page = client.get(f"/follow/{no}").get_data(as_text=True)
    assert page.count("已公开") >= 2 and "（已公开）" in page
    comment = rt.app.get_comment(no)
    comment.reset_query_code(query_code_hash="0" * 64, actor="system", at=comment.submitted_at)
    rt.app.save(comment)
    assert client.get(urls[0]).status_code == 404
