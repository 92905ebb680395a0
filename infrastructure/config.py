"""Settings from the environment (12-factor); one frozen object handed to bootstrap."""

import json
import os
import secrets
from dataclasses import dataclass, field
from pathlib import Path
from typing import Mapping

from domain.deadlines import DEFAULT_COMMENT_DAYS, DEFAULT_TICKET_DAYS, URGENT_TICKET_HOURS


def _int(env: Mapping[str, str], key: str, default: int) -> int:
    value = env.get(key, "").strip()
    try:
        return int(value) if value else default
    except ValueError:
        raise ValueError(f"{key} must be an integer, got {value!r}") from None


def _days(env: Mapping[str, str], key: str, defaults: Mapping[str, int]) -> dict:
    """Working days by kind: the defaults, with the kinds a JSON object in `key` names."""
    days = dict(defaults)
    if env.get(key):
        try:
            days.update({k: int(v) for k, v in json.loads(env[key]).items()})
        except (ValueError, AttributeError) as e:
            raise ValueError(f"{key} must be a JSON object of kind -> days: {e}") from None
    return days


def _choice(env: Mapping[str, str], key: str, allowed: tuple, default: str) -> str:
    value = (env.get(key) or default).strip().lower()
    if value not in allowed:
        raise ValueError(f"{key} must be one of {', '.join(allowed)}, got {value!r}")
    return value


def _queues(env: Mapping[str, str], key: str) -> dict:
    """A JSON object: queue name -> list of read-model names (checked against the read
    models when the plan is made: infrastructure/pipeline.py catch_up_plan)."""
    if not env.get(key, "").strip():
        return {}
    try:
        value = json.loads(env[key])
        if not isinstance(value, dict) or not all(
                isinstance(q, str) and q and isinstance(names, list)
                and all(isinstance(n, str) for n in names) for q, names in value.items()):
            raise ValueError("not an object of queue -> list of names")
    except ValueError as e:
        raise ValueError(f"{key} must be a JSON object of queue -> [read model, ...]: {e}") \
            from None
    return {queue: tuple(names) for queue, names in value.items()}


@dataclass(frozen=True)
class Settings:
    """Everything configurable; see the README's configuration table."""

    database_url: str = "sqlite:///var/minyi.sqlite"
    views_database_url: str = ""  # default: beside an SQLite file, else the same database
    redis_url: str = "redis://127.0.0.1:6379/0"
    secret_key: str = ""
    cipher_key: str = ""
    var_dir: str = "var"
    queue_name: str = "minyi"
    key_prefix: str = "minyi"
    timezone: str = "Asia/Shanghai"
    comment_days: Mapping[str, int] = field(default_factory=lambda: dict(DEFAULT_COMMENT_DAYS))
    rectification_days: int = 15
    consultation_min_days: int = 30  # days a major decision's draft is open at least
    ticket_days: Mapping[str, int] = field(default_factory=lambda: dict(DEFAULT_TICKET_DAYS))
    urgent_ticket_hours: int = URGENT_TICKET_HOURS
    oversight_interval: int = 300
    background_pokes: bool = True
    holidays_file: str = ""
    batch_size: int = 1000
    catchup_interval: int = 5
    catchup_linger_ms: int = 10
    catchup_busy_linger_ms: int = 50
    catchup_fast_linger_ms: int = 150
    worker_nice: int = 10
    smtp_host: str = ""
    smtp_port: int = 25
    smtp_user: str = ""
    smtp_password: str = ""
    smtp_from: str = "minyi@localhost"
    smtp_starttls: bool = False
    mail_interval: int = 60
    mail_max_age_hours: int = 72
    site_url: str = ""
    secure_cookies: bool = False
    rate_limits: str = ""  # "" = the defaults, "off", or a JSON object (web/ratelimits.py)
    trusted_proxies: int = 0
    metrics_token: str = ""
    duplicate_window: int = 600
    captcha_hook: str = ""
    metrics_networks: str = "127.0.0.1/32,::1/128"
    token_max_age: int = 12 * 3600
    ticket_number_block: int = 10
    aggregate_cache: int = 1000  # aggregates a process keeps between commands; 0: none
    # operations (infrastructure/observability.py, infrastructure/pipeline.py)
    log_format: str = "json"  # "json": one JSON object a line on stderr; "text": for a person
    log_level: str = "INFO"
    access_log: bool = False  # one structured log line per request
    # queue name -> read models whose catch-up jobs go there; the others: queue_name
    read_model_queues: Mapping[str, tuple] = field(default_factory=dict)
    idempotency_ttl: int = 86400
    # citizens' photos (infrastructure/photos.py): "" = var/photos, file:///dir, s3://bucket
    photo_storage: str = ""
    photo_max_bytes: int = 5 * 1024 * 1024
    photo_max_pixels: int = 40_000_000
    s3_endpoint_url: str = ""
    s3_access_key: str = ""
    s3_secret_key: str = ""
    s3_region: str = "us-east-1"

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None, **overrides) -> "Settings":
        """Read the environment; missing keys take the defaults above."""
        env = os.environ if env is None else env
        days = _days(env, "COMMENT_DEADLINE_DAYS", DEFAULT_COMMENT_DAYS)
        values = dict(
            database_url=env.get("DATABASE_URL") or cls.database_url,
            redis_url=env.get("REDIS_URL") or cls.redis_url,
            secret_key=env.get("SECRET_KEY", ""),
            cipher_key=env.get("CIPHER_KEY", ""),
            var_dir=env.get("MINYI_VAR_DIR") or cls.var_dir,
            queue_name=env.get("RQ_QUEUE") or cls.queue_name,
            key_prefix=env.get("REDIS_KEY_PREFIX") or cls.key_prefix,
            timezone=env.get("TIMEZONE") or cls.timezone,
            comment_days=days,
            ticket_days=_days(env, "TICKET_DEADLINE_DAYS", DEFAULT_TICKET_DAYS),
            urgent_ticket_hours=_int(env, "URGENT_TICKET_HOURS", cls.urgent_ticket_hours),
            oversight_interval=_int(env, "OVERSIGHT_INTERVAL", cls.oversight_interval),
            background_pokes=env.get("BACKGROUND_POKES", "1").strip().lower() not in (
                "0", "false", "no", "off"),
            rectification_days=_int(env, "RECTIFICATION_DAYS", cls.rectification_days),
            consultation_min_days=_int(env, "CONSULTATION_MIN_DAYS",
                                       cls.consultation_min_days),
            holidays_file=env.get("HOLIDAYS_FILE", ""),
            batch_size=_int(env, "PROJECTION_BATCH_SIZE", cls.batch_size),
            catchup_interval=_int(env, "CATCHUP_INTERVAL", cls.catchup_interval),
            catchup_linger_ms=_int(env, "CATCHUP_LINGER_MS", cls.catchup_linger_ms),
            catchup_busy_linger_ms=_int(env, "CATCHUP_BUSY_LINGER_MS",
                                        cls.catchup_busy_linger_ms),
            catchup_fast_linger_ms=_int(env, "CATCHUP_FAST_LINGER_MS",
                                        cls.catchup_fast_linger_ms),
            worker_nice=max(0, min(19, _int(env, "WORKER_NICE", cls.worker_nice))),
            smtp_host=env.get("SMTP_HOST", ""), smtp_port=_int(env, "SMTP_PORT", 25),
            smtp_user=env.get("SMTP_USER", ""), smtp_password=env.get("SMTP_PASSWORD", ""),
            smtp_from=env.get("SMTP_FROM") or cls.smtp_from,
            smtp_starttls=env.get("SMTP_STARTTLS", "0").strip().lower() in (
                "1", "true", "yes", "on"),
            mail_interval=_int(env, "MAIL_INTERVAL", cls.mail_interval),
            mail_max_age_hours=_int(env, "MAIL_MAX_AGE_HOURS", cls.mail_max_age_hours),
            site_url=env.get("SITE_URL", ""),
            rate_limits=env.get("RATE_LIMITS", ""),
            trusted_proxies=max(0, _int(env, "TRUSTED_PROXIES", 0)),
            metrics_token=env.get("METRICS_TOKEN", ""),
            token_max_age=max(60, _int(env, "TOKEN_MAX_AGE", cls.token_max_age)),
            duplicate_window=max(0, _int(env, "DUPLICATE_WINDOW", cls.duplicate_window)),
            captcha_hook=env.get("CAPTCHA_HOOK", ""),
            metrics_networks=env.get("METRICS_NETWORKS", cls.metrics_networks),
            secure_cookies=env.get("SECURE_COOKIES", "0").strip().lower() in (
                "1", "true", "yes", "on"),
            views_database_url=env.get("VIEWS_DATABASE_URL", ""),
            ticket_number_block=max(1, _int(env, "TICKET_NUMBER_BLOCK",
                                            cls.ticket_number_block)),
            idempotency_ttl=max(60, _int(env, "IDEMPOTENCY_TTL", cls.idempotency_ttl)),
            aggregate_cache=max(0, _int(env, "AGGREGATE_CACHE", cls.aggregate_cache)),
            # operations
            log_format=_choice(env, "LOG_FORMAT", ("json", "text"), cls.log_format),
            log_level=(env.get("LOG_LEVEL") or cls.log_level).strip().upper(),
            access_log=env.get("ACCESS_LOG", "0").strip().lower() in ("1", "true", "yes", "on"),
            read_model_queues=_queues(env, "READ_MODEL_QUEUES"),
            # citizens' photos
            photo_storage=env.get("PHOTO_STORAGE", "").strip(),
            photo_max_bytes=max(1024, _int(env, "PHOTO_MAX_BYTES", cls.photo_max_bytes)),
            photo_max_pixels=max(10_000, _int(env, "PHOTO_MAX_PIXELS", cls.photo_max_pixels)),
            s3_endpoint_url=env.get("S3_ENDPOINT_URL", "").strip(),
            s3_access_key=env.get("S3_ACCESS_KEY", ""),
            s3_secret_key=env.get("S3_SECRET_KEY", ""),
            s3_region=env.get("S3_REGION") or cls.s3_region,
        )
        values.update(overrides)
        return cls(**values)

    def with_local_secrets(self) -> "Settings":
        """Fill SECRET_KEY and CIPHER_KEY from files under var/ (created once) when unset."""
        from dataclasses import replace
        from eventsourcing.cryptography import AESCipher

        secret = self.secret_key or _read_or_create(
            Path(self.var_dir) / "secret.key", lambda: secrets.token_urlsafe(48))
        cipher = self.cipher_key or _read_or_create(
            Path(self.var_dir) / "cipher.key", lambda: AESCipher.create_key(32))
        return replace(self, secret_key=secret, cipher_key=cipher)


def _read_or_create(path: Path, make) -> str:
    if path.exists():
        return path.read_text().strip()
    path.parent.mkdir(parents=True, exist_ok=True)
    value = make()
    tmp = path.with_suffix(f".{os.getpid()}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as f:
        f.write(value)
    try:
        os.link(tmp, path)  # atomic: exactly one process's key wins
    except FileExistsError:
        value = path.read_text().strip()
    finally:
        tmp.unlink()
    return value
