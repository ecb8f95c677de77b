"""business-partner audits: suppliers linked to clients, checklist items, corrective actions;
the audited supplier of a case, four-eyes tasks; company site and program; user name, language
and time zone (issue 12)

Revision ID: 0009
Revises: 0008
"""
import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

TZ = sa.DateTime(timezone=True)


def upgrade():
    with op.batch_alter_table("companies") as batch:
        batch.add_column(sa.Column("country", sa.String(length=2), nullable=True))
        batch.add_column(sa.Column("address", sa.String(length=300), nullable=True))
        batch.add_column(sa.Column("program", sa.String(length=20), nullable=True))
        batch.add_column(sa.Column("program_number", sa.String(length=40), nullable=True))
    with op.batch_alter_table("users") as batch:
        batch.add_column(sa.Column("full_name", sa.String(length=120), nullable=True))
        batch.add_column(sa.Column("language", sa.String(length=8), nullable=True))
        batch.add_column(sa.Column("time_zone", sa.String(length=64), nullable=True))
    with op.batch_alter_table("cases") as batch:
        batch.add_column(sa.Column("supplier_id", sa.Integer(), nullable=True))
        batch.create_foreign_key("fk_cases_supplier_id", "companies", ["supplier_id"], ["id"])
        batch.create_index("ix_cases_supplier_id", ["supplier_id"])
    with op.batch_alter_table("human_tasks") as batch:
        batch.add_column(sa.Column("separate_from", sa.String(length=200), nullable=True))
    op.create_table(
        "supplier_links",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("client_id", sa.Integer(), nullable=False),
        sa.Column("supplier_id", sa.Integer(), nullable=False),
        sa.Column("risk_rating", sa.String(length=10), nullable=False),
        sa.Column("last_audit_case_id", sa.Integer(), nullable=True),
        sa.Column("last_audit_on", sa.Date(), nullable=True),
        sa.Column("last_score", sa.Float(), nullable=True),
        sa.Column("next_audit_due", sa.Date(), nullable=True),
        sa.Column("created_at", TZ, nullable=False),
        sa.ForeignKeyConstraint(["client_id"], ["companies.id"]),
        sa.ForeignKeyConstraint(["supplier_id"], ["companies.id"]),
        sa.ForeignKeyConstraint(["last_audit_case_id"], ["cases.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("client_id", "supplier_id"),
    )
    op.create_index("ix_supplier_links_supplier", "supplier_links", ["supplier_id"])
    op.create_table(
        "checklist_items",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("criterion_id", sa.String(length=10), nullable=False),
        sa.Column("result", sa.String(length=20), nullable=True),
        sa.Column("severity", sa.String(length=10), nullable=True),
        sa.Column("notes", sa.Text(), nullable=False),
        sa.Column("updated_by_id", sa.Integer(), nullable=True),
        sa.Column("updated_at", TZ, nullable=False),
        sa.ForeignKeyConstraint(["case_id"], ["cases.id"]),
        sa.ForeignKeyConstraint(["updated_by_id"], ["users.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("case_id", "criterion_id"),
    )
    op.create_table(
        "corrective_actions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("finding_no", sa.Integer(), nullable=False),
        sa.Column("criterion_id", sa.String(length=10), nullable=False),
        sa.Column("severity", sa.String(length=10), nullable=False),
        sa.Column("finding", sa.Text(), nullable=False),
        sa.Column("root_cause", sa.Text(), nullable=False),
        sa.Column("action", sa.Text(), nullable=False),
        sa.Column("owner", sa.String(length=120), nullable=False),
        sa.Column("due_date", sa.Date(), nullable=True),
        sa.Column("state", sa.String(length=10), nullable=False),
        sa.Column("closed_at", TZ, nullable=True),
        sa.ForeignKeyConstraint(["case_id"], ["cases.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("case_id", "finding_no"),
    )
    op.create_index("ix_corrective_actions_open", "corrective_actions", ["state", "due_date"])


def downgrade():
    op.drop_index("ix_corrective_actions_open", table_name="corrective_actions")
    op.drop_table("corrective_actions")
    op.drop_table("checklist_items")
    op.drop_index("ix_supplier_links_supplier", table_name="supplier_links")
    op.drop_table("supplier_links")
    with op.batch_alter_table("human_tasks") as batch:
        batch.drop_column("separate_from")
    with op.batch_alter_table("cases") as batch:
        batch.drop_index("ix_cases_supplier_id")
        batch.drop_constraint("fk_cases_supplier_id", type_="foreignkey")
        batch.drop_column("supplier_id")
    with op.batch_alter_table("users") as batch:
        batch.drop_column("time_zone")
        batch.drop_column("language")
        batch.drop_column("full_name")
    with op.batch_alter_table("companies") as batch:
        batch.drop_column("program_number")
        batch.drop_column("program")
        batch.drop_column("address")
        batch.drop_column("country")
