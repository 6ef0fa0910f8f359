"""outbox events found by entity and key

The nightly reconciliation asks, for each batch of imported invoices with no binding,
which of them were sent to the ERPs (imported with `push`: an outbox event under their
number). Without this index every such batch reads all the invoice events of the store.

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-27 21:30:00.000000
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("outbox_event", schema=None) as batch_op:
        batch_op.create_index("ix_outbox_event_entity_key", ["entity", "key"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("outbox_event", schema=None) as batch_op:
        batch_op.drop_index("ix_outbox_event_entity_key")
