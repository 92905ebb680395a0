"""What is published: the citizen's own contact details are masked wherever they appear,
in any form, in the question and in the reply; official numbers kept by the caller stay."""

from tests.support import NAME, Staff, submit


def test_the_contact_name_and_phone_are_masked_wherever_they_appear(app):
    receipt = submit(app, content=f"我是{NAME}，电话 138 1234 5678，住在幸福小区。{NAME}敬上")
    comment = app.get_comment(receipt["tracking_no"])
    assert NAME not in comment.public_content and "5678" in comment.public_content
    assert "138 1234 5678" not in comment.public_content
    assert NAME in comment.content  # staff keep the citizen's words


def test_the_reply_masks_the_citizens_details_and_keeps_official_numbers(app):
    staff = Staff()
    no = submit(app)["tracking_no"]
    app.act("comments", no, "accept", staff.reviewer)
    app.act("comments", no, "dispatch", staff.reviewer, department="区住建局")
    app.act("comments", no, "draft", staff.handler,
            content=f"{NAME}您好，已安排维修。如有疑问请致电 0632-7712345 或回拨您留的 13812345678。")
    comment = app.get_comment(no)
    preview = comment.public_wording(comment.draft, keep=("0632-7712345",))
    assert NAME not in preview and "13812345678" not in preview
    assert "0632-7712345" in preview
    assert "0632-7712345" not in comment.public_wording(comment.draft)  # not registered


def test_a_registered_official_number_survives_publication(app):
    staff = Staff()
    app.set_official_numbers("区住建局", ["0632-7712345"], staff.admin)
    no = submit(app)["tracking_no"]
    app.act("comments", no, "accept", staff.reviewer)
    app.act("comments", no, "dispatch", staff.reviewer, department="区住建局")
    app.act("comments", no, "draft", staff.handler,
            content="已修复。咨询电话 0632-7712345；施工队电话 13698765432。")
    app.act("comments", no, "approve", staff.reviewer)
    public = app.get_comment(no).public_reply
    assert "0632-7712345" in public and "13698765432" not in public
