"""Every table of the store, as SQLAlchemy Core metadata: the one description both engines share.

The migrations (`agent/store/migrations/versions/`) create and change these tables; a test keeps the
head of the migrations equal to this metadata on SQLite and PostgreSQL.
"""

from __future__ import annotations

from sqlalchemy import (
    CheckConstraint,
    Column,
    Float,
    Index,
    Integer,
    MetaData,
    PrimaryKeyConstraint,
    Table,
    Text,
    text,
)

metadata = MetaData()
# What the audit log records; named as PostgreSQL names a column's check, so a migration can replace it.
AUDIT_ACTIONS = "action IN ('save', 'activate', 'rollback', 'trial_start', 'trial_stop')"

sessions = Table(
    "sessions",
    metadata,
    Column("id", Text, primary_key=True),
    Column("shopper_id", Text, nullable=False),
    Column("state", Text, nullable=False),
    Column("created", Float, nullable=False),
    Column("updated", Float, nullable=False),
    # Bumped by every save: a replica holding an older copy in memory reloads it before a turn.
    Column("revision", Integer, nullable=False, server_default=text("0")),
    Index("sessions_by_shopper", "shopper_id"),
)

messages = Table(
    "messages",
    metadata,
    Column("session_id", Text, nullable=False),
    Column("shopper_id", Text, nullable=False),
    Column("position", Integer, nullable=False),
    Column("role", Text, nullable=False),
    Column("content", Text, nullable=False),
    PrimaryKeyConstraint("session_id", "position"),
    Index("messages_by_shopper", "shopper_id"),
)

feedback = Table(
    "feedback",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("session_id", Text, nullable=False),
    Column("shopper_id", Text, nullable=False),
    Column("turn", Integer, nullable=False),
    Column("item_id", Text),
    Column("rating", Integer, CheckConstraint("rating IN (-1, 1)"), nullable=False),
    Column("comment", Text),
    Column("corrected_text", Text),
    Column("corrected_grounded", Integer),
    Column("prompt_name", Text, nullable=False),
    Column("prompt_version", Integer, nullable=False),
    Column("adapter", Text),
    Column("reason_source", Text),
    Column("audience", Text, nullable=False),
    Column("evidence", Text, nullable=False),
    Column("text_shown", Text, nullable=False),
    Column("shopper", Text, nullable=False),
    Column("item", Text),
    Column("context", Text, nullable=False),
    Column("created", Float, nullable=False),
    Index("feedback_by_shopper", "shopper_id"),
)

shoppers = Table(
    "shoppers",
    metadata,
    Column("shopper_id", Text, primary_key=True),
    Column("data", Text, nullable=False),
    Column("updated", Float, nullable=False),
)

prompt_versions = Table(
    "prompt_versions",
    metadata,
    Column("name", Text, nullable=False),
    Column("version", Integer, CheckConstraint("version >= 1"), nullable=False),
    Column("text", Text, nullable=False),
    Column("author", Text, nullable=False),
    Column("note", Text, nullable=False, server_default=text("''")),
    Column("created_at", Float, nullable=False),
    Column("active", Integer, CheckConstraint("active IN (0, 1)"), nullable=False, server_default=text("0")),
    PrimaryKeyConstraint("name", "version"),
    Index(
        "prompt_versions_active",
        "name",
        unique=True,
        sqlite_where=text("active = 1"),
        postgresql_where=text("active = 1"),
    ),
)

prompt_audit = Table(
    "prompt_audit",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("at", Float, nullable=False),
    Column("actor", Text, nullable=False),
    Column("action", Text, CheckConstraint(AUDIT_ACTIONS, name="prompt_audit_action_check"), nullable=False),
    Column("name", Text, nullable=False),
    Column("version", Integer, nullable=False),
    Column("detail", Text, nullable=False, server_default=text("''")),
    Index("prompt_audit_by_name", "name", "id"),
)

# The running trial of each prompt: a saved version written for a share of the sessions (agent/studio).
prompt_trials = Table(
    "prompt_trials",
    metadata,
    Column("name", Text, primary_key=True),
    Column("version", Integer, nullable=False),
    Column("share", Float, CheckConstraint("share > 0 AND share <= 0.5"), nullable=False),
    Column("actor", Text, nullable=False),
    Column("started_at", Float, nullable=False),
)

# Tables holding rows about one shopper, and the column naming them: what "forget me" deletes.
SHOPPER_TABLES = (feedback, messages, sessions, shoppers)
