"""Public statistics and reply feeds: /feeds/stats.json, /feeds/stats.csv, /feeds/replies.atom;
and the statistics page /stats with its charts and annual report downloads."""


def blueprints() -> list:
    from . import atom, pages, routes  # noqa: F401 - atom adds its route to routes.bp
    return [routes.bp, pages.bp]
