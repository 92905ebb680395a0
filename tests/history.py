"""A generated history: portal comments and hotline tickets received, handled, answered,
rated, called back, reopened, reminded and supervised over several weeks of the real
calendar (the National Day holiday and its adjusted working days included).

Every step goes through the application's commands, with the clock moving forward, so
the history is what the system would record; the oversight job runs each morning.
"""

import random
from datetime import timedelta

from domain.actors import Actor
from domain.errors import DomainError
from domain.reference import CATEGORIES, RATINGS, TICKET_KINDS

from .support import local

DEPARTMENTS = ("区住建局", "区交运局", "区教体局", "区卫健局")
REVIEWER = Actor("rev", ("reviewer",))
OPERATOR = Actor("op", ("operator",))
SUPERVISOR = Actor("sup", ("supervisor",))
HANDLERS = {d: Actor(f"h-{d}", ("handler",), d) for d in DEPARTMENTS}
COMMENT_KINDS = ("咨询", "建议", "投诉", "求助")


def generate_history(rt, clock, *, items: int, start=(2026, 9, 14), days: int = 56,
                     seed: int = 20261001) -> dict:
    """Record about `items` items over `days` days; returns how many steps were taken."""
    rng, app = random.Random(seed), rt.app
    comments: dict[str, str] = {}  # tracking number -> query code, while it can move
    tickets: set[str] = set()
    steps = 0
    first = local(*start, hour=8)
    for offset in range(days):
        clock.now = first + timedelta(days=offset)
        today = clock.today()
        workday = app.calendar.is_workday(today)
        rt.catch_up_all()
        rt.oversight.run()
        arrivals = rng.randint(0, 2 * items // days)
        todo = [("new", None)] * arrivals
        if workday:
            todo += [("comment", no) for no in comments if rng.random() < 0.4]
            todo += [("ticket", no) for no in tickets if rng.random() < 0.45]
        rng.shuffle(todo)
        for what, number in todo:
            clock.advance(minutes=rng.randint(1, 6))
            try:
                if what == "new":
                    _receive(app, rng, comments, tickets)
                elif what == "comment":
                    _move_comment(app, rng, number, comments)
                else:
                    _move_ticket(app, rng, number, tickets)
                steps += 1
            except DomainError:
                pass
    rt.catch_up_all()
    return {"steps": steps}


def _receive(app, rng, comments, tickets) -> None:
    category = rng.choice(CATEGORIES)
    if rng.random() < 0.5:
        receipt = app.submit_comment(
            title="关于" + category + "的留言", content="具体情况如下：" + category * 3,
            kind=rng.choice(COMMENT_KINDS), category=category,
            publish=rng.random() < 0.8, channel=rng.choice(("portal", "mailbox")))
        comments[receipt["tracking_no"]] = receipt["query_code"]
    else:
        ticket = app.register_ticket(
            OPERATOR, channel=rng.choice(("phone", "web", "wechat", "app", "email")),
            area="临城街道", category=category, kind=rng.choice(TICKET_KINDS),
            urgency="urgent" if rng.random() < 0.1 else "normal", title="来电：" + category,
            content="市民反映" + category + "问题", publish=rng.random() < 0.7)
        tickets.add(ticket.number)


def _move_comment(app, rng, no, comments) -> None:
    item = app.get_item("comments", no)
    status, dept = item.status, item.department
    handler = HANDLERS.get(dept)
    roll = rng.random()
    if status == "submitted":
        if roll < 0.9:
            app.act("comments", no, "accept", REVIEWER)
        else:
            app.act("comments", no, "reject", REVIEWER, reason="out_of_scope", note="")
            del comments[no]
    elif status == "accepted":
        app.act("comments", no, "dispatch", REVIEWER, department=rng.choice(DEPARTMENTS))
    elif status in ("dispatched", "drafted") and item.extension == "requested":
        if roll < 0.7:
            app.act("comments", no, "grant_extension", REVIEWER)
        else:
            app.act("comments", no, "decline_extension", REVIEWER, reason="不符合延期条件")
    elif status == "dispatched":
        if roll < 0.05:
            app.act("comments", no, "transfer", REVIEWER,
                    department=rng.choice([d for d in DEPARTMENTS if d != dept]),
                    reason="职责调整")
        elif roll < 0.08:
            app.act("comments", no, "return", handler, reason="非本单位职责")
        elif roll < 0.13 and not item.extension:
            app.act("comments", no, "request_extension", handler, days=5, reason="需现场核实")
        else:
            app.act("comments", no, "draft", handler, content="经核实，已安排处理。")
    elif status == "drafted":
        if roll < 0.85:
            app.act("comments", no, "approve", REVIEWER)
        else:
            app.act("comments", no, "send_back", REVIEWER, reason="请补充办理时限")
    elif status == "replied":
        if roll < 0.5:
            app.rate_reply(no, comments[no], rng.choice(RATINGS))
            if app.get_item("comments", no).status == "closed":
                del comments[no]
        elif roll < 0.6:
            app.act("comments", no, "reopen", REVIEWER, reason="答复不完整")
        elif roll < 0.8:
            app.act("comments", no, "close", REVIEWER, note="")
            del comments[no]
    elif status == "closed":
        del comments[no]


def _move_ticket(app, rng, no, tickets) -> None:
    item = app.get_item("tickets", no)
    status, dept = item.status, item.department
    handler = HANDLERS.get(dept)
    roll = rng.random()
    if status in ("dispatched", "handling") and handler is None:  # reopened after 直接办结
        app.act("tickets", no, "transfer", OPERATOR, department=rng.choice(DEPARTMENTS),
                reason="重办交由承办单位")
    elif status == "registered":
        if roll < 0.15:
            app.act("tickets", no, "resolve_on_spot", OPERATOR, reply="已当场解答。")
        else:
            lead = rng.choice(DEPARTMENTS)
            co = [rng.choice([d for d in DEPARTMENTS if d != lead])] if roll > 0.85 else []
            app.act("tickets", no, "dispatch", OPERATOR, department=lead, co_departments=co)
    elif status == "dispatched":
        if roll < 0.05:
            app.act("tickets", no, "return", handler, reason="非本单位职责")
        elif roll < 0.1:
            app.act("tickets", no, "transfer", OPERATOR,
                    department=rng.choice([d for d in DEPARTMENTS if d != dept]),
                    reason="职责调整")
        else:
            app.act("tickets", no, "sign", handler)
    elif status == "handling" and item.extension == "requested":
        if roll < 0.7:
            app.act("tickets", no, "grant_extension", SUPERVISOR)
        else:
            app.act("tickets", no, "decline_extension", SUPERVISOR, reason="不符合延期条件")
    elif status == "handling":
        if item.pending_co:
            co = item.pending_co[0]
            app.act("tickets", no, "co_reply", HANDLERS[co], opinion="同意办理意见",
                    department=co)
        elif roll < 0.06 and not item.extension:
            app.act("tickets", no, "request_extension", handler, days=5, reason="需协调")
        else:
            app.act("tickets", no, "resolve", handler, reply="已办理完毕。")
    elif status == "resolved":
        reached = roll < 0.85
        resolved = rng.random() < 0.8 if reached else None
        rating = rng.choice(RATINGS) if reached and rng.random() < 0.9 else None
        after = app.act("tickets", no, "callback", OPERATOR, reached=reached,
                        resolved=resolved, rating=rating, remark="")
        if after.status == "resolved" and rng.random() < 0.7:
            after = app.act("tickets", no, "close", OPERATOR, note="")
        if after.status == "closed":
            tickets.discard(no)
    elif status == "closed":
        tickets.discard(no)
