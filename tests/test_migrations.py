"""Migrations: an empty database upgrades to head, and head matches the models."""
import os
import uuid

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade
from sqlalchemy import create_engine, inspect, text

from app import create_app
from app.extensions import db
from tests.conftest import make_config

TABLES = {"users", "companies", "process_models", "process_versions", "cases", "case_states",
          "human_tasks", "audit_events", "message_subscriptions", "alembic_version",
          # issue 4 (web UI)
          "saved_filters", "task_drafts", "documents", "comments",
          # the inbox (0011)
          "task_follow_ups",
          # per-request cost (0012): what workers' caches of token users compare
          "user_changes",
          # issue 6 (scheduler)
          "email_outbox", "notifications", "reminders_sent", "scheduler_heartbeats",
          # issue 3 (membership lifecycle)
          "memberships", "company_profiles", "company_identifiers", "company_addresses",
          "company_contacts", "facilities", "business_partners", "criteria",
          # issue 5 (designer)
          "diagram_drafts",
          # issue 15 (sign-in limits)
          "signin_failures",
          # issue 13 (living records)
          "company_record_versions", "company_officers",
          # issue 12 (partner audits)
          "supplier_links", "checklist_items", "corrective_actions",
          "action_reminders_sent"}


@pytest.fixture
def empty_database_url(tmp_path, database_url):
    """A brand-new empty database of the same kind as the suite's."""
    if not database_url.startswith("postgresql"):
        yield f"sqlite:///{tmp_path / 'empty.db'}"
        return
    name = f"safeport_mig_{uuid.uuid4().hex[:8]}"
    admin = create_engine(database_url.rsplit("/", 1)[0] + "/postgres",
                          isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f"CREATE DATABASE {name}"))
    yield database_url.rsplit("/", 1)[0] + f"/{name}"
    with admin.connect() as conn:
        conn.execute(text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
    admin.dispose()


def test_empty_database_upgrades_to_head_matching_the_models(empty_database_url):
    app = create_app(make_config(empty_database_url))
    with app.app_context():
        assert inspect(db.engine).get_table_names() == []
        upgrade()
        assert set(inspect(db.engine).get_table_names()) == TABLES
        with db.engine.connect() as conn:
            diff = compare_metadata(MigrationContext.configure(conn), db.metadata)
        assert diff == [], f"models and migrations differ: {diff}"
        downgrade(revision="base")
        assert set(inspect(db.engine).get_table_names()) == {"alembic_version"}
        db.engine.dispose()


def test_production_code_never_calls_create_all():
    root = os.path.join(os.path.dirname(__file__), "..", "app")
    for folder, _dirs, files in os.walk(root):
        for name in files:
            if name.endswith(".py"):
                with open(os.path.join(folder, name)) as source:
                    assert "create_all" not in source.read(), name
