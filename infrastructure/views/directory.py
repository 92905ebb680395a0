"""Read model of departments and staff accounts, and its queries (never password hashes,
never an account's e-mail address: only whether it has one)."""

import json

from domain.directory import Department, StaffAccount

from .base import ReadModel
from .queries import QueryBase


class DirectoryView(ReadModel):
    name = "directory"
    version = 2  # v2: account e-mail presence, department mailbox and official numbers
    tables = {
        "departments": """
            id TEXT PRIMARY KEY, name TEXT NOT NULL, active INTEGER NOT NULL,
            created_at TEXT NOT NULL, mailbox TEXT, official_numbers TEXT,
            updated_at TEXT""",
        "staff": """
            id TEXT PRIMARY KEY, username TEXT NOT NULL UNIQUE, display_name TEXT NOT NULL,
            roles TEXT NOT NULL, department TEXT, active INTEGER NOT NULL,
            created_at TEXT NOT NULL, has_email INTEGER, updated_at TEXT""",
    }
    handlers = {Department.Registered: "department_registered",
                Department.MailboxSet: "department_mailbox_set",
                Department.OfficialNumbersSet: "department_numbers_set",
                Department.Deactivated: "department_deactivated",
                Department.Reactivated: "department_reactivated",
                StaffAccount.Registered: "staff_registered",
                StaffAccount.EmailSet: "staff_email_set",
                StaffAccount.RolesChanged: "staff_roles_changed",
                StaffAccount.DisplayNameChanged: "staff_renamed",
                StaffAccount.Deactivated: "staff_deactivated",
                StaffAccount.Reactivated: "staff_reactivated"}

    # --- departments ------------------------------------------------------------------

    def department_registered(self, e, emit):
        emit("INSERT INTO departments (id, name, active, created_at, official_numbers, "
             "updated_at) VALUES (:id, :name, 1, :at, '[]', :at)",
             {"id": e.originator_id.hex, "name": e.name, "at": self.iso(e.at)})

    def _department(self, e, emit, assignments: str, **params):
        emit(f"UPDATE departments SET {assignments}, updated_at = :at WHERE id = :id",
             {"id": e.originator_id.hex, "at": self.iso(e.at), **params})

    def department_mailbox_set(self, e, emit):
        self._department(e, emit, "mailbox = :mailbox", mailbox=e.email)

    def department_numbers_set(self, e, emit):
        self._department(e, emit, "official_numbers = :numbers",
                         numbers=json.dumps(list(e.numbers), ensure_ascii=False))

    def department_deactivated(self, e, emit):
        self._department(e, emit, "active = 0")

    def department_reactivated(self, e, emit):
        self._department(e, emit, "active = 1")

    # --- staff ------------------------------------------------------------------------

    def staff_registered(self, e, emit):
        emit("INSERT INTO staff (id, username, display_name, roles, department, active, "
             "created_at, has_email, updated_at) VALUES (:id, :u, :n, :roles, :d, 1, :at, 0, "
             ":at)",
             {"id": e.originator_id.hex, "u": e.username, "n": e.display_name,
              "roles": json.dumps(list(e.roles)), "d": e.department, "at": self.iso(e.at)})

    def _staff(self, e, emit, assignments: str, **params):
        emit(f"UPDATE staff SET {assignments}, updated_at = :at WHERE id = :id",
             {"id": e.originator_id.hex, "at": self.iso(e.at), **params})

    def staff_email_set(self, e, emit):
        self._staff(e, emit, "has_email = :has", has=1 if e.email else 0)

    def staff_roles_changed(self, e, emit):
        self._staff(e, emit, "roles = :roles, department = :d",
                    roles=json.dumps(list(e.roles)), d=e.department)

    def staff_renamed(self, e, emit):
        self._staff(e, emit, "display_name = :n", n=e.display_name)

    def staff_deactivated(self, e, emit):
        self._staff(e, emit, "active = 0")

    def staff_reactivated(self, e, emit):
        self._staff(e, emit, "active = 1")


class DirectoryQueries(QueryBase):
    """Departments for forms, staff names for timelines, both for the admin console."""

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

    def department_rows(self) -> list[dict]:
        """Every department with its state, duty mailbox and official numbers."""
        rows = self.store.query(
            "SELECT name, active, mailbox, official_numbers, created_at, updated_at "
            "FROM departments ORDER BY created_at, name")
        for row in rows:
            row["active"] = bool(row["active"])
            row["official_numbers"] = json.loads(row["official_numbers"] or "[]")
        return rows

    def staff_accounts(self, *, department: str | None = None, role: str | None = None,
                       active: bool | None = None) -> list[dict]:
        """Accounts for the admin console: roles, department, state and whether an e-mail
        is set (never the address, never a password hash)."""
        where, params = [], {}
        if department:
            where.append("department = :department")
            params["department"] = department
        if active is not None:
            where.append("active = :active")
            params["active"] = 1 if active else 0
        clause = f"WHERE {' AND '.join(where)}" if where else ""
        rows = self.store.query(
            "SELECT username, display_name, roles, department, active, has_email, "
            f"created_at, updated_at FROM staff {clause} ORDER BY username", params)
        for row in rows:
            row["roles"] = json.loads(row["roles"])
            row["active"] = bool(row["active"])
            row["has_email"] = bool(row["has_email"])
        if role:
            rows = [r for r in rows if role in r["roles"]]
        return rows
