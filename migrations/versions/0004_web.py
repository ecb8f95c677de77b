"""web UI tables: saved filters, task drafts, documents, comments (issue 4)

Revision ID: 0004
Revises: 0003
"""
import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "saved_filters",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=80), nullable=False),
        sa.Column("query", sa.String(length=1000), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("user_id", "name"),
    )
    op.create_table(
        "task_drafts",
        sa.Column("task_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["task_id"], ["human_tasks.id"]),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"]),
        sa.PrimaryKeyConstraint("task_id", "user_id"),
    )
    op.create_table(
        "documents",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("criterion", sa.String(length=200), nullable=True),
        sa.Column("original_name", sa.String(length=255), nullable=False),
        sa.Column("stored_name", sa.String(length=64), nullable=False),
        sa.Column("content_type", sa.String(length=100), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("uploaded_by_id", sa.Integer(), nullable=True),
        sa.Column("uploaded_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["case_id"], ["cases.id"]),
        sa.ForeignKeyConstraint(["uploaded_by_id"], ["users.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("stored_name"),
    )
    op.create_index("ix_documents_case", "documents", ["case_id", "id"])
    op.create_table(
        "comments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("author_id", sa.Integer(), nullable=True),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["author_id"], ["users.id"]),
        sa.ForeignKeyConstraint(["case_id"], ["cases.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_comments_case", "comments", ["case_id", "id"])
    # inbox indexes: open tasks only, in inbox order, covering counts and sorting
    op.create_index("ix_human_tasks_open_queue", "human_tasks",
                    ["role", "due_at", "created_at", "id"],
                    postgresql_include=["priority", "assignee_id", "case_id"],
                    postgresql_where=sa.text("state = 'ready'"),
                    sqlite_where=sa.text("state = 'ready'"))
    op.create_index("ix_human_tasks_open_priority", "human_tasks", ["role", "priority"],
                    postgresql_include=["due_at", "id"],
                    postgresql_where=sa.text("state = 'ready'"),
                    sqlite_where=sa.text("state = 'ready'"))
    op.create_index("ix_human_tasks_open_created", "human_tasks", ["role", "created_at", "id"],
                    postgresql_where=sa.text("state = 'ready'"),
                    sqlite_where=sa.text("state = 'ready'"))
    op.create_index("ix_human_tasks_open_mine", "human_tasks",
                    ["assignee_id", "due_at", "created_at", "id"],
                    postgresql_include=["priority", "role", "case_id"],
                    postgresql_where=sa.text("state = 'ready'"),
                    sqlite_where=sa.text("state = 'ready'"))


def downgrade():
    op.drop_index("ix_human_tasks_open_mine", table_name="human_tasks")
    op.drop_index("ix_human_tasks_open_created", table_name="human_tasks")
    op.drop_index("ix_human_tasks_open_priority", table_name="human_tasks")
    op.drop_index("ix_human_tasks_open_queue", table_name="human_tasks")
    op.drop_index("ix_comments_case", table_name="comments")
    op.drop_table("comments")
    op.drop_index("ix_documents_case", table_name="documents")
    op.drop_table("documents")
    op.drop_table("task_drafts")
    op.drop_table("saved_filters")
