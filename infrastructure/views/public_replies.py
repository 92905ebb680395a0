"""The public listing of replies, every item kind alike: only public wording, never
personal data, and only what was approved for publication.

Each kind contributes its rows (a mixin in its package); a row is visible when the
citizen consented, it is not withheld and an approved reply exists.

Beside the listing, `pub_status` holds every item's standing without any text: its
number, category, when it came in, its stage and due moment, and its area (a township,
public reference data). Open311 (web/open311/) reads it to say whether a request is open
or closed, including for items that are not, or not yet, public. A rejected item leaves
`pub_replies` but keeps its `pub_status` row.
"""

from datetime import date, datetime, timezone

from domain.deadlines import end_of_day
from domain.oversight import Overseen

from ..search import SearchQuery, facet_token, index_terms
from .base import ReadModel
from .comments.public_rows import CommentPublicRows
from .queries import Page, QueryBase
from .tickets.public_rows import TicketPublicRows


class PublicReplies(CommentPublicRows, TicketPublicRows, ReadModel):
    name = "public_replies"
    version = 6  # v2: hotline tickets, item_kind; v3: pub_status; v4: comments' area;
    # v5: submitter, the 留言人 as the listing shows it (masked: 张**), never the name;
    # v6: pub_search, the full-text terms of the public wording (infrastructure/search.py),
    # and the department index with `visible`
    # pub_status times (requested_at, stage_at, due_at) are UTC with microseconds, one
    # fixed width, so that comparing the strings compares the moments.
    tables = {"pub_replies": """
            id TEXT PRIMARY KEY, item_kind TEXT NOT NULL, tracking_no TEXT NOT NULL UNIQUE,
            title TEXT NOT NULL, content TEXT NOT NULL,
            kind TEXT NOT NULL, category TEXT NOT NULL, channel TEXT,
            submitted_at TEXT NOT NULL, accepted_on TEXT, replied_on TEXT, replied_at TEXT,
            reply_department TEXT, reply TEXT, rating TEXT, submitter TEXT,
            consent INTEGER NOT NULL, withheld INTEGER NOT NULL DEFAULT 0,
            visible INTEGER NOT NULL DEFAULT 0""",
              "pub_status": """
            id TEXT PRIMARY KEY, item_kind TEXT NOT NULL, tracking_no TEXT NOT NULL UNIQUE,
            category TEXT NOT NULL, requested_at TEXT NOT NULL, area TEXT, due_at TEXT,
            stage TEXT NOT NULL, stage_at TEXT NOT NULL""",
              # Search terms of the public wording only (never the submitter or contact).
              # Search terms of the public wording only (never the submitter or contact),
              # and filter tokens (search.facet_token): kind and category, the replying
              # department, and whether the item is listed (`shown`, kept with `visible`).
              "pub_search": "id TEXT PRIMARY KEY, title TEXT, content TEXT, reply TEXT, "
                            "facets TEXT, dept TEXT, shown TEXT"}
    full_text = {"pub_search": ("title", "content", "reply")}
    SHOWN = facet_token("v", 1)
    indexes = (
        ("pub_replies", "visible", "(visible, replied_at)"),
        # visible too: counting a department's listing from this index alone (SQLite took
        # the (visible, replied_at) index and read every listed row)
        ("pub_replies", "dept", "(reply_department, visible, replied_at)"),
        ("pub_replies", "submitted", "(visible, submitted_at)"),
        ("pub_status", "requested", "(requested_at)"),
    )
    handlers = {**CommentPublicRows.comment_handlers, **TicketPublicRows.ticket_handlers,
                Overseen.DeadlineRecomputed: "deadline_recomputed"}
    # Stages in pub_status: waiting for (or back in) handling, answered, not accepted.
    OPEN, ANSWERED, REJECTED = "open", "answered", "rejected"

    @staticmethod
    def instant(moment: datetime | None) -> str | None:
        """A moment as pub_status stores it: UTC, always with microseconds."""
        if moment is None:
            return None
        return moment.astimezone(timezone.utc).isoformat(timespec="microseconds")

    def end_of(self, day: date) -> str:
        """The moment a date-only deadline passes (midnight after it, local time)."""
        return self.instant(end_of_day(day, self.tz))

    def add_status(self, emit, e, *, item_kind: str, number: str, category: str,
                   area: str | None = None, due_at: str | None = None) -> None:
        emit("INSERT INTO pub_status (id, item_kind, tracking_no, category, requested_at, "
             "area, due_at, stage, stage_at) VALUES (:id, :kind, :t, :category, :at, :area, "
             ":due, :stage, :at)",
             {"id": e.originator_id.hex, "kind": item_kind, "t": number, "category": category,
              "at": self.instant(e.at), "area": area, "due": due_at, "stage": self.OPEN})

    def set_status(self, emit, e, assignments: str, **params) -> None:
        emit(f"UPDATE pub_status SET {assignments} WHERE id = :id",
             {"id": e.originator_id.hex, **params})

    def set_stage(self, emit, e, stage: str, **due) -> None:
        """The item moved to `stage` now; `due_at=` (may be None) replaces the due moment."""
        assignments = "stage = :stage, stage_at = :at" + (", due_at = :due_at" if due else "")
        self.set_status(emit, e, assignments, stage=stage, at=self.instant(e.at), **due)

    def deadline_recomputed(self, e, emit):  # a new official schedule moved the due date
        due = self.instant(e.due_at) if e.due_at is not None else self.end_of(e.due_date)
        self.set_status(emit, e, "due_at = :due", due=due)

    def index(self, emit, e, *, department: str | None = None, kind: str | None = None,
              category: str | None = None, **texts) -> None:
        """Keep the search terms of some of the item's public fields (title, content,
        reply) and its filter tokens, in the same batch as the row they come from."""
        values = {c: index_terms(t) for c, t in texts.items()}
        if kind is not None:
            values["facets"] = f"{facet_token('k', kind)} {facet_token('c', category)}"
        if department is not None:
            values["dept"] = facet_token("d", department)
        columns = list(values)
        emit(f"INSERT INTO pub_search (id, {', '.join(columns)}) VALUES (:id, "
             f"{', '.join(':' + c for c in columns)}) ON CONFLICT (id) DO UPDATE SET "
             + ", ".join(f"{c} = excluded.{c}" for c in columns),
             {"id": e.originator_id.hex, **values})

    # A row is listed when the citizen consented, it is not withheld and it has a reply.
    # Handlers that change one of those give the new `visible` in the same statement:
    # SET's expressions read the row as it was, so each names the columns it leaves alone.
    VISIBLE_IF_REPLIED = "CASE WHEN consent = 1 AND replied_on IS NOT NULL THEN 1 ELSE 0 END"
    VISIBLE_IF_SHOWN = "CASE WHEN consent = 1 AND withheld = 0 THEN 1 ELSE 0 END"
    VISIBLE_IF_CONSENTED = "CASE WHEN consent = 1 THEN 1 ELSE 0 END"

    def set(self, emit, e, assignments: str, *, visible: str | None = None,
            **params) -> None:
        """Update the item's row (and `visible`, when the change may alter it)."""
        if visible is not None:
            assignments = f"{assignments}, visible = {visible}"
        emit(f"UPDATE pub_replies SET {assignments} WHERE id = :id",
             {"id": e.originator_id.hex, **params})
        if visible is not None:  # the search index's copy of `visible`, as it now stands
            emit("UPDATE pub_search SET shown = (SELECT CASE WHEN visible = 1 THEN :shown "
                 "END FROM pub_replies WHERE pub_replies.id = :id) WHERE id = :id",
                 {"id": e.originator_id.hex, "shown": self.SHOWN})


class PublicReplyQueries(QueryBase):
    """The listing the portal, the API and the feeds read."""

    PUBLIC_COLUMNS = ("tracking_no, item_kind, title, content, kind, category, channel, "
                      "accepted_on, replied_on, reply_department, reply, rating, "
                      "submitted_at, submitter")
    # Listing orders: newest reply first (the default) or newest comment first.
    ORDERS = {"replied": "replied_at DESC, tracking_no",
              "submitted": "submitted_at DESC, tracking_no"}

    def public_replies(self, *, department=None, category=None, kind=None, date_from=None,
                       date_to=None, q=None, page: int = 1, per_page: int = 20,
                       sort: str = "replied") -> Page:
        """Published replies, newest first, filtered as the portal and the API allow."""
        where, params = ["visible = 1"], {}
        for column, value in (("reply_department", department), ("category", category),
                              ("kind", kind)):
            if value:
                where.append(f"{column} = :{column}")
                params[column] = value
        if date_from:
            where.append("replied_on >= :date_from")
            params["date_from"] = date_from.isoformat()
        if date_to:
            where.append("replied_on <= :date_to")
            params["date_to"] = date_to.isoformat()
        search = SearchQuery.parse(q) if q else None
        if q and search is None:  # nothing to look for (punctuation, operators only)
            return Page([], 0, page, per_page)
        if search is not None:  # best match first, then the order asked for
            if not (date_from or date_to):
                found = self._search_index(search, department=department, category=category,
                                           kind=kind, page=page, per_page=per_page)
            else:
                found = self.search_page("pub_replies", "pub_search", search, where, params,
                                         self.ORDERS[sort], self.PUBLIC_COLUMNS, page,
                                         per_page)
            for row in found.items:
                row["highlight"] = {"title": search.highlight(row["title"]),
                                    "snippet": search.snippet(row["content"], row["reply"])}
            return found
        return self.page("pub_replies", where, params, self.ORDERS[sort],
                         self.PUBLIC_COLUMNS, page, per_page)

    def _search_index(self, search: SearchQuery, *, department, category, kind, page: int,
                      per_page: int) -> Page:
        """The search answered from `pub_search` alone (its filter columns), then the
        page's rows by id."""
        if self.store.dialect == "postgres":
            ids, total = self._search_postgres(search, department, category, kind, page,
                                               per_page)
        else:
            ids, total = self._search_tiers(search, department, category, kind, page,
                                            per_page)
        # By id alone: with `visible = 1` beside it SQLite reads the (visible, ...) index.
        params = {f"i{n}": i for n, i in enumerate(ids)}
        rows = self.store.query(
            f"SELECT id, visible, {self.PUBLIC_COLUMNS} FROM pub_replies WHERE id IN "
            f"({', '.join(':' + p for p in params)})", params) if ids else []
        by_id = {row.pop("id"): row for row in rows if row.pop("visible") == 1}
        return Page([by_id[i] for i in ids if i in by_id], total, page, per_page)

    def _search_postgres(self, search, department, category, kind, page, per_page):
        """PostgreSQL: one pass over the GIN matches with the filter columns, ranked by
        ts_rank plus one for a title holding a term (ties: a stable arbitrary order)."""
        where = ["vector @@ CAST(:search AS tsquery)", "shown = :shown"]
        params = {"search": search.tsquery(), "shown": PublicReplies.SHOWN,
                  "terms": list(search.terms), "limit": per_page,
                  "offset": (page - 1) * per_page}
        if department:
            where.append("dept = :dept")
            params["dept"] = facet_token("d", department)
        for name, facet, value in (("kind", "k", kind), ("category", "c", category)):
            if value:
                where.append(f"position(:{name} in facets) > 0")
                params[name] = facet_token(facet, value)
        matched = (f"SELECT id, ts_rank(vector, CAST(:search AS tsquery)) + (string_to_array("
                   f"coalesce(title, ''), ' ') && CAST(:terms AS text[]))::int AS rank "
                   f"FROM pub_search WHERE {' AND '.join(where)}")
        rows = self.store.query(f"SELECT id, COUNT(*) OVER () AS total FROM ({matched}) m "
                                "ORDER BY rank DESC, id LIMIT :limit OFFSET :offset", params)
        if rows:
            return [r["id"] for r in rows], rows[0]["total"]
        return [], self.store.query(f"SELECT COUNT(*) AS n FROM ({matched}) m", params)[0]["n"]

    def _search_tiers(self, search, department, category, kind, page, per_page):
        """SQLite: the search answered inside the FTS5 index, tier by tier (every term in
        the title, every term, any term in the title, any term; newest first within a
        tier), the filters as index tokens: a page reads only the index entries it shows,
        however many items match (bm25 over every match is what made a common word slow)."""
        filters = [f"{{shown}} : {PublicReplies.SHOWN}"]
        if department:
            filters.append(f"{{dept}} : {facet_token('d', department)}")
        if kind:
            filters.append(f"{{facets}} : {facet_token('k', kind)}")
        if category:
            filters.append(f"{{facets}} : {facet_token('c', category)}")
        tiers = [f"({tier}) AND {' AND '.join(filters)}"
                 for tier in search.fts5_tiers(("title", "content", "reply"))]
        counts = [self.store.query("SELECT COUNT(*) AS n FROM pub_search_fts "
                                   "WHERE fts MATCH :m", {"m": tier})[0]["n"] for tier in tiers]
        ids, skip = [], (page - 1) * per_page
        for tier, count in zip(tiers, counts):
            if len(ids) >= per_page:
                break
            if skip >= count:
                skip -= count
                continue
            ids += [r["id"] for r in self.store.query(
                "SELECT id FROM pub_search_fts WHERE fts MATCH :m ORDER BY position DESC "
                "LIMIT :limit OFFSET :offset",
                {"m": tier, "limit": per_page - len(ids), "offset": skip})]
            skip = 0
        return ids, sum(counts)

    def public_reply(self, tracking_no: str) -> dict | None:
        rows = self.store.query(f"SELECT {self.PUBLIC_COLUMNS} FROM pub_replies "
                                "WHERE tracking_no = :t AND visible = 1", {"t": tracking_no})
        return rows[0] if rows else None

    # --- Open311 (web/open311/): requests by time received, and standing by number -------

    REQUEST_COLUMNS = ("r.tracking_no, r.item_kind, r.content, r.category, r.reply_department, "
                       "r.reply, s.requested_at, s.area, s.due_at, s.stage, s.stage_at")
    REQUEST_TABLES = "pub_replies r JOIN pub_status s ON s.id = r.id"
    MAX_NUMBERS = 200

    def public_requests(self, *, categories=None, stages=None, start: datetime | None = None,
                        end: datetime | None = None, page: int = 1,
                        per_page: int = 50) -> Page:
        """Published items with their stage, newest first by the time they came in;
        `start`/`end` bound that time (inclusive), `categories`/`stages` are lists."""
        where, params = ["r.visible = 1"], {}
        if categories:
            where.append(f"s.category IN ({_placeholders('c', categories, params)})")
        if stages:
            where.append(f"s.stage IN ({_placeholders('s', stages, params)})")
        if start is not None:
            where.append("s.requested_at >= :start")
            params["start"] = PublicReplies.instant(start)
        if end is not None:
            where.append("s.requested_at <= :end")
            params["end"] = PublicReplies.instant(end)
        return self.page(self.REQUEST_TABLES, where, params,
                         "s.requested_at DESC, r.tracking_no", self.REQUEST_COLUMNS, page,
                         per_page)

    def public_requests_numbered(self, numbers) -> list[dict]:
        """The published items among `numbers` (at most MAX_NUMBERS), with their stage."""
        numbers, params = list(numbers)[:self.MAX_NUMBERS], {}
        if not numbers:
            return []
        return self.store.query(
            f"SELECT {self.REQUEST_COLUMNS} FROM {self.REQUEST_TABLES} WHERE r.visible = 1 "
            f"AND r.tracking_no IN ({_placeholders('n', numbers, params)})", params)

    def item_standing(self, numbers) -> list[dict]:
        """Number, kind, category, time received and stage of any items among `numbers`,
        public or not: no text, nothing personal (the minimal Open311 record)."""
        numbers, params = list(numbers)[:self.MAX_NUMBERS], {}
        if not numbers:
            return []
        return self.store.query(
            "SELECT tracking_no, item_kind, category, requested_at, stage FROM pub_status "
            f"WHERE tracking_no IN ({_placeholders('n', numbers, params)})", params)


def _placeholders(prefix: str, values, params: dict) -> str:
    """Named placeholders for an IN list; the values go into `params`."""
    names = [f"{prefix}{i}" for i in range(len(values))]
    params.update(zip(names, values))
    return ", ".join(f":{n}" for n in names)
