"""Ticket numbers drawn by several processes on one database: each process draws from a
block of numbers it holds (a Redis counter), so registrations do not collide; the store
still decides, and without Redis the processes count on their own."""

import pytest
from redis import Redis

from domain.actors import Actor
from domain.errors import ConflictError
from tests.conftest import REDIS_URL

OPERATOR = Actor("op", ("operator",))


def register(rt) -> str:
    return rt.app.register_ticket(OPERATOR, channel="phone", area="临城街道",
                                  category="城乡建设", kind="投诉", urgency="normal",
                                  title="路灯", content="路灯坏了").number


def count_refusals(rt, monkeypatch) -> list:
    refused, original = [], rt.app.save

    def save(*objs, **kwargs):
        try:
            return original(*objs, **kwargs)
        except ConflictError:
            refused.append(objs)
            raise
    monkeypatch.setattr(rt.app, "save", save)
    return refused


def sequences(numbers) -> list[int]:
    return sorted(int(n[8:]) for n in numbers)


@pytest.mark.redis
def test_processes_draw_from_their_own_blocks_and_never_collide(
        make_settings, make_runtime, database_url, monkeypatch):
    settings = make_settings(database_url, ticket_number_block=5)
    first, second = make_runtime(settings), make_runtime(settings, init=False)
    refused = count_refusals(first, monkeypatch) + count_refusals(second, monkeypatch)
    numbers = [register(rt) for _ in range(6) for rt in (first, second)]
    assert len(set(numbers)) == 12 and refused == []
    # first holds 1-5 and second 6-10; then each draws the next free block
    assert numbers[:2] == [numbers[0][:8] + "00001", numbers[0][:8] + "00006"]
    assert sequences(numbers) == [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 16]


@pytest.mark.redis
def test_a_lost_counter_costs_a_search_not_a_duplicate(make_settings, make_runtime,
                                                        database_url, monkeypatch):
    settings = make_settings(database_url, ticket_number_block=1)
    rt = make_runtime(settings)
    before = [register(rt) for _ in range(3)]
    redis = Redis.from_url(REDIS_URL)
    key = f"{settings.key_prefix}:numbers:tickets:{before[0][:8]}"
    assert int(redis.get(key)) == 3
    redis.delete(key)  # Redis restarted empty
    refused = count_refusals(rt, monkeypatch)
    after = [register(rt) for _ in range(3)]
    assert sequences(before + after) == [1, 2, 3, 4, 5, 6]
    assert len(refused) == 2  # two drawn numbers refused, then the store was searched
    assert int(redis.get(key)) == 6  # the counter was moved past the numbers taken


def test_without_redis_each_process_counts_on_its_own(make_settings, make_runtime,
                                                      database_url, monkeypatch):
    settings = make_settings(database_url, redis_url="redis://127.0.0.1:1/0")
    first, second = make_runtime(settings), make_runtime(settings, init=False)
    numbers = [register(rt) for _ in range(3) for rt in (first, second)]
    assert sequences(numbers) == [1, 2, 3, 4, 5, 6]
