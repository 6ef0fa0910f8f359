"""import jobs: CSV imports uploaded over the API and run in the background

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-28 09:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

from cn285.hub.store.types import JSONText, UTCDateTime

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_TEXT = sqlmodel.sql.sqltypes.AutoString


def upgrade() -> None:
    op.create_table(
        "import_job",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", _TEXT(length=32), nullable=False),
        sa.Column("mode", _TEXT(length=16), nullable=False),
        sa.Column("dry_run", sa.Boolean(), nullable=False),
        sa.Column("options", JSONText(), nullable=False),
        sa.Column("status", _TEXT(length=16), nullable=False),
        sa.Column("outcome", _TEXT(length=16), nullable=True),
        sa.Column("dialect", JSONText(), nullable=True),
        sa.Column("rows", sa.Integer(), nullable=False),
        sa.Column("created", sa.Integer(), nullable=False),
        sa.Column("updated", sa.Integer(), nullable=False),
        sa.Column("unchanged", sa.Integer(), nullable=False),
        sa.Column("rejected", sa.Integer(), nullable=False),
        sa.Column("error_count", sa.Integer(), nullable=False),
        sa.Column("errors", JSONText(), nullable=False),
        sa.Column("error", _TEXT(), nullable=True),
        sa.Column("file_path", _TEXT(), nullable=True),
        sa.Column("rejects_path", _TEXT(), nullable=True),
        sa.Column("actor", _TEXT(length=64), nullable=False),
        sa.Column("created_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("started_at", UTCDateTime(timezone=True), nullable=True),
        sa.Column("finished_at", UTCDateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )


def downgrade() -> None:
    op.drop_table("import_job")
