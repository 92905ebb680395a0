"""Public statistics and reply feeds: /feeds/stats.json, /feeds/stats.csv, /feeds/replies.atom."""


def blueprints() -> list:
    from . import routes
    return [routes.bp]
