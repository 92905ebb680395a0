"""Issue 9 (security probe): the citizen's own view shows only published, masked wording.

Whoever holds a query code reads the citizen view (GET /api/v1/comments/<no>?query_code=…),
so a reply draft, staff's notes and anybody's unmasked personal data must never reach
its tables. Same test bodies on SQLite and PostgreSQL; clock Wed 2026-09-30 09:00 Beijing.
"""

import pytest

from domain.comments import Status
from domain.masking import mask_personal_data
from tests.support import submit

SECRETS = ("13812345678", "a@b.com", "110101199003071234")
DRAFT = "请与经办人联系：电话13812345678，邮箱a@b.com，身份证号110101199003071234。"
CITIZEN_TABLES = ("citizen_items", "citizen_steps")


def dispatched(app, staff) -> str:
    # The citizen's own text carries none of SECRETS: whatever shows them came from staff.
    no = submit(app, content="小区路灯坏了一个月，请尽快维修。")["tracking_no"]
    app.act("comments", no, "accept", staff.reviewer)
    app.act("comments", no, "dispatch", staff.reviewer, department="区住建局")
    return no


def citizen_rows(runtime) -> str:
    """Every row of the citizen view's tables (the serving generation), as one text."""
    return repr([runtime.views.query(f"SELECT * FROM {table}") for table in CITIZEN_TABLES])


def assert_nothing_leaks(runtime, no: str, *texts: str) -> None:
    stored, shown = citizen_rows(runtime), repr(runtime.queries.citizen_view(no))
    for text in texts:
        assert text not in stored, f"{text!r} stored in the citizen view"
        assert text not in shown, f"{text!r} shown in the citizen view"


def test_a_reply_with_personal_data_reaches_the_citizen_only_masked(runtime, staff):
    app = runtime.app
    no = dispatched(app, staff)
    app.act("comments", no, "draft", staff.handler, content=DRAFT)
    runtime.catch_up_all()
    assert runtime.queries.citizen_view(no)["reply"] is None  # a draft is internal
    assert_nothing_leaks(runtime, no, *SECRETS, DRAFT)

    app.act("comments", no, "approve", staff.reviewer)
    runtime.catch_up_all()
    view = runtime.queries.citizen_view(no)
    assert view["status"] == Status.REPLIED
    assert view["reply"] == mask_personal_data(DRAFT) == app.get_comment(no).public_reply
    assert "138****5678" in view["reply"]
    assert_nothing_leaks(runtime, no, *SECRETS, DRAFT)


def test_a_draft_never_appears_in_the_citizen_view(runtime, staff):
    app = runtime.app
    receipt = submit(app)
    no = receipt["tracking_no"]
    app.act("comments", no, "accept", staff.reviewer)
    app.act("comments", no, "dispatch", staff.reviewer, department="区住建局")
    app.act("comments", no, "draft", staff.handler, content="第一稿：尚未核实")
    app.act("comments", no, "send_back", staff.reviewer, reason="请写明维修时限")
    app.act("comments", no, "draft", staff.handler, content="第二稿：三日内修复")
    runtime.catch_up_all()
    assert runtime.queries.citizen_view(no)["reply"] is None
    assert_nothing_leaks(runtime, no, "第一稿", "第二稿", "请写明维修时限")

    app.act("comments", no, "approve", staff.reviewer)
    app.rate_reply(no, receipt["query_code"], "不满意")
    app.act("comments", no, "reopen", staff.reviewer, reason="核实：路灯仍不亮")
    app.act("comments", no, "draft", staff.handler, content="第三稿：更换灯杆")
    runtime.catch_up_all()
    view = runtime.queries.citizen_view(no)
    assert view["reply"] == "第二稿：三日内修复"  # the published reply, until a new one is
    assert view["status"] == Status.DISPATCHED and not view["can_rate"]
    assert_nothing_leaks(runtime, no, "第一稿", "第三稿", "核实：路灯仍不亮")


def test_a_rejection_shows_its_standard_reason_never_the_note(runtime, staff):
    app = runtime.app
    no = submit(app, content="无关内容，特此反映，望予处理。")["tracking_no"]
    app.act("comments", no, "reject", staff.reviewer, reason="out_of_scope",
            note=f"已电话告知，见{DRAFT}")
    runtime.catch_up_all()
    view = runtime.queries.citizen_view(no)
    assert (view["status"], view["reject_reason"]) == (Status.REJECTED, "out_of_scope")
    assert_nothing_leaks(runtime, no, *SECRETS, "已电话告知")


def test_a_rejection_reason_that_is_not_a_standard_one_is_shown_masked(runtime, staff):
    """The aggregate records only standard reasons; a Rejected event written by any other
    path (an import, a repair) still reaches the citizen masked."""
    app = runtime.app
    no = submit(app, content="无关内容，特此反映，望予处理。")["tracking_no"]
    comment = app.get_comment(no)
    comment._rejected(reason=f"重复留言，请联系{SECRETS[0]}", note="", actor="staff:rev",
                      at=app.clock())
    app.save(comment)
    runtime.catch_up_all()
    assert runtime.queries.citizen_view(no)["reject_reason"] == "重复留言，请联系138****5678"
    assert_nothing_leaks(runtime, no, *SECRETS)


# --- the inbox: a request pending at publication lapsed ---------------------------------------


@pytest.fixture
def published_with_a_pending_request(runtime, staff) -> str:
    app = runtime.app
    no = dispatched(app, staff)
    app.act("comments", no, "request_extension", staff.handler, days=3, reason="需现场勘查")
    runtime.catch_up_all()
    assert runtime.queries.inbox_item(no)["extension"] == "requested"
    app.act("comments", no, "draft", staff.handler, content="已修复。")
    app.act("comments", no, "approve", staff.reviewer)
    runtime.catch_up_all()
    return no


def test_the_inbox_no_longer_shows_a_lapsed_request_as_pending(
        runtime, published_with_a_pending_request, clock):
    no, q = published_with_a_pending_request, runtime.queries
    assert runtime.app.get_comment(no).extension == "lapsed"
    assert q.inbox_item(no)["extension"] == "lapsed"
    (row,) = [r for r in q.inbox(today=clock.today()).items if r["tracking_no"] == no]
    assert (row["status"], row["extension"]) == (Status.REPLIED, "lapsed")


def test_a_request_pending_in_an_open_item_still_shows_as_pending(runtime, staff, clock):
    app, q = runtime.app, runtime.queries
    no = dispatched(app, staff)
    app.act("comments", no, "request_extension", staff.handler, days=3, reason="需现场勘查")
    runtime.catch_up_all()
    (row,) = [r for r in q.inbox(today=clock.today()).items if r["tracking_no"] == no]
    assert row["extension"] == q.inbox_item(no)["extension"] == "requested"
