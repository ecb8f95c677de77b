"""Per-address limits (Flask-Limiter, one limiter per app, bound in `init_app`): on signing in,
and on public audit enquiries.

`POST /login` and `POST /api/v1/auth/token` share one budget per client address
(`SIGNIN_RATE_LIMIT`, e.g. "10 per minute"), counted in `RATELIMIT_STORAGE_URI`: `memory://`
counts per process, `redis://...` across every worker. If Redis cannot be reached the limiter
falls back to counting in memory rather than refusing every sign-in. A refused attempt raises
Flask-Limiter's `RateLimitExceeded` (a 429), which `app/errors.py` renders. The per-account
back-off is another matter, kept in the database (`app/services/identity/signin.py`).
The public enquiry form (`POST /audits/enquiry`) has its own budget per address
(`ENQUIRY_RATE_LIMIT`, e.g. "5 per hour"), counted the same way.
"""
import math
import time

from flask import Flask, current_app, request
from flask_babel import gettext
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address

EXTENSION = "safeport_limiter"
#: the endpoints that check a password; they share one budget per address
SIGNIN_ENDPOINTS = ("auth.login", "api.create_token")
ENQUIRY_ENDPOINT = "audits.enquiry"


def init_app(app: Flask) -> None:
    """Create this app's limiter and put the sign-in limit on the sign-in endpoints and the
    enquiry limit on the public enquiry form (call it after the blueprints are registered)."""
    limiter = Limiter(get_remote_address, in_memory_fallback_enabled=True)
    limiter.init_app(app)
    app.extensions[EXTENSION] = limiter
    if not limiter.enabled:
        return
    signin_limit = limiter.shared_limit(
        lambda: current_app.config["SIGNIN_RATE_LIMIT"], scope="signin", methods=["POST"],
        error_message="Too many sign-in attempts from your address.")
    for endpoint in SIGNIN_ENDPOINTS:
        app.view_functions[endpoint] = signin_limit(app.view_functions[endpoint])
    enquiry_limit = limiter.limit(
        lambda: current_app.config["ENQUIRY_RATE_LIMIT"], methods=["POST"],
        error_message=lambda: gettext("Too many enquiries from your address."))
    app.view_functions[ENQUIRY_ENDPOINT] = enquiry_limit(app.view_functions[ENQUIRY_ENDPOINT])
    _check_only_limited_endpoints(app, limiter)


def _check_only_limited_endpoints(app: Flask, limiter: Limiter) -> None:
    """Flask-Limiter looks for limits on every request (about 0.25 ms, a tenth of an API
    call). The limits above are checked by their decorators; the per-request check is only
    needed for limits on whole apps or blueprints, which SafePort sets none of. Keep it for the
    limited endpoints (as before) and skip it elsewhere, unless such limits are configured."""
    if app.config.get("RATELIMIT_DEFAULT") or app.config.get("RATELIMIT_APPLICATION"):
        return
    limited = {*SIGNIN_ENDPOINTS, ENQUIRY_ENDPOINT}
    check = limiter._check_request_limit
    hooks = app.before_request_funcs[None]

    def check_limited_endpoints():
        if request.endpoint in limited:
            check()

    hooks[hooks.index(check)] = check_limited_endpoints


def retry_after() -> int:
    """Seconds until the limit this request broke lets another attempt through."""
    limiter = current_app.extensions.get(EXTENSION)
    limit = limiter.current_limit if limiter is not None else None
    if limit is None:
        return 60
    # reset_at is rounded up to a whole second: never say more than the window itself
    return max(1, min(math.ceil(limit.reset_at - time.time()), limit.limit.get_expiry()))
