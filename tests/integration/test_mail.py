"""E-mail from the outbox to a local SMTP sink (aiosmtpd): delivered once, retried with
back-off while the server is down, never sent twice, not even after a rebuild."""

import socket
from email import message_from_bytes
from email.policy import default
from datetime import timedelta

import pytest
from aiosmtpd.controller import Controller

from tests.support import Staff, replied


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
    assert rt.mail.run() == {"sent": 0, "retry": 0, "failed": 0, "no_address": 0}  # waits
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
