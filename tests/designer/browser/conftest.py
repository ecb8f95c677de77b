"""Designer browser tests reuse the web UI's live server, chromium and page fixtures, and its
emptying of the served app's caches after each test (ids repeat once the database is emptied)."""
from tests.web.browser.conftest import (  # noqa: F401 (fixtures)
    _forget_served_instances,
    browser,
    live_server,
    new_page,
)
