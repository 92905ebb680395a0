"""Open311 GeoReport v2 under /open311/v2 (read and write), for civic-tech clients."""


def blueprints() -> list:
    return []
