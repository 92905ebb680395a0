"""E-mail from the outbox to a local SMTP sink (aiosmtpd): delivered once, retried with
back-off while the server is down, never sent twice, not even after a rebuild."""

import socket
from email import message_from_bytes
from email.policy import default
from datetime import timedelta

import pytest
from aiosmtpd.controller import Controller

from domain.actors import Actor
from tests.support import Staff, replied, submit


class Sink:
    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):
        mail = message_from_bytes(envelope.content, policy=default)
        self.messages.append((envelope.rcpt_tos, f"{mail['Subject']}\n{mail.get_content()}"))
        return "250 OK"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """The sink on a fixed port, which can be stopped and started again."""

    def __init__(self):
        self.port, self.sink, self.controller = free_port(), Sink(), None

    def start(self):
        self.controller = Controller(self.sink, hostname="127.0.0.1", port=self.port)
        self.controller.start()

    def stop(self):
        if self.controller is not None:
            self.controller.stop()
            self.controller = None


@pytest.fixture
def smtp():
    server = Server()
    server.start()
    yield server
    server.stop()


def test_the_reply_message_is_sent_once_and_retried_while_the_server_is_down(
        make_settings, make_runtime, database_url, clock, smtp):
    sink = smtp.sink
    rt = make_runtime(make_settings(database_url, smtp_host="127.0.0.1", smtp_port=smtp.port,
                                    smtp_from="minyi@example.gov.cn"))
    first = replied(rt.app, Staff())["tracking_no"]
    rt.catch_up_all()
    assert rt.mail.run()["sent"] == 1
    ((recipients, content),) = sink.messages
    assert recipients == ["zhang@example.com"] and first in content
    assert rt.mail.run()["sent"] == 0  # nothing twice
    smtp.stop()
    second = replied(rt.app, Staff())["tracking_no"]
    rt.catch_up_all()
    assert rt.mail.run()["retry"] == 1
    assert not any(rt.mail.run().values())  # waits for its retry time
    smtp.start()
    clock.advance(minutes=2)
    assert rt.mail.run()["sent"] == 1
    assert [second in content for _, content in sink.messages] == [False, True]
    rt.updater("notifications").rebuild()  # the outbox is rebuilt; what was sent stays sent
    assert rt.mail.run()["sent"] == 0 and len(sink.messages) == 2
    assert rt.mail.stuck() == 0


def test_without_smtp_nothing_is_sent(make_settings, make_runtime, database_url):
    rt = make_runtime(make_settings(database_url))
    replied(rt.app, Staff())
    rt.catch_up_all()
    assert rt.mail.run() == {"skipped": "SMTP_HOST is not set"}


def _sending(make_settings, make_runtime, database_url, smtp, **extra):
    return make_runtime(make_settings(database_url, smtp_host="127.0.0.1", smtp_port=smtp.port,
                                      smtp_from="minyi@example.gov.cn", **extra))


def _account(app, username, roles, department=None, email=None):
    app.register_staff(username=username, display_name=username, password_hash="x",
                       roles=list(roles), department=department, actor=Staff().admin)
    if email:
        app.set_staff_email(username, email, Staff().admin)


def test_staff_notices_go_to_the_accounts_of_their_audience_and_the_duty_mailbox(
        make_settings, make_runtime, database_url, smtp):
    rt = _sending(make_settings, make_runtime, database_url, smtp,
                  site_url="https://gov.example.cn/")
    app, admin = rt.app, Staff().admin
    _account(app, "yq1", ["opinion"], email="yq1@example.gov.cn")
    _account(app, "yq2", ["opinion"])  # no address: console only
    _account(app, "zj1", ["handler"], "区住建局", email="zj1@example.gov.cn")
    _account(app, "jt1", ["handler"], "区交运局", email="jt1@example.gov.cn")
    app.set_department_mailbox("区住建局", "zjj-duty@example.gov.cn", admin)
    opinion = Actor("yq1", ("opinion",))
    incident = app.open_incident(opinion, title="某小区燃气泄漏", level="II")
    rt.catch_up_all()
    assert rt.mail.run()["sent"] == 1
    ((to, content),) = smtp.sink.messages
    assert to == ["yq1@example.gov.cn"] and "燃气泄漏" in content
    assert f"https://gov.example.cn/staff/incidents/{incident.incident_no}" in content
    app.act("incidents", incident.incident_no, "assign", opinion,
            handling_department="区住建局", response_department="区交运局")
    rt.catch_up_all()
    assert rt.mail.run()["sent"] == 2  # 请处置 to one department, 请做好回应 to the other
    assert sorted(to for to, _ in smtp.sink.messages[1:]) == [
        ["jt1@example.gov.cn"], ["zj1@example.gov.cn", "zjj-duty@example.gov.cn"]]
    assert rt.mail.run()["sent"] == 0


def test_old_messages_are_not_sent_when_mail_is_configured_late(
        make_settings, make_runtime, database_url, clock, smtp):
    rt = _sending(make_settings, make_runtime, database_url, smtp)
    replied(rt.app, Staff())
    rt.catch_up_all()
    clock.advance(hours=73)
    assert rt.mail.run()["sent"] == 0 and smtp.sink.messages == []


def test_a_lost_query_code_is_replaced_by_mail_to_the_address_given(
        make_settings, make_runtime, database_url, clock, smtp):
    rt = _sending(make_settings, make_runtime, database_url, smtp)
    app = rt.app
    receipt = submit(app)
    no, old = receipt["tracking_no"], receipt["query_code"]
    app.recover_query_code(no, "someone@else.com")  # not the address given: nothing
    app.recover_query_code("LY20000101000000", "zhang@example.com")  # unknown: nothing
    rt.catch_up_all()
    assert rt.mail.run()["sent"] == 0
    app.recover_query_code(no, " Zhang@Example.com ")
    app.recover_query_code(no, "zhang@example.com")  # within 10 minutes: nothing more
    rt.catch_up_all()
    assert rt.mail.run()["sent"] == 1
    ((to, content),) = smtp.sink.messages
    assert to == ["zhang@example.com"]
    code = content.split("新的查询码是：")[1][:10]
    assert app.comment_for_citizen(no, code).tracking_no == no
    with pytest.raises(Exception):
        app.comment_for_citizen(no, old)  # the old code no longer works
    assert code not in str(rt.views.query("SELECT * FROM outbox"))
    # Two requests before the sender runs: only the newest code is sent.
    clock.advance(minutes=11)
    app.recover_query_code(no, "zhang@example.com")
    clock.advance(minutes=11)
    app.recover_query_code(no, "zhang@example.com")
    rt.catch_up_all()
    assert rt.mail.run() == {"sent": 1, "retry": 0, "failed": 0, "no_address": 0,
                             "superseded": 1}
    newest = smtp.sink.messages[-1][1].split("新的查询码是：")[1][:10]
    assert app.comment_for_citizen(no, newest).tracking_no == no
