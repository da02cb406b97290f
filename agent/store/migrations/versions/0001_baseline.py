"""The first store layout: chat sessions, messages, feedback, shoppers, prompt versions and their audit.

Tables are created only where missing, so a store written before versioned migrations (the same
layout, `PRAGMA user_version = 1`) upgrades in place.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def _sessions() -> None:
    op.create_table(
        "sessions",
        sa.Column("id", sa.Text, primary_key=True),
        sa.Column("shopper_id", sa.Text, nullable=False),
        sa.Column("state", sa.Text, nullable=False),
        sa.Column("created", sa.Float, nullable=False),
        sa.Column("updated", sa.Float, nullable=False),
    )
    op.create_index("sessions_by_shopper", "sessions", ["shopper_id"])


def _messages() -> None:
    op.create_table(
        "messages",
        sa.Column("session_id", sa.Text, nullable=False),
        sa.Column("shopper_id", sa.Text, nullable=False),
        sa.Column("position", sa.Integer, nullable=False),
        sa.Column("role", sa.Text, nullable=False),
        sa.Column("content", sa.Text, nullable=False),
        sa.PrimaryKeyConstraint("session_id", "position"),
    )
    op.create_index("messages_by_shopper", "messages", ["shopper_id"])


def _feedback() -> None:
    texts = ("comment", "corrected_text")
    op.create_table(
        "feedback",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("session_id", sa.Text, nullable=False),
        sa.Column("shopper_id", sa.Text, nullable=False),
        sa.Column("turn", sa.Integer, nullable=False),
        sa.Column("item_id", sa.Text),
        sa.Column("rating", sa.Integer, sa.CheckConstraint("rating IN (-1, 1)"), nullable=False),
        *(sa.Column(name, sa.Text) for name in texts),
        sa.Column("corrected_grounded", sa.Integer),
        sa.Column("prompt_name", sa.Text, nullable=False),
        sa.Column("prompt_version", sa.Integer, nullable=False),
        sa.Column("adapter", sa.Text),
        sa.Column("reason_source", sa.Text),
        sa.Column("audience", sa.Text, nullable=False),
        sa.Column("evidence", sa.Text, nullable=False),
        sa.Column("text_shown", sa.Text, nullable=False),
        sa.Column("shopper", sa.Text, nullable=False),
        sa.Column("item", sa.Text),
        sa.Column("context", sa.Text, nullable=False),
        sa.Column("created", sa.Float, nullable=False),
    )
    op.create_index("feedback_by_shopper", "feedback", ["shopper_id"])


def _shoppers() -> None:
    op.create_table(
        "shoppers",
        sa.Column("shopper_id", sa.Text, primary_key=True),
        sa.Column("data", sa.Text, nullable=False),
        sa.Column("updated", sa.Float, nullable=False),
    )


def _prompt_versions() -> None:
    op.create_table(
        "prompt_versions",
        sa.Column("name", sa.Text, nullable=False),
        sa.Column("version", sa.Integer, sa.CheckConstraint("version >= 1"), nullable=False),
        sa.Column("text", sa.Text, nullable=False),
        sa.Column("author", sa.Text, nullable=False),
        sa.Column("note", sa.Text, nullable=False, server_default=sa.text("''")),
        sa.Column("created_at", sa.Float, nullable=False),
        sa.Column(
            "active",
            sa.Integer,
            sa.CheckConstraint("active IN (0, 1)"),
            nullable=False,
            server_default=sa.text("0"),
        ),
        sa.PrimaryKeyConstraint("name", "version"),
    )
    where = sa.text("active = 1")
    op.create_index(
        "prompt_versions_active",
        "prompt_versions",
        ["name"],
        unique=True,
        sqlite_where=where,
        postgresql_where=where,
    )


def _prompt_audit() -> None:
    actions = "action IN ('save', 'activate', 'rollback')"
    op.create_table(
        "prompt_audit",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("at", sa.Float, nullable=False),
        sa.Column("actor", sa.Text, nullable=False),
        sa.Column("action", sa.Text, sa.CheckConstraint(actions), nullable=False),
        sa.Column("name", sa.Text, nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("detail", sa.Text, nullable=False, server_default=sa.text("''")),
    )
    op.create_index("prompt_audit_by_name", "prompt_audit", ["name", "id"])


_TABLES = {
    "sessions": _sessions,
    "messages": _messages,
    "feedback": _feedback,
    "shoppers": _shoppers,
    "prompt_versions": _prompt_versions,
    "prompt_audit": _prompt_audit,
}


def upgrade() -> None:
    present = set(sa.inspect(op.get_bind()).get_table_names())
    for name, create in _TABLES.items():
        if name not in present:
            create()
