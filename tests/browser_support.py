"""One headless chromium per test run, shared by every browser-test folder.

Playwright's sync API allows one running instance per process, so each folder's `browser`
fixture (tests/web/browser, tests/designer/browser) borrows this one instead of starting its own.
"""
import os
import shutil
from contextlib import contextmanager

CHROMIUM = os.environ.get("SAFEPORT_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu",
                 "--disable-background-networking", "--disable-component-update",
                 "--no-first-run", "--disable-sync"]
_shared = {"users": 0, "playwright": None, "browser": None}


@contextmanager
def shared_chromium():
    """Debian's chromium, headless; started on first use, closed when the last user is done."""
    assert shutil.which(CHROMIUM) or os.path.exists(CHROMIUM), \
        f"{CHROMIUM} is missing: `make test` installs it (apt-get install chromium)"
    if _shared["users"] == 0:
        from playwright.sync_api import sync_playwright

        playwright = sync_playwright().start()
        _shared["playwright"] = playwright
        _shared["browser"] = playwright.chromium.launch(executable_path=CHROMIUM,
                                                        args=CHROMIUM_ARGS)
    _shared["users"] += 1
    try:
        yield _shared["browser"]
    finally:
        _shared["users"] -= 1
        if _shared["users"] == 0:
            _shared["browser"].close()
            _shared["playwright"].stop()
            _shared["browser"] = _shared["playwright"] = None
