"""Delivering the outbox (infrastructure/views/notifications.py) by e-mail.

The outbox is a read model and can be rebuilt; what was sent is kept beside it in
`minyi_outbox_sent`, which no rebuild touches, so a message is never sent twice. Each
message is claimed ("sending") before it goes out and marked "sent" after: a failure the
SMTP server reports is retried with back-off (RETRY_DELAYS) up to MAX_ATTEMPTS times,
while a send interrupted by a crash stays "sending" and is not retried (at most once;
/metrics counts such messages). Addresses are read at the moment of sending: a citizen's
from the item itself, where it is encrypted at rest; for a staff notice, those of the
active accounts in its audience (a role or a department) and the department's duty
mailbox. A message never tried within `max_age` of its event (SMTP was not configured, or
down for days) is not sent: a stale deadline warning helps nobody.
"""

import hashlib
import json
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
    max_age_hours: int = 72
    site_url: str = ""  # the console's address, for links in staff notices


class MailSender:
    def __init__(self, app, store, settings: SmtpSettings):
        self.app, self.store, self.settings = app, store, settings

    def due(self, now: datetime, limit: int = 100) -> list[dict]:
        """Outbox messages never tried (and not too old), or whose retry time has come."""
        self.store.run([SENT_DDL])
        oldest = now - timedelta(hours=self.settings.max_age_hours)
        return self.store.query(
            f"SELECT o.id, o.item_kind, o.item_no, o.subject, o.body, o.audience, o.kind, "
            f"s.attempts FROM outbox o LEFT JOIN {SENT} s ON s.id = o.id "
            "WHERE (s.id IS NULL AND o.created_at >= :oldest) "
            "OR (s.status = 'retry' AND s.next_attempt_at <= :now) "
            "ORDER BY o.created_at LIMIT :limit",
            {"now": now.isoformat(), "oldest": oldest.isoformat(), "limit": limit})

    def run(self) -> dict:
        """Send what is due; returns counts by outcome. Without SMTP_HOST nothing is sent."""
        if not self.settings.host:
            return {"skipped": "SMTP_HOST is not set"}
        now = self.app.clock()
        counts = {"sent": 0, "retry": 0, "failed": 0, "no_address": 0, "superseded": 0}
        for message in self.due(now):
            attempts = (message["attempts"] or 0) + 1
            if not self._claim(message["id"], attempts, message["attempts"] is not None):
                continue  # another sender took it
            addresses = self._addresses(message)
            if not addresses:
                self._mark(message["id"], "no_address", attempts)
                counts["no_address"] += 1
                continue
            body = self._body(message)
            if body is None:
                self._mark(message["id"], "superseded", attempts)
                counts["superseded"] += 1
                continue
            try:
                self._send(addresses, message, body)
            except (smtplib.SMTPException, OSError, UnicodeError) as e:
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

    def _addresses(self, message: dict) -> list[str]:
        if message["audience"]:
            return self.staff_addresses(message["audience"])
        try:
            item = self.app.get_item(message["item_kind"], message["item_no"])
        except Exception:  # noqa: BLE001 - an item that cannot be read has no address
            return []
        email = (getattr(item, "contact", None) or {}).get("email")
        return [email] if email else []

    def staff_addresses(self, audience: str) -> list[str]:
        """The e-mail of each active account in a role or department, and its mailbox."""
        scope, _, name = audience.partition(":")
        rows = self.store.query("SELECT username, roles, department FROM staff "
                                "WHERE active = 1 ORDER BY username")
        usernames = [r["username"] for r in rows if (
            name in json.loads(r["roles"]) if scope == "role" else r["department"] == name)]
        addresses = []
        for username in usernames:
            try:
                addresses.append(self.app.get_staff(username).email)
            except Exception:  # noqa: BLE001 - an account that cannot be read gets nothing
                continue
        if scope == "dept":
            try:
                addresses.append(self.app.get_department(name).mailbox)
            except Exception:  # noqa: BLE001
                pass
        return sorted({a for a in addresses if a})

    def _body(self, message: dict) -> str | None:
        """The text to send; None when a newer message makes this one wrong to send."""
        body = message["body"]
        if message["audience"] and self.settings.site_url:
            body += (f"\n{self.settings.site_url.rstrip('/')}/staff/"
                     f"{message['item_kind']}/{message['item_no']}")
        if message["kind"] == "query_code":
            version = int(message["id"].rpartition(":")[2])
            code = self.app.recovered_query_code(message["item_no"], version)
            try:
                self.app.comment_for_citizen(message["item_no"], code)
            except Exception:  # noqa: BLE001 - the code was replaced again since
                return None
            body = body.replace("{query_code}", code)
        return body

    def _send(self, addresses: list[str], message: dict, body: str) -> None:
        s = self.settings
        mail = EmailMessage()
        mail["From"], mail["Subject"] = s.sender, message["subject"]
        mail["To"] = ", ".join(addresses)
        domain = s.sender.rpartition("@")[2] or "localhost"
        idstring = hashlib.sha256(message["id"].encode()).hexdigest()[:24]  # ASCII, stable
        mail["Message-ID"] = make_msgid(idstring=idstring, domain=domain)
        mail.set_content(body)
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
