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
    "SAFEPORT_REMINDER_LEAD_TIMES": "P30D,P7D,P1D",
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
    API_PAGE_SIZE = 50
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = os.environ.get("SAFEPORT_INSECURE_COOKIES") != "1"
    PERIODS = {name: os.environ.get(name, default) for name, default in PERIOD_DEFAULTS.items()}


class DevelopmentConfig(Config):
    """`make run`: local SQLite, demo data, cookies over plain HTTP."""

    SAFEPORT_DEMO = os.environ.get("SAFEPORT_DEMO", "1") == "1"
    SESSION_COOKIE_SECURE = False


class TestConfig(Config):
    """pytest: a throw-away database given by the test fixtures."""

    TESTING = True
    SECRET_KEY = "test-secret"
    SAFEPORT_DEMO = False
    SESSION_COOKIE_SECURE = False
    WTF_CSRF_ENABLED = False
