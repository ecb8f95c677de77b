"""Designer browser tests reuse the web UI's live server, chromium and page fixtures."""
from tests.web.browser.conftest import browser, live_server, new_page  # noqa: F401 (fixtures)
