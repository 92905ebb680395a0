"""A portal comment's lifecycle through the Minyi application service (in-memory store).

The clock starts on Wed 2026-09-30 09:00 Beijing time, the day before National Day
(2026-10-01..07 off, Sat 10-10 worked), so a 咨询 accepted that day is due Tue 10-13.
"""

from datetime import date

import pytest

from domain.actors import CITIZEN_ACTOR
from domain.comment import MAX_CONTENT, comment_id
from domain.errors import (AccessDeniedError, AuthenticationError, IllegalTransitionError,
                           InvalidValueError, NotFoundError)
from domain.status import Status
from tests.support import NAME, PHONE, replied, submit

DUE = date(2026, 10, 13)  # 咨询 accepted Wed 09-30: 10-08, 10-09, 10-10 (调休), 10-12, 10-13


def dispatched(app, staff, department="区住建局") -> str:
    no = submit(app)["tracking_no"]
    app.accept_comment(no, staff.reviewer)
    app.dispatch_comment(no, staff.reviewer, department)
    return no


def drafted(app, staff) -> str:
    no = dispatched(app, staff)
    app.draft_reply(no, staff.handler, "已安排维修。")
    return no


def rated(app, staff, level: str) -> dict:
    receipt = replied(app, staff)
    app.rate_reply(receipt["tracking_no"], receipt["query_code"], level)
    return receipt


# --- the whole way ---------------------------------------------------------------------


def walk_the_whole_lifecycle(app, staff, clock) -> tuple[str, list]:
    """Run every step once, an hour apart; returns the number and (event, actor, at) steps."""
    steps = []

    def step(event, actor_id, command, *args):
        clock.advance(hours=1)
        command(*args)
        steps.append((event, actor_id, clock.now))

    receipt = submit(app)
    no, code = receipt["tracking_no"], receipt["query_code"]
    steps.append(("Submitted", "citizen", clock.now))
    rev, h1, h2 = staff.reviewer, staff.handler, staff.other_handler
    step("Accepted", rev.id, app.accept_comment, no, rev)
    step("Dispatched", rev.id, app.dispatch_comment, no, rev, "区住建局")
    step("Transferred", rev.id, app.transfer_comment, no, rev, "区交运局", "涉及道路照明")
    step("Returned", h2.id, app.return_comment, no, h2, "路灯属小区物业，非本单位职责")
    step("Dispatched", rev.id, app.dispatch_comment, no, rev, "区住建局")
    step("ReplyDrafted", h1.id, app.draft_reply, no, h1, "已联系物业。")
    step("ReplySentBack", rev.id, app.send_back_reply, no, rev, "请写明维修时限")
    step("ReplyDrafted", h1.id, app.draft_reply, no, h1, "已联系物业，三日内修复。")
    step("ReplyPublished", rev.id, app.approve_reply, no, rev)
    step("Rated", "citizen", app.rate_reply, no, code, "不满意", "仍未修好")
    step("Reopened", rev.id, app.reopen_comment, no, rev, "核实：路灯仍不亮")
    step("ReplyDrafted", h1.id, app.draft_reply, no, h1, "已更换灯具，现已修复。")
    step("ReplyPublished", rev.id, app.approve_reply, no, rev)
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
    timeline = app.comment_timeline(no)
    assert [(t["event"], t["actor"], t["at"]) for t in timeline] == steps


def test_the_timeline_never_shows_contact_details_or_the_query_code_hash(app, staff):
    no = submit(app)["tracking_no"]
    details = app.comment_timeline(no)[0]["details"]
    assert "contact" not in details and "query_code_hash" not in details
    assert NAME not in repr(app.comment_timeline(no))


def test_the_timeline_labels_steps_in_chinese(app, staff):
    no = dispatched(app, staff)
    assert [t["label"] for t in app.comment_timeline(no)] == [
        "网民提交留言", "受理", "交办至承办单位"]


def test_a_submitted_comment_waits_for_review(app):
    comment = app.get_comment(submit(app)["tracking_no"])
    assert comment.status == Status.SUBMITTED
    assert comment.contact == {"name": NAME, "phone": PHONE, "email": "zhang@example.com"}


def test_acceptance_sets_the_due_date_in_working_days(app, staff):
    no = submit(app)["tracking_no"]
    assert app.accept_comment(no, staff.reviewer).due_date == DUE


def test_a_complaint_gets_fifteen_working_days(app, staff):
    no = submit(app, kind="投诉")["tracking_no"]
    # from Wed 09-30: 10-08, 10-09, 10-10 (调休), 10-12..16 (8), 10-19..23 (13), 10-26 (14),
    # 10-27 (15)
    assert app.accept_comment(no, staff.reviewer).due_date == date(2026, 10, 27)


def test_a_return_sends_the_comment_back_to_the_reviewer_without_a_department(app, staff):
    no = dispatched(app, staff)
    comment = app.return_comment(no, staff.handler, "非本单位职责")
    assert comment.status == Status.ACCEPTED
    assert comment.department is None


def test_a_transfer_keeps_the_deadline_running(app, staff):
    no = dispatched(app, staff)
    comment = app.transfer_comment(no, staff.reviewer, "区交运局")
    assert comment.department == "区交运局"
    assert comment.due_date == DUE


def test_a_sent_back_draft_returns_to_the_department(app, staff):
    no = drafted(app, staff)
    assert app.send_back_reply(no, staff.reviewer, "补充时限").status == Status.DISPATCHED


def test_approval_publishes_the_draft_with_date_and_department(app, staff, clock):
    no = drafted(app, staff)
    comment = app.approve_reply(no, staff.reviewer)
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
    comment = app.reopen_comment(no, staff.reviewer, "核实属实")
    # reopened Mon 10-12: 10-13..16 (4), 10-19..23 (9), 10-26..30 (14), Mon 11-02 (15)
    assert comment.due_date == date(2026, 11, 2)
    assert (comment.status, comment.department, comment.round) == (
        Status.DISPATCHED, "区住建局", 2)


def test_a_good_rating_closes_the_comment(app, staff):
    no = rated(app, staff, "基本满意")["tracking_no"]
    assert app.get_comment(no).status == Status.CLOSED


def test_a_reviewer_closes_an_unrated_reply(app, staff):
    no = replied(app, staff)["tracking_no"]
    assert app.close_comment(no, staff.reviewer, "回访无异议").status == Status.CLOSED


def test_a_rejected_comment_records_its_reason(app, staff):
    no = submit(app)["tracking_no"]
    comment = app.reject_comment(no, staff.reviewer, "duplicate")
    assert (comment.status, comment.reject_reason) == (Status.REJECTED, "duplicate")


def test_an_unknown_reject_reason_is_refused(app, staff):
    no = submit(app)["tracking_no"]
    with pytest.raises(InvalidValueError):
        app.reject_comment(no, staff.reviewer, "boring")


# --- illegal transitions ---------------------------------------------------------------


def test_approving_before_a_draft_is_illegal(app, staff):
    no = dispatched(app, staff)
    with pytest.raises(IllegalTransitionError):
        app.approve_reply(no, staff.reviewer)


def test_accepting_twice_is_illegal(app, staff):
    no = submit(app)["tracking_no"]
    app.accept_comment(no, staff.reviewer)
    with pytest.raises(IllegalTransitionError):
        app.accept_comment(no, staff.reviewer)


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
        app.reopen_comment(no, staff.reviewer)


def test_reopening_an_unrated_reply_is_illegal(app, staff):
    no = replied(app, staff)["tracking_no"]
    with pytest.raises(IllegalTransitionError):
        app.reopen_comment(no, staff.reviewer)


def test_rating_before_a_reply_is_illegal(app, staff):
    receipt = submit(app)
    with pytest.raises(IllegalTransitionError):
        app.rate_reply(receipt["tracking_no"], receipt["query_code"], "满意")


def test_dispatching_before_acceptance_is_illegal(app, staff):
    no = submit(app)["tracking_no"]
    with pytest.raises(IllegalTransitionError):
        app.dispatch_comment(no, staff.reviewer, "区住建局")


def test_rejecting_an_accepted_comment_is_illegal(app, staff):
    no = submit(app)["tracking_no"]
    app.accept_comment(no, staff.reviewer)
    with pytest.raises(IllegalTransitionError):
        app.reject_comment(no, staff.reviewer, "duplicate")


def test_a_refused_command_records_nothing(app, staff):
    no = dispatched(app, staff)
    with pytest.raises(IllegalTransitionError):
        app.approve_reply(no, staff.reviewer)
    assert len(app.comment_timeline(no)) == 3


def test_transferring_to_the_same_department_is_refused(app, staff):
    no = dispatched(app, staff)
    with pytest.raises(InvalidValueError):
        app.transfer_comment(no, staff.reviewer, "区住建局")


def test_an_unknown_rating_level_is_refused(app, staff):
    receipt = replied(app, staff)
    with pytest.raises(InvalidValueError):
        app.rate_reply(receipt["tracking_no"], receipt["query_code"], "一般")


# --- who may act -----------------------------------------------------------------------


def test_a_handler_of_another_department_may_not_draft(app, staff):
    no = dispatched(app, staff)
    with pytest.raises(AccessDeniedError):
        app.draft_reply(no, staff.other_handler, "不是我们的事")


def test_a_handler_of_another_department_may_not_return_the_item(app, staff):
    no = dispatched(app, staff)
    with pytest.raises(AccessDeniedError):
        app.return_comment(no, staff.other_handler, "不是我们的事")


def test_a_handler_may_not_accept(app, staff):
    no = submit(app)["tracking_no"]
    with pytest.raises(AccessDeniedError):
        app.accept_comment(no, staff.handler)


def test_a_handler_may_not_approve_their_own_draft(app, staff):
    no = drafted(app, staff)
    with pytest.raises(AccessDeniedError):
        app.approve_reply(no, staff.handler)


def test_the_citizen_actor_may_not_act_as_staff(app):
    no = submit(app)["tracking_no"]
    with pytest.raises(AccessDeniedError):
        app.accept_comment(no, CITIZEN_ACTOR)


def test_a_reviewer_may_draft_for_any_department(app, staff):
    no = dispatched(app, staff, "区交运局")
    assert app.draft_reply(no, staff.reviewer, "代拟答复").status == Status.DRAFTED


# --- validation --------------------------------------------------------------------------


def test_an_unknown_requested_department_is_refused(app):
    with pytest.raises(InvalidValueError):
        submit(app, department="区宇航局")


def test_a_known_requested_department_is_recorded(app):
    no = submit(app, department="区交运局")["tracking_no"]
    assert app.get_comment(no).requested_department == "区交运局"


def test_dispatching_to_an_unknown_department_is_refused(app, staff):
    no = submit(app)["tracking_no"]
    app.accept_comment(no, staff.reviewer)
    with pytest.raises(InvalidValueError):
        app.dispatch_comment(no, staff.reviewer, "区宇航局")


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
    assert not app.withhold_comment(no, staff.reviewer, "涉及个人隐私").is_public


def test_releasing_puts_a_withheld_comment_back(app, staff):
    no = replied(app, staff)["tracking_no"]
    app.withhold_comment(no, staff.reviewer, "涉及个人隐私")
    assert app.release_comment(no, staff.reviewer).is_public


def test_withholding_twice_is_illegal(app, staff):
    no = submit(app)["tracking_no"]
    app.withhold_comment(no, staff.reviewer, "涉及个人隐私")
    with pytest.raises(IllegalTransitionError):
        app.withhold_comment(no, staff.reviewer, "再次")


def test_releasing_a_comment_that_is_not_withheld_is_illegal(app, staff):
    no = submit(app)["tracking_no"]
    with pytest.raises(IllegalTransitionError):
        app.release_comment(no, staff.reviewer)


def test_withholding_needs_a_reason(app, staff):
    no = submit(app)["tracking_no"]
    with pytest.raises(InvalidValueError):
        app.withhold_comment(no, staff.reviewer, "  ")


def test_a_handler_may_not_withhold(app, staff):
    no = dispatched(app, staff)
    with pytest.raises(AccessDeniedError):
        app.withhold_comment(no, staff.handler, "不想公开")


def test_personal_data_in_the_question_is_masked_for_the_public(app):
    comment = app.get_comment(submit(app)["tracking_no"])
    assert PHONE not in comment.public_content
    assert "138****5678" in comment.public_content
    assert PHONE in comment.content  # the original stays for staff


def test_a_redaction_replaces_the_public_wording_and_masks_it(app, staff):
    no = submit(app)["tracking_no"]
    comment = app.redact_comment(no, staff.reviewer, "路灯维修",
                                 "某小区路灯损坏，请维修。电话 139 1234 5678")
    assert comment.public_title == "路灯维修"
    assert comment.public_content == "某小区路灯损坏，请维修。电话 139****5678"
    assert comment.content.startswith("小区路灯坏了")


def test_a_rejected_comment_cannot_be_redacted(app, staff):
    no = submit(app)["tracking_no"]
    app.reject_comment(no, staff.reviewer, "abusive")
    with pytest.raises(IllegalTransitionError):
        app.redact_comment(no, staff.reviewer, "标题", "内容")


def test_a_published_reply_is_masked_for_the_public(app, staff):
    no = dispatched(app, staff)
    app.draft_reply(no, staff.handler, "请致电经办人13712345678咨询。")
    comment = app.approve_reply(no, staff.reviewer)
    assert comment.public_reply == "请致电经办人137****5678咨询。"


# --- extension -------------------------------------------------------------------------------


def test_a_granted_extension_moves_the_due_date_by_working_days(app, staff):
    no = dispatched(app, staff)
    app.request_extension(no, staff.handler, 3, "需现场勘查")
    comment = app.grant_extension(no, staff.reviewer)
    # due Tue 10-13 + 3 working days: Wed 10-14, Thu 10-15, Fri 10-16
    assert (comment.extension, comment.due_date) == ("granted", date(2026, 10, 16))


def test_an_extension_across_the_weekend_skips_it(app, staff):
    no = dispatched(app, staff)
    app.request_extension(no, staff.handler, 5, "需现场勘查")
    # due Tue 10-13 + 5: 10-14, 10-15, 10-16, [weekend], Mon 10-19, Tue 10-20
    assert app.grant_extension(no, staff.reviewer).due_date == date(2026, 10, 20)


def test_an_extension_may_be_asked_only_once(app, staff):
    no = dispatched(app, staff)
    app.request_extension(no, staff.handler, 3, "需现场勘查")
    app.decline_extension(no, staff.reviewer, "理由不足")
    with pytest.raises(IllegalTransitionError):
        app.request_extension(no, staff.handler, 2, "再申请")


def test_a_declined_extension_keeps_the_due_date(app, staff):
    no = dispatched(app, staff)
    app.request_extension(no, staff.handler, 3, "需现场勘查")
    comment = app.decline_extension(no, staff.reviewer, "理由不足")
    assert (comment.extension, comment.due_date) == ("declined", DUE)


def test_an_extension_on_the_due_date_itself_is_still_in_time(app, staff, clock):
    no = dispatched(app, staff)
    clock.set_local(2026, 10, 13, hour=17)
    assert app.request_extension(no, staff.handler, 1, "需会商").extension == "requested"


def test_an_extension_after_expiry_is_illegal(app, staff, clock):
    no = dispatched(app, staff)
    clock.set_local(2026, 10, 14)
    with pytest.raises(IllegalTransitionError):
        app.request_extension(no, staff.handler, 3, "来不及了")


def test_an_extension_longer_than_allowed_is_refused(app, staff):
    no = dispatched(app, staff)
    with pytest.raises(InvalidValueError):
        app.request_extension(no, staff.handler, 16, "需要很久")


def test_granting_without_a_request_is_illegal(app, staff):
    no = dispatched(app, staff)
    with pytest.raises(IllegalTransitionError):
        app.grant_extension(no, staff.reviewer)


def test_only_a_reviewer_grants_an_extension(app, staff):
    no = dispatched(app, staff)
    app.request_extension(no, staff.handler, 3, "需现场勘查")
    with pytest.raises(AccessDeniedError):
        app.grant_extension(no, staff.handler)


def test_a_handler_of_another_department_may_not_ask_for_an_extension(app, staff):
    no = dispatched(app, staff)
    with pytest.raises(AccessDeniedError):
        app.request_extension(no, staff.other_handler, 3, "需现场勘查")


def test_a_reopened_comment_may_ask_for_an_extension_again(app, staff):
    receipt = submit(app)
    no = receipt["tracking_no"]
    app.accept_comment(no, staff.reviewer)
    app.dispatch_comment(no, staff.reviewer, "区住建局")
    app.request_extension(no, staff.handler, 1, "需现场勘查")
    app.grant_extension(no, staff.reviewer)
    app.draft_reply(no, staff.handler, "已修复。")
    app.approve_reply(no, staff.reviewer)
    app.rate_reply(no, receipt["query_code"], "不满意")
    app.reopen_comment(no, staff.reviewer, "核实属实")
    assert app.request_extension(no, staff.handler, 2, "需更换灯杆").extension == "requested"


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
