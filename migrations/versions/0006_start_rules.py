"""who may start a process and the form its start data fills (issue 15)

Revision ID: 0006
Revises: 0005
"""
import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("process_versions") as batch:
        batch.add_column(sa.Column("startable_by", sa.String(length=200), nullable=False,
                                   server_default="case_worker"))
        batch.add_column(sa.Column("start_form", sa.String(length=200), nullable=True))


def downgrade():
    with op.batch_alter_table("process_versions") as batch:
        batch.drop_column("start_form")
        batch.drop_column("startable_by")
