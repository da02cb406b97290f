"""Sessions carry a revision, bumped by every save, so replicas notice a session moved on elsewhere."""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("sessions", sa.Column("revision", sa.Integer, nullable=False, server_default=sa.text("0")))
