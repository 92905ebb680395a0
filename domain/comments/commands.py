"""Commands of portal comments that are not staff actions: the citizen's side."""

import hashlib
import hmac
import json
import secrets
from datetime import datetime

from ..actors import CITIZEN_ACTOR
from ..errors import AuthenticationError, ConflictError, NotFoundError
from ..numbering import random_code
from .aggregate import MIN_CONTENT, Comment
from .photos import check_photo_count, photo_reference
from .workflow import COMMENTS

QUERY_CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
TRACKING_PREFIX = "LY"
WRONG_NUMBER_OR_CODE = "留言编号或查询码不正确"


class CommentCommands:
    """Mixed into the application: submit, look up with the query code, rate."""

    def submit_comment(self, *, title: str, content: str, kind: str, category: str,
                       department: str | None = None, name: str | None = None,
                       phone: str | None = None, email: str | None = None,
                       publish: bool = True, channel: str = "portal", area: str | None = None,
                       address: str = "", client: str | None = None,
                       fold_seconds: int = 0, photos: list | None = None,
                       min_content: int = MIN_CONTENT) -> dict:
        """Record a new comment; returns its tracking number and one-time query code.

        `min_content`: the portal asks citizens to say what happened (a minimum length);
        the Open311 interface follows GeoReport v2, whose description has none (1).

        With `client` (the sender's address) and `fold_seconds`, an identical submission
        from the same client within that time folds into the first: the same receipt
        comes back, with "duplicate": True, and nothing is recorded. The number and code
        are then derived from a keyed digest of the client and the text and the time
        window, so the event store's own uniqueness finds the first — no other store.

        `photos`: references to files already stored (domain/comments/photos.py); they are
        recorded with the submission, in the same save. A folded repeat records none (its
        photos' digests are part of what must be identical).
        """
        area, address = area or None, (address or "").strip()
        Comment.validate_submission(title, content, kind, category, area, address,
                                    categories=self.categories(), min_content=min_content)
        photos = [photo_reference(p) for p in photos or ()]
        check_photo_count(photos)
        if department:
            self.require_department(department)
        contact = {k: v for k, v in (("name", name), ("phone", phone), ("email", email)) if v}
        now = self.clock()
        values = dict(title=title, content=content, kind=kind, category=category,
                      requested_department=department or None, contact=contact,
                      publish=publish, channel=channel, area=area, address=address)
        if client is not None and fold_seconds > 0:
            folded = self._submit_folding(values, client, fold_seconds, now, photos)
            if folded is not None:
                return folded
        code = random_code(QUERY_CODE_ALPHABET, 10)
        for _ in range(5):
            tracking_no = self._new_tracking_no(now)
            try:
                self._save_submission(values, tracking_no, code, now, photos=photos)
            except ConflictError:
                continue  # tracking number collision: draw another
            return {"tracking_no": tracking_no, "query_code": code, "submitted_at": now,
                    "duplicate": False}
        raise ConflictError("暂时无法生成留言编号，请重试")

    def _save_submission(self, values: dict, tracking_no: str, code: str, now: datetime,
                         fingerprint: str | None = None, photos: list = ()) -> None:
        comment = Comment.submit(tracking_no=tracking_no, **values,
                                 query_code_hash=self._hash_code(tracking_no, code),
                                 fingerprint=fingerprint, actor=CITIZEN_ACTOR.id, at=now)
        if photos:
            comment.attach_photos(photos=photos, actor=CITIZEN_ACTOR.id, at=now)
        self.save(comment)

    def _submit_folding(self, values: dict, client: str, window: int,
                        now: datetime, photos: list = ()) -> dict | None:
        """The first receipt if this is a repeat, else a new comment numbered from its
        fingerprint; None when that number is taken by another comment (then the caller
        draws a random one)."""
        same = [client, values]
        if photos:  # the same photos too (by content: their storage keys are new each time)
            same.append([p["sha256"] for p in photos])
        canonical = json.dumps(same, sort_keys=True, ensure_ascii=False)
        fingerprint = hmac.new(self.query_code_key, b"fold:" + canonical.encode(),
                               hashlib.sha256).hexdigest()
        bucket = int(now.timestamp()) // window
        # A repeat a moment after a window turned over still finds the first.
        buckets = (bucket, bucket - 1) if now.timestamp() % window < 60 else (bucket,)
        for b in buckets[1:]:
            first = self._repeat_of(fingerprint, b, now)
            if first is not None:
                return first
        tracking_no, code = self._folded_receipt(fingerprint, bucket, now)
        try:
            self._save_submission(values, tracking_no, code, now, fingerprint, photos)
        except ConflictError:
            return self._repeat_of(fingerprint, bucket, now)
        return {"tracking_no": tracking_no, "query_code": code, "submitted_at": now,
                "duplicate": False}

    def _folded_receipt(self, fingerprint: str, bucket: int, now: datetime) -> tuple:
        digest = hmac.new(self.query_code_key, f"{fingerprint}:{bucket}".encode(),
                          hashlib.sha256).digest()
        number = int.from_bytes(digest[:8], "big") % 10**6
        date = self.local_date(now)  # (a repeat across midnight is not folded)
        code = "".join(QUERY_CODE_ALPHABET[b % len(QUERY_CODE_ALPHABET)] for b in digest[8:18])
        return f"{TRACKING_PREFIX}{date:%Y%m%d}{number:06d}", code

    def _repeat_of(self, fingerprint: str, bucket: int, now: datetime) -> dict | None:
        tracking_no, code = self._folded_receipt(fingerprint, bucket, now)
        try:
            first = self.get_comment(tracking_no)
        except NotFoundError:
            return None
        if first.fingerprint != fingerprint:
            return None  # the number belongs to another comment
        return {"tracking_no": tracking_no, "query_code": code,
                "submitted_at": first.submitted_at, "duplicate": True}

    def _new_tracking_no(self, now: datetime) -> str:
        return f"{TRACKING_PREFIX}{self.local_date(now):%Y%m%d}{secrets.randbelow(10**6):06d}"

    def _hash_code(self, tracking_no: str, code: str) -> str:
        message = f"{tracking_no}:{code.strip().upper()}".encode()
        return hmac.new(self.query_code_key, message, hashlib.sha256).hexdigest()

    def get_comment(self, tracking_no: str) -> Comment:
        """The comment aggregate (for the application and its adapters only)."""
        return self.get_item(COMMENTS.kind, tracking_no)

    def comment_for_citizen(self, tracking_no: str, query_code: str) -> Comment:
        """The comment, if the query code matches; otherwise an authentication error, the
        same for an unknown number as for a wrong code (numbers cannot be enumerated)."""
        expected = self._hash_code(tracking_no, query_code or "")
        try:
            comment = self.get_comment(tracking_no)
        except NotFoundError:
            raise AuthenticationError(WRONG_NUMBER_OR_CODE) from None
        if not hmac.compare_digest(comment.query_code_hash, expected):
            raise AuthenticationError(WRONG_NUMBER_OR_CODE)
        return comment

    def recover_query_code(self, tracking_no: str, email: str) -> None:
        """Send a new query code to the e-mail the citizen gave with the comment.

        Says nothing about whether the number or the address matched (no enumeration):
        a mismatch, an unknown number or a request within 10 minutes of the last does
        nothing. The new code is derived from the secret key and the event's version, so
        neither the event nor the outbox holds it; the mail sender derives it again.
        """
        try:
            comment = self.get_comment(tracking_no)
        except NotFoundError:
            return
        now = self.clock()
        if not comment.may_reset_query_code(email or "", now):
            return
        code = self.recovered_query_code(tracking_no, comment.version + 1)
        comment.reset_query_code(query_code_hash=self._hash_code(tracking_no, code),
                                 actor=CITIZEN_ACTOR.id, at=now)
        try:
            self.save(comment)
        except ConflictError:
            pass  # the comment moved on meanwhile: the citizen may simply ask again

    def recovered_query_code(self, tracking_no: str, version: int) -> str:
        """The query code a QueryCodeReset at `version` set (for the mail sender)."""
        digest = hmac.new(self.query_code_key, f"reset:{tracking_no}:{version}".encode(),
                          hashlib.sha256).digest()
        return "".join(QUERY_CODE_ALPHABET[b % len(QUERY_CODE_ALPHABET)] for b in digest[:10])

    def rate_reply(self, tracking_no: str, query_code: str, level: str, remark: str = "",
                   reasons=()) -> None:
        """好差评 by the citizen who holds the query code."""
        self.rate_comment(self.comment_for_citizen(tracking_no, query_code), level, remark,
                          reasons)

    def rate_comment(self, comment: Comment, level: str, remark: str = "",
                     reasons=()) -> None:
        """好差评 on a comment whose citizen the caller has verified (the query code, or a
        session that showed it): see `comment_for_citizen`."""
        comment.rate(level=level, remark=remark[:500], reasons=tuple(reasons),
                     actor=CITIZEN_ACTOR.id, at=self.clock())
        self.save(comment)
