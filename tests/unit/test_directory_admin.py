"""Managing accounts and departments (domain/directory.py): roles and department together,
deactivation, display names, official numbers; every change an admin's event."""

import pytest

from domain.actors import SYSTEM_ACTOR, Actor
from domain.directory import (Department, StaffAccount, clean_official_numbers,
                              department_id, staff_id)
from domain.errors import (AccessDeniedError, ConflictError, IllegalTransitionError,
                           InvalidValueError, NotFoundError)

ROOT = Actor("root", ("admin",))


@pytest.fixture
def accounts(app):
    """An admin `root`, a reviewer `rev` and a handler `h1` of 区住建局."""
    for username, roles, department in (("root", ["admin"], None),
                                        ("rev", ["reviewer"], None),
                                        ("h1", ["handler"], "区住建局")):
        app.register_staff(username=username, display_name="", password_hash="x",
                           roles=roles, department=department, actor=SYSTEM_ACTOR)
    return app


def events(app, aggregate_id) -> list:
    return list(app.events.get(aggregate_id))


# --- roles and department ---------------------------------------------------------------

def test_roles_and_department_change_together_recording_who_and_when(accounts, clock):
    app = accounts
    clock.advance(hours=1)
    app.change_staff_roles("h1", ["handler", "opinion"], "区交运局", ROOT)
    account = app.get_staff("h1")
    assert account.roles == ["handler", "opinion"] and account.department == "区交运局"
    last = events(app, staff_id("h1"))[-1]
    assert isinstance(last, StaffAccount.RolesChanged)
    assert last.actor == "staff:root" and last.at == clock.now
    assert last.roles == ["handler", "opinion"] and last.department == "区交运局"
    version = account.version
    app.change_staff_roles("h1", ["handler", "opinion"], "区交运局", ROOT)  # no change
    assert app.get_staff("h1").version == version


def test_a_reviewer_may_drop_the_department_a_handler_may_not(accounts):
    app = accounts
    with pytest.raises(InvalidValueError) as e:
        app.change_staff_roles("h1", ["handler"], None, ROOT)
    assert e.value.details["field"] == "department" and "承办人" in e.value.message
    app.change_staff_roles("h1", ["reviewer"], "", ROOT)
    assert app.get_staff("h1").department is None


@pytest.mark.parametrize("roles", [[], ["boss"], ["reviewer", "reviewer"], ["reviewer", ""]])
def test_roles_must_be_known_and_given_once(accounts, roles):
    with pytest.raises(InvalidValueError) as e:
        accounts.change_staff_roles("rev", roles, None, ROOT)
    assert e.value.details["field"] == "roles"
    assert accounts.get_staff("rev").roles == ["reviewer"]


def test_only_an_active_department_can_be_chosen_but_a_current_one_may_stay(accounts):
    app = accounts
    with pytest.raises(InvalidValueError):
        app.change_staff_roles("h1", ["handler"], "区某某不存在局", ROOT)
    app.deactivate_department("区住建局", ROOT)
    with pytest.raises(InvalidValueError):
        app.change_staff_roles("rev", ["handler"], "区住建局", ROOT)
    with pytest.raises(InvalidValueError):
        app.register_staff(username="h3", display_name="", password_hash="x",
                           roles=["handler"], department="区住建局", actor=ROOT)
    app.change_staff_roles("h1", ["handler", "supervisor"], "区住建局", ROOT)  # kept
    assert app.get_staff("h1").roles == ["handler", "supervisor"]


def test_the_last_active_admin_keeps_the_admin_role(accounts):
    app = accounts
    with pytest.raises(ConflictError):
        app.change_staff_roles("root", ["reviewer"], None, ROOT)
    with pytest.raises(ConflictError):  # nor can the system take it away
        app.deactivate_staff("root", SYSTEM_ACTOR)
    app.change_staff_roles("rev", ["reviewer", "admin"], None, ROOT)
    assert app.active_admins() == ("rev", "root")
    app.change_staff_roles("root", ["reviewer"], None, ROOT)
    assert app.active_admins() == ("rev",)
    app.change_staff_roles("root", ["admin"], None, SYSTEM_ACTOR)
    app.deactivate_staff("root", Actor("rev", ("admin",)))
    assert app.active_admins() == ("rev",)  # a deactivated admin does not count
    with pytest.raises(ConflictError):
        app.deactivate_staff("rev", SYSTEM_ACTOR)


# --- deactivation and display names -----------------------------------------------------

def test_deactivate_and_reactivate_an_account(accounts, clock):
    app = accounts
    app.deactivate_staff("h1", ROOT)
    assert not app.get_staff("h1").active
    assert isinstance(events(app, staff_id("h1"))[-1], StaffAccount.Deactivated)
    with pytest.raises(IllegalTransitionError):
        app.deactivate_staff("h1", ROOT)
    app.reactivate_staff("h1", ROOT)
    assert app.get_staff("h1").active
    with pytest.raises(IllegalTransitionError):
        app.reactivate_staff("h1", ROOT)
    with pytest.raises(NotFoundError):
        app.deactivate_staff("nobody", ROOT)


def test_an_admin_cannot_deactivate_themselves(accounts):
    accounts.change_staff_roles("rev", ["admin"], None, ROOT)  # not the last admin either
    with pytest.raises(InvalidValueError) as e:
        accounts.deactivate_staff("root", ROOT)
    assert "自己" in e.value.message
    assert accounts.get_staff("root").active


def test_display_names_are_short_printable_text(accounts):
    app = accounts
    app.rename_staff("rev", "  王审核  ", ROOT)
    assert app.get_staff("rev").display_name == "王审核"
    assert isinstance(events(app, staff_id("rev"))[-1], StaffAccount.DisplayNameChanged)
    for bad in ("", "   ", "x" * 41, "王\n审核"):
        with pytest.raises(InvalidValueError):
            app.rename_staff("rev", bad, ROOT)
    assert app.get_staff("root").display_name == "root"  # empty at registration: username


def test_registering_with_an_email_records_both_or_nothing(app):
    app.register_staff(username="li", display_name="李", password_hash="x", roles=["operator"],
                       department=None, actor=SYSTEM_ACTOR, email=" li@example.gov.cn ")
    assert app.get_staff("li").email == "li@example.gov.cn"
    with pytest.raises(InvalidValueError):
        app.register_staff(username="zhao", display_name="赵", password_hash="x",
                           roles=["operator"], department=None, actor=SYSTEM_ACTOR,
                           email="not an address")
    with pytest.raises(NotFoundError):
        app.get_staff("zhao")


# --- departments --------------------------------------------------------------------------

def test_a_deactivated_department_can_no_longer_be_chosen(app):
    app.deactivate_department("区住建局", ROOT)
    assert not app.department_exists("区住建局")
    assert isinstance(events(app, department_id("区住建局"))[-1], Department.Deactivated)
    with pytest.raises(IllegalTransitionError):
        app.deactivate_department("区住建局", ROOT)
    app.reactivate_department("区住建局", ROOT)
    assert app.department_exists("区住建局")
    with pytest.raises(NotFoundError):
        app.deactivate_department("区某某不存在局", ROOT)


def test_official_numbers_are_validated_and_listed_for_active_departments(app, clock):
    recorded = app.set_official_numbers(
        "区住建局", "0632-7712345\n\n  (0632) 771  2346 \n0632-7712345\n+86 632 7712347", ROOT)
    assert recorded == ["0632-7712345", "(0632) 771 2346", "+86 632 7712347"]
    last = events(app, department_id("区住建局"))[-1]
    assert isinstance(last, Department.OfficialNumbersSet)
    assert last.numbers == recorded and last.actor == "staff:root" and last.at == clock.now
    app.set_official_numbers("区交运局", ["12345", "0632-7712345"], ROOT)
    assert app.official_numbers() == ("0632-7712345", "(0632) 771 2346", "+86 632 7712347",
                                      "12345")
    app.deactivate_department("区住建局", ROOT)
    assert app.official_numbers() == ("12345", "0632-7712345")
    app.set_official_numbers("区交运局", "", ROOT)
    assert app.official_numbers() == ()
    assert app.get_department("区交运局").official_numbers == []


@pytest.mark.parametrize("bad", ["12", "0632-77123456789012345", "0632-7712345 转 8",
                                 "电话0632", "---", "0632\t7712345x",
                                 [f"0632-77123{i:02d}" for i in range(11)]])
def test_bad_official_numbers_are_refused(app, bad):
    with pytest.raises(InvalidValueError) as e:
        app.set_official_numbers("区住建局", bad, ROOT)
    assert e.value.details["field"] == "official_numbers"
    assert app.get_department("区住建局").official_numbers == []


def test_ten_numbers_are_enough():
    assert len(clean_official_numbers([f"0632-77123{i:02d}" for i in range(10)])) == 10


# --- only admins --------------------------------------------------------------------------

@pytest.mark.parametrize("who", ["reviewer", "handler", "other_handler"])
def test_only_admins_manage_the_directory(accounts, staff, who):
    app, actor = accounts, getattr(staff, who)
    commands = [
        lambda: app.change_staff_roles("rev", ["operator"], None, actor),
        lambda: app.rename_staff("rev", "某某", actor),
        lambda: app.deactivate_staff("rev", actor),
        lambda: app.reactivate_staff("rev", actor),
        lambda: app.set_staff_password("rev", "y", actor),
        lambda: app.register_staff(username="x1", display_name="", password_hash="x",
                                   roles=["admin"], department=None, actor=actor),
        lambda: app.register_department("区新局", actor),
        lambda: app.deactivate_department("区住建局", actor),
        lambda: app.reactivate_department("区住建局", actor),
        lambda: app.set_official_numbers("区住建局", ["12345"], actor),
        lambda: app.set_department_mailbox("区住建局", "a@example.cn", actor),
    ]
    for command in commands:
        with pytest.raises(AccessDeniedError):
            command()
    assert app.get_staff("rev").roles == ["reviewer"] and app.get_staff("rev").active
    assert app.department_exists("区住建局")
    assert app.official_numbers() == ()


# --- the read model -----------------------------------------------------------------------

def test_the_read_model_follows_every_change_and_holds_no_secrets(runtime):
    app = runtime.app
    app.register_staff(username="root", display_name="管理员", password_hash="SECRET-HASH",
                       roles=["admin"], department=None, actor=SYSTEM_ACTOR,
                       email="root@example.gov.cn")
    app.register_staff(username="h1", display_name="李", password_hash="SECRET-HASH",
                       roles=["handler"], department="区住建局", actor=SYSTEM_ACTOR)
    app.change_staff_roles("h1", ["handler", "opinion"], "区交运局", ROOT)
    app.rename_staff("h1", "李承办", ROOT)
    app.deactivate_staff("h1", ROOT)
    app.set_department_mailbox("区交运局", "jy@example.gov.cn", ROOT)
    app.set_official_numbers("区交运局", ["0632-7712345"], ROOT)
    app.deactivate_department("区住建局", ROOT)
    runtime.catch_up_all()
    rows = {r["username"]: r for r in runtime.queries.staff_accounts()}
    assert rows["h1"]["roles"] == ["handler", "opinion"]
    assert rows["h1"]["department"] == "区交运局" and rows["h1"]["display_name"] == "李承办"
    assert rows["h1"]["active"] is False and rows["h1"]["has_email"] is False
    assert rows["root"]["has_email"] is True and rows["root"]["active"] is True
    assert "SECRET-HASH" not in repr(rows) and "root@example" not in repr(rows)
    assert [r["username"] for r in runtime.queries.staff_accounts(role="opinion")] == ["h1"]
    assert [r["username"] for r in runtime.queries.staff_accounts(active=True)] == ["root"]
    departments = {d["name"]: d for d in runtime.queries.department_rows()}
    assert departments["区交运局"]["mailbox"] == "jy@example.gov.cn"
    assert departments["区交运局"]["official_numbers"] == ["0632-7712345"]
    assert departments["区住建局"]["active"] is False
    assert "区住建局" not in runtime.queries.departments()
    assert "区住建局" in runtime.queries.departments(active_only=False)
    app.reactivate_staff("h1", ROOT)
    app.reactivate_department("区住建局", ROOT)
    runtime.catch_up_all()
    assert {r["username"]: r for r in runtime.queries.staff_accounts()}["h1"]["active"]
    assert "区住建局" in runtime.queries.departments()
