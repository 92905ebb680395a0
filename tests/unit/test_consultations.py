"""Major-decision pre-publication (重大决策预公开) in memory: the phase by local date across
the opening and closing days, the 30-day minimum, extension, late and empty opinions, every
opinion answered before publication, meetings, the citizen's own answer, bad input."""

import threading

import pytest

from domain.actors import Actor
from domain.consultations import Phase, days_left, phase
from domain.errors import (AccessDeniedError, AuthenticationError, IllegalTransitionError,
                           InvalidValueError, NotFoundError)
from tests.support import local

HANDLER = Actor("h1", ("handler",), "区住建局")
OTHER = Actor("h2", ("handler",), "区交运局")
REVIEWER = Actor("rev", ("reviewer",))
ADMIN = Actor("root", ("admin",))
PHONE = "13812345678"


def listed(app, actor=HANDLER, participation=("online", "symposium"), **kw):
    values = dict(year=2026, title="老旧小区改造三年行动方案", department="区住建局",
                  planned_on="2026-12-20", participation=list(participation),
                  description="涉及全区 120 个老旧小区")
    values.update(kw)
    return app.list_consultation(actor, **values).consultation_no


def published(app, opens_on="2026-10-01", closes_on="2026-10-30"):
    """Listed and its draft published on 2026-09-30 (the clock's day), open 10-01..10-30."""
    no = listed(app)
    app.act("consultations", no, "publish_draft", HANDLER, draft="一、改造范围……",
            basis="依据《国务院办公厅关于全面推进城镇老旧小区改造工作的指导意见》",
            opens_on=opens_on, closes_on=closes_on)
    return no


def current(app, no):
    return app.consultation_phase(app.get_consultation(no))


def opine(app, no, text="建议增设电梯。", **kw):
    return app.submit_opinion(no, content=text, name="张三", phone=PHONE,
                              email="z@example.com", **kw)


def test_the_phase_follows_the_local_date_across_the_opening_and_closing_days(app, clock):
    no = published(app)
    assert current(app, no) == Phase.UPCOMING
    clock.now = local(2026, 9, 30, 23, 59)  # still the day before opening in Beijing
    assert current(app, no) == Phase.UPCOMING
    clock.now = local(2026, 10, 1, 0, 0)  # 2026-09-30 16:00 UTC: already 10-01 locally
    assert clock.now.date().isoformat() == "2026-09-30"
    assert current(app, no) == Phase.OPEN
    clock.now = local(2026, 10, 30, 23, 59)  # the closing day belongs to the consultation
    assert current(app, no) == Phase.OPEN
    opine(app, no)
    clock.now = local(2026, 10, 31, 0, 0)
    assert current(app, no) == Phase.CLOSED


def test_phase_and_days_left_rules():
    from datetime import date
    o, c = date(2026, 10, 1), date(2026, 10, 30)
    assert phase("planned", None, None, o) == Phase.PLANNED
    assert phase("consulting", o, c, date(2026, 9, 30)) == Phase.UPCOMING
    assert phase("consulting", o, c, o) == Phase.OPEN
    assert phase("consulting", o, c, c) == Phase.OPEN
    assert phase("consulting", o, c, date(2026, 10, 31)) == Phase.CLOSED
    assert phase("reviewing", o, c, o) == Phase.CLOSED
    assert phase("published", o, c, o) == Phase.PUBLISHED
    assert days_left(c, c) == 1 and days_left(c, o) == 30 and days_left(c, date(2026, 11, 1)) == 0


def test_the_consultation_lasts_at_least_the_configured_days(app):
    no = listed(app)
    with pytest.raises(InvalidValueError) as e:  # 10-01..10-29 is 29 days
        app.act("consultations", no, "publish_draft", HANDLER, draft="草案", basis="依据",
                opens_on="2026-10-01", closes_on="2026-10-29")
    assert e.value.details["field"] == "closes_on" and "30" in e.value.message
    app.consultation_min_days = 10
    app.act("consultations", no, "publish_draft", HANDLER, draft="草案", basis="依据",
            opens_on="2026-10-01", closes_on="2026-10-10")
    assert app.get_consultation(no).closes_on.isoformat() == "2026-10-10"


@pytest.mark.parametrize("opens_on, closes_on, field", [
    ("2026-11-01", "2026-10-01", "closes_on"),  # closing before opening
    ("2026-09-29", "2026-11-30", "opens_on"),  # opening in the past
    ("2026-13-01", "2026-11-30", "opens_on"),  # not a date
    ("2026-10-01", "", "closes_on"),
])
def test_bad_dates_are_refused(app, opens_on, closes_on, field):
    no = listed(app)
    with pytest.raises(InvalidValueError) as e:
        app.act("consultations", no, "publish_draft", HANDLER, draft="草案", basis="依据",
                opens_on=opens_on, closes_on=closes_on)
    assert e.value.details["field"] == field
    assert app.get_consultation(no).status == "planned"


def test_bad_catalogue_entries_are_refused(app):
    with pytest.raises(InvalidValueError) as e:
        listed(app, ADMIN, department="区不存在局")
    assert e.value.details["field"] == "department"
    with pytest.raises(InvalidValueError):
        listed(app, participation=())
    with pytest.raises(InvalidValueError):
        listed(app, participation=("online", "lottery"))
    with pytest.raises(InvalidValueError):
        listed(app, title="  ")
    with pytest.raises(AccessDeniedError):  # a handler lists only their own department's
        listed(app, OTHER)
    with pytest.raises(AccessDeniedError):
        listed(app, REVIEWER)
    assert app.get_consultation(listed(app, ADMIN, department="区交运局")).department == \
        "区交运局"


def test_a_draft_is_published_only_for_online_consultation_and_by_its_department(app):
    hearing = listed(app, participation=("hearing",))
    with pytest.raises(IllegalTransitionError):  # the guard: no online consultation
        app.act("consultations", hearing, "publish_draft", HANDLER, draft="草案",
                basis="依据", opens_on="2026-10-01", closes_on="2026-10-30")
    no = listed(app)
    with pytest.raises(NotFoundError):  # another department's item is not there at all
        app.act("consultations", no, "publish_draft", OTHER, draft="草案", basis="依据",
                opens_on="2026-10-01", closes_on="2026-10-30")
    with pytest.raises(AccessDeniedError):
        app.act("consultations", no, "publish_draft", REVIEWER, draft="草案", basis="依据",
                opens_on="2026-10-01", closes_on="2026-10-30")


def test_the_closing_date_is_extended_with_a_reason_before_it_passes(app, clock):
    no = published(app)
    with pytest.raises(InvalidValueError):
        app.act("consultations", no, "extend", HANDLER, closes_on="2026-11-15", reason=" ")
    with pytest.raises(InvalidValueError):  # not later than the current closing date
        app.act("consultations", no, "extend", HANDLER, closes_on="2026-10-30", reason="延长")
    clock.now = local(2026, 10, 30, 22)
    app.act("consultations", no, "extend", HANDLER, closes_on="2026-11-15",
            reason="涉及面广，群众要求延长")
    consultation = app.get_consultation(no)
    assert consultation.closes_on.isoformat() == "2026-11-15"
    assert consultation.extensions[0]["previous"].isoformat() == "2026-10-30"
    clock.now = local(2026, 10, 31, 9)
    assert current(app, no) == Phase.OPEN
    opine(app, no)
    clock.now = local(2026, 11, 16, 0, 1)
    with pytest.raises(IllegalTransitionError):  # passed: no more extension
        app.act("consultations", no, "extend", HANDLER, closes_on="2026-11-30", reason="再延")


def test_a_late_or_early_opinion_is_refused_clearly(app, clock):
    no = published(app)
    with pytest.raises(InvalidValueError) as e:
        opine(app, no)
    assert "尚未开始" in e.value.message
    clock.now = local(2026, 10, 31, 0, 0)
    with pytest.raises(InvalidValueError) as e:
        opine(app, no)
    assert "2026-10-30" in e.value.message and "截止" in e.value.message
    assert app.opinion_count(no) == 0
    with pytest.raises(InvalidValueError):
        opine(app, listed(app))  # no draft yet


def test_an_empty_opinion_is_refused(app, clock):
    no = published(app)
    clock.now = local(2026, 10, 2)
    for text in ("", "   "):
        with pytest.raises(InvalidValueError):
            opine(app, no, text)
    with pytest.raises(InvalidValueError):
        opine(app, no, "长" * 3001)
    assert app.opinion_count(no) == 0


def test_opinion_numbers_are_dense_and_counted_without_a_read_model(app, clock):
    no = published(app)
    clock.now = local(2026, 10, 2)
    numbers = [opine(app, no, f"第{i}条意见")["opinion_no"] for i in range(1, 38)]
    assert numbers == [f"{no}-{i:04d}" for i in range(1, 38)]
    assert app.opinion_count(no) == 37 and len(app.opinions_of(no)) == 37


def test_concurrent_submissions_each_get_their_own_number(app, clock):
    no = published(app)
    clock.now = local(2026, 10, 2)
    results, errors = [], []

    def submit(i):
        try:
            results.append(opine(app, no, f"意见{i}")["opinion_no"])
        except Exception as e:  # noqa: BLE001 - reported below
            errors.append(e)

    threads = [threading.Thread(target=submit, args=(i,)) for i in range(12)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors and sorted(results) == [f"{no}-{i:04d}" for i in range(1, 13)]


def closed_with_opinions(app, clock, count=3):
    no = published(app)
    clock.now = local(2026, 10, 2)
    receipts = [opine(app, no, f"意见{i}：电话{PHONE}") for i in range(count)]
    clock.now = local(2026, 10, 31, 9)
    return no, receipts


def test_every_opinion_is_answered_before_the_summary_and_the_publication(app, clock):
    no, receipts = closed_with_opinions(app, clock)
    first, second, third = (r["opinion_no"] for r in receipts)
    app.act("consultations", no, "answer", HANDLER, opinion_no=first, adoption="adopted",
            reason="已在第三条增加电梯加装内容")
    app.act("consultations", no, "answer", HANDLER, opinion_no=second, adoption="partly",
            reason="部分采纳")
    with pytest.raises(IllegalTransitionError) as e:
        app.act("consultations", no, "submit_summary", HANDLER, summary="共收到意见3条")
    assert third in e.value.message and e.value.details["unanswered"] == [third]
    with pytest.raises(InvalidValueError):  # a reason is required
        app.act("consultations", no, "answer", HANDLER, opinion_no=third,
                adoption="not_adopted", reason="")
    with pytest.raises(InvalidValueError):
        app.act("consultations", no, "answer", HANDLER, opinion_no=third, adoption="maybe",
                reason="理由")
    app.act("consultations", no, "answer", HANDLER, opinion_no=third, adoption="not_adopted",
            reason="超出本方案范围")
    app.act("consultations", no, "submit_summary", HANDLER, summary="共收到意见3条")
    with pytest.raises(IllegalTransitionError):  # answers are settled once submitted
        app.act("consultations", no, "answer", HANDLER, opinion_no=third, adoption="adopted",
                reason="改为采纳")
    with pytest.raises(AccessDeniedError):
        app.act("consultations", no, "approve", HANDLER)
    app.act("consultations", no, "approve", REVIEWER)
    consultation = app.get_consultation(no)
    assert consultation.status == "published"
    assert consultation.counts == {"received": 3, "adopted": 1, "partly": 1, "not_adopted": 1,
                                   "representative": 0}
    assert current(app, no) == Phase.PUBLISHED


def test_opinions_are_answered_only_after_closing(app, clock):
    no, other = published(app), published(app)
    clock.now = local(2026, 10, 2)
    number = opine(app, no)["opinion_no"]
    with pytest.raises(IllegalTransitionError):
        app.act("consultations", no, "answer", HANDLER, opinion_no=number,
                adoption="adopted", reason="采纳")
    with pytest.raises(IllegalTransitionError):
        app.act("consultations", no, "submit_summary", HANDLER, summary="汇总")
    clock.now = local(2026, 10, 31)
    with pytest.raises(InvalidValueError):  # an opinion of another consultation
        app.act("consultations", other, "answer", HANDLER, opinion_no=number,
                adoption="adopted", reason="采纳")
    with pytest.raises(InvalidValueError):
        app.act("consultations", no, "answer", HANDLER, opinion_no=f"{no}-0099",
                adoption="adopted", reason="采纳")


def test_a_summary_sent_back_can_be_corrected_and_resubmitted(app, clock):
    no, receipts = closed_with_opinions(app, clock, 1)
    app.act("consultations", no, "answer", HANDLER, opinion_no=receipts[0]["opinion_no"],
            adoption="not_adopted", reason="理由一")
    app.act("consultations", no, "submit_summary", HANDLER, summary="汇总")
    app.act("consultations", no, "send_back", REVIEWER, reason="理由过于简单")
    assert app.get_consultation(no).status == "consulting"
    app.act("consultations", no, "answer", HANDLER, opinion_no=receipts[0]["opinion_no"],
            adoption="partly", reason="经研究部分采纳：增加无障碍设施要求")
    app.act("consultations", no, "submit_summary", HANDLER, summary="汇总（修改）")
    app.act("consultations", no, "approve", REVIEWER)
    assert app.get_consultation(no).counts["partly"] == 1


def test_meetings_with_representatives_and_their_answers(app, clock):
    no, receipts = closed_with_opinions(app, clock, 1)
    app.act("consultations", no, "answer", HANDLER, opinion_no=receipts[0]["opinion_no"],
            adoption="adopted", reason="采纳")
    app.act("consultations", no, "record_meeting", HANDLER, title="区政府常务会议",
            held_on="2026-10-31", attendees="市民代表2名、专家1名",
            decisions="原则通过，按意见修改后印发")
    app.act("consultations", no, "add_representative_opinion", HANDLER, meeting_no=1,
            representative="市民代表甲", content="资金分担比例应公开")
    with pytest.raises(IllegalTransitionError):  # the representative's opinion awaits
        app.act("consultations", no, "submit_summary", HANDLER, summary="汇总")
    with pytest.raises(InvalidValueError):
        app.act("consultations", no, "answer", HANDLER, opinion_no="M1-2", adoption="adopted",
                reason="采纳")
    app.act("consultations", no, "answer", HANDLER, opinion_no="m1-1", adoption="adopted",
            reason="将在实施方案中公开分担比例")
    app.act("consultations", no, "submit_summary", HANDLER, summary="汇总")
    app.act("consultations", no, "approve", REVIEWER)
    consultation = app.get_consultation(no)
    assert consultation.meetings[0]["opinions"][0]["adoption"] == "adopted"
    assert consultation.counts["representative"] == 1
    with pytest.raises(InvalidValueError):
        app.act("consultations", no, "record_decision", HANDLER, decision="印发实施",
                decided_on="2026-12-01")  # in the future
    app.act("consultations", no, "record_decision", HANDLER, decision="印发实施",
            decided_on="2026-10-31")
    assert app.get_consultation(no).decision == "印发实施"


def test_the_citizen_reads_their_own_answer_with_the_query_code(app, clock):
    no, receipts = closed_with_opinions(app, clock, 1)
    receipt = receipts[0]
    own = app.opinion_for_citizen(receipt["opinion_no"], receipt["query_code"].lower())
    assert own.content.endswith(PHONE) and own.contact["phone"] == PHONE
    assert PHONE not in own.public_content
    with pytest.raises(AuthenticationError):
        app.opinion_for_citizen(receipt["opinion_no"], "WRONGCODE1")
    with pytest.raises(AuthenticationError):
        app.opinion_for_citizen(f"{no}-0999", receipt["query_code"])
    app.act("consultations", no, "answer", HANDLER, opinion_no=receipt["opinion_no"],
            adoption="not_adopted", reason="与上位法不符")
    assert app.opinion_for_citizen(receipt["opinion_no"],
                                   receipt["query_code"]).adoption == "not_adopted"


def test_files_are_public_only_with_their_part_of_the_page(app, clock):
    no = listed(app)
    attached = app.attach_consultation_file(HANDLER, no, name="草案全文.pdf",
                                            content_type="application/pdf", data=b"%PDF-1.4",
                                            role="draft")
    again = app.attach_consultation_file(HANDLER, no, name="草案全文.pdf",
                                         content_type="application/pdf", data=b"%PDF-1.4",
                                         role="draft")
    assert attached["attached"] and not again["attached"]
    with pytest.raises(NotFoundError):
        app.consultation_file(no, attached["file_id"])
    assert app.consultation_file(no, attached["file_id"], public=False).content == b"%PDF-1.4"
    with pytest.raises(InvalidValueError):  # no meeting yet
        app.attach_consultation_file(HANDLER, no, name="纪要.pdf", content_type="",
                                     data=b"x", role="meeting", meeting_no=1)
    with pytest.raises(InvalidValueError):
        app.attach_consultation_file(HANDLER, no, name="空.pdf", content_type="", data=b"",
                                     role="draft")
    with pytest.raises(NotFoundError):
        app.attach_consultation_file(OTHER, no, name="x.pdf", content_type="", data=b"x",
                                     role="draft")
    app.act("consultations", no, "publish_draft", HANDLER, draft="草案", basis="依据",
            opens_on="2026-10-01", closes_on="2026-10-30")
    assert app.consultation_file(no, attached["file_id"]).name == "草案全文.pdf"
