"""A citizen posts a comment with a photo in a real browser; staff see it at once, the
public only after the reviewer publishes it with the reply (Chromium driven by Playwright,
as in test_citizen_and_staff_in_a_browser, whose fixtures and helpers this reuses; skipped
on a workstation without the browser, failing under CI=true)."""

import pytest

from tests.browser.test_citizen_and_staff_in_a_browser import (  # noqa: F401 - fixtures
    act, browser_installed, log_in, page, system, wait_for_text)
from tests.photo_support import SECRET_COMMENT, jpeg_with_gps

pytestmark = pytest.mark.e2e


def image_shown(locator) -> bool:
    """The <img> loaded and decoded (not a broken image)."""
    return locator.evaluate("img => img.complete && img.naturalWidth > 0")


def test_a_citizen_posts_with_a_photo_and_it_is_public_only_once_published(system, page):
    base = system.url
    page.goto(base + "/comments/new")
    page.fill("input[name=title]", "路口井盖缺失")
    page.fill("textarea[name=content]", "临城街道某路口井盖缺失一周，夜间行人容易摔倒，附现场照片。")
    page.check("input[value=投诉]")
    page.select_option("select[name=category]", "城乡建设")
    page.set_input_files("input[name=photos]", files=[{
        "name": "IMG_0001.jpg", "mimeType": "image/jpeg",
        "buffer": jpeg_with_gps(320, 240, color=(90, 90, 90))}])
    page.click("form:has(textarea[name=content]) button[type=submit]")
    tracking_no = page.inner_text("#tracking-no").strip()
    query_code = page.inner_text("#query-code").strip()
    assert tracking_no.startswith("LY")

    # the citizen sees their own photo on the follow page (no one else does)
    page.click("a.btn-primary:has-text('查询办理进度')")
    page.fill("input[name=query_code]", query_code)
    page.click("form:has(input[name=query_code]) button[type=submit]")
    own = page.locator("section.photos img")
    assert own.count() == 1 and image_shown(own)
    assert "您提供的照片" in page.inner_text("section.photos")
    assert page.request.get(base + own.get_attribute("src")).ok

    # staff see the photo on the item page straight away
    log_in(page, base, "rev", "review-pass-1")
    page.goto(f"{base}/staff/comments/{tracking_no}")
    thumbnail = page.locator(".photos-panel img")
    assert thumbnail.count() == 1 and image_shown(thumbnail)
    staff_url = base + thumbnail.get_attribute("src")
    key = staff_url.rsplit("/", 1)[1]
    photo = page.request.get(staff_url)
    assert photo.ok and photo.headers["content-type"] == "image/jpeg"
    assert photo.headers["x-content-type-options"] == "nosniff"
    assert b"Exif" not in photo.body() and SECRET_COMMENT not in photo.body()
    assert "未公开" in page.inner_text(".photos-panel")

    # the reply is published; the photo is still not public
    act(page, base, tracking_no, "accept")
    act(page, base, tracking_no, "dispatch", {"select[name=department]": "区住建局"})
    page.click("header form button")
    log_in(page, base, "h1", "handler-pass-1")
    act(page, base, tracking_no, "draft", {"textarea[name=content]": "已补装井盖并设置警示标志。"})
    page.click("header form button")
    log_in(page, base, "rev", "review-pass-1")
    act(page, base, tracking_no, "approve")
    wait_for_text(page, f"{base}/replies/{tracking_no}", "已补装井盖")
    assert page.locator("img").count() == 0
    assert page.request.get(f"{base}/photos/{key}").status == 404

    # the reviewer publishes it from the item page; it appears with the reply
    page.goto(f"{base}/staff/comments/{tracking_no}")
    page.check(f".photos-panel input[value='{key}']")
    page.click("button[form=act-publish_photos]")
    page.wait_for_load_state()
    assert "照片已公开" in page.inner_text("main")
    wait_for_text(page, f"{base}/replies/{tracking_no}", "留言人提供的照片")
    public = page.locator(".photos img")
    assert public.count() == 1 and image_shown(public)
    assert public.get_attribute("src") == f"/photos/{key}"
    served = page.request.get(f"{base}/photos/{key}")
    assert served.ok and served.headers["cache-control"] == "public, max-age=300"
    assert served.headers["x-content-type-options"] == "nosniff"
