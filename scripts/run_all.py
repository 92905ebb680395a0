"""Process supervisor for `make run`: Redis (if needed), init, gunicorn, RQ workers, scheduler.

Operations: every child logs JSON lines on stderr (LOG_FORMAT=json unless set); gunicorn's
workers share their metrics through PROMETHEUS_MULTIPROC_DIR (a directory under var/,
emptied here at each start) and get GRACEFUL_TIMEOUT seconds to finish their requests on
SIGTERM; RQ workers finish the batch under way. RQ_WORKER_QUEUES starts one worker per
`;`-separated entry, on the `,`-separated queues it names (default: RQ_WORKERS workers on
every queue)."""

from __future__ import annotations

import os
import pathlib
import signal
import subprocess
import sys
import time

ROOT = pathlib.Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from infrastructure.redis_server import die_with_parent, ensure_redis, stop_server  # noqa: E402

STOP_GRACE_MARGIN = 5.0  # beyond GRACEFUL_TIMEOUT before a child is killed
_stop_requested: list[int] = []


def _settings() -> dict[str, str]:
    """Read the environment with defaults and export them for the children."""
    env = os.environ
    env.setdefault("PORT", "5000")
    env.setdefault("REDIS_URL", "redis://127.0.0.1:6379/0")
    env.setdefault("WEB_WORKERS", "2")
    env.setdefault("RQ_WORKERS", "1")
    env.setdefault("RQ_WORKER_QUEUES", "")
    env.setdefault("LOG_FORMAT", "json")
    env.setdefault("GRACEFUL_TIMEOUT", "10")
    return {k: env[k] for k in ("PORT", "REDIS_URL", "WEB_WORKERS", "RQ_WORKERS",
                                "RQ_WORKER_QUEUES", "GRACEFUL_TIMEOUT")}


def _metrics_dir(var: pathlib.Path) -> str:
    """A fresh PROMETHEUS_MULTIPROC_DIR for gunicorn's workers (samples of an earlier run
    would be added to this one's)."""
    from infrastructure.observability import MULTIPROC_ENV, clean_multiprocess_dir

    directory = os.environ.get(MULTIPROC_ENV) or str(var / "prometheus")
    clean_multiprocess_dir(directory)
    os.environ[MULTIPROC_ENV] = directory
    return directory


def _gunicorn_extra_args() -> list[str]:
    """Disable gunicorn's shared control socket (>= 25) so several instances can coexist."""
    try:
        from gunicorn.config import Config

        return ["--no-control-socket"] if "control_socket" in Config().settings else []
    except Exception:
        return []


def web_command(cfg: dict[str, str]) -> list[str]:
    """gunicorn with scripts/gunicorn_conf.py (JSON logs, metrics across processes,
    graceful shutdown). ACCESS_LOG=1 logs one structured line per request (web/system.py)."""
    return [sys.executable, "-m", "gunicorn",
            "--config", str(ROOT / "scripts" / "gunicorn_conf.py"),
            "--workers", cfg["WEB_WORKERS"], "--threads", "4",
            "--bind", f"127.0.0.1:{cfg['PORT']}",
            *_gunicorn_extra_args(), "web:create_app()"]


def worker_queue_sets(cfg: dict[str, str]) -> list[list[str]]:
    """The queues of each RQ worker: from RQ_WORKER_QUEUES (`a,b;c`: two workers, one on
    a and b, one on c), else RQ_WORKERS workers on every queue ([])."""
    spec = cfg.get("RQ_WORKER_QUEUES", "").strip()
    if spec:
        return [[q.strip() for q in part.split(",") if q.strip()]
                for part in spec.split(";") if part.strip()]
    return [[] for _ in range(int(cfg["RQ_WORKERS"]))]


def _commands(cfg: dict[str, str]) -> list[tuple[str, list[str]]]:
    """Return (name, argv) for every long-running child."""
    py = sys.executable
    cmds = [("web", web_command(cfg))]
    for i, queues in enumerate(worker_queue_sets(cfg)):
        cmds.append((f"worker-{i + 1}", [py, "-m", "workers", "worker", *queues]))
    cmds.append(("scheduler", [py, "-m", "workers", "scheduler"]))
    return cmds


def _start(argv: list[str]) -> subprocess.Popen:
    """Start a child in its own process group so only we decide when it stops."""
    return subprocess.Popen(argv, cwd=ROOT, process_group=0, preexec_fn=die_with_parent)


def _init_app() -> None:
    """Run `minyi init`; abort on failure."""
    rc = subprocess.call([sys.executable, "-m", "web.cli", "init"], cwd=ROOT)
    if rc != 0:
        sys.exit(f"minyi init failed (exit code {rc}); not starting.")


def _stop_all(children: dict[str, subprocess.Popen]) -> None:
    """Terminate all children (gunicorn drains its requests, RQ workers finish the batch
    under way), then kill those still alive after the grace period."""
    for proc in children.values():
        if proc.poll() is None:
            proc.terminate()
    grace = float(os.environ.get("GRACEFUL_TIMEOUT") or 10) + STOP_GRACE_MARGIN
    deadline = time.monotonic() + grace
    for name, proc in children.items():
        try:
            proc.wait(timeout=max(0.0, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            print(f"[run_all] {name} did not stop in time; killing", flush=True)
            proc.kill()
            proc.wait()


def _on_signal(signum: int, _frame) -> None:
    """Record the shutdown request; the main loop does the work."""
    _stop_requested.append(signum)


def _banner(port: str) -> None:
    """Print where to find the portal and the staff console."""
    base = f"http://127.0.0.1:{port}/"
    print("=" * 60)
    print("  民意 minyi 已启动 / is running")
    print(f"  公众门户 Portal:        {base}")
    print(f"  工作人员后台 Staff:     {base}staff/")
    print("  按 Ctrl+C 停止 / Press Ctrl+C to stop")
    print("=" * 60, flush=True)


def _supervise(children: dict[str, subprocess.Popen]) -> int:
    """Wait until a signal arrives (return 0) or a child exits (return non-zero)."""
    while not _stop_requested:
        for name, proc in children.items():
            rc = proc.poll()
            if rc is not None:
                print(f"[run_all] {name} exited unexpectedly (code {rc}); stopping all",
                      file=sys.stderr, flush=True)
                return rc or 1
        time.sleep(0.5)
    print(f"[run_all] signal {_stop_requested[0]} received; stopping", flush=True)
    return 0


def main() -> int:
    """Start everything, supervise, and clean up."""
    cfg = _settings()
    var = ROOT / "var"
    var.mkdir(exist_ok=True)
    signal.signal(signal.SIGINT, _on_signal)
    signal.signal(signal.SIGTERM, _on_signal)
    redis_proc = ensure_redis(cfg["REDIS_URL"], var / "redis")
    if redis_proc is not None:
        print(f"[run_all] started bundled Redis (pid {redis_proc.pid}) at {cfg['REDIS_URL']}")
    children: dict[str, subprocess.Popen] = {}
    try:
        _init_app()
        _metrics_dir(var)
        for name, argv in _commands(cfg):
            if _stop_requested:
                break
            children[name] = _start(argv)
        _banner(cfg["PORT"])
        return _supervise(children)
    finally:
        _stop_all(children)
        stop_server(redis_proc)


if __name__ == "__main__":
    sys.exit(main())
