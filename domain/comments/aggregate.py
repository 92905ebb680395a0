"""The portal Comment aggregate: its whole lifecycle, from submission to closing."""

from datetime import date, datetime, timedelta
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import event

from ..errors import IllegalTransitionError, InvalidValueError
from ..masking import mask_personal_data, masker
from ..oversight import Overseen
from ..reference import (AREAS, BAD_RATINGS, CATEGORIES, KINDS, RATINGS, REJECT_REASONS,
                         SATISFIED_RATINGS)
from ..topics import pin_topics
from .photos import check_photo_count, photo_reference
from .states import STATUS_LABELS, Status

MAX_TITLE = 100
MIN_CONTENT = 10  # characters of content at least: a comment must say what it is about
MAX_CONTENT = 3000
MAX_PUBLIC_NOTE = 500

# Reason tags a citizen may tick with a bad rating (差评); recorded in the Rated event and
# shown to staff, so a reviewer verifying the 差评 sees what was wrong at a glance.
RATING_REASONS = ("问题未解决", "答非所问", "办理拖延", "态度不好", "与事实不符", "其他")
MAX_REPLY = 5000
MAX_ADDRESS = 200

# The department holds the item and is answering it: before the reply is published.
ANSWERING = (Status.DISPATCHED, Status.DRAFTED)


def comment_id(tracking_no: str) -> UUID:
    """The aggregate id that belongs to a tracking number (one number, one comment)."""
    return uuid5(NAMESPACE_URL, f"minyi:comment:{tracking_no}")


@pin_topics("comments", legacy_module="domain.comment")
class Comment(Overseen):
    """A citizen's comment on the portal, from submission to closing."""

    @staticmethod
    def create_id(tracking_no: str, **_) -> UUID:
        return comment_id(tracking_no)

    @classmethod
    def submit(cls, *, title: str, content: str, **values) -> "Comment":
        """A new comment; the public wording (personal data masked) is decided here, once.
        The name, phone and e-mail the citizen gave are masked wherever they appear."""
        mask = masker(known=tuple((values.get("contact") or {}).values()))
        return cls(title=title, content=content, public_title=mask(title),
                   public_content=mask(content), **values)

    @event("Submitted")
    def __init__(
        self, tracking_no: str, title: str, content: str, public_title: str,
        public_content: str, kind: str, category: str,
        requested_department: str | None, contact: dict, publish: bool,
        query_code_hash: str, channel: str, actor: str, at: datetime,
        area: str | None = None, address: str = "", fingerprint: str | None = None,
    ):
        self.tracking_no = tracking_no
        # A keyed digest of the client and the text: an identical submission soon after
        # folds into this one (CommentCommands.submit_comment).
        self.fingerprint = fingerprint
        self.area = area  # a township or street: public
        self.address = address  # free text: staff only, never published
        self.title, self.content = title, content
        self.kind, self.category = kind, category
        self.requested_department = requested_department
        self.contact = contact
        self.publish = publish
        self.query_code_hash = query_code_hash
        self.channel = channel
        self.submitted_at = at
        self.status = Status.SUBMITTED
        self.accepted_at: datetime | None = None
        self.due_date: date | None = None
        self.department: str | None = None
        self.reject_reason: str | None = None
        self.draft: str | None = None
        self.draft_department: str | None = None
        self.reply: str | None = None
        self.reply_department: str | None = None
        self.replied_at: datetime | None = None
        self.rating: str | None = None
        self.round = 1
        self.withheld = False
        self.public_title, self.public_content = public_title, public_content
        # None, "requested", "granted", "declined", or "lapsed": still pending when the
        # reply was published. A reopening starts a new round with no request.
        self.extension: str | None = None
        self.closed_at: datetime | None = None
        self.public_reply: str | None = None
        self.extension_days = 0

    fingerprint = None  # comments submitted before folding existed

    # --- validation helpers -------------------------------------------------

    @classmethod
    def validate_submission(cls, title: str, content: str, kind: str, category: str,
                            area: str | None = None, address: str = "",
                            categories: tuple = (), min_content: int = MIN_CONTENT) -> None:
        """Domain rules for a new comment, checked before anything is stored."""
        if area is not None and area not in AREAS:
            raise InvalidValueError(f"未知的镇街：{area}", field="area")
        if len(address or "") > MAX_ADDRESS:
            raise InvalidValueError(f"详细地址不超过{MAX_ADDRESS}字", field="address")
        if not title.strip() or len(title) > MAX_TITLE:
            raise InvalidValueError(f"标题不能为空且不超过{MAX_TITLE}字", field="title")
        if not content.strip() or len(content) > MAX_CONTENT:
            raise InvalidValueError(f"内容不能为空且不超过{MAX_CONTENT}字", field="content")
        if len(content.strip()) < min_content:
            raise InvalidValueError(f"留言内容至少{min_content}个字，请写明事情经过和诉求",
                                    field="content")
        if kind not in KINDS:
            raise InvalidValueError(f"未知的留言类型：{kind}", field="kind")
        if category not in (categories or CATEGORIES):
            raise InvalidValueError(f"未知的分类：{category}", field="category")

    def _require(self, action: str, *states: str) -> None:
        if self.status not in states:
            raise IllegalTransitionError(
                f"当前状态为“{STATUS_LABELS[self.status]}”，不能{action}",
                status=self.status, action=action,
            )

    @property
    def number(self) -> str:
        """The number staff and the citizen know the item by."""
        return self.tracking_no

    @property
    def is_public(self) -> bool:
        """Shown on the public listing: accepted, consented, not withheld, reply published."""
        return self.publish and not self.withheld and self.replied_at is not None

    @property
    def rating_is_bad(self) -> bool:
        return self.rating in BAD_RATINGS

    # --- review --------------------------------------------------------------

    def accept(self, *, due_date: date, actor: str, at: datetime) -> None:
        """受理: the receipt date starts the working-day clock."""
        self._require("受理", Status.SUBMITTED)
        self._accepted(due_date=due_date, actor=actor, at=at)

    @event("Accepted")
    def _accepted(self, due_date: date, actor: str, at: datetime) -> None:
        self.status, self.accepted_at, self.due_date = Status.ACCEPTED, at, due_date

    def reject(self, *, reason: str, note: str, actor: str, at: datetime,
               public_note: str = "") -> None:
        """不予受理 with one of the standard reasons. `note` stays with staff; `public_note`
        is shown to the citizen on the follow page, in its public wording (masked)."""
        self._require("不予受理", Status.SUBMITTED)
        if reason not in REJECT_REASONS:
            raise InvalidValueError(f"未知的不予受理理由：{reason}", field="reason")
        if len(public_note or "") > MAX_PUBLIC_NOTE:
            raise InvalidValueError(f"告知留言人的说明不超过{MAX_PUBLIC_NOTE}字",
                                    field="public_note")
        public_note = self.public_wording(public_note.strip()) if public_note else ""
        self._rejected(reason=reason, note=note, public_note=public_note, actor=actor, at=at)

    @event("Rejected")
    def _rejected(self, reason: str, note: str, actor: str, at: datetime,
                  public_note: str = "") -> None:
        self.status, self.reject_reason = Status.REJECTED, reason
        self.reject_public_note = public_note

    reject_public_note = ""  # comments rejected before the note to the citizen existed
    rating_reasons = ()  # comments rated before reason tags existed

    # --- routing -------------------------------------------------------------

    def dispatch(self, *, department: str, actor: str, at: datetime) -> None:
        """交办 to a department, which must answer by the due date."""
        self._require("交办", Status.ACCEPTED)
        self._dispatched(department=department, actor=actor, at=at)

    @event("Dispatched")
    def _dispatched(self, department: str, actor: str, at: datetime) -> None:
        self.status, self.department = Status.DISPATCHED, department

    def transfer(self, *, department: str, reason: str, actor: str, at: datetime) -> None:
        """转办 to another department; the deadline runs on."""
        self._require("转办", Status.DISPATCHED)
        if department == self.department:
            raise InvalidValueError("转办单位与当前承办单位相同", field="department")
        self._transferred(from_department=self.department, department=department,
                          reason=reason, actor=actor, at=at)

    @event("Transferred")
    def _transferred(self, from_department: str, department: str, reason: str,
                     actor: str, at: datetime) -> None:
        self.department, self.draft, self.saved_draft = department, None, None

    def return_to_reviewer(self, *, reason: str, actor: str, at: datetime) -> None:
        """退单: the department says it was wrongly dispatched."""
        self._require("退单", Status.DISPATCHED)
        if not reason.strip():
            raise InvalidValueError("退单须说明理由", field="reason")
        self._returned(department=self.department, reason=reason, actor=actor, at=at)

    @event("Returned")
    def _returned(self, department: str, reason: str, actor: str, at: datetime) -> None:
        self.status, self.department, self.draft = Status.ACCEPTED, None, None
        self.saved_draft = None

    # --- reply ---------------------------------------------------------------

    def draft_reply(self, *, content: str, actor: str, at: datetime) -> None:
        """The department drafts (or redrafts) its reply."""
        self._require("拟写答复", Status.DISPATCHED, Status.DRAFTED)
        if not content.strip() or len(content) > MAX_REPLY:
            raise InvalidValueError(f"答复内容不能为空且不超过{MAX_REPLY}字", field="content")
        self._reply_drafted(content=content, department=self.department, actor=actor, at=at)

    @event("ReplyDrafted")
    def _reply_drafted(self, content: str, department: str, actor: str, at: datetime) -> None:
        self.status, self.draft, self.draft_department = Status.DRAFTED, content, department
        self.saved_draft = None

    saved_draft = None  # a draft the department keeps working on (not yet sent to 审签)

    def save_draft(self, *, content: str, actor: str, at: datetime) -> None:
        """保存草稿: the department keeps its unfinished reply without sending it to 审签;
        the item stays with the department and nothing is shown to the citizen."""
        self._require("保存草稿", Status.DISPATCHED)
        if not content.strip() or len(content) > MAX_REPLY:
            raise InvalidValueError(f"草稿内容不能为空且不超过{MAX_REPLY}字", field="content")
        self._draft_saved(content=content, department=self.department, actor=actor, at=at)

    @event("DraftSaved")
    def _draft_saved(self, content: str, department: str, actor: str, at: datetime) -> None:
        self.saved_draft = content

    @property
    def working_draft(self) -> str | None:
        """What the reply form starts with: the saved draft, else the last one sent."""
        return self.saved_draft or self.draft

    def send_back_reply(self, *, reason: str, actor: str, at: datetime) -> None:
        """The reviewer does not sign the draft and sends it back."""
        self._require("退回答复", Status.DRAFTED)
        self._reply_sent_back(reason=reason, actor=actor, at=at)

    @event("ReplySentBack")
    def _reply_sent_back(self, reason: str, actor: str, at: datetime) -> None:
        self.status = Status.DISPATCHED

    def approve_reply(self, *, actor: str, at: datetime, keep: tuple = ()) -> None:
        """审签: the draft becomes the published reply, dated today. Personal data is masked,
        the citizen's own contact details wherever they appear; the departments' registered
        official numbers (`keep`) stay visible."""
        self._require("审签", Status.DRAFTED)
        self._reply_published(content=self.draft, department=self.draft_department,
                              public_content=self.public_wording(self.draft, keep),
                              actor=actor, at=at)

    def public_wording(self, text: str, keep: tuple = ()) -> str:
        """`text` as it would be published: what the reviewer previews before approving."""
        return mask_personal_data(text, known=tuple((self.contact or {}).values()), keep=keep)

    @event("ReplyPublished")
    def _reply_published(self, content: str, department: str, public_content: str,
                         actor: str, at: datetime) -> None:
        self.status = Status.REPLIED
        self.reply, self.reply_department, self.replied_at = content, department, at
        self.public_reply = public_content
        self.rating = None
        # The reply came before a decision on the extension: the request lapses. Derived
        # here, not stored in the event, so every ReplyPublished ever recorded replays so.
        if self.extension == "requested":
            self.extension = "lapsed"

    # --- the citizen's query code ---------------------------------------------

    CODE_RESET_INTERVAL = timedelta(minutes=10)

    def may_reset_query_code(self, email: str, at: datetime) -> bool:
        """A new code is sent only to the e-mail the citizen gave, at most every 10 minutes."""
        given = (self.contact or {}).get("email") or ""
        last = getattr(self, "code_reset_at", None)
        return bool(given) and given.strip().casefold() == email.strip().casefold() and (
            last is None or at - last >= self.CODE_RESET_INTERVAL)

    @event("QueryCodeReset")
    def reset_query_code(self, query_code_hash: str, actor: str, at: datetime) -> None:
        """A new query code replaces the old one (the code itself is only e-mailed)."""
        self.query_code_hash = query_code_hash
        self.code_reset_at = at

    # --- rating and after ----------------------------------------------------

    def rate(self, *, level: str, remark: str, at: datetime, actor: str,
             reasons=()) -> None:
        """好差评 by the citizen, once per reply; a good rating closes the item. A 差评 may
        carry reason tags from RATING_REASONS (kept in their fixed order)."""
        self._require("评价", Status.REPLIED)
        if level not in RATINGS:
            raise InvalidValueError(f"未知的评价等级：{level}", field="rating")
        unknown = [r for r in reasons if r not in RATING_REASONS]
        if unknown:
            raise InvalidValueError(f"未知的差评原因：{'、'.join(unknown)}", field="reasons")
        if reasons and level not in BAD_RATINGS:
            raise InvalidValueError("只有差评可以选择原因", field="reasons")
        if self.rating is not None:
            raise IllegalTransitionError("本次答复已评价", action="评价")
        self._rated(level=level, remark=remark, closes=level in SATISFIED_RATINGS,
                    reasons=[r for r in RATING_REASONS if r in reasons], actor=actor, at=at)

    @event("Rated")
    def _rated(self, level: str, remark: str, closes: bool, actor: str, at: datetime,
               reasons: list | None = None) -> None:
        self.rating = level
        self.rating_reasons = list(reasons or ())
        if closes:
            self.status, self.closed_at = Status.CLOSED, at

    def reopen(self, *, reason: str, due_date: date, actor: str, at: datetime) -> None:
        """A verified 差评 sends the item back to its department for rectification."""
        self._require("重新办理", Status.REPLIED, Status.CLOSED)
        if not self.rating_is_bad:
            raise IllegalTransitionError("只有差评可以重新办理", action="重新办理")
        self._reopened(reason=reason, due_date=due_date, department=self.reply_department,
                       actor=actor, at=at)

    @event("Reopened")
    def _reopened(self, reason: str, due_date: date, department: str,
                  actor: str, at: datetime) -> None:
        self.status, self.department, self.due_date = Status.DISPATCHED, department, due_date
        self.round += 1
        self.extension, self.closed_at, self.draft = None, None, None

    def close(self, *, note: str, actor: str, at: datetime) -> None:
        """办结 by a reviewer, e.g. an unrated reply or a 差评 found unfounded."""
        self._require("办结", Status.REPLIED)
        self._closed(note=note, actor=actor, at=at)

    @event("Closed")
    def _closed(self, note: str, actor: str, at: datetime) -> None:
        self.status, self.closed_at = Status.CLOSED, at

    # --- publication ---------------------------------------------------------

    def withhold(self, *, reason: str, actor: str, at: datetime) -> None:
        """不予公开: the item leaves the public listing."""
        if self.withheld:
            raise IllegalTransitionError("该留言已设为不予公开", action="不予公开")
        if self.status == Status.REJECTED:
            raise IllegalTransitionError("不予受理的留言不公开", action="不予公开")
        if not reason.strip():
            raise InvalidValueError("须说明不予公开的理由", field="reason")
        self._withheld(reason=reason, actor=actor, at=at)

    @event("Withheld")
    def _withheld(self, reason: str, actor: str, at: datetime) -> None:
        self.withheld = True

    def release(self, *, actor: str, at: datetime) -> None:
        """Undo a withholding; the citizen's own choice still applies."""
        if not self.withheld:
            raise IllegalTransitionError("该留言未设为不予公开", action="恢复公开")
        if self.status == Status.REJECTED:  # withheld while waiting for review, then rejected
            raise IllegalTransitionError("不予受理的留言不公开", action="恢复公开")
        self._released(actor=actor, at=at)

    @event("Released")
    def _released(self, actor: str, at: datetime) -> None:
        self.withheld = False

    def redact(self, *, title: str, content: str, actor: str, at: datetime) -> None:
        """The reviewer edits the public wording of the question."""
        if self.status == Status.REJECTED:
            raise IllegalTransitionError("不予受理的留言不公开", action="编辑公开内容")
        if not title.strip() or not content.strip():
            raise InvalidValueError("公开标题和内容不能为空", field="content")
        if len(title) > MAX_TITLE:
            raise InvalidValueError(f"标题不超过{MAX_TITLE}字", field="title")
        if len(content) > MAX_CONTENT:
            raise InvalidValueError(f"内容不超过{MAX_CONTENT}字", field="content")
        self._redacted(title=self.public_wording(title), content=self.public_wording(content),
                       actor=actor, at=at)

    @event("Redacted")
    def _redacted(self, title: str, content: str, actor: str, at: datetime) -> None:
        self.public_title, self.public_content = title, content

    # --- photos (stored files; the events hold their references) ---------------

    photos = ()  # (references) none attached, or submitted before photos existed
    public_photos = frozenset()  # keys a reviewer published

    def attach_photos(self, *, photos: list, actor: str, at: datetime) -> None:
        """The photos sent with the comment (recorded in the same save as Submitted).
        They are staff-only until a reviewer publishes them."""
        if self.photos:
            raise IllegalTransitionError("照片须随留言一并提交", action="上传照片")
        check_photo_count(photos)
        refs = [photo_reference(p) for p in photos]
        if not refs or len({r["key"] for r in refs}) != len(refs):
            raise InvalidValueError("照片信息不正确", field="photos")
        self._photos_attached(tracking_no=self.tracking_no, photos=refs, actor=actor, at=at)

    @event("PhotosAttached")
    def _photos_attached(self, tracking_no: str, photos: list, actor: str,
                         at: datetime) -> None:
        self.photos = tuple(dict(p) for p in photos)

    @property
    def photo_keys(self) -> tuple:
        return tuple(p["key"] for p in self.photos)

    @property
    def photos_to_publish(self) -> bool:
        """Whether a reviewer could publish a photo now: one not yet public, on a comment
        the citizen agreed to publish and that was not rejected."""
        return (self.publish and self.status != Status.REJECTED
                and any(k not in self.public_photos for k in self.photo_keys))

    def publish_photos(self, *, keys: list, actor: str, at: datetime) -> None:
        """The reviewer makes some (none given: all) of the photos public. They appear
        with the comment only while its reply is on the public listing."""
        if self.status == Status.REJECTED:
            raise IllegalTransitionError("不予受理的留言不公开", action="公开照片")
        if not self.publish:
            raise IllegalTransitionError("网民不同意公开，照片不能公开", action="公开照片")
        if not self.photos:
            raise IllegalTransitionError("该留言没有照片", action="公开照片")
        unknown = [k for k in keys if k not in self.photo_keys]
        if unknown:
            raise InvalidValueError("所选照片不属于该留言", field="photos")
        chosen = [k for k in self.photo_keys
                  if (not keys or k in keys) and k not in self.public_photos]
        if not chosen:
            raise IllegalTransitionError("所选照片均已公开", action="公开照片")
        self._photos_published(photos=chosen, actor=actor, at=at)

    @event("PhotosPublished")
    def _photos_published(self, photos: list, actor: str, at: datetime) -> None:
        self.public_photos = self.public_photos | frozenset(photos)

    def withhold_photo(self, *, key: str, reason: str, actor: str, at: datetime) -> None:
        """The reviewer takes one published photo off the public pages again."""
        if key not in self.photo_keys:
            raise InvalidValueError("所选照片不属于该留言", field="photo")
        if key not in self.public_photos:
            raise IllegalTransitionError("该照片未公开", action="撤回照片公开")
        self._photo_withheld(photo=key, reason=reason, actor=actor, at=at)

    @event("PhotoWithheld")
    def _photo_withheld(self, photo: str, reason: str, actor: str, at: datetime) -> None:
        self.public_photos = self.public_photos - {photo}

    # --- extension -----------------------------------------------------------

    def request_extension(self, *, days: int, reason: str, today: date,
                          actor: str, at: datetime) -> None:
        """The department asks once, before expiry, for more working days."""
        self._require("申请延期", *ANSWERING)
        if self.extension is not None:
            raise IllegalTransitionError("每件留言只能申请一次延期", action="申请延期")
        if self.due_date is not None and today > self.due_date:
            raise IllegalTransitionError("已超期，不能再申请延期", action="申请延期")
        if days < 1 or not reason.strip():
            raise InvalidValueError("须填写延期天数和理由", field="days")
        self._extension_requested(days=days, reason=reason, actor=actor, at=at)

    @event("ExtensionRequested")
    def _extension_requested(self, days: int, reason: str, actor: str, at: datetime) -> None:
        self.extension, self.extension_days = "requested", days

    def grant_extension(self, *, due_date: date, actor: str, at: datetime) -> None:
        """A supervisor approves the extension; the new due date applies."""
        self._check_pending_extension("批准延期")
        self._extension_granted(due_date=due_date, actor=actor, at=at)

    @event("ExtensionGranted")
    def _extension_granted(self, due_date: date, actor: str, at: datetime) -> None:
        self.extension, self.due_date = "granted", due_date

    def decline_extension(self, *, reason: str, actor: str, at: datetime) -> None:
        """A supervisor refuses the extension; the old due date stands."""
        self._check_pending_extension("不予延期")
        self._extension_declined(reason=reason, actor=actor, at=at)

    @event("ExtensionDeclined")
    def _extension_declined(self, reason: str, actor: str, at: datetime) -> None:
        self.extension = "declined"

    def _check_pending_extension(self, action: str) -> None:
        """A request is decided only while it is pending and the item is being answered
        (after a 退单 it waits for the next dispatch; a published reply lapses it)."""
        if self.extension != "requested":
            raise IllegalTransitionError("没有待审批的延期申请", action=action)
        self._require(action, *ANSWERING)


def _add_public_wording(state: dict) -> None:
    """Submitted v1 events carried no public wording: derive it as v2 records it."""
    mask = masker(known=tuple((state.get("contact") or {}).values()))
    state["public_title"], state["public_content"] = mask(state["title"]), mask(state["content"])


def _add_place(state: dict) -> None:
    """Submitted v2 events carried no place: none was given."""
    state["area"], state["address"] = None, ""


def _add_public_note(state: dict) -> None:
    """Rejected v1 events had no note for the citizen: nothing was shown."""
    state["public_note"] = ""


def _add_rating_reasons(state: dict) -> None:
    """Rated v1 events had no reason tags."""
    state["reasons"] = []


# v2 records the public wording in the event itself, v3 the place (area, address); older
# events are upcast on reading.
Comment.Submitted.class_version = 3
Comment.Submitted.upcast_v1_v2 = staticmethod(_add_public_wording)
Comment.Submitted.upcast_v2_v3 = staticmethod(_add_place)
# Rejected v2: the note shown to the citizen; Rated v2: the 差评 reason tags.
Comment.Rejected.class_version = 2
Comment.Rejected.upcast_v1_v2 = staticmethod(_add_public_note)
Comment.Rated.class_version = 2
Comment.Rated.upcast_v1_v2 = staticmethod(_add_rating_reasons)
