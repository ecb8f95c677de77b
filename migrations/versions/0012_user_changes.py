"""user changes: a trigger on users counts every UPDATE and DELETE in user_changes.n and, on
PostgreSQL, sends NOTIFY safeport_users, so that the users each worker keeps for API tokens are
dropped as soon as one changes (issue 16: per-request cost)

Revision ID: 0012
Revises: 0011
"""
import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None

POSTGRES_UP = [
    """CREATE FUNCTION safeport_user_changed() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        UPDATE user_changes SET n = n + 1 WHERE id = 1;
        PERFORM pg_notify('safeport_users', '');
        RETURN NULL;
    END $$""",
    """CREATE TRIGGER users_changed AFTER UPDATE OR DELETE ON users
    FOR EACH STATEMENT EXECUTE FUNCTION safeport_user_changed()""",
    """CREATE TRIGGER users_truncated AFTER TRUNCATE ON users
    FOR EACH STATEMENT EXECUTE FUNCTION safeport_user_changed()""",
]
SQLITE_UP = [
    """CREATE TRIGGER users_updated AFTER UPDATE ON users
    BEGIN UPDATE user_changes SET n = n + 1 WHERE id = 1; END""",
    """CREATE TRIGGER users_deleted AFTER DELETE ON users
    BEGIN UPDATE user_changes SET n = n + 1 WHERE id = 1; END""",
]


def upgrade():
    table = op.create_table(
        "user_changes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("n", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.bulk_insert(table, [{"id": 1, "n": 0}])
    postgres = op.get_bind().dialect.name == "postgresql"
    for statement in POSTGRES_UP if postgres else SQLITE_UP:
        op.execute(statement)


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS users_truncated ON users")
        op.execute("DROP TRIGGER IF EXISTS users_changed ON users")
        op.execute("DROP FUNCTION IF EXISTS safeport_user_changed()")
    else:
        op.execute("DROP TRIGGER IF EXISTS users_updated")
        op.execute("DROP TRIGGER IF EXISTS users_deleted")
    op.drop_table("user_changes")
