"""revenue recognition: closed months and what each recognised per invoice line

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-27 15:50:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

from cn285.hub.store.types import DecimalText, UTCDateTime

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "revrec_period",
        sa.Column("month", sa.Date(), nullable=False),
        sa.Column("reference", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("recognised", DecimalText(length=64), nullable=False),
        sa.Column("closed_at", UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("month"),
        sa.UniqueConstraint("reference"),
    )
    op.create_table(
        "revrec_posting",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("invoice_line_id", sa.Integer(), nullable=False),
        sa.Column("month", sa.Date(), nullable=False),
        sa.Column("amount", DecimalText(length=64), nullable=False),
        sa.ForeignKeyConstraint(["invoice_line_id"], ["invoice_line.id"]),
        sa.ForeignKeyConstraint(["month"], ["revrec_period.month"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("invoice_line_id", "month"),
    )
    op.create_index("ix_revrec_posting_invoice_line_id", "revrec_posting", ["invoice_line_id"])
    op.create_index("ix_revrec_posting_month", "revrec_posting", ["month"])


def downgrade() -> None:
    op.drop_index("ix_revrec_posting_month", table_name="revrec_posting")
    op.drop_index("ix_revrec_posting_invoice_line_id", table_name="revrec_posting")
    op.drop_table("revrec_posting")
    op.drop_table("revrec_period")
