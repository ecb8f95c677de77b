"""Browser tests: a real server (werkzeug in a thread, on the test database, CSRF on) and
Debian's chromium driven by Playwright (its own browser download cannot work here)."""
import logging
import threading
from pathlib import Path

import pytest
from werkzeug.serving import make_server

from app import create_app
from app.extensions import db
from app.models import Company
from app.services.repository import deployments
from app.services.runtime import cases
from tests.browser_support import shared_chromium
from tests.conftest import make_config
from tests.helpers import bpmn

VENDOR = Path(__file__).resolve().parents[3] / "app" / "static" / "vendor"


SERVED: list = []  # the live server's app, whose caches are emptied after each test


@pytest.fixture(autouse=True)
def _forget_served_instances():
    """Case ids repeat once the database is emptied: the served app must not keep instances,
    specs or forms from an earlier test (the test app's own caches are emptied by conftest)."""
    yield
    from app.services.setup import clear_caches

    for served in SERVED:
        with served.app_context():
            clear_caches()


def _answered_whole(app):
    """The app with each answer read and closed before werkzeug sends it. werkzeug's
    development server skips the answer's close() when the browser drops the connection
    while it drains the request (a page left during a favicon download), and the open static
    file then warns in whichever test the garbage collector happens to run. SafePort streams
    nothing, so nothing changes for the pages."""
    def wsgi(environ, start_response):
        answer = app(environ, start_response)
        try:
            return [b"".join(answer)]
        finally:
            if hasattr(answer, "close"):
                answer.close()

    return wsgi


@pytest.fixture(scope="session")
def live_server(database_url, tmp_path_factory):
    """The app served over HTTP on 127.0.0.1 and a free port; yields its base URL."""
    missing = [name for name in ("htmx.min.js", "bpmn-navigated-viewer.production.min.js")
               if not (VENDOR / name).is_file()]
    assert not missing, f"front-end assets missing in app/static/vendor: run `make install` " \
                        f"({', '.join(missing)})"
    app = create_app(make_config(database_url, WTF_CSRF_ENABLED=True, TIMELINE_POLL_SECONDS=1,
                                 INBOX_POLL_SECONDS=2,
                                 UPLOAD_DIR=str(tmp_path_factory.mktemp("uploads"))))
    SERVED.append(app)
    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # no line per request
    server = make_server("127.0.0.1", 0, _answered_whole(app), threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(timeout=10)
    server.server_close()
    with app.app_context():
        from app.extensions import db

        db.engine.dispose()


@pytest.fixture(scope="session")
def browser():
    """Debian's chromium, headless (one per run, shared with tests/designer/browser)."""
    with shared_chromium() as chromium:
        yield chromium


@pytest.fixture
def new_page(browser, live_server):
    """Open pages in fresh browser contexts (one per user); all closed after the test."""
    contexts = []

    def make(width: int | None = None):
        size = {"viewport": {"width": width, "height": 844}} if width else {}
        context = browser.new_context(base_url=live_server, **size)
        context.set_default_timeout(10_000)
        contexts.append(context)
        page = context.new_page()
        page.errors = []
        page.on("pageerror", lambda err: page.errors.append(str(err)))
        return page

    yield make
    for context in contexts:
        context.close()


def sign_in(page, username: str, password: str = "password-1") -> None:
    """Sign in through the login form."""
    page.goto("/login")
    page.fill("#username", username)
    page.fill("#password", password)
    page.click("main button[type=submit]")  # the header has the language switch
    page.wait_for_load_state()


@pytest.fixture
def review_world(make_user):
    """Two companies with a case each on a diagram that has a layout (BPMN DI)."""
    acme = Company(legal_name="Acme Imports", entity_type="importer")
    globex = Company(legal_name="Globex Freight", entity_type="sea_carrier")
    db.session.add_all([acme, globex])
    db.session.commit()
    users = {"cw": make_user("cw", "case_worker"), "cw2": make_user("cw2", "case_worker"),
             "spec": make_user("spec", "specialist"), "admin": make_user("admin", "admin"),
             "designer": make_user("designer", "designer"),
             "acme": make_user("acme", "applicant", acme.id),
             "globex": make_user("globex", "applicant", globex.id)}
    deployments.deploy(None, {"web_review.bpmn": bpmn("web_review.bpmn")})
    first = cases.start_case(users["cw"], company_id=acme.id, process_id="web_review")
    second = cases.start_case(users["cw"], company_id=globex.id, process_id="web_review")
    return {"users": users, "case": first.id, "other": second.id}
