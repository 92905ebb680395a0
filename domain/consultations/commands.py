"""Commands of consultations that are not workflow actions: the catalogue entry, the
citizen's opinion and query code, files, and enumerating a consultation's opinions."""

import hmac
import secrets
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError

from ..actors import CITIZEN_ACTOR
from ..errors import AuthenticationError, ConflictError, InvalidValueError, NotFoundError
from ..numbering import random_code
from .aggregate import (MIN_DAYS, Consultation, ConsultationFile, ConsultationOpinion,
                        opinion_id, opinion_no_of)
from .states import ADOPTION, Phase, phase
from .workflow import CONSULTATIONS

NUMBER_PREFIX = "JC"
WRONG_OPINION_OR_CODE = "意见编号或查询码不正确"
CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"


class ConsultationCommands:
    """Mixed into the application."""

    # Days a consultation stays open at least (CONSULTATION_MIN_DAYS; bootstrap sets it).
    consultation_min_days: int = MIN_DAYS

    # --- the catalogue ----------------------------------------------------------------

    def list_consultation(self, actor, *, year: int, title: str, department: str,
                          planned_on, participation, description: str = "") -> Consultation:
        """列入年度重大决策事项目录: admins for any department, handlers for their own."""
        actor.require_role("handler")
        values = Consultation.validate_entry(
            year=year, title=title, department=department, planned_on=planned_on,
            participation=participation, description=description)
        self.require_department(department)
        actor.require_department(department)
        now = self.clock()
        for _ in range(20):
            number = f"{NUMBER_PREFIX}{year}{secrets.randbelow(10**4):04d}"
            consultation = Consultation(consultation_no=number, **values, actor=actor.id,
                                        at=now)
            try:
                self.save(consultation)
            except ConflictError:
                continue  # the number is taken: draw another
            return consultation
        raise ConflictError("暂时无法生成事项编号，请重试")

    def get_consultation(self, consultation_no: str) -> Consultation:
        return self.get_item(CONSULTATIONS.kind, consultation_no)

    def consultation_phase(self, consultation: Consultation) -> str:
        return phase(consultation.status, consultation.opens_on, consultation.closes_on,
                     self.today())

    # --- the citizen's opinion ------------------------------------------------------------

    def submit_opinion(self, consultation_no: str, *, content: str, name: str | None = None,
                       phone: str | None = None, email: str | None = None,
                       publish: bool = True) -> dict:
        """Record an opinion while the consultation is open (its opening to its closing
        day, local time); returns its number and the one-time query code."""
        consultation = self.get_consultation(consultation_no)
        now = self.clock()
        current = phase(consultation.status, consultation.opens_on, consultation.closes_on,
                        self.local_date(now))
        if current != Phase.OPEN:
            message = {Phase.PLANNED: "该事项尚未发布草案征求意见",
                       Phase.UPCOMING: f"意见征集自 {consultation.opens_on} 开始，尚未开始"}.get(
                current, f"意见征集已于 {consultation.closes_on} 截止，不再接收意见")
            raise InvalidValueError(message, field="content", phase=current)
        contact = {k: v.strip() for k, v in (("name", name), ("phone", phone),
                                             ("email", email)) if v and v.strip()}
        code = random_code(CODE_ALPHABET, 10)
        seq = self.opinion_count(consultation_no) + 1
        for _ in range(100):
            number = opinion_no_of(consultation_no, seq)
            opinion = ConsultationOpinion.submit(
                opinion_no=number, consultation_no=consultation_no, seq=seq, content=content,
                contact=contact, publish=bool(publish),
                query_code_hash=self._hash_code(number, code), actor=CITIZEN_ACTOR.id, at=now)
            try:
                self.save(opinion)
            except ConflictError:
                seq += 1  # another citizen took this number a moment ago: the next one
                continue
            return {"opinion_no": number, "query_code": code, "submitted_at": now}
        raise ConflictError("暂时无法生成意见编号，请重试")

    def _opinion_exists(self, consultation_no: str, seq: int) -> bool:
        return bool(list(self.events.get(opinion_id(opinion_no_of(consultation_no, seq)),
                                         limit=1)))

    def opinion_count(self, consultation_no: str) -> int:
        """How many opinions a consultation has: numbers are dense from 1 (a number is
        only tried once the one before it is taken), so a galloping then binary search
        over their ids finds the last in O(log n) reads."""
        if not self._opinion_exists(consultation_no, 1):
            return 0
        low = 1
        while self._opinion_exists(consultation_no, low * 2):
            low *= 2
        high = low * 2  # low exists, high did not
        while high - low > 1:
            middle = (low + high) // 2
            if self._opinion_exists(consultation_no, middle):
                low = middle
            else:
                high = middle
        return low

    def opinions_of(self, consultation_no: str) -> list[ConsultationOpinion]:
        """Every opinion of a consultation, in number order (loads each aggregate)."""
        return [self.repository.get(opinion_id(opinion_no_of(consultation_no, seq)))
                for seq in range(1, self.opinion_count(consultation_no) + 1)]

    def unanswered_opinions(self, consultation_no: str) -> list[str]:
        return [o.opinion_no for o in self.opinions_of(consultation_no) if not o.answered]

    def adoption_counts(self, consultation_no: str) -> tuple[dict, list[str]]:
        """The numbers the public page shows, and the opinions still unanswered."""
        opinions = self.opinions_of(consultation_no)
        counts = {"received": len(opinions), **{key: 0 for key in ADOPTION}}
        for o in opinions:
            if o.answered:
                counts[o.adoption] += 1
        consultation = self.get_consultation(consultation_no)
        counts["representative"] = sum(len(m["opinions"]) for m in consultation.meetings)
        return counts, [o.opinion_no for o in opinions if not o.answered]

    def get_opinion(self, opinion_no: str) -> ConsultationOpinion:
        try:
            opinion = self.repository.get(opinion_id(opinion_no))
        except (AggregateNotFoundError, ValueError):
            opinion = None
        if not isinstance(opinion, ConsultationOpinion):
            raise NotFoundError(f"未找到意见编号为 {opinion_no} 的意见")
        return opinion

    def opinion_for_citizen(self, opinion_no: str, query_code: str) -> ConsultationOpinion:
        """The opinion, if the query code matches; the same error for an unknown number
        as for a wrong code (numbers cannot be probed)."""
        expected = self._hash_code(opinion_no, query_code or "")
        try:
            opinion = self.get_opinion(opinion_no)
        except NotFoundError:
            raise AuthenticationError(WRONG_OPINION_OR_CODE) from None
        if not hmac.compare_digest(opinion.query_code_hash, expected):
            raise AuthenticationError(WRONG_OPINION_OR_CODE)
        return opinion

    # --- files ------------------------------------------------------------------------------

    def attach_consultation_file(self, actor, consultation_no: str, *, name: str,
                                 content_type: str, data: bytes, role: str,
                                 meeting_no: int | None = None) -> dict:
        """Store a file and attach it to the consultation (its owning department or an
        admin); the same file twice is stored and attached once."""
        actor.require_role("handler")
        consultation = self.get_consultation(consultation_no)
        CONSULTATIONS.require_visible(consultation, actor)
        actor.require_department(consultation.department)
        now = self.clock()
        file = ConsultationFile.upload(consultation_no=consultation_no, name=name,
                                       content_type=content_type, data=data,
                                       actor=actor.id, at=now)
        try:
            self.save(file)
        except ConflictError:
            file = self.repository.get(file.id)  # stored before: attach that copy
        attached = consultation.attach(file=file, role=role, meeting_no=meeting_no,
                                       actor=actor.id, at=now)
        if attached:
            self.save(consultation)
        return {"file_id": file.id.hex, "name": file.name, "size": file.size, "role": role,
                "attached": attached, "consultation": consultation}

    def consultation_file(self, consultation_no: str, file_hex: str,
                          public: bool = True) -> ConsultationFile:
        """An attached file; for the public only once its part of the page is public."""
        consultation = self.get_consultation(consultation_no)
        if file_hex not in consultation.files or (
                public and not consultation.file_is_public(file_hex)):
            raise NotFoundError("未找到该文件")
        return self.repository.get(UUID(hex=file_hex))
