"""quotes and their versions (signed once into a contract)

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-28 10:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

from cn285.hub.store.types import JSONText, UTCDateTime

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_TEXT = sqlmodel.sql.sqltypes.AutoString


def upgrade() -> None:
    op.create_table(
        "quote",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("number", _TEXT(length=64), nullable=False),
        sa.Column("customer_code", _TEXT(length=64), nullable=False),
        sa.Column("title", _TEXT(length=255), nullable=False),
        sa.Column("contract_code", _TEXT(length=64), nullable=True),
        sa.Column("actor", _TEXT(length=64), nullable=False),
        sa.Column("created_at", UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["customer_code"], ["customer.code"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("contract_code"),
    )
    with op.batch_alter_table("quote", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_quote_number"), ["number"], unique=True)
        batch_op.create_index(batch_op.f("ix_quote_customer_code"), ["customer_code"])
    op.create_table(
        "quote_version",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("quote_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("content", JSONText(), nullable=False),
        sa.Column("status", _TEXT(length=16), nullable=False),
        sa.Column("provider", _TEXT(length=32), nullable=True),
        sa.Column("provider_ref", _TEXT(length=128), nullable=True),
        sa.Column("signing_link", _TEXT(length=1000), nullable=True),
        sa.Column("signer", JSONText(), nullable=True),
        sa.Column("actor", _TEXT(length=64), nullable=False),
        sa.Column("created_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("sent_at", UTCDateTime(timezone=True), nullable=True),
        sa.Column("decided_at", UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["quote_id"], ["quote.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("quote_id", "number"),
        sa.UniqueConstraint("provider_ref"),
    )
    with op.batch_alter_table("quote_version", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_quote_version_quote_id"), ["quote_id"])


def downgrade() -> None:
    op.drop_table("quote_version")
    op.drop_table("quote")
