"""Hotline tickets for `make demo`: calls walked through dispatch, handling and callback
with a simulated clock (the comment demo's topics and places)."""

from datetime import timedelta

from domain.actors import Actor
from domain.reference import AREAS, RATINGS

OPERATOR = Actor("operator", ("operator",), None, "12345热线话务员")
SUPERVISOR = Actor("supervisor", ("supervisor",), None, "区政府督查室督办员")
REVIEWER = Actor("reviewer", ("reviewer",), None, "区政府办公室审核员")


def one_ticket(app, rng, clock, handler_of: dict, topics: dict, places, names,
               now_real) -> str:
    """Register one call and walk it as far as the simulated time allows; the outcome."""
    category = rng.choice(list(topics))
    dept, variants = topics[category]
    title_t, question_t, reply_t = rng.choice(variants)
    place = rng.choice(places)
    ticket = app.register_ticket(
        OPERATOR, channel=rng.choices(("phone", "web", "wechat", "app", "email"),
                                      weights=(70, 10, 10, 7, 3))[0],
        caller_name=rng.choice(names) + rng.choice(("先生", "女士")),
        caller_phone=f"13{rng.randint(0, 9)}{rng.randint(10000000, 99999999)}",
        area=rng.choice(AREAS), address=f"{place}{rng.randint(1, 30)}号",
        category=category, kind=rng.choice(("咨询", "求助", "投诉", "建议", "举报")),
        urgency="urgent" if rng.random() < 0.05 else "normal",
        title=title_t.format(place=place), content=question_t.format(place=place),
        publish=rng.random() > 0.3)
    no, reply = ticket.ticket_no, reply_t.format(place=place)

    def act(action, actor, **data):
        app.act("tickets", no, action, actor, **data)

    def later(hours: float) -> bool:
        clock.now += timedelta(hours=hours)
        return clock.now < now_real

    if not later(rng.uniform(0.1, 2)):
        return "open"
    if rng.random() < 0.1:
        act("resolve_on_spot", OPERATOR, reply=reply)
    else:
        others = [d for d in handler_of if d != dept]
        co = [rng.choice(others)] if others and rng.random() < 0.2 else []
        act("dispatch", OPERATOR, department=dept, co_departments=co)
        if not later(rng.uniform(1, 20)):
            return "open"
        act("sign", handler_of[dept])
        for other in co:
            act("co_reply", handler_of[other], opinion="本单位已配合核查，意见同承办单位。")
        if rng.random() < 0.1:
            act("request_extension", handler_of[dept], days=3, reason="需现场勘查")
            act("grant_extension", SUPERVISOR)
        if rng.random() < 0.15 or not later(rng.uniform(24, 24 * 10)):
            return "open"  # slow: may run overdue and be reminded
        act("resolve", handler_of[dept], reply=reply)
    if not later(rng.uniform(2, 30)):
        return "resolved"
    rating = rng.choices(RATINGS, weights=(40, 30, 15, 10, 5))[0]
    act("callback", OPERATOR, reached=True, resolved=rating not in ("不满意", "非常不满意"),
        rating=rating)
    item = app.get_item("tickets", no)
    if item.publish and item.status == "closed" and rng.random() < 0.7:
        act("publish", REVIEWER, title=item.public_title, content=item.public_content,
            reply=item.public_reply)
    return "called_back"
