"""The pipeline's Redis side: pokes that enqueue catch-up jobs, and one lock per read model.

A command saves events and pokes; a poke sets a flag in Redis and enqueues one catch-up
job only if no job is already waiting. The job clears the flag, then drains every read
model (infrastructure/views/updater.py). A Redis lock keeps one consumer per read model
at a time; the tracking position keeps every event's effect exactly once regardless.

Read models can be spread over several queues (READ_MODEL_QUEUES, `catch_up_plan`): a
poke then sets one flag and enqueues one job per queue, and each job drains only its
queue's read models, so workers listening on different queues project in parallel.

Request ids follow the saves into the jobs: a poke made for a request appends the
request's id to a list beside the queue's flag (in the same round trip as the flag, at
most MAX_REQUEST_IDS of them, plus a count), and the job takes and empties that list
atomically with clearing the flag; so a job learns exactly the requests whose saves it is
the first to read (infrastructure/observability.py, workers/jobs.py).
"""

import logging
import threading
import time
from contextlib import contextmanager

from .observability import current_request_id

log = logging.getLogger(__name__)

CATCH_UP_JOB = "workers.jobs.catch_up_all"
MAX_REQUEST_IDS = 50  # request ids a catch-up job carries (the count goes on past it)
REQUEST_IDS_TTL = 3600


def catch_up_plan(default_queue: str, assignments, names) -> dict[str, list[str]]:
    """Queue -> the read models its catch-up jobs drain, in `names` order (the order jobs
    feed them: escalation first). `assignments` (READ_MODEL_QUEUES) names the read models
    that go elsewhere than `default_queue`; the others stay there."""
    names = list(names)
    owner: dict[str, str] = {}
    for queue, models in (assignments or {}).items():
        for model in models:
            if model not in names:
                raise ValueError(f"READ_MODEL_QUEUES: unknown read model {model!r}; "
                                 f"known: {', '.join(names)}")
            if owner.setdefault(model, queue) != queue:
                raise ValueError(f"READ_MODEL_QUEUES: {model!r} is on two queues")
    plan: dict[str, list[str]] = {}
    for name in names:
        plan.setdefault(owner.get(name, default_queue), []).append(name)
    return plan


def catch_up_queues(rt) -> dict[str, list[str]]:
    """The catch-up plan of a runtime (its read models and READ_MODEL_QUEUES)."""
    from .views import READ_MODELS

    names = [cls.name for cls in (*READ_MODELS, *rt.read_models)]
    return catch_up_plan(rt.settings.queue_name, rt.settings.read_model_queues, names)


def route_pokes(rt) -> dict[str, list[str]]:
    """Point the runtime's poker at every catch-up queue (the web, workers and scheduler
    call this once per process); returns the plan."""
    plan = catch_up_queues(rt)
    rt.poker.queues = list(plan)
    return plan


class Poker:
    """Asks the workers to catch up, at most one queued job per queue, never raising."""

    def __init__(self, redis_factory, queue_name: str, prefix: str, flag_ttl: int = 30,
                 backoff: float = 5.0):
        self.redis_factory, self.queue_name, self.prefix = redis_factory, queue_name, prefix
        self.flag = self.flag_key(queue_name)
        self.flag_ttl, self.backoff = flag_ttl, backoff
        self._down_until = 0.0
        self._queues: list[str] = [queue_name]
        self._rq_queues: dict = {}

    @property
    def queues(self) -> list[str]:
        return list(self._queues)

    @queues.setter
    def queues(self, names) -> None:
        self._queues = list(dict.fromkeys(names)) or [self.queue_name]

    def flag_key(self, queue: str) -> str:
        """`<prefix>:catchup:pending` for the main queue (as before queues could be split),
        `<prefix>:catchup:pending:<queue>` for the others."""
        base = f"{self.prefix}:catchup:pending"
        return base if queue == self.queue_name else f"{base}:{queue}"

    def _ids_key(self, queue: str) -> str:
        return f"{self.prefix}:catchup:requests:{queue}"

    def _get_queue(self, name: str):
        if name not in self._rq_queues:
            from rq import Queue
            self._rq_queues[name] = Queue(name, connection=self.redis_factory())
        return self._rq_queues[name]

    def __call__(self, recordings=None, request_ids=None, request_count: int = 0,
                 queues=None) -> bool:
        """True if a job was enqueued; False if one was waiting everywhere or Redis is
        unreachable. `request_ids` default to this thread's request, if any."""
        if time.monotonic() < self._down_until:
            return False
        if request_ids is None:
            current = current_request_id()
            request_ids = [current] if current else []
        request_ids = list(request_ids)[:MAX_REQUEST_IDS]
        request_count = max(request_count, len(request_ids))
        names = list(queues or self._queues)
        try:
            connection = self._get_queue(names[0]).connection
            # One round trip; atomic when ids go along, so a job that clears the flag
            # meanwhile takes either all of this poke's ids or none of them.
            with connection.pipeline(transaction=bool(request_ids)) as pipe:
                for name in names:
                    pipe.set(self.flag_key(name), "1", nx=True, ex=self.flag_ttl)
                    if request_ids:
                        key = self._ids_key(name)
                        pipe.rpush(key, *request_ids)
                        pipe.ltrim(key, 0, MAX_REQUEST_IDS - 1)
                        pipe.incrby(f"{key}:count", request_count)
                        pipe.expire(key, REQUEST_IDS_TTL)
                        pipe.expire(f"{key}:count", REQUEST_IDS_TTL)
                replies = pipe.execute()
        except Exception as e:  # the citizen's request must not fail for a lost poke
            return self._failed(e)
        step = 6 if request_ids else 1
        enqueued = False
        for index, name in enumerate(names):
            if replies[index * step]:
                enqueued = self._enqueue(name) or enqueued
        return enqueued

    def _enqueue(self, name: str) -> bool:
        queue = self._get_queue(name)
        try:
            queue.enqueue(CATCH_UP_JOB, kwargs={"queue": name}, job_timeout=600,
                          result_ttl=0, failure_ttl=3600)
            return True
        except Exception as e:
            try:  # without a job behind it the flag would silence pokes until it expires
                queue.connection.delete(self.flag_key(name))
            except Exception:  # noqa: BLE001 - Redis is already failing; the TTL cleans up
                pass
            return self._failed(e)

    def _failed(self, error: Exception) -> bool:
        self._down_until = time.monotonic() + self.backoff
        log.warning("could not enqueue catch-up (%s); the periodic catch-up will cover it",
                    error)
        return False

    def clear(self, queue: str | None = None) -> tuple[list[str], int]:
        """Called by the job before it reads, so later pokes enqueue a new job. Returns the
        ids (at most MAX_REQUEST_IDS) and the number of the requests whose saves were poked
        since the last clear: this job is the first to read them."""
        name = queue or self.queue_name
        key = self._ids_key(name)
        with self.redis_factory().pipeline(transaction=True) as pipe:
            pipe.delete(self.flag_key(name))
            pipe.lrange(key, 0, MAX_REQUEST_IDS - 1)
            pipe.get(f"{key}:count")
            pipe.delete(key, f"{key}:count")
            _, ids, count, _ = pipe.execute()
        return [i.decode() if isinstance(i, bytes) else i for i in ids], int(count or 0)


class BackgroundPoker:
    """Pokes from a thread of its own, so that a request never waits on Redis: a save only
    sets an event; pokes that come while one is under way, or within `interval` seconds
    after it, are folded into the next. Under load that is a few dozen Redis calls a second
    per process instead of one per save, for at most `interval` more latency. The ids of the
    requests that saved meanwhile go along with the next poke (at most MAX_REQUEST_IDS)."""

    def __init__(self, poker: Poker, interval: float = 0.025):
        self.poker, self.interval = poker, interval
        self._wanted = threading.Event()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()
        self._ids: list[str] = []
        self._count = 0

    def __call__(self, recordings=None) -> None:
        request_id = current_request_id()
        if request_id is not None:
            with self._lock:
                if len(self._ids) < MAX_REQUEST_IDS:
                    self._ids.append(request_id)
                self._count += 1
        self._wanted.set()
        if self._thread is None or not self._thread.is_alive():
            with self._lock:  # started lazily: after any fork, in the process that pokes
                if self._thread is None or not self._thread.is_alive():
                    self._thread = threading.Thread(target=self._run, name="minyi-poker",
                                                    daemon=True)
                    self._thread.start()

    def _take(self) -> tuple[list[str], int]:
        with self._lock:
            ids, count, self._ids, self._count = self._ids, self._count, [], 0
        return ids, count

    def _run(self) -> None:
        while True:
            self._wanted.wait()
            self._wanted.clear()
            ids, count = self._take()
            if count:
                self.poker(request_ids=ids, request_count=count)
            else:
                self.poker()
            time.sleep(self.interval)

    def clear(self, queue: str | None = None):
        return self.poker.clear(queue)


@contextmanager
def read_model_lock(redis, prefix: str, name: str, timeout: int = 60, wait: float = 30,
                    give_up=None):
    """One consumer per read model across all workers; yields None if not acquired within
    `wait` seconds, or as soon as `give_up()` is true (a worker asked to stop)."""
    lock = redis.lock(f"{prefix}:lock:projection:{name}", timeout=timeout)
    deadline = time.monotonic() + wait
    while True:
        acquired = lock.acquire(blocking=True, blocking_timeout=max(
            0.0, min(0.5, deadline - time.monotonic())))
        if acquired or time.monotonic() >= deadline or (give_up is not None and give_up()):
            break
    try:
        yield lock if acquired else None
    finally:
        if acquired:
            try:
                lock.release()
            except Exception:  # expired while we worked; the tracking position still holds
                log.warning("read-model lock for %s expired before release", name)


# Release or extend only the keys still holding this holder's token (others may have
# taken a lock that expired meanwhile).
_RELEASE = """
local n = 0
for i, key in ipairs(KEYS) do
  if redis.call('get', key) == ARGV[1] then redis.call('del', key); n = n + 1 end
end
return n"""
_EXTEND = """
local n = 0
for i, key in ipairs(KEYS) do
  if redis.call('get', key) == ARGV[1] then redis.call('pexpire', key, ARGV[2]); n = n + 1 end
end
return n"""


class ReadModelLocks:
    """The locks of several read models, taken, extended and released in one round trip
    each (the same keys as `read_model_lock`, so the two exclude each other).

    A lock lives `ttl` seconds unless extended: a worker killed in the middle of a batch
    holds its read models back for that long at most (not a minute). `acquire` waits up to
    `wait` seconds for the locks another worker holds, then gives them up: that worker is
    draining those read models, and what it leaves behind is poked again."""

    def __init__(self, redis, prefix: str, names: list[str], ttl: float = 15.0):
        import secrets
        self.redis, self.ttl = redis, ttl
        self.keys = {name: f"{prefix}:lock:projection:{name}" for name in names}
        self.token = secrets.token_hex(16)
        self.held: list[str] = []

    def acquire(self, wait: float = 2.0, give_up=None) -> list[str]:
        """The names whose lock was taken (within `wait` seconds)."""
        missing = list(self.keys)
        deadline = time.monotonic() + wait
        while missing:
            pipe = self.redis.pipeline(transaction=False)
            for name in missing:
                pipe.set(self.keys[name], self.token, nx=True, px=int(self.ttl * 1000))
            taken = [name for name, ok in zip(missing, pipe.execute()) if ok]
            self.held += taken
            missing = [name for name in missing if name not in taken]
            if not missing or time.monotonic() >= deadline or (give_up and give_up()):
                break
            time.sleep(0.1)
        return list(self.held)

    def extend(self) -> None:
        if self.held:
            self.redis.eval(_EXTEND, len(self.held), *[self.keys[n] for n in self.held],
                            self.token, int(self.ttl * 1000))

    def release(self) -> None:
        if self.held:
            try:
                self.redis.eval(_RELEASE, len(self.held), *[self.keys[n] for n in self.held],
                                self.token)
            except Exception as e:  # noqa: BLE001 - they expire; positions keep exactly-once
                log.warning("read-model locks not released (%s); they expire in %ss", e,
                            self.ttl)
            self.held = []
