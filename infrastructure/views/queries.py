"""Read-side queries shared by every read model: paging and LIKE patterns."""

from dataclasses import dataclass


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
