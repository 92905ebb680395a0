"""Unit tier: the in-memory event store (read models in an in-memory SQLite)."""

import pytest


@pytest.fixture
def database_url() -> str:
    return "memory://"
