"""gunicorn settings for `make run` (scripts/run_all.py passes `--config` with this file);
use it too when running gunicorn yourself: `gunicorn -c scripts/gunicorn_conf.py ...`.

* gunicorn's own log lines in the same format as the app's (LOG_FORMAT: json or text);
* metrics across worker processes: with PROMETHEUS_MULTIPROC_DIR set, a worker that exits
  is marked dead for prometheus-client (its live gauges go; its samples keep counting);
* graceful shutdown: on SIGTERM the workers stop accepting, finish the requests they
  have, and are killed only after GRACEFUL_TIMEOUT seconds (default 10).
"""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from gunicorn.glogging import Logger  # noqa: E402

from infrastructure import observability  # noqa: E402

graceful_timeout = int(os.environ.get("GRACEFUL_TIMEOUT") or 10)
# Load the app once, before the workers fork: a (re)started server answers as soon as it
# listens, instead of queueing requests while each worker imports the app. Nothing opens
# a connection when the app is built (the runtime is lazy), so no socket is shared.
preload_app = True


class StructuredLogger(Logger):
    """gunicorn's error (and access, if enabled) log through our formatter."""

    def setup(self, cfg):
        super().setup(cfg)
        fmt = (os.environ.get("LOG_FORMAT") or "json").strip().lower()
        for log in (self.error_log, self.access_log):
            for handler in log.handlers:
                handler.setFormatter(observability.formatter(fmt))


logger_class = StructuredLogger


def child_exit(server, worker):
    observability.mark_process_dead(worker.pid)
