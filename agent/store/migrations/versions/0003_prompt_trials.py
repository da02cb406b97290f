"""Prompt trials: a saved version written for a share of the sessions, its start and stop audited.

The audit log's check of its actions is widened for the trial's two; SQLite cannot alter a check, so
there the table is copied into one with the new check (Alembic's batch mode).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

ACTIONS = "action IN ('save', 'activate', 'rollback', 'trial_start', 'trial_stop')"
CHECK = "prompt_audit_action_check"  # PostgreSQL's own name for the first layout's column check


def _widen_audit_actions() -> None:
    if op.get_bind().dialect.name == "sqlite":
        # The old check has no name in SQLite: batch mode drops it and writes the one given here.
        check = sa.CheckConstraint(ACTIONS, name=CHECK)
        with op.batch_alter_table("prompt_audit", recreate="always", table_args=(check,)):
            pass
        return
    op.drop_constraint(CHECK, "prompt_audit", type_="check")
    op.create_check_constraint(CHECK, "prompt_audit", ACTIONS)


def upgrade() -> None:
    _widen_audit_actions()
    op.create_table(
        "prompt_trials",
        sa.Column("name", sa.Text, primary_key=True),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("share", sa.Float, sa.CheckConstraint("share > 0 AND share <= 0.5"), nullable=False),
        sa.Column("actor", sa.Text, nullable=False),
        sa.Column("started_at", sa.Float, nullable=False),
    )
