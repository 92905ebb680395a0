"""Public statistics and reply feeds: /feeds/stats.json, /feeds/stats.csv, /feeds/replies.atom."""


def blueprints() -> list:
    from . import atom, routes  # noqa: F401 - atom adds its route to routes.bp
    return [routes.bp]
