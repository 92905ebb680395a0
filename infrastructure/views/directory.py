"""Read model of departments and staff accounts (never password hashes)."""

import json

from domain.directory import Department, StaffAccount

from .projection import Projection

D, A = Department, StaffAccount


class DirectoryView(Projection):
    name = "directory"
    tables = {
        "departments": """
        CREATE TABLE IF NOT EXISTS departments (
            id TEXT PRIMARY KEY, name TEXT NOT NULL, active INTEGER NOT NULL,
            created_at TEXT NOT NULL)""",
        "staff": """
        CREATE TABLE IF NOT EXISTS staff (
            id TEXT PRIMARY KEY, username TEXT NOT NULL UNIQUE, display_name TEXT NOT NULL,
            roles TEXT NOT NULL, department TEXT, active INTEGER NOT NULL,
            created_at TEXT NOT NULL)""",
    }
    handlers = {D.Registered: "department_registered", D.Renamed: "department_renamed",
                D.ActivitySet: "department_activity", A.Registered: "staff_registered",
                A.ActivitySet: "staff_activity"}

    def department_registered(self, e, emit):
        emit("INSERT INTO departments (id, name, active, created_at) VALUES (:id, :name, 1, :at)",
             {"id": e.originator_id.hex, "name": e.name, "at": self.iso(e.at)})

    def department_renamed(self, e, emit):
        emit("UPDATE departments SET name = :name WHERE id = :id",
             {"id": e.originator_id.hex, "name": e.name})

    def department_activity(self, e, emit):
        emit("UPDATE departments SET active = :a WHERE id = :id",
             {"id": e.originator_id.hex, "a": int(e.active)})

    def staff_registered(self, e, emit):
        emit("INSERT INTO staff (id, username, display_name, roles, department, active, "
             "created_at) VALUES (:id, :u, :n, :roles, :d, 1, :at)",
             {"id": e.originator_id.hex, "u": e.username, "n": e.display_name,
              "roles": json.dumps(list(e.roles)), "d": e.department, "at": self.iso(e.at)})

    def staff_activity(self, e, emit):
        emit("UPDATE staff SET active = :a WHERE id = :id",
             {"id": e.originator_id.hex, "a": int(e.active)})
