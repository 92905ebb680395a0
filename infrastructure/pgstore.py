"""The PostgreSQL event recorder, failing fast when the database is unreachable.

The library retries every read and write up to ten times, 0.2 s apart, each attempt
waiting for a pooled connection; with PostgreSQL down a request would hang for minutes.
Here a call is tried at most twice (a connection that died while idle in the pool is
replaced by the second try), so a request gets its 503 (web/errors.py) within a few
seconds and the client may retry.
"""

from eventsourcing.persistence import InterfaceError, OperationalError
from eventsourcing.postgres import PostgresApplicationRecorder
from eventsourcing.utils import retry

ATTEMPTS, WAIT = 2, 0.1


def _fail_fast(name: str):
    unwrapped = getattr(PostgresApplicationRecorder, name).__wrapped__
    return retry((InterfaceError, OperationalError), max_attempts=ATTEMPTS, wait=WAIT)(unwrapped)


class FailFastApplicationRecorder(PostgresApplicationRecorder):
    insert_events = _fail_fast("insert_events")
    select_events = _fail_fast("select_events")
    select_notifications = _fail_fast("select_notifications")
    max_notification_id = _fail_fast("max_notification_id")
