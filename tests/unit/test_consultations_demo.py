"""`make demo` creates consultations in every status, one with its adoption published."""

import random

from domain.consultations import LISTED_PHASES, Phase
from web.consultations.demo import load_consultations


class Clock:
    def __init__(self, now):
        self.now = now

    def __call__(self):
        return self.now


def test_the_demo_has_a_consultation_in_every_status(runtime, clock):
    app = runtime.app
    real_clock, simulated = app.clock, Clock(clock.now)
    app.clock = simulated
    try:
        made = load_consultations(app, random.Random(7), simulated, real_clock(), {})
    finally:
        app.clock = real_clock
    runtime.catch_up_all()
    rows = runtime.queries.consultations(today=app.today(), catalogue=True).items
    phases = {row["phase"] for row in rows}
    assert phases == {*LISTED_PHASES, Phase.PLANNED} and sum(made.values()) == len(rows)
    published = [r for r in rows if r["phase"] == Phase.PUBLISHED]
    assert len(published) == 1 and published[0]["received"] == published[0]["opinion_count"] > 0
    assert published[0]["decided_on"] is not None
    assert runtime.queries.consultation_opinions(published[0]["consultation_no"]).total > 0
