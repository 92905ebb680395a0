"""A cheap argon2 setting for the test suite (production keeps argon2-cffi's defaults).

Processes started through the CLI (tests/e2e, tests/browser) still hash at full cost.
"""

import pytest
from argon2 import PasswordHasher

from infrastructure.security import use_password_hasher

CHEAP_HASHER = PasswordHasher(time_cost=1, memory_cost=8 * 1024, parallelism=1)


@pytest.fixture(autouse=True, scope="session")
def cheap_password_hashing():
    previous = use_password_hasher(CHEAP_HASHER)
    yield CHEAP_HASHER
    use_password_hasher(previous)
