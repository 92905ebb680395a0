"""The live processes of the fault suite, started the way scripts/run_all.py starts them:
gunicorn (two processes), RQ workers, the scheduler; each can be stopped, killed and
started again on its own. Every process gets its own process group, so that stopping one
at the end also stops anything it forked (RQ's scheduler child)."""

import os
import secrets
import signal
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

from eventsourcing.cryptography import AESCipher

from infrastructure.redis_server import die_with_parent

ROOT = Path(__file__).resolve().parents[2]
HOST = "127.0.0.1"


@dataclass
class Proc:
    name: str
    popen: subprocess.Popen
    started: float
    log: Path
    expected_alive: bool = True
    ended: float | None = None
    how: str = ""  # how the test ended it: "", "sigterm", "sigkill"

    @property
    def pid(self) -> int:
        return self.popen.pid

    def alive(self) -> bool:
        return self.popen.poll() is None


@dataclass
class LiveSystem:
    """The processes of one minyi deployment on a given database and Redis."""

    tmp: Path
    database_url: str  # what the processes use (through the proxy)
    redis_url: str
    port: int
    web_workers: int = 2
    threads: int = 4
    extra_env: dict = field(default_factory=dict)
    procs: list = field(default_factory=list)

    def __post_init__(self):
        self.prefix = f"minyi-faults-{secrets.token_hex(4)}"
        self.url = f"http://{HOST}:{self.port}"
        self.env = {**os.environ,
                    "DATABASE_URL": self.database_url, "REDIS_URL": self.redis_url,
                    "RQ_QUEUE": self.prefix, "REDIS_KEY_PREFIX": self.prefix,
                    "SECRET_KEY": secrets.token_urlsafe(32),
                    "CIPHER_KEY": AESCipher.create_key(32), "MINYI_VAR_DIR": str(self.tmp),
                    "PORT": str(self.port), "PYTHONPATH": str(ROOT),
                    "PYTHONUNBUFFERED": "1", "GRACEFUL_TIMEOUT": "10", **self.extra_env}
        self.env.pop("VIEWS_DATABASE_URL", None)

    # --- processes ---------------------------------------------------------------------

    def _spawn(self, name: str, argv: list[str]) -> Proc:
        log = self.tmp / f"{name.split('#')[0]}.log"
        out = open(log, "a")
        out.write(f"\n===== {name} started at {time.time():.3f} =====\n")
        out.flush()
        popen = subprocess.Popen(argv, cwd=ROOT, env=self.env, stdout=out, stderr=out,
                                 stdin=subprocess.DEVNULL, process_group=0,
                                 preexec_fn=die_with_parent)
        out.close()
        proc = Proc(name, popen, time.monotonic(), log)
        self.procs.append(proc)
        return proc

    def start_web(self, timeout: float = 30.0) -> Proc:
        """gunicorn as scripts/run_all.py starts it (with scripts/gunicorn_conf.py when
        there is one: graceful shutdown, structured logs)."""
        argv = [sys.executable, "-m", "gunicorn"]
        conf = ROOT / "scripts" / "gunicorn_conf.py"
        if conf.exists():
            argv += ["--config", str(conf)]
        argv += ["--workers", str(self.web_workers), "--threads", str(self.threads),
                 "--bind", f"{HOST}:{self.port}", "--no-control-socket", "web:create_app()"]
        number = sum(1 for p in self.procs if p.name.startswith("web")) + 1
        proc = self._spawn(f"web#{number}", argv)
        self.wait_ready(proc, timeout)
        return proc

    def wait_ready(self, proc: Proc, timeout: float = 30.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if not proc.alive():
                raise RuntimeError(f"{proc.name} exited ({proc.popen.returncode}); "
                                   f"see {proc.log}")
            try:
                with urllib.request.urlopen(self.url + "/healthz", timeout=2) as r:
                    if r.status == 200:
                        return
            except OSError:
                pass
            time.sleep(0.1)
        raise RuntimeError(f"{proc.name} did not answer /healthz in {timeout}s; see {proc.log}")

    def start_worker(self) -> Proc:
        number = sum(1 for p in self.procs if p.name.startswith("worker")) + 1
        return self._spawn(f"worker#{number}", [sys.executable, "-m", "workers", "worker"])

    def start_scheduler(self) -> Proc:
        return self._spawn("scheduler", [sys.executable, "-m", "workers", "scheduler"])

    def running(self, prefix: str) -> list[Proc]:
        return [p for p in self.procs if p.name.startswith(prefix) and p.expected_alive]

    def stop(self, proc: Proc, sig: int = signal.SIGTERM, timeout: float = 30.0) -> None:
        """Signal the process itself (gunicorn's master, a worker's main process)."""
        proc.expected_alive = False
        proc.how = {signal.SIGTERM: "sigterm", signal.SIGKILL: "sigkill"}.get(sig, str(sig))
        if proc.alive():
            proc.popen.send_signal(sig)
            try:
                proc.popen.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                proc.popen.kill()
                proc.popen.wait(timeout=10)
        proc.ended = time.monotonic()

    def unexpected_exits(self) -> list[Proc]:
        return [p for p in self.procs if p.expected_alive and not p.alive()]

    def stop_all(self) -> None:
        for proc in reversed(self.procs):
            if proc.alive():
                try:
                    os.killpg(proc.pid, signal.SIGTERM)
                except ProcessLookupError:
                    pass
        deadline = time.monotonic() + 15
        for proc in self.procs:
            try:
                proc.popen.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                pass
        for proc in self.procs:  # whatever is left of each group (forked children too)
            try:
                os.killpg(proc.pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass
            if proc.popen.poll() is None:
                proc.popen.wait(timeout=10)

    # --- logs --------------------------------------------------------------------------

    def log_text(self, component: str) -> str:
        path = self.tmp / f"{component}.log"
        return path.read_text(errors="replace") if path.exists() else ""
