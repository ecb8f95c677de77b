"""sign-in back-off: consecutive failed sign-ins per username, shared by every worker (issue 15)

Revision ID: 0007
Revises: 0006
"""
import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "signin_failures",
        sa.Column("username", sa.String(length=80), nullable=False),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_failed_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("username"),
    )
    op.create_index("ix_signin_failures_last_failed_at", "signin_failures", ["last_failed_at"])


def downgrade():
    op.drop_index("ix_signin_failures_last_failed_at", table_name="signin_failures")
    op.drop_table("signin_failures")
