#!/usr/bin/env bash
# Make sure Debian's Chromium (and CJK fonts) are installed for tests/browser.
#
# The browser tests drive /usr/bin/chromium through Playwright's executable_path; we never
# run `playwright install`. If the install fails, CI=true fails the run; a workstation only
# gets a warning (the browser tests then skip).
set -uo pipefail

CHROMIUM="${CHROMIUM:-/usr/bin/chromium}"
PACKAGES=(chromium fonts-noto-cjk)

log() { echo "[ensure_browser] $*"; }
fail() {
    echo "[ensure_browser] ERROR: $*" >&2
    if [[ "${CI:-}" == "true" ]]; then
        exit 1
    fi
    echo "[ensure_browser] (not on CI: continuing; the browser tests will be skipped)" >&2
    exit 0
}

if [[ -x "$CHROMIUM" ]]; then
    log "Chromium is installed at $CHROMIUM"
    exit 0
fi

command -v apt-get >/dev/null 2>&1 \
    || fail "$CHROMIUM is missing and apt-get is not available; install: ${PACKAGES[*]}"
[[ "$(id -u)" -eq 0 ]] \
    || fail "$CHROMIUM is missing and installing it needs root: apt-get install -y ${PACKAGES[*]}"

log "Chromium not installed; installing ${PACKAGES[*]} with apt-get"
export DEBIAN_FRONTEND=noninteractive
apt-get update -q || fail "apt-get update failed; could not install ${PACKAGES[*]}"
apt-get install -y -q --no-install-recommends "${PACKAGES[@]}" \
    || fail "apt-get install ${PACKAGES[*]} failed"
[[ -x "$CHROMIUM" ]] || fail "${PACKAGES[*]} installed but $CHROMIUM is still missing"
log "Chromium installed: $("$CHROMIUM" --version 2>/dev/null || echo "$CHROMIUM")"
