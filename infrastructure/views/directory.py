"""Read model of departments and staff accounts, and its queries (never password hashes)."""

import json

from domain.directory import Department, StaffAccount

from .base import ReadModel
from .queries import QueryBase


class DirectoryView(ReadModel):
    name = "directory"
    tables = {
        "departments": """
            id TEXT PRIMARY KEY, name TEXT NOT NULL, active INTEGER NOT NULL,
            created_at TEXT NOT NULL""",
        "staff": """
            id TEXT PRIMARY KEY, username TEXT NOT NULL UNIQUE, display_name TEXT NOT NULL,
            roles TEXT NOT NULL, department TEXT, active INTEGER NOT NULL,
            created_at TEXT NOT NULL""",
    }
    handlers = {Department.Registered: "department_registered",
                StaffAccount.Registered: "staff_registered"}

    def department_registered(self, e, emit):
        emit("INSERT INTO departments (id, name, active, created_at) VALUES (:id, :name, 1, :at)",
             {"id": e.originator_id.hex, "name": e.name, "at": self.iso(e.at)})

    def staff_registered(self, e, emit):
        emit("INSERT INTO staff (id, username, display_name, roles, department, active, "
             "created_at) VALUES (:id, :u, :n, :roles, :d, 1, :at)",
             {"id": e.originator_id.hex, "u": e.username, "n": e.display_name,
              "roles": json.dumps(list(e.roles)), "d": e.department, "at": self.iso(e.at)})


class DirectoryQueries(QueryBase):
    """Departments for forms, staff names for timelines."""

    def departments(self, active_only: bool = True) -> list[str]:
        where = "WHERE active = 1" if active_only else ""
        return [r["name"] for r in self.store.query(
            f"SELECT name FROM departments {where} ORDER BY created_at, name")]

    def staff(self) -> list[dict]:
        rows = self.store.query("SELECT username, display_name, roles, department, active "
                                "FROM staff ORDER BY username")
        for row in rows:
            row["roles"] = json.loads(row["roles"])
        return rows
