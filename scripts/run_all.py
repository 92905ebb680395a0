"""Process supervisor for `make run`: Redis (if needed), init, gunicorn, RQ workers, scheduler."""

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

STOP_GRACE = 10.0
_stop_requested: list[int] = []


def _settings() -> dict[str, str]:
    """Read the environment with defaults and export them for the children."""
    env = os.environ
    env.setdefault("PORT", "5000")
    env.setdefault("REDIS_URL", "redis://127.0.0.1:6379/0")
    env.setdefault("WEB_WORKERS", "2")
    env.setdefault("RQ_WORKERS", "1")
    return {k: env[k] for k in ("PORT", "REDIS_URL", "WEB_WORKERS", "RQ_WORKERS")}


def _gunicorn_extra_args() -> list[str]:
    """Disable gunicorn's shared control socket (>= 25) so several instances can coexist."""
    try:
        from gunicorn.config import Config

        return ["--no-control-socket"] if "control_socket" in Config().settings else []
    except Exception:
        return []


def _commands(cfg: dict[str, str]) -> list[tuple[str, list[str]]]:
    """Return (name, argv) for every long-running child."""
    py = sys.executable
    web = [
        py, "-m", "gunicorn",
        "--workers", cfg["WEB_WORKERS"], "--threads", "4",
        "--bind", f"127.0.0.1:{cfg['PORT']}",
    ]
    web += _gunicorn_extra_args()
    if os.environ.get("ACCESS_LOG", "") not in ("", "0"):
        web += ["--access-logfile", "-"]
    cmds = [("web", web + ["web:create_app()"])]
    for i in range(int(cfg["RQ_WORKERS"])):
        cmds.append((f"worker-{i + 1}", [py, "-m", "workers", "worker"]))
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
    """Terminate all children, then kill those still alive after the grace period."""
    for proc in children.values():
        if proc.poll() is None:
            proc.terminate()
    deadline = time.monotonic() + STOP_GRACE
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
