"""Before 审签 the reviewer sees exactly what will be public, with what looks like a name
or an address marked."""

from tests.support import NAME, Staff, submit
from tests.web.conftest import login


def test_the_draft_preview_is_the_published_wording_with_names_marked(client, rt):
    staff = Staff()
    no = submit(rt.app, content="我住永福路8号3单元502室，门口路灯坏了。")["tracking_no"]
    rt.app.act("comments", no, "accept", staff.reviewer)
    rt.app.act("comments", no, "dispatch", staff.reviewer, department="区住建局")
    rt.app.act("comments", no, "draft", staff.handler,
               content=f"{NAME}您好，经联系王先生核实，已修复。电话13812345678。")
    login(client, "rev")
    html = client.get(f"/staff/comments/{no}").get_data(as_text=True)
    preview = html.split('id="draft-preview">')[1].split("</div>")[0]
    assert NAME not in preview and "13812345678" not in preview
    assert '<mark class="pii-candidate"' in preview and "王先生" in preview
    public = html.split('id="pub-title"')[1].split("</section>")[0]
    assert "永福路8号3单元502室" in public and "pii-candidate" in public
    rt.app.act("comments", no, "approve", staff.reviewer)
    comment = rt.app.get_comment(no)
    assert comment.public_reply == comment.public_wording(comment.reply)  # as previewed


def test_a_tickets_publication_is_previewed_masked(client, rt):
    from domain.actors import Actor
    operator = Actor("op", ("operator",))
    ticket = rt.app.register_ticket(operator, channel="phone", caller_name="赵六",
                                    caller_phone="13912345678", area="临城街道", address="",
                                    category="城乡建设", kind="投诉", urgency="normal",
                                    title="噪音扰民", content="赵六反映楼下夜间施工", publish=True)
    rt.app.act("tickets", ticket.ticket_no, "resolve_on_spot", operator,
               reply="已告知赵六：施工方电话13812345678，住永福路8号3单元502室的业主已协调。")
    login(client, "rev")
    html = client.get(f"/staff/tickets/{ticket.ticket_no}").get_data(as_text=True)
    preview = html.split('id="publish-preview">')[1].split("</div>")[0]
    assert "赵六" not in preview and "13812345678" not in preview
    assert "pii-candidate" in preview  # the address is marked for the reviewer
