"""revenue recognition: the lines of each closed month's entry, as posted

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-27 16:05:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

from cn285.hub.store.types import DecimalText

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "revrec_entry_line",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("month", sa.Date(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("account", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("label", sqlmodel.sql.sqltypes.AutoString(length=255), nullable=False),
        sa.Column("debit", DecimalText(length=64), nullable=False),
        sa.Column("credit", DecimalText(length=64), nullable=False),
        sa.ForeignKeyConstraint(["month"], ["revrec_period.month"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("month", "position"),
    )


def downgrade() -> None:
    op.drop_table("revrec_entry_line")
