"""A person's assignments by status: a team's dashboard counts its members' no-shows on
other teams' missions from the members, in the index alone.

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-30 00:40:00
"""

from __future__ import annotations

from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index(
        "ix_assignments_person_status", "assignments", ["person_id", "status", "mission_id"]
    )


def downgrade() -> None:
    op.drop_index("ix_assignments_person_status", table_name="assignments")
