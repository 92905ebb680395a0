"""A large incident loads from its latest snapshot, and loads the same as a full replay;
a snapshot that cannot be read is only a cache: the events are replayed instead."""

from domain.actors import Actor
from domain.incidents import Incident

TEAM = Actor("yq", ("opinion",))


def _linked(app, count: int) -> Incident:
    incident = app.open_incident(TEAM, title="大面积停水", incident_no="YQ20261130000001")
    for i in range(count):
        incident.link(item_kind="comments", number=f"LY2026113000{i:04d}", department=None,
                      actor=TEAM.id, at=app.clock())
        if i % 40 == 39:
            app.save(incident)
    app.save(incident)
    return incident


def _state(incident) -> dict:
    return {k: v for k, v in vars(incident).items() if k != "_pending_events"}


def test_a_large_incident_loads_from_its_snapshot_as_a_replay_would(app):
    saved = _linked(app, 250)
    snapshots = list(app._snapshots.get(saved.id))
    assert [s.originator_version for s in snapshots] == [121, 201]
    loaded = app.get_item("incidents", saved.incident_no)
    replayed = app.repository.get(saved.id)  # every event, no snapshot
    assert loaded.version == replayed.version == 251 and len(loaded.links) == 250
    assert _state(loaded) == _state(replayed)
    app.act("incidents", saved.incident_no, "set_level", TEAM, level="II", reason="关注度上升")
    assert app.get_item("incidents", saved.incident_no).level == "II"


def test_an_unreadable_snapshot_falls_back_to_the_events(app, monkeypatch):
    saved = _linked(app, 120)

    def broken(*args, **kwargs):
        raise ValueError("snapshot topic no longer resolves")

    monkeypatch.setattr(app._snapshotted, "get", broken)
    assert len(app.get_item("incidents", saved.incident_no).links) == 120
