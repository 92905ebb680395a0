"""Open311 GeoReport v2 under /open311/v2 (read and write), for civic-tech clients.

docs/open311.md describes the endpoints, the service codes and what is published.
"""


def blueprints() -> list:
    from .routes import bp

    return [bp]
