"""Read-side queries shared by every read model: paging, LIKE patterns and full-text
search (infrastructure/search.py makes the terms)."""

from dataclasses import dataclass

from ..search import SearchQuery
from .base import terms_vector


@dataclass
class Page:
    items: list
    total: int
    page: int
    per_page: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))

    def as_dict(self) -> dict:
        return {"items": self.items, "total": self.total, "page": self.page,
                "per_page": self.per_page, "pages": self.pages}


def sql_list(values) -> str:
    """Constant values (state names, never user input) as a SQL IN list."""
    return ", ".join(f"'{v}'" for v in values)


def like_pattern(q: str) -> str:
    escaped = q.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


class QueryBase:
    """Queries over the read-model store; no writes here."""

    def __init__(self, store):
        self.store = store

    def page(self, table: str, where: list[str], params: dict, order: str, columns: str,
             page: int, per_page: int) -> Page:
        clause = f"WHERE {' AND '.join(where)}" if where else ""
        total = self.store.query(f"SELECT COUNT(*) AS n FROM {table} {clause}", params)[0]["n"]
        params = {**params, "limit": per_page, "offset": (page - 1) * per_page}
        rows = self.store.query(f"SELECT {columns} FROM {table} {clause} ORDER BY {order} "
                                "LIMIT :limit OFFSET :offset", params)
        return Page(rows, total, page, per_page)

    def search_page(self, table: str, search_table: str, query: SearchQuery, where: list[str],
                    params: dict, order: str, columns: str, page: int,
                    per_page: int, title_column: str = "title") -> Page:
        """Rows of `table` whose full-text row in `search_table` (a read model's
        `full_text` table, same id) holds any of the query's terms: best match first,
        then `order`. The match is a derived table with columns of its own, so `columns`
        and `where` name `table`'s columns as they would without it."""
        if self.store.dialect == "postgres":
            title = terms_vector(title_column)  # short: made for the matches only
            matched = ("SELECT id AS search_id, ts_rank(vector, CAST(:search AS tsquery)) + "
                       f"2 * ts_rank({title}, CAST(:search AS tsquery)) AS search_rank "
                       f"FROM {search_table} WHERE vector @@ CAST(:search AS tsquery)")
            params = {**params, "search": query.tsquery()}
        else:  # FTS5: bm25 is lower for a better match
            matched = (f"SELECT id AS search_id, -rank AS search_rank FROM {search_table}_fts "
                       "WHERE fts MATCH :search")
            params = {**params, "search": query.fts5()}
        tables = f"{table} JOIN ({matched}) found ON found.search_id = {table}.id"
        clause = f"WHERE {' AND '.join(where)}" if where else ""
        rows = self.store.query(
            f"SELECT {columns}, COUNT(*) OVER () AS search_total FROM {tables} {clause} "
            f"ORDER BY search_rank DESC, {order} LIMIT :limit OFFSET :offset",
            {**params, "limit": per_page, "offset": (page - 1) * per_page})
        if rows:
            total = rows[0]["search_total"]
        else:  # past the last page: count alone
            total = self.store.query(f"SELECT COUNT(*) AS n FROM {tables} {clause}",
                                     params)[0]["n"]
        for row in rows:
            del row["search_total"]
        return Page(rows, total, page, per_page)

    def search_or_number(self, table: str, search_table: str, number_column: str, q: str,
                         where: list[str], params: dict, order: str, columns: str,
                         page: int, per_page: int) -> Page:
        """A staff queue searched: the item whose number is `q` exactly, otherwise the
        full-text matches (best first), each with its title highlighted."""
        exact = self.page(table, [*where, f"{number_column} = :number"],
                          {**params, "number": q.strip()}, order, columns, page, per_page)
        if exact.total:
            return exact
        search = SearchQuery.parse(q)
        if search is None:
            return Page([], 0, page, per_page)
        found = self.search_page(table, search_table, search, where, params, order, columns,
                                 page, per_page)
        for row in found.items:
            row["highlight"] = {"title": search.highlight(row["title"])}
        return found
