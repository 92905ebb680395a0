"""A portal comment's lifecycle through the Casework application (in-memory store).

The clock starts on Wed 2026-09-30 09:00 Beijing time, the day before National Day
(2026-10-01..07 off, Sat 10-10 worked), so a 咨询 accepted that day is due Tue 10-13.
"""

from functools import partial
from datetime import date

import pytest

from domain.actors import CITIZEN_ACTOR
from domain.comments.aggregate import MAX_CONTENT, comment_id
from domain.errors import (AccessDeniedError, AuthenticationError, IllegalTransitionError,
                           InvalidValueError, NotFoundError)
from domain.comments import Status
from tests.support import NAME, PHONE, replied, submit

DUE = date(2026, 10, 13)  # 咨询 accepted Wed 09-30: 10-08, 10-09, 10-10 (调休), 10-12, 10-13


def dispatched(app, staff, department="区住建局") -> str:
    no = submit(app)["tracking_no"]
    app.act("comments", no, "accept", staff.reviewer)
    app.act("comments", no, "dispatch", staff.reviewer, department=department)
    return no


def drafted(app, staff) -> str:
    no = dispatched(app, staff)
    app.act("comments", no, "draft", staff.handler, content="已安排维修。")
    return no


def rated(app, staff, level: str) -> dict:
    receipt = replied(app, staff)
    app.rate_reply(receipt["tracking_no"], receipt["query_code"], level)
    return receipt


# --- the whole way ---------------------------------------------------------------------


def walk_the_whole_lifecycle(app, staff, clock) -> tuple[str, list]:
    """Run every step once, an hour apart; returns the number and (event, actor, at) steps."""
    steps = []

    def step(event, actor_id, command, *args, **kwargs):
        clock.advance(hours=1)
        command(*args, **kwargs)
        steps.append((event, actor_id, clock.now))

    receipt = submit(app)
    no, code = receipt["tracking_no"], receipt["query_code"]
    steps.append(("Submitted", "citizen", clock.now))
    rev, h1, h2 = staff.reviewer, staff.handler, staff.other_handler
    act = partial(app.act, "comments", no)
    step("Accepted", rev.id, act, "accept", rev)
    step("Dispatched", rev.id, act, "dispatch", rev, department="区住建局")
    step("Transferred", rev.id, act, "transfer", rev, department="区交运局", reason="涉及道路照明")
    step("Returned", h2.id, act, "return", h2, reason="路灯属小区物业，非本单位职责")
    step("Dispatched", rev.id, act, "dispatch", rev, department="区住建局")
    step("ReplyDrafted", h1.id, act, "draft", h1, content="已联系物业。")
    step("ReplySentBack", rev.id, act, "send_back", rev, reason="请写明维修时限")
    step("ReplyDrafted", h1.id, act, "draft", h1, content="已联系物业，三日内修复。")
    step("ReplyPublished", rev.id, act, "approve", rev)
    step("Rated", "citizen", app.rate_reply, no, code, "不满意", "仍未修好")
    step("Reopened", rev.id, act, "reopen", rev, reason="核实：路灯仍不亮")
    step("ReplyDrafted", h1.id, act, "draft", h1, content="已更换灯具，现已修复。")
    step("ReplyPublished", rev.id, act, "approve", rev)
    step("Rated", "citizen", app.rate_reply, no, code, "满意")
    return no, steps


def test_a_comment_goes_all_the_way_from_submission_to_closing(app, staff, clock):
    no, _ = walk_the_whole_lifecycle(app, staff, clock)
    comment = app.get_comment(no)
    assert comment.status == Status.CLOSED
    assert comment.rating == "满意"
    assert comment.round == 2
    assert comment.reply == "已更换灯具，现已修复。"
    assert comment.reply_department == "区住建局"


def test_the_timeline_lists_every_step_with_its_actor_and_time(app, staff, clock):
    no, steps = walk_the_whole_lifecycle(app, staff, clock)
    timeline = app.timeline("comments", no)
    assert [(t["event"], t["actor"], t["at"]) for t in timeline] == steps


def test_the_timeline_never_shows_contact_details_or_the_query_code_hash(app, staff):
    no = submit(app)["tracking_no"]
    details = app.timeline("comments", no)[0]["details"]
    assert "contact" not in details and "query_code_hash" not in details
    assert NAME not in repr(app.timeline("comments", no))


def test_the_timeline_labels_steps_in_chinese(app, staff):
    no = dispatched(app, staff)
    assert [t["label"] for t in app.timeline("comments", no)] == [
        "网民提交留言", "受理", "交办至承办单位"]


def test_a_submitted_comment_waits_for_review(app):
    comment = app.get_comment(submit(app)["tracking_no"])
    assert comment.status == Status.SUBMITTED
    assert comment.contact == {"name": NAME, "phone": PHONE, "email": "zhang@example.com"}


def test_acceptance_sets_the_due_date_in_working_days(app, staff):
    no = submit(app)["tracking_no"]
    assert app.act("comments", no, "accept", staff.reviewer).due_date == DUE


def test_a_complaint_gets_fifteen_working_days(app, staff):
    no = submit(app, kind="投诉")["tracking_no"]
    # from Wed 09-30: 10-08, 10-09, 10-10 (调休), 10-12..16 (8), 10-19..23 (13), 10-26 (14),
    # 10-27 (15)
    assert app.act("comments", no, "accept", staff.reviewer).due_date == date(2026, 10, 27)


def test_a_return_sends_the_comment_back_to_the_reviewer_without_a_department(app, staff):
    no = dispatched(app, staff)
    comment = app.act("comments", no, "return", staff.handler, reason="非本单位职责")
    assert comment.status == Status.ACCEPTED
    assert comment.department is None


def test_a_transfer_keeps_the_deadline_running(app, staff):
    no = dispatched(app, staff)
    comment = app.act("comments", no, "transfer", staff.reviewer, department="区交运局")
    assert comment.department == "区交运局"
    assert comment.due_date == DUE


def test_a_sent_back_draft_returns_to_the_department(app, staff):
    no = drafted(app, staff)
    assert app.act("comments", no, "send_back", staff.reviewer, reason="补充时限").status == Status.DISPATCHED


def test_approval_publishes_the_draft_with_date_and_department(app, staff, clock):
    no = drafted(app, staff)
    comment = app.act("comments", no, "approve", staff.reviewer)
    assert comment.status == Status.REPLIED
    assert comment.replied_at == clock.now
    assert comment.reply_department == "区住建局"


def test_a_bad_rating_leaves_the_comment_replied_for_verification(app, staff):
    receipt = rated(app, staff, "非常不满意")
    comment = app.get_comment(receipt["tracking_no"])
    assert comment.status == Status.REPLIED
    assert comment.rating_is_bad


def test_a_reopened_comment_is_due_in_fifteen_working_days(app, staff, clock):
    no = rated(app, staff, "不满意")["tracking_no"]
    clock.set_local(2026, 10, 12)
    comment = app.act("comments", no, "reopen", staff.reviewer, reason="核实属实")
    # reopened Mon 10-12: 10-13..16 (4), 10-19..23 (9), 10-26..30 (14), Mon 11-02 (15)
    assert comment.due_date == date(2026, 11, 2)
    assert (comment.status, comment.department, comment.round) == (
        Status.DISPATCHED, "区住建局", 2)


def test_a_good_rating_closes_the_comment(app, staff):
    no = rated(app, staff, "基本满意")["tracking_no"]
    assert app.get_comment(no).status == Status.CLOSED


def test_a_reviewer_closes_an_unrated_reply(app, staff):
    no = replied(app, staff)["tracking_no"]
    assert app.act("comments", no, "close", staff.reviewer, note="回访无异议").status == Status.CLOSED


def test_a_rejected_comment_records_its_reason(app, staff):
    no = submit(app)["tracking_no"]
    comment = app.act("comments", no, "reject", staff.reviewer, reason="duplicate")
    assert (comment.status, comment.reject_reason) == (Status.REJECTED, "duplicate")


def test_an_unknown_reject_reason_is_refused(app, staff):
    no = submit(app)["tracking_no"]
    with pytest.raises(InvalidValueError):
        app.act("comments", no, "reject", staff.reviewer, reason="boring")


# --- illegal transitions ---------------------------------------------------------------


def test_approving_before_a_draft_is_illegal(app, staff):
    no = dispatched(app, staff)
    with pytest.raises(IllegalTransitionError):
        app.act("comments", no, "approve", staff.reviewer)


def test_accepting_twice_is_illegal(app, staff):
    no = submit(app)["tracking_no"]
    app.act("comments", no, "accept", staff.reviewer)
    with pytest.raises(IllegalTransitionError):
        app.act("comments", no, "accept", staff.reviewer)


def test_rating_the_same_reply_twice_is_illegal(app, staff):
    receipt = rated(app, staff, "不满意")
    with pytest.raises(IllegalTransitionError):
        app.rate_reply(receipt["tracking_no"], receipt["query_code"], "满意")


def test_rating_a_closed_comment_is_illegal(app, staff):
    receipt = rated(app, staff, "满意")
    with pytest.raises(IllegalTransitionError):
        app.rate_reply(receipt["tracking_no"], receipt["query_code"], "不满意")


def test_reopening_after_a_good_rating_is_illegal(app, staff):
    no = rated(app, staff, "满意")["tracking_no"]
    with pytest.raises(IllegalTransitionError):
        app.act("comments", no, "reopen", staff.reviewer)


def test_reopening_an_unrated_reply_is_illegal(app, staff):
    no = replied(app, staff)["tracking_no"]
    with pytest.raises(IllegalTransitionError):
        app.act("comments", no, "reopen", staff.reviewer)


def test_rating_before_a_reply_is_illegal(app, staff):
    receipt = submit(app)
    with pytest.raises(IllegalTransitionError):
        app.rate_reply(receipt["tracking_no"], receipt["query_code"], "满意")


def test_dispatching_before_acceptance_is_illegal(app, staff):
    no = submit(app)["tracking_no"]
    with pytest.raises(IllegalTransitionError):
        app.act("comments", no, "dispatch", staff.reviewer, department="区住建局")


def test_rejecting_an_accepted_comment_is_illegal(app, staff):
    no = submit(app)["tracking_no"]
    app.act("comments", no, "accept", staff.reviewer)
    with pytest.raises(IllegalTransitionError):
        app.act("comments", no, "reject", staff.reviewer, reason="duplicate")


def test_a_refused_command_records_nothing(app, staff):
    no = dispatched(app, staff)
    with pytest.raises(IllegalTransitionError):
        app.act("comments", no, "approve", staff.reviewer)
    assert len(app.timeline("comments", no)) == 3


def test_transferring_to_the_same_department_is_refused(app, staff):
    no = dispatched(app, staff)
    with pytest.raises(InvalidValueError):
        app.act("comments", no, "transfer", staff.reviewer, department="区住建局")


def test_an_unknown_rating_level_is_refused(app, staff):
    receipt = replied(app, staff)
    with pytest.raises(InvalidValueError):
        app.rate_reply(receipt["tracking_no"], receipt["query_code"], "一般")


# --- who may act -----------------------------------------------------------------------


def test_a_handler_of_another_department_may_not_draft(app, staff):
    no = dispatched(app, staff)
    with pytest.raises(NotFoundError):
        app.act("comments", no, "draft", staff.other_handler, content="不是我们的事")


def test_a_handler_of_another_department_may_not_return_the_item(app, staff):
    no = dispatched(app, staff)
    with pytest.raises(NotFoundError):
        app.act("comments", no, "return", staff.other_handler, reason="不是我们的事")


def test_a_handler_may_not_accept(app, staff):
    no = submit(app)["tracking_no"]
    with pytest.raises(AccessDeniedError):
        app.act("comments", no, "accept", staff.handler)


def test_a_handler_may_not_approve_their_own_draft(app, staff):
    no = drafted(app, staff)
    with pytest.raises(AccessDeniedError):
        app.act("comments", no, "approve", staff.handler)


def test_the_citizen_actor_may_not_act_as_staff(app):
    no = submit(app)["tracking_no"]
    with pytest.raises(AccessDeniedError):
        app.act("comments", no, "accept", CITIZEN_ACTOR)


def test_a_reviewer_may_draft_for_any_department(app, staff):
    no = dispatched(app, staff, "区交运局")
    assert app.act("comments", no, "draft", staff.reviewer, content="代拟答复").status == Status.DRAFTED


# --- validation --------------------------------------------------------------------------


def test_an_unknown_requested_department_is_refused(app):
    with pytest.raises(InvalidValueError):
        submit(app, department="区宇航局")


def test_a_known_requested_department_is_recorded(app):
    no = submit(app, department="区交运局")["tracking_no"]
    assert app.get_comment(no).requested_department == "区交运局"


def test_dispatching_to_an_unknown_department_is_refused(app, staff):
    no = submit(app)["tracking_no"]
    app.act("comments", no, "accept", staff.reviewer)
    with pytest.raises(InvalidValueError):
        app.act("comments", no, "dispatch", staff.reviewer, department="区宇航局")


def test_content_over_3000_characters_is_refused(app):
    with pytest.raises(InvalidValueError):
        submit(app, content="字" * (MAX_CONTENT + 1))


def test_content_of_exactly_3000_characters_is_accepted(app):
    no = submit(app, content="字" * MAX_CONTENT)["tracking_no"]
    assert len(app.get_comment(no).content) == 3000


@pytest.mark.parametrize("field, value", [
    ("title", ""), ("title", "   "), ("title", "题" * 101), ("content", " "),
    ("kind", "表扬"), ("category", "航天"),
])
def test_a_malformed_submission_is_refused(app, field, value):
    with pytest.raises(InvalidValueError):
        submit(app, **{field: value})


# --- the citizen's query code ------------------------------------------------------------


def test_the_query_code_opens_the_citizens_own_comment(app):
    receipt = submit(app)
    comment = app.comment_for_citizen(receipt["tracking_no"], receipt["query_code"])
    assert comment.tracking_no == receipt["tracking_no"]


def test_the_query_code_is_read_case_insensitively(app):
    receipt = submit(app)
    code = f" {receipt['query_code'].lower()} "
    assert app.comment_for_citizen(receipt["tracking_no"], code).tracking_no


def test_a_wrong_query_code_is_an_authentication_error(app):
    receipt = submit(app)
    with pytest.raises(AuthenticationError):
        app.comment_for_citizen(receipt["tracking_no"], "WRONGCODE2")


def test_the_query_code_of_another_comment_does_not_open_this_one(app):
    first, second = submit(app), submit(app)
    with pytest.raises(AuthenticationError):
        app.comment_for_citizen(first["tracking_no"], second["query_code"])


def test_rating_with_a_wrong_query_code_is_refused(app, staff):
    receipt = replied(app, staff)
    with pytest.raises(AuthenticationError):
        app.rate_reply(receipt["tracking_no"], "WRONGCODE2", "非常满意")
    assert app.get_comment(receipt["tracking_no"]).rating is None


def test_an_unknown_tracking_number_is_not_found(app):
    with pytest.raises(NotFoundError):
        app.get_comment("LY20260930999999")


def test_the_query_code_is_not_stored_in_the_comment(app):
    receipt = submit(app)
    comment = app.get_comment(receipt["tracking_no"])
    assert receipt["query_code"] not in repr(vars(comment))


# --- publication ---------------------------------------------------------------------------


def test_a_replied_comment_with_consent_is_public(app, staff):
    no = replied(app, staff)["tracking_no"]
    assert app.get_comment(no).is_public


def test_a_comment_without_consent_is_never_public(app, staff):
    no = replied(app, staff, publish=False)["tracking_no"]
    assert not app.get_comment(no).is_public


def test_withholding_takes_a_comment_off_the_public_listing(app, staff):
    no = replied(app, staff)["tracking_no"]
    assert not app.act("comments", no, "withhold", staff.reviewer, reason="涉及个人隐私").is_public


def test_releasing_puts_a_withheld_comment_back(app, staff):
    no = replied(app, staff)["tracking_no"]
    app.act("comments", no, "withhold", staff.reviewer, reason="涉及个人隐私")
    assert app.act("comments", no, "release", staff.reviewer).is_public


def test_withholding_twice_is_illegal(app, staff):
    no = submit(app)["tracking_no"]
    app.act("comments", no, "withhold", staff.reviewer, reason="涉及个人隐私")
    with pytest.raises(IllegalTransitionError):
        app.act("comments", no, "withhold", staff.reviewer, reason="再次")


def test_releasing_a_comment_that_is_not_withheld_is_illegal(app, staff):
    no = submit(app)["tracking_no"]
    with pytest.raises(IllegalTransitionError):
        app.act("comments", no, "release", staff.reviewer)


def test_withholding_needs_a_reason(app, staff):
    no = submit(app)["tracking_no"]
    with pytest.raises(InvalidValueError):
        app.act("comments", no, "withhold", staff.reviewer, reason="  ")


def test_a_handler_may_not_withhold(app, staff):
    no = dispatched(app, staff)
    with pytest.raises(AccessDeniedError):
        app.act("comments", no, "withhold", staff.handler, reason="不想公开")


def test_personal_data_in_the_question_is_masked_for_the_public(app):
    comment = app.get_comment(submit(app)["tracking_no"])
    assert PHONE not in comment.public_content
    assert "138****5678" in comment.public_content
    assert PHONE in comment.content  # the original stays for staff


def test_a_redaction_replaces_the_public_wording_and_masks_it(app, staff):
    no = submit(app)["tracking_no"]
    comment = app.act("comments", no, "redact", staff.reviewer, title="路灯维修", content="某小区路灯损坏，请维修。电话 139 1234 5678")
    assert comment.public_title == "路灯维修"
    assert comment.public_content == "某小区路灯损坏，请维修。电话 139****5678"
    assert comment.content.startswith("小区路灯坏了")


def test_a_redaction_keeps_the_length_limits_of_a_submission(app, staff):
    no = submit(app)["tracking_no"]
    head = app.recorder.max_notification_id()
    for title, content in (("标" * 101, "内容"), ("标题", "内" * 3001)):
        with pytest.raises(InvalidValueError):
            app.act("comments", no, "redact", staff.reviewer, title=title, content=content)
    assert app.recorder.max_notification_id() == head


def test_a_rejected_comment_cannot_be_redacted(app, staff):
    no = submit(app)["tracking_no"]
    app.act("comments", no, "reject", staff.reviewer, reason="abusive")
    with pytest.raises(IllegalTransitionError):
        app.act("comments", no, "redact", staff.reviewer, title="标题", content="内容")


def test_a_published_reply_is_masked_for_the_public(app, staff):
    no = dispatched(app, staff)
    app.act("comments", no, "draft", staff.handler, content="请致电经办人13712345678咨询。")
    comment = app.act("comments", no, "approve", staff.reviewer)
    assert comment.public_reply == "请致电经办人137****5678咨询。"


# --- extension -------------------------------------------------------------------------------


def test_a_granted_extension_moves_the_due_date_by_working_days(app, staff):
    no = dispatched(app, staff)
    app.act("comments", no, "request_extension", staff.handler, days=3, reason="需现场勘查")
    comment = app.act("comments", no, "grant_extension", staff.reviewer)
    # due Tue 10-13 + 3 working days: Wed 10-14, Thu 10-15, Fri 10-16
    assert (comment.extension, comment.due_date) == ("granted", date(2026, 10, 16))


def test_an_extension_across_the_weekend_skips_it(app, staff):
    no = dispatched(app, staff)
    app.act("comments", no, "request_extension", staff.handler, days=5, reason="需现场勘查")
    # due Tue 10-13 + 5: 10-14, 10-15, 10-16, [weekend], Mon 10-19, Tue 10-20
    assert app.act("comments", no, "grant_extension", staff.reviewer).due_date == date(2026, 10, 20)


def test_an_extension_may_be_asked_only_once(app, staff):
    no = dispatched(app, staff)
    app.act("comments", no, "request_extension", staff.handler, days=3, reason="需现场勘查")
    app.act("comments", no, "decline_extension", staff.reviewer, reason="理由不足")
    with pytest.raises(IllegalTransitionError):
        app.act("comments", no, "request_extension", staff.handler, days=2, reason="再申请")


def test_a_declined_extension_keeps_the_due_date(app, staff):
    no = dispatched(app, staff)
    app.act("comments", no, "request_extension", staff.handler, days=3, reason="需现场勘查")
    comment = app.act("comments", no, "decline_extension", staff.reviewer, reason="理由不足")
    assert (comment.extension, comment.due_date) == ("declined", DUE)


def test_an_extension_on_the_due_date_itself_is_still_in_time(app, staff, clock):
    no = dispatched(app, staff)
    clock.set_local(2026, 10, 13, hour=17)
    assert app.act("comments", no, "request_extension", staff.handler, days=1, reason="需会商").extension == "requested"


def test_an_extension_after_expiry_is_illegal(app, staff, clock):
    no = dispatched(app, staff)
    clock.set_local(2026, 10, 14)
    with pytest.raises(IllegalTransitionError):
        app.act("comments", no, "request_extension", staff.handler, days=3, reason="来不及了")


def test_an_extension_longer_than_allowed_is_refused(app, staff):
    no = dispatched(app, staff)
    with pytest.raises(InvalidValueError):
        app.act("comments", no, "request_extension", staff.handler, days=16, reason="需要很久")


def test_granting_without_a_request_is_illegal(app, staff):
    no = dispatched(app, staff)
    with pytest.raises(IllegalTransitionError):
        app.act("comments", no, "grant_extension", staff.reviewer)


def test_only_a_reviewer_grants_an_extension(app, staff):
    no = dispatched(app, staff)
    app.act("comments", no, "request_extension", staff.handler, days=3, reason="需现场勘查")
    with pytest.raises(AccessDeniedError):
        app.act("comments", no, "grant_extension", staff.handler)


def test_a_handler_of_another_department_may_not_ask_for_an_extension(app, staff):
    no = dispatched(app, staff)
    with pytest.raises(NotFoundError):
        app.act("comments", no, "request_extension", staff.other_handler, days=3, reason="需现场勘查")


def test_a_reopened_comment_may_ask_for_an_extension_again(app, staff):
    receipt = submit(app)
    no = receipt["tracking_no"]
    app.act("comments", no, "accept", staff.reviewer)
    app.act("comments", no, "dispatch", staff.reviewer, department="区住建局")
    app.act("comments", no, "request_extension", staff.handler, days=1, reason="需现场勘查")
    app.act("comments", no, "grant_extension", staff.reviewer)
    app.act("comments", no, "draft", staff.handler, content="已修复。")
    app.act("comments", no, "approve", staff.reviewer)
    app.rate_reply(no, receipt["query_code"], "不满意")
    app.act("comments", no, "reopen", staff.reviewer, reason="核实属实")
    assert app.act("comments", no, "request_extension", staff.handler, days=2, reason="需更换灯杆").extension == "requested"


# --- identity --------------------------------------------------------------------------------


def test_the_aggregate_id_is_derived_from_the_tracking_number(app):
    no = submit(app)["tracking_no"]
    assert app.get_comment(no).id == comment_id(no)


def test_different_tracking_numbers_give_different_ids():
    assert comment_id("LY20260930000001") != comment_id("LY20260930000002")


def test_tracking_numbers_carry_the_local_submission_date(app, clock):
    clock.set_local(2026, 10, 8, hour=1)  # 01:00 in Beijing is still 10-07 in UTC
    assert submit(app)["tracking_no"].startswith("LY20261008")


def test_a_tracking_number_collision_draws_another_number(app, monkeypatch):
    first = submit(app)["tracking_no"]
    numbers = iter([first, "LY20260930000002"])
    monkeypatch.setattr(app, "_new_tracking_no", lambda now: next(numbers))
    second = submit(app)["tracking_no"]
    assert second == "LY20260930000002"
    assert app.get_comment(first).id != app.get_comment(second).id
