"""Events and tables written before the spine refactor still read correctly.

Before, topics were module paths (`domain.comment:Comment.Submitted`), the Submitted
event carried no public wording, and read models lived in plain tables. Same test
bodies on SQLite and PostgreSQL.
"""

from dataclasses import replace

from eventsourcing.persistence import StoredEvent

from domain.comments import Comment
from tests.support import PHONE, submit


def store_as_before(app, event, topic: str, class_version: int = 1) -> None:
    """Write `event` as the old code did: under `topic`, as `class_version` (1: no public
    wording and no place; 2: no place)."""
    mapper = app.mapper
    state = dict(vars(event))
    originator_id, version = state.pop("originator_id"), state.pop("originator_version")
    for key in ("area", "address") + (("public_title", "public_content")
                                      if class_version == 1 else ()):
        state.pop(key)
    if class_version > 1:
        state["class_version"] = class_version
    if "originator_topic" in state:  # the created event names the aggregate's old topic too
        state["originator_topic"] = topic.rsplit(".", 1)[0]
    data = mapper.transcoder.encode(state)
    if mapper.compressor:
        data = mapper.compressor.compress(data)
    if mapper.cipher:
        data = mapper.cipher.encrypt(data)
    app.recorder.insert_events([StoredEvent(originator_id, version, topic, data)])


def test_a_version_1_submission_under_its_old_topic_is_upcast_and_projected(runtime):
    app = runtime.app
    comment = Comment.submit(
        tracking_no="LY20200101000001", title=f"请回电{PHONE}", content=f"电话{PHONE}",
        kind="咨询", category="其他", requested_department=None, contact={}, publish=True,
        query_code_hash="x", channel="portal", actor="citizen", at=app.clock())
    (event,) = comment.collect_events()
    store_as_before(app, replace(event), "domain.comment:Comment.Submitted")

    loaded = app.get_comment("LY20200101000001")
    assert PHONE not in loaded.public_title and PHONE in loaded.title
    runtime.catch_up_all()
    view = runtime.queries.citizen_view("LY20200101000001")
    assert view is not None and PHONE not in view["title"] and PHONE not in view["content"]


def test_a_version_2_submission_reads_with_no_place(runtime):
    app = runtime.app
    comment = Comment.submit(
        tracking_no="LY20250101000002", title="路灯", content="路灯坏了", kind="咨询",
        category="其他", requested_department=None, contact={}, publish=True,
        query_code_hash="x", channel="portal", actor="citizen", at=app.clock())
    (event,) = comment.collect_events()
    store_as_before(app, replace(event), "minyi/comments:Comment.Submitted", class_version=2)
    loaded = app.get_comment("LY20250101000002")
    assert (loaded.area, loaded.address, loaded.public_title) == (None, "", "路灯")
    runtime.catch_up_all()
    assert runtime.queries.citizen_view("LY20250101000002") is not None


def test_tables_from_before_generations_serve_until_the_new_version_replaces_them(
        make_settings, make_runtime, database_url):
    rt = make_runtime(make_settings(database_url), init=False)
    no = submit(rt.app)["tracking_no"]
    legacy = ("CREATE TABLE pub_replies (id TEXT PRIMARY KEY, tracking_no TEXT NOT NULL UNIQUE, "
              "title TEXT NOT NULL, content TEXT NOT NULL, kind TEXT NOT NULL, category TEXT "
              "NOT NULL, channel TEXT, submitted_at TEXT NOT NULL, accepted_on TEXT, "
              "replied_on TEXT, replied_at TEXT, reply_department TEXT, reply TEXT, rating TEXT, "
              "consent INTEGER NOT NULL, withheld INTEGER NOT NULL DEFAULT 0, visible INTEGER "
              "NOT NULL DEFAULT 0)")
    row = ("INSERT INTO pub_replies VALUES ('old', 'LY-OLD', '旧标题', '旧内容', '咨询', '其他', "
           "'portal', '2026-01-01', '2026-01-02', '2026-01-03', '2026-01-03T10:00:00+08:00', "
           "'区住建局', '旧答复', NULL, 1, 0, 1)")
    rt.views.run([legacy, row])

    updater = rt.updater("public_replies")
    updater.ensure()
    generations = rt.views.generations(updater.model)
    assert [(g.number, g.version) for g in generations] == [(0, 0), (1, updater.model.version)]
    assert rt.queries.public_reply("LY-OLD")["title"] == "旧标题"  # served through the view

    rt.catch_up_all()
    assert [(g.number, g.state) for g in rt.views.generations(updater.model)] == [(1, "serving")]
    assert rt.queries.public_reply("LY-OLD") is None
    assert rt.views.query("SELECT tracking_no FROM pub_replies WHERE tracking_no = :t",
                          {"t": no}) == [{"tracking_no": no}]
