"""What every browser test module needs: Debian's Chromium (used through executable_path,
never `playwright install`; `make test` installs it with scripts/ensure_browser.sh), the
launch arguments, and the rule for a missing browser: skipped on a workstation, a failure
under CI=true (call `require_browser` at module level, and fail in an autouse fixture)."""

import importlib
import os
import shutil

import pytest

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def require_browser(*modules: str) -> str | None:
    """What is missing for a browser test (Playwright, these modules, Chromium), or None.
    Outside CI a missing part skips the calling module here."""
    missing = None
    for name in ("playwright.sync_api", *modules):
        try:
            importlib.import_module(name)
        except ImportError as e:
            missing = f"{name} is not installed ({e}); pip install -e '.[test]'"
            break
    if missing is None and not os.path.exists(CHROMIUM):
        missing = f"Debian's chromium is not installed at {CHROMIUM}; run scripts/ensure_browser.sh"
    if missing and os.environ.get("CI") != "true":
        pytest.skip(missing, allow_module_level=True)
    return missing
