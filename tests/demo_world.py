"""The demo data for the tests that read it: seeded once per run and database, then put back
row for row before each test that asks for it.

`seed_demo()` walks 50 cases through the real services (about 500 task completions: 10-15 s),
and eleven tests read what it leaves. Seeding once and copying the rows back (well under a
second) keeps those tests on the seed's real output while taking about two minutes off each
run. The copy is the whole database as the seed left it, staff users included, so the autouse
emptying after each test still leaves the next test an empty database.
"""
from dataclasses import dataclass
from typing import Any

import pytest
from sqlalchemy import Integer, Table, insert, select, text

from app.extensions import db
from app.services.demo import seed_demo
from tests.lifecycle.conftest import deploy_lifecycle


@dataclass
class DemoWorld:
    """The demo data in the database, the `staff` fixture's users among its rows."""

    lines: list[str]  # what seed_demo() said when it seeded this data


_snapshots: dict[str, tuple[dict[str, list[dict[str, Any]]], list[str]]] = {}


@pytest.fixture
def demo_world(database_url, make_user, login) -> DemoWorld:
    """The lifecycle deployed and the demo seeded (demo users sign in with `safeport`, the
    staff fixture's users with the fixture's password)."""
    from tests.conftest import sign_in_staff

    if database_url not in _snapshots:
        staff = sign_in_staff(make_user, login)
        assert deploy_lifecycle(staff["designer"]).status_code == 201
        lines = seed_demo()
        _snapshots[database_url] = (_rows(), lines)
        return DemoWorld(lines)
    rows, lines = _snapshots[database_url]
    _put_back(rows)
    return DemoWorld(lines)


def _tables() -> list[Table]:
    # user_changes is the triggers' counter (migration 0012): it keeps its own row
    return [t for t in db.metadata.sorted_tables if t.name != "user_changes"]


def _rows() -> dict[str, list[dict[str, Any]]]:
    db.session.commit()
    return {table.name: [dict(row._mapping) for row in db.session.execute(select(table))]
            for table in _tables()}


def _put_back(rows: dict[str, list[dict[str, Any]]]) -> None:
    """Insert the rows as they were, parents first; PostgreSQL's sequences then go on after
    the highest id (SQLite's follow the rows by themselves)."""
    for table in _tables():
        if rows[table.name]:
            db.session.execute(insert(table), rows[table.name])
    if db.engine.dialect.name == "postgresql":
        for table in _tables():
            key = list(table.primary_key.columns)
            if rows[table.name] and len(key) == 1 and isinstance(key[0].type, Integer):
                sequence = f"pg_get_serial_sequence('{table.name}', '{key[0].name}')"
                db.session.execute(text(f"SELECT setval({sequence}, max({key[0].name})) "
                                        f"FROM {table.name} WHERE {sequence} IS NOT NULL"))
    db.session.commit()
