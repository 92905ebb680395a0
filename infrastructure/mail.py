"""Delivering the outbox (infrastructure/views/notifications.py) by e-mail.

The outbox is a read model and can be rebuilt; what was sent is kept beside it in
`minyi_outbox_sent`, which no rebuild touches, so a message is never sent twice. Each
message is claimed ("sending") before it goes out and marked "sent" after: a failure the
SMTP server reports is retried with back-off (RETRY_DELAYS) up to MAX_ATTEMPTS times,
while a send interrupted by a crash stays "sending" and is not retried (at most once;
/metrics counts such messages). The recipient's address is read from the item itself,
where it is encrypted at rest, at the moment of sending.
"""

import logging
import smtplib
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.message import EmailMessage
from email.utils import make_msgid

log = logging.getLogger(__name__)

SENT = "minyi_outbox_sent"
SENT_DDL = (f"CREATE TABLE IF NOT EXISTS {SENT} (id TEXT PRIMARY KEY, status TEXT NOT NULL, "
            "attempts INTEGER NOT NULL, next_attempt_at TEXT, sent_at TEXT, last_error TEXT)")
RETRY_DELAYS = (60, 300, 900, 3600, 3600 * 6)  # seconds after the 1st, 2nd, ... failure
MAX_ATTEMPTS = len(RETRY_DELAYS) + 1


@dataclass(frozen=True)
class SmtpSettings:
    host: str = ""
    port: int = 25
    user: str = ""
    password: str = ""
    sender: str = "minyi@localhost"
    starttls: bool = False
    timeout: float = 10.0


class MailSender:
    def __init__(self, app, store, settings: SmtpSettings):
        self.app, self.store, self.settings = app, store, settings

    def due(self, now: datetime, limit: int = 100) -> list[dict]:
        """Outbox messages never tried, or whose retry time has come."""
        self.store.run([SENT_DDL])
        return self.store.query(
            f"SELECT o.id, o.item_kind, o.item_no, o.subject, o.body, s.attempts "
            f"FROM outbox o LEFT JOIN {SENT} s ON s.id = o.id "
            "WHERE s.id IS NULL OR (s.status = 'retry' AND s.next_attempt_at <= :now) "
            "ORDER BY o.created_at LIMIT :limit", {"now": now.isoformat(), "limit": limit})

    def run(self) -> dict:
        """Send what is due; returns counts by outcome. Without SMTP_HOST nothing is sent."""
        if not self.settings.host:
            return {"skipped": "SMTP_HOST is not set"}
        now, counts = self.app.clock(), {"sent": 0, "retry": 0, "failed": 0, "no_address": 0}
        for message in self.due(now):
            attempts = (message["attempts"] or 0) + 1
            if not self._claim(message["id"], attempts, message["attempts"] is not None):
                continue  # another sender took it
            address = self._address(message)
            if not address:
                self._mark(message["id"], "no_address", attempts)
                counts["no_address"] += 1
                continue
            try:
                self._send(address, message)
            except (smtplib.SMTPException, OSError) as e:
                outcome = "failed" if attempts >= MAX_ATTEMPTS else "retry"
                delay = RETRY_DELAYS[min(attempts, len(RETRY_DELAYS)) - 1]
                self._mark(message["id"], outcome, attempts, error=str(e)[:500],
                           next_at=now + timedelta(seconds=delay))
                counts[outcome] += 1
                log.warning("mail %s: %s (attempt %s)", message["id"], e, attempts)
                continue
            self._mark(message["id"], "sent", attempts, sent_at=self.app.clock())
            counts["sent"] += 1
        return counts

    def _claim(self, message_id: str, attempts: int, known: bool) -> bool:
        """Mark the message as being sent; False if another sender claimed it first."""
        if known:
            return self.store.execute_count(
                f"UPDATE {SENT} SET status = 'sending', attempts = :n WHERE id = :id AND "
                "status = 'retry'", {"id": message_id, "n": attempts}) == 1
        return self.store.execute_count(
            f"INSERT INTO {SENT} (id, status, attempts) VALUES (:id, 'sending', :n) "
            "ON CONFLICT (id) DO NOTHING", {"id": message_id, "n": attempts}) == 1

    def _mark(self, message_id: str, status: str, attempts: int, *, error: str | None = None,
              next_at: datetime | None = None, sent_at: datetime | None = None) -> None:
        self.store.execute(
            f"UPDATE {SENT} SET status = :s, attempts = :n, last_error = :e, "
            "next_attempt_at = :next, sent_at = :sent WHERE id = :id",
            {"id": message_id, "s": status, "n": attempts, "e": error,
             "next": next_at.isoformat() if next_at else None,
             "sent": sent_at.isoformat() if sent_at else None})

    def _address(self, message: dict) -> str | None:
        try:
            item = self.app.get_item(message["item_kind"], message["item_no"])
        except Exception:  # noqa: BLE001 - an item that cannot be read has no address
            return None
        return (getattr(item, "contact", None) or {}).get("email")

    def _send(self, address: str, message: dict) -> None:
        s = self.settings
        mail = EmailMessage()
        mail["From"], mail["To"], mail["Subject"] = s.sender, address, message["subject"]
        domain = s.sender.rpartition("@")[2] or "localhost"
        mail["Message-ID"] = make_msgid(idstring=message["id"].replace(":", "."), domain=domain)
        mail.set_content(message["body"])
        with smtplib.SMTP(s.host, s.port, timeout=s.timeout) as smtp:
            if s.starttls:
                smtp.starttls()
            if s.user:
                smtp.login(s.user, s.password)
            smtp.send_message(mail)

    def stuck(self) -> int:
        """Messages left "sending" by an interrupted send (not retried: at most once)."""
        self.store.run([SENT_DDL])
        return self.store.query(f"SELECT COUNT(*) AS n FROM {SENT} WHERE status = 'sending'",
                                {})[0]["n"]
