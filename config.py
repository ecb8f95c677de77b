"""SafePort settings, read from the environment with safe defaults.

Every deadline and period is an ISO-8601 duration with the statutory or program default, so tests
and demos can shrink a year to seconds (see ../shared/domain/ctpat.md for the sources).
"""
import os
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent

#: Lifecycle periods: setting name -> default ISO-8601 duration.
PERIOD_DEFAULTS = {
    "SAFEPORT_PROFILE_COMPLETION_PERIOD": "P60D",
    "SAFEPORT_CERTIFICATION_TARGET": "P90D",
    "SAFEPORT_VALIDATION_PERIOD": "P365D",
    "SAFEPORT_ANNUAL_REVIEW_PERIOD": "P365D",
    "SAFEPORT_ANNUAL_REVIEW_WINDOW": "P90D",
    "SAFEPORT_REVALIDATION_PERIOD": "P1460D",
    # 6 U.S.C. 967(c)(1): appeal a decision on benefits within 90 days; the Secretary
    # decides within 180 days of the appeal
    "SAFEPORT_APPEAL_PERIOD": "P90D",
    "SAFEPORT_APPEAL_DECISION_PERIOD": "P180D",
    "SAFEPORT_REMINDER_LEAD_TIMES": "P30D,P7D,P1D",
    "SAFEPORT_VALIDATION_NOTICE_LEAD_TIME": "P30D",
    "SAFEPORT_REQUIRED_ACTION_RESPONSE_PERIOD": "P90D",
    # business-partner audits (an audit firm's practice, not a statute): how long a quote holds,
    # the supplier's time for the self-assessment and for its corrective action plan
    "SAFEPORT_QUOTE_PERIOD": "P14D",
    "SAFEPORT_SELF_ASSESSMENT_PERIOD": "P30D",
    "SAFEPORT_CORRECTIVE_PLAN_PERIOD": "P30D",
    # the next audit of a supplier by its risk rating (a critical finding counts as high risk),
    # and how long before it the client is reminded
    "SAFEPORT_REAUDIT_HIGH_RISK": "P365D",
    "SAFEPORT_REAUDIT_MEDIUM_RISK": "P730D",
    "SAFEPORT_REAUDIT_LOW_RISK": "P1095D",
    "SAFEPORT_REAUDIT_REMINDER_LEAD": "P60D",
}

#: Bounds of every script, condition and expression evaluation, and of case data (issue 15):
#: an ISO-8601 duration, and sizes in bytes or with KiB, MiB or GiB (e.g. "256MiB").
SCRIPT_LIMIT_DEFAULTS = {
    "SAFEPORT_SCRIPT_TIMEOUT": "PT2S",
    "SAFEPORT_SCRIPT_MEMORY_LIMIT": "256MiB",
    "SAFEPORT_MAX_CASE_DATA": "1MiB",
}


def _database_url() -> str:
    url = os.environ.get("DATABASE_URL") or f"sqlite:///{BASE_DIR / 'instance' / 'safeport.db'}"
    # Heroku-style URLs and bare "postgresql://" both mean psycopg 3 here.
    if url.startswith("postgres://"):
        url = "postgresql://" + url[len("postgres://"):]
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://"):]
    return url


class Config:
    """Production-safe defaults; everything can be overridden from the environment."""

    SECRET_KEY = os.environ.get("SECRET_KEY", "dev-only-change-me")
    SQLALCHEMY_DATABASE_URI = _database_url()
    SQLALCHEMY_ENGINE_OPTIONS = {"pool_pre_ping": True}
    BPMN_DIR = os.environ.get("SAFEPORT_BPMN_DIR", str(BASE_DIR / "bpmn"))
    FORMS_DIR = os.environ.get("SAFEPORT_FORMS_DIR", str(BASE_DIR / "forms"))
    SAFEPORT_DEMO = os.environ.get("SAFEPORT_DEMO") == "1"
    SAFEPORT_DEFAULT_PROCESS = os.environ.get("SAFEPORT_DEFAULT_PROCESS", "ctpat_membership")
    #: Largest BPMN/DMN file accepted at deploy time, in bytes.
    MAX_DIAGRAM_BYTES = int(os.environ.get("SAFEPORT_MAX_DIAGRAM_BYTES", 2 * 1024 * 1024))
    MAX_CONTENT_LENGTH = int(os.environ.get("SAFEPORT_MAX_REQUEST_BYTES", 16 * 1024 * 1024))
    API_TOKEN_MAX_AGE = int(os.environ.get("SAFEPORT_API_TOKEN_MAX_AGE", 12 * 3600))
    #: how long a worker may keep the user behind an API token (0: read it on every request);
    #: any change to a user row drops all of them before this (app/services/identity/user_cache)
    API_USER_CACHE_SECONDS = int(os.environ.get("SAFEPORT_API_USER_CACHE_SECONDS", 300))
    API_PAGE_SIZE = 50
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = os.environ.get("SAFEPORT_INSECURE_COOKIES") != "1"
    PERIODS = {name: os.environ.get(name, default) for name, default in PERIOD_DEFAULTS.items()}
    SCRIPT_LIMITS = {name: os.environ.get(name, default)
                     for name, default in SCRIPT_LIMIT_DEFAULTS.items()}
    #: werkzeug password hashing method (tests use a cheap one; never lower it in production)
    PASSWORD_HASH_METHOD = "scrypt"
    # Email (the outbox is sent by the scheduler; see app/services/mail.py).
    MAIL_SERVER = os.environ.get("MAIL_SERVER", "localhost")
    MAIL_PORT = int(os.environ.get("MAIL_PORT", 25))
    MAIL_DEFAULT_SENDER = os.environ.get("MAIL_DEFAULT_SENDER", "SafePort <safeport@localhost>")
    MAIL_USERNAME = os.environ.get("MAIL_USERNAME") or None
    MAIL_PASSWORD = os.environ.get("MAIL_PASSWORD") or None
    MAIL_USE_TLS = os.environ.get("MAIL_USE_TLS") == "1"  # STARTTLS
    MAIL_TIMEOUT = float(os.environ.get("MAIL_TIMEOUT", 10))
    #: Retry back-off after a failed delivery: base * 2**(attempts-1) seconds, capped.
    MAIL_RETRY_BASE_SECONDS = float(os.environ.get("MAIL_RETRY_BASE_SECONDS", 30))
    MAIL_RETRY_MAX_SECONDS = float(os.environ.get("MAIL_RETRY_MAX_SECONDS", 3600))
    #: Permanent refusals (5xx) are retried this many times before the email is marked failed.
    MAIL_MAX_PERMANENT_FAILURES = int(os.environ.get("MAIL_MAX_PERMANENT_FAILURES", 3))
    # Scheduler (`flask scheduler run`): longest sleep between runs, and rows per job per run.
    SCHEDULER_MAX_SLEEP = float(os.environ.get("SCHEDULER_MAX_SLEEP", 30))
    SCHEDULER_BATCH = int(os.environ.get("SCHEDULER_BATCH", 500))
    # --- web UI (issue 4) ---
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SECURE = SESSION_COOKIE_SECURE
    PERMANENT_SESSION_LIFETIME = int(os.environ.get("SAFEPORT_SESSION_SECONDS", 8 * 3600))
    WTF_CSRF_TIME_LIMIT = None  # the token lives as long as the session
    # --- sign-in limits (issue 15) ---
    #: sign-in attempts (POST /login and POST /api/v1/auth/token together) per client address,
    #: counted by Flask-Limiter in RATELIMIT_STORAGE_URI: memory:// counts per process, so give
    #: several workers one redis://host:6379/0.
    SIGNIN_RATE_LIMIT = os.environ.get("SAFEPORT_SIGNIN_RATE_LIMIT", "10 per minute")
    RATELIMIT_STORAGE_URI = os.environ.get("RATELIMIT_STORAGE_URI") or "memory://"
    #: public audit enquiries (POST /audits/enquiry) per client address, the same way
    ENQUIRY_RATE_LIMIT = os.environ.get("SAFEPORT_ENQUIRY_RATE_LIMIT", "5 per hour")
    RATELIMIT_STRATEGY = "moving-window"
    RATELIMIT_KEY_PREFIX = "safeport"
    #: per account, in the database: after this many consecutive failures each further attempt
    #: waits base * 2**(failures - after) seconds, at most the max; a success starts over.
    SIGNIN_BACKOFF_AFTER = int(os.environ.get("SAFEPORT_SIGNIN_BACKOFF_AFTER", 5))
    SIGNIN_BACKOFF_BASE_SECONDS = float(os.environ.get("SAFEPORT_SIGNIN_BACKOFF_BASE_SECONDS", 1))
    SIGNIN_BACKOFF_MAX_SECONDS = float(os.environ.get("SAFEPORT_SIGNIN_BACKOFF_MAX_SECONDS", 900))
    #: activation (and password reset) links work this many seconds, and once
    ACTIVATION_MAX_AGE = int(os.environ.get("SAFEPORT_ACTIVATION_MAX_AGE", 7 * 24 * 3600))
    #: the address people reach SafePort at, for links in emails ("https://safeport.example");
    #: unset, the address the request came to (set it behind a proxy or in production)
    BASE_URL = os.environ.get("SAFEPORT_BASE_URL") or None
    #: uploaded documents live here, outside the web root, under generated names.
    UPLOAD_DIR = os.environ.get("SAFEPORT_UPLOAD_DIR", str(BASE_DIR / "instance" / "uploads"))
    MAX_UPLOAD_BYTES = int(os.environ.get("SAFEPORT_MAX_UPLOAD_BYTES", 10 * 1024 * 1024))
    #: how often an open case page refreshes its timeline.
    TIMELINE_POLL_SECONDS = int(os.environ.get("SAFEPORT_TIMELINE_POLL_SECONDS", 15))
    #: the inbox's stage filter lists the stages of running cases, read at most this often.
    INBOX_STAGES_CACHE_SECONDS = 60
    #: how often an open inbox refreshes its list and every page its notification bell
    INBOX_POLL_SECONDS = int(os.environ.get("SAFEPORT_INBOX_POLL_SECONDS", 30))
    # --- production hardening (issue 15; checked by app/hardening.py at start-up) ---
    #: refuse to start without SECRET_KEY from the environment (ProductionConfig).
    REQUIRE_SECRET_KEY = False
    #: Strict-Transport-Security max-age in seconds; 0 sends no header (ProductionConfig sends it).
    HSTS_SECONDS = 0
    #: reverse proxies in front of the app whose X-Forwarded-For/-Proto/-Host are trusted
    PROXY_HOPS = int(os.environ.get("SAFEPORT_PROXY_HOPS", "0"))


class DevelopmentConfig(Config):
    """`make run`: local SQLite, demo data, cookies over plain HTTP."""

    SAFEPORT_DEMO = os.environ.get("SAFEPORT_DEMO", "1") == "1"
    SESSION_COOKIE_SECURE = False
    REMEMBER_COOKIE_SECURE = False


class ProductionConfig(Config):
    """SAFEPORT_ENV=production: behind HTTPS; refuses to start without SECRET_KEY."""

    SECRET_KEY = os.environ.get("SECRET_KEY") or None
    REQUIRE_SECRET_KEY = True
    SESSION_COOKIE_SECURE = True
    REMEMBER_COOKIE_SECURE = True
    HSTS_SECONDS = int(os.environ.get("SAFEPORT_HSTS_SECONDS", 365 * 24 * 3600))


class TestConfig(Config):
    """pytest: a throw-away database given by the test fixtures."""

    TESTING = True
    SECRET_KEY = "test-secret"
    PASSWORD_HASH_METHOD = "pbkdf2:sha256:1000"
    SAFEPORT_DEMO = False
    SESSION_COOKIE_SECURE = False
    REMEMBER_COOKIE_SECURE = False
    WTF_CSRF_ENABLED = False
    INBOX_STAGES_CACHE_SECONDS = 0
    #: the per-address limit is off for the suite (one client signs in hundreds of times);
    #: tests/api/test_signin_limits.py turns it on. The per-account back-off stays on.
    RATELIMIT_ENABLED = False
