"""Start and stop a real minyi system (gunicorn + RQ worker) on a temp SQLite/Redis db,
and the bare ceiling app (bench/ceiling_app.py) under the same server settings."""

import os
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
HOST = "127.0.0.1"  # loopback only


def free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


def gunicorn_command(app: str, port: int, workers: int, threads: int) -> list[str]:
    """The one server command line, shared by the system and the ceiling app."""
    return [sys.executable, "-m", "gunicorn", "--workers", str(workers), "--threads",
            str(threads), "--bind", f"{HOST}:{port}", "--no-control-socket", app]


def wait_ready(url: str, procs: list[subprocess.Popen], log: Path, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if any(p.poll() is not None for p in procs):
            raise RuntimeError(f"a server process exited; see {log}")
        try:
            with urllib.request.urlopen(url + "/healthz", timeout=1) as r:
                if r.status == 200:
                    return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"server did not start; see {log}")


def stop_procs(procs: list[subprocess.Popen]) -> None:
    for p in procs:
        p.terminate()
    for p in procs:
        try:
            p.wait(timeout=10)
        except subprocess.TimeoutExpired:
            p.kill()
            p.wait(timeout=10)
    procs.clear()


@contextmanager
def temporary_postgres(server: str = "postgresql://postgres@127.0.0.1:5432"):
    """A throwaway PostgreSQL database, dropped afterwards."""
    import psycopg
    name = f"minyi_bench_{secrets.token_hex(4)}"
    with psycopg.connect(f"{server}/postgres", autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield f"{server}/{name}"
    finally:
        with psycopg.connect(f"{server}/postgres", autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


class System:
    """A live system for one benchmark or end-to-end test; nothing shared with others."""

    def __init__(self, database_url: str | None = None, redis_url: str = "redis://127.0.0.1:6379/15",
                 web_workers: int = 2, rq_workers: int = 1, threads: int = 4,
                 rate_limits: str = "off", duplicate_window: int = 0):
        from eventsourcing.cryptography import AESCipher

        self.tmp = tempfile.mkdtemp(prefix="minyi-sys-")
        self.port = free_port()
        self.prefix = f"minyi-sys-{secrets.token_hex(4)}"
        self.env = {**os.environ,
                    "DATABASE_URL": database_url or f"sqlite:///{self.tmp}/minyi.sqlite",
                    "REDIS_URL": redis_url, "RQ_QUEUE": self.prefix, "REDIS_KEY_PREFIX": self.prefix,
                    "SECRET_KEY": secrets.token_urlsafe(32), "CIPHER_KEY": AESCipher.create_key(32),
                    "MINYI_VAR_DIR": self.tmp, "PORT": str(self.port), "PYTHONPATH": str(ROOT),
                    "RATE_LIMITS": rate_limits, "DUPLICATE_WINDOW": str(duplicate_window)}
        self.web_workers, self.rq_workers, self.threads = web_workers, rq_workers, threads
        self.procs: list[subprocess.Popen] = []
        self.url = f"http://{HOST}:{self.port}"

    def run_cli(self, *args: str) -> str:
        return subprocess.run([sys.executable, "-m", "web.cli", *args], cwd=ROOT, env=self.env,
                              check=True, capture_output=True, text=True).stdout

    def start(self, workers: bool = True) -> "System":
        self.run_cli("init")
        log = open(Path(self.tmp) / "web.log", "w")
        self.procs.append(subprocess.Popen(
            gunicorn_command("web:create_app()", self.port, self.web_workers, self.threads),
            cwd=ROOT, env=self.env, stdout=log, stderr=log))
        if workers:
            self.start_workers(self.rq_workers)
        try:
            self.wait_ready()
        except BaseException:
            self.stop()
            raise
        return self

    def start_workers(self, n: int) -> None:
        log = open(Path(self.tmp) / "worker.log", "a")
        for _ in range(n):
            self.procs.append(subprocess.Popen([sys.executable, "-m", "workers", "worker"],
                                               cwd=ROOT, env=self.env, stdout=log, stderr=log))

    def wait_ready(self, timeout: float = 30) -> None:
        # procs[0] is gunicorn (start() launches it first); a worker's exit is not checked here.
        wait_ready(self.url, self.procs[:1], Path(self.tmp) / "web.log", timeout)

    def stop(self) -> None:
        stop_procs(self.procs)
        self._clean_redis()

    def _clean_redis(self) -> None:
        """Delete only the keys this system created (its queue and prefix)."""
        from redis import Redis
        from rq import Queue
        r = Redis.from_url(self.env["REDIS_URL"])
        Queue(self.prefix, connection=r).delete(delete_jobs=True)
        for pattern in (f"{self.prefix}:*", f"rq:*{self.prefix}*"):
            for key in r.scan_iter(pattern, count=1000):
                r.delete(key)

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()


class Ceiling:
    """The bare ceiling app (bench/ceiling_app.py) under gunicorn, like System's web tier."""

    def __init__(self, database_url: str | None = None, web_workers: int = 2, threads: int = 4):
        self.tmp = tempfile.mkdtemp(prefix="minyi-ceiling-")
        self.port = free_port()
        self.database_url = database_url or f"sqlite:///{self.tmp}/ceiling.sqlite"
        self.env = {**os.environ, "DATABASE_URL": self.database_url, "PYTHONPATH": str(ROOT)}
        self.web_workers, self.threads = web_workers, threads
        self.procs: list[subprocess.Popen] = []
        self.url = f"http://{HOST}:{self.port}"

    def start(self) -> "Ceiling":
        from .ceiling_app import init_db
        init_db(self.database_url)
        log_path = Path(self.tmp) / "web.log"
        log = open(log_path, "w")
        self.procs.append(subprocess.Popen(
            gunicorn_command("bench.ceiling_app:create_app()", self.port, self.web_workers,
                             self.threads), cwd=ROOT, env=self.env, stdout=log, stderr=log))
        try:
            wait_ready(self.url, self.procs, log_path)
        except BaseException:
            stop_procs(self.procs)  # keep self.tmp: its web.log says why
            raise
        return self

    def stop(self) -> None:
        stop_procs(self.procs)
        shutil.rmtree(self.tmp, ignore_errors=True)

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()
