"""timeline: APScheduler's job store, job runs, leases, work items, notifications,
reconciliation runs; contract actions indexed by kind and day

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-27 17:28:52.384005
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

from cn285.hub.store.types import JSONText, UTCDateTime

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index("ix_contract_action_kind_on", "contract_action", ["kind", "on"], unique=False)
    op.create_table(
        "job_run",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("job_id", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("trigger", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("holder", sqlmodel.sql.sqltypes.AutoString(length=128), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("started_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("finished_at", UTCDateTime(timezone=True), nullable=True),
        sa.Column("status", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("summary", sqlmodel.sql.sqltypes.AutoString(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_job_run_job_id", "job_run", ["job_id"], unique=False)

    op.create_table(
        "lease",
        sa.Column("name", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("holder", sqlmodel.sql.sqltypes.AutoString(length=128), nullable=False),
        sa.Column("acquired_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("expires_at", UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("name"),
    )
    op.create_table(
        "reconciliation_run",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("connector", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("started_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("finished_at", UTCDateTime(timezone=True), nullable=True),
        sa.Column("status", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("checked", JSONText(), nullable=False),
        sa.Column("counts", JSONText(), nullable=False),
        sa.Column("error", sqlmodel.sql.sqltypes.AutoString(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(
        "ix_reconciliation_run_connector", "reconciliation_run", ["connector"], unique=False
    )

    op.create_table(
        "scheduler_job",
        sa.Column("id", sa.Unicode(length=191), nullable=False),
        sa.Column("next_run_time", sa.Float(precision=25), nullable=True),
        sa.Column("job_state", sa.LargeBinary(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(
        "ix_scheduler_job_next_run_time", "scheduler_job", ["next_run_time"], unique=False
    )

    op.create_table(
        "work_item",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("run_id", sa.Integer(), nullable=True),
        sa.Column("payload", JSONText(), nullable=False),
        sa.Column("status", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("worker", sqlmodel.sql.sqltypes.AutoString(length=128), nullable=True),
        sa.Column("lease_until", UTCDateTime(timezone=True), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("result", JSONText(), nullable=True),
        sa.Column("created_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("finished_at", UTCDateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_work_item_pending", "work_item", ["status", "id"], unique=False)
    op.create_index("ix_work_item_run_id", "work_item", ["run_id"], unique=False)

    op.create_table(
        "notification",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("action_id", sa.Integer(), nullable=False),
        sa.Column("contract_code", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("kind", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("offset_days", sa.Integer(), nullable=False),
        sa.Column("channel", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("recipient", sqlmodel.sql.sqltypes.AutoString(length=255), nullable=False),
        sa.Column("effective_date", sa.Date(), nullable=False),
        sa.Column("subject", sqlmodel.sql.sqltypes.AutoString(length=255), nullable=False),
        sa.Column("body", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("status", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("error", sqlmodel.sql.sqltypes.AutoString(), nullable=True),
        sa.Column("created_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("sent_at", UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["action_id"],
            ["contract_action.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("action_id", "kind", "offset_days", "channel"),
    )
    op.create_index("ix_notification_action_id", "notification", ["action_id"], unique=False)
    op.create_index(
        "ix_notification_contract_code", "notification", ["contract_code"], unique=False
    )

    op.create_table(
        "reconciliation_item",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("run_id", sa.Integer(), nullable=False),
        sa.Column("kind", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("entity", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("local_key", sqlmodel.sql.sqltypes.AutoString(length=130), nullable=True),
        sa.Column("remote_id", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
        sa.Column("detail", JSONText(), nullable=False),
        sa.ForeignKeyConstraint(
            ["run_id"],
            ["reconciliation_run.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(
        "ix_reconciliation_item_run_id", "reconciliation_item", ["run_id"], unique=False
    )


def downgrade() -> None:
    op.drop_index("ix_contract_action_kind_on", table_name="contract_action")
    op.drop_index("ix_reconciliation_item_run_id", table_name="reconciliation_item")

    op.drop_table("reconciliation_item")
    op.drop_index("ix_notification_contract_code", table_name="notification")
    op.drop_index("ix_notification_action_id", table_name="notification")

    op.drop_table("notification")
    op.drop_index("ix_work_item_run_id", table_name="work_item")
    op.drop_index("ix_work_item_pending", table_name="work_item")

    op.drop_table("work_item")
    op.drop_index("ix_scheduler_job_next_run_time", table_name="scheduler_job")

    op.drop_table("scheduler_job")
    op.drop_index("ix_reconciliation_run_connector", table_name="reconciliation_run")

    op.drop_table("reconciliation_run")
    op.drop_table("lease")
    op.drop_index("ix_job_run_job_id", table_name="job_run")

    op.drop_table("job_run")
