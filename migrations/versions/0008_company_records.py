"""living company records: record versions, officers, facility addresses, partner program
numbers (issue 13)

Revision ID: 0008
Revises: 0007
"""
import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "company_record_versions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("company_id", sa.Integer(), nullable=False),
        sa.Column("part", sa.String(length=30), nullable=False),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=True),
        sa.Column("submitted_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("accepted_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["company_id"], ["companies.id"]),
        sa.ForeignKeyConstraint(["case_id"], ["cases.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_company_record_versions_company", "company_record_versions",
                    ["company_id", "part", "id"])
    op.create_table(
        "company_officers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("company_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.ForeignKeyConstraint(["company_id"], ["companies.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_company_officers_company_id", "company_officers", ["company_id"])
    with op.batch_alter_table("facilities") as batch:
        batch.add_column(sa.Column("line1", sa.String(length=200), nullable=True))
        batch.add_column(sa.Column("postal_code", sa.String(length=20), nullable=True))
    with op.batch_alter_table("business_partners") as batch:
        batch.add_column(sa.Column("program_number", sa.String(length=40), nullable=True))
        batch.add_column(sa.Column("screened", sa.String(length=10), nullable=True))


def downgrade():
    with op.batch_alter_table("business_partners") as batch:
        batch.drop_column("screened")
        batch.drop_column("program_number")
    with op.batch_alter_table("facilities") as batch:
        batch.drop_column("postal_code")
        batch.drop_column("line1")
    op.drop_index("ix_company_officers_company_id", table_name="company_officers")
    op.drop_table("company_officers")
    op.drop_index("ix_company_record_versions_company", table_name="company_record_versions")
    op.drop_table("company_record_versions")
