"""inbox: follow-up dates per task and user ("snooze until"), saved views shared with a role,
and the open-task index the task-name sort and the search box read (issue: the inbox against
Camunda Tasklist)

Revision ID: 0011
Revises: 0010
"""
import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "task_follow_ups",
        sa.Column("task_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("until", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["task_id"], ["human_tasks.id"]),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"]),
        sa.PrimaryKeyConstraint("task_id", "user_id"),
    )
    op.create_index("ix_task_follow_ups_user", "task_follow_ups", ["user_id", "until"])
    op.create_index("ix_human_tasks_open_title", "human_tasks",
                    ["role", "title", "due_at", "id"],
                    postgresql_include=["case_id", "assignee_id", "priority", "created_at"],
                    postgresql_where=sa.text("state = 'ready'"),
                    sqlite_where=sa.text("state = 'ready'"))
    with op.batch_alter_table("saved_filters") as batch:
        batch.add_column(sa.Column("shared_role", sa.String(length=20), nullable=True))
        batch.create_index("ix_saved_filters_shared_role", ["shared_role"])


def downgrade():
    with op.batch_alter_table("saved_filters") as batch:
        batch.drop_index("ix_saved_filters_shared_role")
        batch.drop_column("shared_role")
    op.drop_index("ix_human_tasks_open_title", table_name="human_tasks")
    op.drop_index("ix_task_follow_ups_user", table_name="task_follow_ups")
    op.drop_table("task_follow_ups")
