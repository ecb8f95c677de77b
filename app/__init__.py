"""SafePort: CTPAT membership case management on BPMN."""
import gc
import os

from flask import Flask, jsonify
from sqlalchemy import text

from app.extensions import db, migrate


def create_app(config_object: object | str | None = None) -> Flask:
    """Application factory: `config_object` is a class, an import path, or None for the default.

    The default is `config.Config`, or `config.DevelopmentConfig` when SAFEPORT_ENV=development.
    """
    app = Flask(__name__, instance_path=os.path.join(os.path.dirname(__file__), "..", "instance"))
    if config_object is None:
        config_object = ("config.DevelopmentConfig" if os.environ.get("SAFEPORT_ENV") ==
                         "development" else "config.Config")
    app.config.from_object(config_object)
    from app.engine.bounds import Limits

    Limits.from_settings(app.config["SCRIPT_LIMITS"])  # a bad bound fails here, not per case
    os.makedirs(app.instance_path, exist_ok=True)

    db.init_app(app)
    migrate.init_app(app, db, directory=os.path.join(os.path.dirname(__file__), "..",
                                                     "migrations"))
    from app import (
        models,  # noqa: F401  (register the tables with the metadata)
        web,
    )
    from app.api import bp as api_bp
    from app.cli import register_cli
    from app.models import web as web_models  # noqa: F401  (the web UI's tables)

    app.register_blueprint(api_bp)
    web.init_app(app)
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
