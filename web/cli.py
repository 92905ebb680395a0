"""The `minyi` command: storage, departments, staff, read models, demo data, dev server."""

import os
import sys

import click
from flask import current_app
from flask.cli import FlaskGroup, with_appcontext

from domain.actors import SYSTEM_ACTOR
from domain.errors import DomainError
from domain.reference import ROLES
from infrastructure.security import hash_password

from .reports import report_command


def _rt():
    return current_app.extensions["minyi"]


@click.command("init")
@with_appcontext
def init_command():
    """Create read-model tables, seed departments, catch up the read models."""
    rt = _rt()
    rt.init_storage()
    counts = rt.catch_up_all()
    click.echo(f"存储已初始化；已投影事件：{counts}")


@click.command("create-department")
@click.argument("name")
@with_appcontext
def create_department(name):
    """Add a department (责任单位)."""
    rt = _rt()
    if rt.app.department_exists(name):
        raise click.ClickException(f"单位已存在：{name}")
    rt.app.register_department(name, SYSTEM_ACTOR)
    rt.catch_up_all()
    click.echo(f"已创建单位：{name}")


@click.command("create-staff")
@click.argument("username")
@click.option("--role", "roles", multiple=True, required=True,
              type=click.Choice(sorted(ROLES)), help="可重复：" + " / ".join(sorted(ROLES)))
@click.option("--department", default=None, help="承办人所属单位")
@click.option("--display-name", default="", help="显示名称")
@click.option("--email", default="", help="接收通知的电子邮箱")
@click.password_option(help="至少8位")
@with_appcontext
def create_staff(username, roles, department, display_name, email, password):
    """Create a staff account with an argon2-hashed password."""
    rt = _rt()
    try:
        rt.app.register_staff(username=username, display_name=display_name,
                              password_hash=hash_password(password), roles=list(roles),
                              department=department, actor=SYSTEM_ACTOR)
        if email:
            rt.app.set_staff_email(username, email, SYSTEM_ACTOR)
    except (DomainError, ValueError) as e:
        raise click.ClickException(getattr(e, "message", str(e)))
    rt.catch_up_all()
    click.echo(f"已创建账号：{username}（{'、'.join(ROLES[r] for r in roles)}）")


@click.command("set-password")
@click.argument("username")
@click.password_option()
@with_appcontext
def set_password(username, password):
    """Change a staff member's password (revokes their tokens and sessions)."""
    rt = _rt()
    try:
        rt.app.set_staff_password(username, hash_password(password), SYSTEM_ACTOR)
    except (DomainError, ValueError) as e:
        raise click.ClickException(getattr(e, "message", str(e)))
    rt.credentials.revoke(username=username)
    click.echo("密码已更新；该账号的会话和令牌均已失效")


@click.command("set-email")
@click.argument("username")
@click.argument("email", default="")
@with_appcontext
def set_email(username, email):
    """Set (or, without EMAIL, clear) where a staff member's notices are e-mailed."""
    _set_address(_rt().app.set_staff_email, username, email, "通知邮箱")


def _set_address(command, whose: str, email: str, label: str) -> None:
    try:
        command(whose, email, SYSTEM_ACTOR)
    except DomainError as e:
        raise click.ClickException(e.message)
    click.echo(f"已设置{label}：{email}" if email else f"已清除{label}")


@click.command("set-mailbox")
@click.argument("department")
@click.argument("email", default="")
@with_appcontext
def set_mailbox(department, email):
    """Set (or clear) a department's duty mailbox, which also receives its notices."""
    _set_address(_rt().app.set_department_mailbox, department, email, "单位值班邮箱")


@click.command("token")
@click.argument("username")
@with_appcontext
def token(username):
    """Print an API bearer token for a staff account."""
    rt = _rt()
    try:
        account = rt.app.get_staff(username)
    except DomainError as e:
        raise click.ClickException(e.message)
    issued = rt.credentials.issue(username, rt.fingerprint(account.password_hash), "token",
                                  client="cli", label="命令行签发")
    click.echo(issued["secret"])


@click.command("create-api-key")
@click.argument("name")
@with_appcontext
def create_api_key(name):
    """Issue an Open311 API key to a client NAME; the key is printed this once."""
    try:
        key = _rt().app.create_api_key(name, SYSTEM_ACTOR)
    except DomainError as e:
        raise click.ClickException(e.message)
    click.echo(f"已为 {name.strip()} 创建 API 密钥（仅显示这一次，请妥善保存）：", err=True)
    click.echo(key)


@click.command("revoke-api-key")
@click.argument("name")
@with_appcontext
def revoke_api_key(name):
    """Revoke the Open311 API key of client NAME (web processes refuse it within seconds)."""
    try:
        _rt().app.revoke_api_key(name, SYSTEM_ACTOR)
    except DomainError as e:
        raise click.ClickException(e.message)
    click.echo(f"已撤销 {name.strip()} 的 API 密钥")


@click.command("list-api-keys")
@with_appcontext
def list_api_keys():
    """List Open311 API clients: name, state, when issued and revoked (never the keys)."""
    rt = _rt()
    clients = rt.app.api_clients()
    if not clients:
        click.echo("尚无 API 客户端")

    def local(moment):
        return moment.astimezone(rt.app.tz).strftime("%Y-%m-%d %H:%M") if moment else ""

    for c in clients:
        state = "有效" if c.active else f"已撤销 {local(c.revoked_at)}"
        click.echo(f"{c.name}\t{state}\t创建于 {local(c.created_at)}")


@click.group("calendar")
def calendar_group():
    """Official working-day schedules (国务院办公厅节假日安排)."""


@calendar_group.command("import")
@click.argument("file", type=click.File("rb"))
@click.option("--no-wait", is_flag=True,
              help="不等待其他进程读取新安排（仅在没有其他进程运行时使用）")
@with_appcontext
def calendar_import(file, no_wait):
    """Import a year's schedule (JSON: year, holidays, workdays, source) and move the
    open deadlines it changes."""
    import json

    from infrastructure.workcalendar import import_schedule
    try:
        data = json.loads(file.read().decode("utf-8-sig"))
    except (UnicodeDecodeError, ValueError) as e:
        raise click.ClickException(f"文件不是有效的 UTF-8 JSON：{e}") from None
    try:
        result = import_schedule(_rt(), SYSTEM_ACTOR, data, settle_seconds=0 if no_wait else None,
                                 report=click.echo)
    except DomainError as e:
        raise click.ClickException(e.message) from None
    if not result["changed"]:
        click.echo(f"{result['year']} 年安排与已导入的相同，未作改动")
        return
    moved = "，".join(f"{kind} {n} 件" for kind, n in result["moved"].items())
    click.echo(f"已导入 {result['year']} 年节假日安排；已重算办理期限：{moved}")


@calendar_group.command("status")
@with_appcontext
def calendar_status():
    """Which years count with an official schedule."""
    app = _rt().app
    today = app.today()
    for year in range(today.year - 1, today.year + 2):
        imported = next((s for s in app.schedule_listing() if s["year"] == year), None)
        if imported:
            state = f"已导入（{imported['source'] or '未注明来源'}）"
        elif app.calendar.official(year):
            state = "内置数据"
        else:
            state = "缺少官方安排：暂按周一至周五计算"
        click.echo(f"{year}\t{state}")


REBUILD_BATCH = 5000  # events per transaction of `minyi rebuild all`


@click.command("rebuild")
@click.argument("names", nargs=-1, required=True)
@click.option("--jobs", type=click.IntRange(1, 16), default=None,
              help="processes for `all` (default: the CPUs, at most 4)")
@click.option("--position", type=int, default=0, hidden=True)
@with_appcontext
def rebuild(names, jobs, position):
    """Rebuild read models (names, or `all`) from the event log beside the serving ones,
    then swap each in.

    Readers keep seeing the complete old tables until the new ones have caught up; a
    worker running meanwhile may help feed the new generation (the tracking position
    keeps every event's effect exactly once). `all` splits the read models into groups of
    about equal work, one process each, every group fed in one pass over the log.
    """
    from tqdm import tqdm

    from infrastructure.views.updater import CatchUp, events_by_topic, rebuild_plan

    rt = _rt()
    known = [u.name for u in rt.updaters()]
    if "all" in names:
        names = tuple(known)
        jobs = jobs or min(4, os.cpu_count() or 1)
        if jobs > 1:
            plan = rebuild_plan(rt.updaters(), events_by_topic(rt.app), jobs)
            _rebuild_in_processes(plan)
            return
    unknown = [n for n in names if n not in known]
    if unknown:
        raise click.ClickException(f"unknown read model {unknown[0]!r}; known: {known}")
    total = rt.app.recorder.max_notification_id() or 0
    label = names[0] if len(names) == 1 else f"{names[0]}+{len(names) - 1}"
    with tqdm(total=total, desc=label, unit="ev", position=position) as bar:
        # Larger batches than a live catch-up's: fewer commits, same memory bound.
        taken = CatchUp(rt.app, rt.views, [rt.updater(n) for n in names],
                        max(rt.settings.batch_size, REBUILD_BATCH)).rebuild(
            on_batch=bar.update)
        bar.update(max(0, total - bar.n))
    for n, count in taken.items():
        click.echo(f"{n}: 已重建，读取 {count} 个事件")


def _rebuild_in_processes(plan: list[list[str]]) -> None:
    """One `rebuild` process per group of read models, all at once; fails if any fails."""
    import subprocess

    # This process has created the stores' tables; the children must not race to create
    # them again (on PostgreSQL two concurrent CREATE ... IF NOT EXISTS can still collide).
    env = {**os.environ, "CREATE_TABLE": "no"}
    procs = [subprocess.Popen([sys.executable, "-m", "web.cli", "rebuild", "--jobs", "1",
                               "--position", str(i), *names], env=env)
             for i, names in enumerate(plan)]
    failed = [names for names, proc in zip(plan, procs) if proc.wait() != 0]
    if failed:
        raise click.ClickException(f"重建失败：{', '.join(n for g in failed for n in g)}")


@click.command("catch-up")
@with_appcontext
def catch_up():
    """Project pending events now, in this process."""
    click.echo(_rt().catch_up_all())


@click.command("demo")
@click.option("--count", default=300, show_default=True, help="留言数量")
@click.option("--seed", default=2019, show_default=True)
@with_appcontext
def demo(count, seed):
    """Load a realistic sample: comments across departments, with replies and ratings."""
    from .demo import load_demo

    stats = load_demo(_rt(), count=count, seed=seed)
    click.echo(f"示例数据已载入：{stats}")


COMMANDS = (init_command, create_department, create_staff, set_password, set_email,
            set_mailbox, token,
            create_api_key, revoke_api_key, list_api_keys, rebuild, catch_up, demo,
            report_command, calendar_group)


def init_app(app) -> None:
    for command in COMMANDS:
        app.cli.add_command(command)


def _create_app():
    from . import create_app
    return create_app()


@click.group(cls=FlaskGroup, create_app=_create_app, add_default_commands=True)
def cli():
    """minyi 民意 — 留言办理与舆情回应系统"""


def main() -> None:
    cli(prog_name="minyi")


if __name__ == "__main__":
    sys.exit(main())
