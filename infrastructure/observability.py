"""Logs and metrics for every process: structured logs through structlog, request ids, and
Prometheus metrics that add up across gunicorn's processes.

Logs. `configure_logging` routes the standard library's logging (so every library's
records too) through one structlog formatter on stderr: one JSON object a line
(`LOG_FORMAT=json`, the default) or a readable line (`text`). Each line carries what is
bound in the log context: the request id of the request that logged it (`REQUEST_ID`,
set by the web for each request), and in the workers the job's id and the ids of the
requests whose saves a catch-up job projects (structlog's contextvars).

Metrics. prometheus-client keeps a process's metrics in memory; under gunicorn each
worker process would answer for itself only. With `PROMETHEUS_MULTIPROC_DIR` set (the
launcher, scripts/run_all.py, sets it to a fresh directory) every process writes its
samples into files there and `/metrics` adds them up (prometheus_client.multiprocess);
gunicorn's `child_exit` hook calls `mark_process_dead` (scripts/gunicorn_conf.py). Unset
(tests, one process), the default registry is used. The figures read at scrape time
(event log head, read-model positions and lag, queue lengths) are computed by the process
that answers the scrape (`StateCollector`), never stored per process.
"""

from __future__ import annotations

import logging
import os
import re
import sys
from contextvars import ContextVar
from datetime import datetime, timezone

import structlog

# --- request ids ----------------------------------------------------------------------

REQUEST_ID: ContextVar[str | None] = ContextVar("minyi_request_id", default=None)
"""The id of the request this thread serves (None outside a request)."""

_SANE_REQUEST_ID = re.compile(r"[A-Za-z0-9._:@+=/-]{1,64}")


def current_request_id() -> str | None:
    return REQUEST_ID.get()


def request_id_from(header: str | None) -> str:
    """An incoming X-Request-ID if it is sane (1-64 characters of [A-Za-z0-9._:@+=/-]),
    otherwise a new one (16 hex digits)."""
    if header and _SANE_REQUEST_ID.fullmatch(header):
        return header
    return os.urandom(8).hex()


# --- logs -----------------------------------------------------------------------------

_HANDLER_MARK = "_minyi_observability"


def _add_request_id(_logger, _method, event_dict: dict) -> dict:
    request_id = REQUEST_ID.get()
    if request_id is not None:
        event_dict.setdefault("request_id", request_id)
    return event_dict


def _drop_leftovers(_logger, _method, event_dict: dict) -> dict:
    """What another handler's formatter left on the record (`message`, `asctime`) is not
    an extra field: the message is `event`."""
    event_dict.pop("message", None)
    event_dict.pop("asctime", None)
    return event_dict


def _shared_processors() -> list:
    """Applied to every record, from structlog or from the standard library alike."""
    return [structlog.contextvars.merge_contextvars, _add_request_id,
            structlog.stdlib.add_log_level, structlog.stdlib.add_logger_name,
            structlog.stdlib.ExtraAdder(), _drop_leftovers,
            structlog.processors.TimeStamper(fmt="iso", utc=True)]


def formatter(fmt: str = "json") -> logging.Formatter:
    """The formatter our handlers use (also gunicorn's own loggers: scripts/gunicorn_conf.py)."""
    if fmt == "text":
        renderer = structlog.dev.ConsoleRenderer(colors=False)
        final = [structlog.stdlib.ProcessorFormatter.remove_processors_meta, renderer]
    else:
        final = [structlog.stdlib.ProcessorFormatter.remove_processors_meta,
                 structlog.processors.format_exc_info,
                 structlog.processors.JSONRenderer(default=str)]
    return structlog.stdlib.ProcessorFormatter(foreign_pre_chain=_shared_processors(),
                                               processors=final)


def _configure_structlog() -> None:
    """structlog loggers hand their events to the standard library (message + extra), so
    that one formatter renders everything, whoever configured the handlers."""
    if structlog.is_configured():
        return
    structlog.configure(
        processors=[structlog.stdlib.filter_by_level,
                    structlog.stdlib.PositionalArgumentsFormatter(),
                    structlog.stdlib.render_to_log_kwargs],
        logger_factory=structlog.stdlib.LoggerFactory(),
        wrapper_class=structlog.stdlib.BoundLogger,
        cache_logger_on_first_use=True)


def get_logger(name: str):
    """A structlog logger: `log.info("event", key=value, ...)`; keys must not be LogRecord
    attribute names (name, msg, args, module, ...)."""
    _configure_structlog()
    return structlog.stdlib.get_logger(name)


def _is_default_handler(handler: logging.Handler) -> bool:
    """The handler logging.basicConfig() adds (web/__init__.py calls it): replaced by ours."""
    fmt = getattr(handler.formatter, "_fmt", None)
    return type(handler) is logging.StreamHandler and fmt in (None, logging.BASIC_FORMAT)


def configure_logging(fmt: str = "json", level: str = "INFO", stream=None) -> logging.Handler:
    """Route all logging of this process to one stderr handler with our formatter.
    Idempotent; handlers others installed (pytest's, say) are left alone."""
    _configure_structlog()
    root = logging.getLogger()
    for handler in list(root.handlers):
        if getattr(handler, _HANDLER_MARK, False) or _is_default_handler(handler):
            root.removeHandler(handler)
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.setFormatter(formatter(fmt))
    setattr(handler, _HANDLER_MARK, True)
    root.addHandler(handler)
    root.setLevel(getattr(logging, str(level).upper(), logging.INFO))
    logging.captureWarnings(True)
    return handler


def configure_logging_from(settings) -> logging.Handler:
    return configure_logging(settings.log_format, settings.log_level)


def remove_logging(handler: logging.Handler) -> None:
    """Undo configure_logging (tests)."""
    logging.getLogger().removeHandler(handler)


# --- metrics ----------------------------------------------------------------------------

MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"
LATENCY_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0,
                   10.0)
_latency = None
METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})


def multiprocess_dir() -> str | None:
    return os.environ.get(MULTIPROC_ENV) or None


def request_latency():
    """The request-latency histogram (created once per process, on first use, so that
    prometheus-client has seen PROMETHEUS_MULTIPROC_DIR by then).

    Labels: `route` (the URL rule, e.g. /api/v1/comments/<tracking_no>, or <unmatched>),
    `method` (the usual methods, else OTHER) and `status` (2xx, 3xx, 4xx, 5xx): bounded."""
    global _latency
    if _latency is None:
        directory = multiprocess_dir()
        if directory:
            os.makedirs(directory, exist_ok=True)
        from prometheus_client import Histogram, disable_created_metrics
        disable_created_metrics()  # no *_created series (multiprocess mode has none either)
        _latency = Histogram("minyi_http_request_duration_seconds",
                             "Time to answer a request, by route, method and status class",
                             ("route", "method", "status"), buckets=LATENCY_BUCKETS)
    return _latency


def process_metrics() -> bytes:
    """This process's metrics, or with PROMETHEUS_MULTIPROC_DIR all processes' together."""
    from prometheus_client import REGISTRY, CollectorRegistry, generate_latest

    request_latency()
    directory = multiprocess_dir()
    if not directory:
        return generate_latest(REGISTRY)
    from prometheus_client import multiprocess
    registry = CollectorRegistry()
    multiprocess.MultiProcessCollector(registry, path=directory)
    return generate_latest(registry)


def mark_process_dead(pid: int) -> None:
    """gunicorn's child_exit hook: drop the dead process's live gauges (its counters and
    histogram samples stay and keep adding up)."""
    if multiprocess_dir():
        from prometheus_client import multiprocess
        multiprocess.mark_process_dead(pid)


def clean_multiprocess_dir(directory) -> None:
    """The launcher, before any process starts: no samples from an earlier run."""
    os.makedirs(directory, exist_ok=True)
    for entry in os.scandir(directory):
        if entry.is_file() and entry.name.endswith(".db"):
            os.unlink(entry.path)


class StateCollector:
    """Figures read when /metrics is scraped: the event log head; each read model's
    position, lag in events and in seconds, and whether it stopped; queue lengths and failed
    jobs; mail stuck. `lag_seconds` is the age of the oldest event of the read model's topics
    that its serving generation has not taken yet (now minus that event's recorded
    timestamp), 0 when it is caught up."""

    def __init__(self, rt, queues: list[str]):
        self.rt, self.queues = rt, queues

    def describe(self):
        return []

    def collect(self):
        from prometheus_client.core import GaugeMetricFamily as Gauge

        rt = self.rt
        head = rt.app.recorder.max_notification_id() or 0
        yield _gauge(Gauge, "minyi_event_log_head", "Position of the newest event", value=head)
        failures = rt.views.failures()
        states = [(u.name, read_model_state(rt, u, failures)) for u in rt.updaters()]
        for metric, key, text in (
                ("position", "position", "Last event position the read model has taken"),
                ("lag", "lag", "Events of its topics the read model has not taken yet "
                               "(capped at 10000)"),
                ("lag_seconds", "lag_seconds", "Age of the oldest event the read model has "
                                               "not taken yet; 0 when caught up"),
                ("failed", "failed", "1 when the read model stopped on an event")):
            family = Gauge(f"minyi_read_model_{metric}", text, labels=["read_model"])
            for name, state in states:
                if state.get(key) is not None:
                    family.add_metric([name], float(state[key]))
            yield family
        queues = queue_counts(rt, self.queues)
        yield _gauge(Gauge, "minyi_redis_up", "1 when Redis answers", value=int(queues is not None))
        if queues is not None:
            yield _gauge(Gauge, "minyi_failed_jobs", "Failed jobs in all queues",
                         value=sum(q["failed"] for q in queues.values()))
            for metric, key, text in (("queue_length", "queued", "Jobs waiting in the queue"),
                                      ("queue_failed_jobs", "failed", "Failed jobs of the queue")):
                family = Gauge(f"minyi_{metric}", text, labels=["queue"])
                for name, counts in queues.items():
                    family.add_metric([name], counts[key])
                yield family
        try:  # e-mails whose send was interrupted (never retried: at most once)
            stuck = rt.mail.stuck()
        except Exception:  # noqa: BLE001 - the metrics page must answer anyway
            stuck = None
        if stuck is not None:
            yield _gauge(Gauge, "minyi_mail_stuck", "E-mails whose send was interrupted",
                         value=stuck)


def _gauge(cls, name: str, text: str, value):
    family = cls(name, text)
    family.add_metric([], float(value))
    return family


def read_model_state(rt, updater, failures: dict) -> dict:
    """position, lag (events), lag_seconds and failed for one read model."""
    position = updater.position()
    state = {"position": position, "lag": updater.backlog(),
             "failed": int(updater.name in failures), "lag_seconds": 0.0}
    if state["lag"]:
        state["lag_seconds"] = _oldest_waiting_age(rt, updater, position)
    return state


def _oldest_waiting_age(rt, updater, position: int) -> float | None:
    try:
        waiting = rt.app.recorder.select_notifications(
            position, 1, topics=updater.model.topics, inclusive_of_start=False)
        if not waiting:
            return 0.0
        stamp = rt.app.mapper.to_domain_event(waiting[0]).timestamp
        if stamp.tzinfo is None:
            stamp = stamp.replace(tzinfo=timezone.utc)
        return max(0.0, (datetime.now(timezone.utc) - stamp).total_seconds())
    except Exception:  # noqa: BLE001 - an undecodable event: the gauge is left out
        return None


def queue_counts(rt, names: list[str]) -> dict | None:
    """{queue: {"queued": n, "failed": n}}; None when Redis does not answer."""
    try:
        from rq import Queue
        result = {}
        for name in names:
            queue = Queue(name, connection=rt.redis)
            result[name] = {"queued": queue.count, "failed": queue.failed_job_registry.count}
        return result
    except Exception:  # noqa: BLE001 - Redis down: reported as minyi_redis_up 0
        return None


def state_metrics(rt, queues: list[str]) -> bytes:
    from prometheus_client import CollectorRegistry, generate_latest

    registry = CollectorRegistry(auto_describe=False)
    registry.register(StateCollector(rt, queues))
    return generate_latest(registry)
