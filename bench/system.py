"""Start and stop a real minyi system (gunicorn + RQ worker) on a temp SQLite/Redis db."""

import os
import secrets
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class System:
    """A live system for one benchmark or end-to-end test; nothing shared with others."""

    def __init__(self, database_url: str | None = None, redis_url: str = "redis://127.0.0.1:6379/15",
                 web_workers: int = 2, rq_workers: int = 1, threads: int = 4):
        from eventsourcing.cryptography import AESCipher

        self.tmp = tempfile.mkdtemp(prefix="minyi-sys-")
        self.port = free_port()
        self.prefix = f"minyi-sys-{secrets.token_hex(4)}"
        self.env = {**os.environ,
                    "DATABASE_URL": database_url or f"sqlite:///{self.tmp}/minyi.sqlite",
                    "REDIS_URL": redis_url, "RQ_QUEUE": self.prefix, "REDIS_KEY_PREFIX": self.prefix,
                    "SECRET_KEY": secrets.token_urlsafe(32), "CIPHER_KEY": AESCipher.create_key(32),
                    "MINYI_VAR_DIR": self.tmp, "PORT": str(self.port), "PYTHONPATH": str(ROOT)}
        self.web_workers, self.rq_workers, self.threads = web_workers, rq_workers, threads
        self.procs: list[subprocess.Popen] = []
        self.url = f"http://127.0.0.1:{self.port}"

    def run_cli(self, *args: str) -> str:
        return subprocess.run([sys.executable, "-m", "web.cli", *args], cwd=ROOT, env=self.env,
                              check=True, capture_output=True, text=True).stdout

    def start(self, workers: bool = True) -> "System":
        self.run_cli("init")
        log = open(Path(self.tmp) / "web.log", "w")
        self.procs.append(subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "--workers", str(self.web_workers), "--threads",
             str(self.threads), "--bind", f"127.0.0.1:{self.port}", "--no-control-socket",
             "web:create_app()"], cwd=ROOT, env=self.env, stdout=log, stderr=log))
        if workers:
            self.start_workers(self.rq_workers)
        self.wait_ready()
        return self

    def start_workers(self, n: int) -> None:
        log = open(Path(self.tmp) / "worker.log", "a")
        for _ in range(n):
            self.procs.append(subprocess.Popen([sys.executable, "-m", "workers", "worker"],
                                               cwd=ROOT, env=self.env, stdout=log, stderr=log))

    def wait_ready(self, timeout: float = 30) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(self.url + "/healthz", timeout=1) as r:
                    if r.status == 200:
                        return
            except OSError:
                time.sleep(0.2)
        raise RuntimeError(f"system did not start; see {self.tmp}/web.log")

    def stop(self) -> None:
        for p in self.procs:
            p.terminate()
        for p in self.procs:
            try:
                p.wait(timeout=10)
            except subprocess.TimeoutExpired:
                p.kill()
        self.procs.clear()
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
