"""SafePort: CTPAT membership case management on BPMN."""
import gc
import os

from flask import Flask, jsonify
from sqlalchemy import text

from app import errors, hardening, ratelimits, web
from app.api import bp as api_bp
from app.cli import register_cli
from app.extensions import db, migrate
from app.services import setup as services


def create_app(config_object: object | str | None = None) -> Flask:
    """Application factory: `config_object` is a class, an import path, or None for the default.

    The default is `config.Config`, or the class SAFEPORT_ENV names (`development`,
    `production`). Settings that do not parse, or a missing SECRET_KEY in production, raise
    `hardening.ConfigError`.
    """
    app = Flask(__name__, instance_path=os.path.join(os.path.dirname(__file__), "..", "instance"))
    if config_object is None:
        config_object = hardening.config_for(os.environ.get("SAFEPORT_ENV"))
    app.config.from_object(config_object)
    hardening.check_settings(app.config)
    os.makedirs(app.instance_path, exist_ok=True)

    db.init_app(app)
    migrate.init_app(app, db, directory=os.path.join(os.path.dirname(__file__), "..",
                                                     "migrations"))
    services.init_app(app)
    app.register_blueprint(api_bp)
    web.init_app(app, csrf_exempt=(api_bp,))
    ratelimits.init_app(app)
    errors.init_app(app)
    hardening.init_app(app)
    register_cli(app)

    @app.get("/healthz")
    def healthz():
        """Liveness and database state, for load balancers and `make run`."""
        try:
            db.session.execute(text("SELECT 1"))
            database = {"ok": True, "dialect": db.engine.dialect.name}
        except Exception as err:  # report, never raise, from a health check
            database = {"ok": False, "error": str(err).splitlines()[0]}
        status = 200 if database["ok"] else 503
        return jsonify(status="ok" if database["ok"] else "degraded", database=database), status

    # Start-up objects live as long as the process: keep them out of the garbage collector's
    # full passes, which otherwise walk them on every large instance load (p95 latency).
    gc.freeze()
    return app
