"""The photo read model on SQLite and PostgreSQL: a photo is public only while it is
published and its comment's reply is on the public listing; a rebuild gives the same."""

from tests.support import replied, submit
from tests.unit.test_photos import refs


def test_a_photo_is_public_only_while_published_and_with_a_public_reply(runtime, staff):
    app, queries = runtime.app, runtime.queries
    first, second = (r["key"] for r in refs(2))
    no = replied(app, staff, photos=refs(2))["tracking_no"]
    pending = submit(app, photos=refs(3)[2:])["tracking_no"]  # no reply yet
    app.act("comments", pending, "publish_photos", staff.reviewer)
    runtime.catch_up_all()
    assert queries.published_photos(no) == [] and queries.public_photo(first) is None

    app.act("comments", no, "publish_photos", staff.reviewer, photos=[second])
    runtime.catch_up_all()
    row = queries.public_photo(second)
    assert (row["tracking_no"], row["position"], row["width"], row["height"]) == (no, 2, 64, 32)
    assert [p["photo_key"] for p in queries.published_photos(no)] == [second]
    assert queries.public_photo(first) is None
    assert queries.public_photo(refs(3)[2]["key"]) is None  # published, reply not public

    app.act("comments", no, "publish_photos", staff.reviewer)
    runtime.catch_up_all()
    assert [p["photo_key"] for p in queries.published_photos(no)] == [first, second]
    app.act("comments", no, "withhold", staff.reviewer, reason="涉及他人隐私")
    runtime.catch_up_all()
    assert queries.public_photo(first) is None and queries.public_photo(second) is None
    app.act("comments", no, "release", staff.reviewer)
    app.act("comments", no, "withhold_photo", staff.reviewer, photo=first, reason="")
    runtime.catch_up_all()
    assert queries.public_photo(first) is None and queries.public_photo(second)["position"] == 2

    before = runtime.views.query("SELECT * FROM comment_photos ORDER BY photo_key")
    assert runtime.updater("comment_photos").rebuild() == 6  # its six events again, swapped in
    assert runtime.views.query("SELECT * FROM comment_photos ORDER BY photo_key") == before
