"""Indexes for the dashboards: the counts summed per mission, the topics per mission,
assignments by mission and status, and a team's members, so /report and the digests read
indexes, not tables.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-29 21:30:00
"""

from __future__ import annotations

from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

COUNTS = [
    "doors_knocked",
    "doors_opened",
    "calls",
    "answered",
    "conversations",
    "supportive",
    "undecided",
    "opposed",
    "not_interested",
    "follow_ups",
    "leaflets",
    "posters",
    "signups",
]


def upgrade() -> None:
    op.create_index(
        "ix_field_reports_dashboard",
        "field_reports",
        ["mission_id", *COUNTS],
        postgresql_include=["topics"],
    )
    # PostgreSQL has no B-tree for json: there the topics are in the index above.
    if op.get_bind().dialect.name == "sqlite":
        op.create_index("ix_field_reports_topics", "field_reports", ["mission_id", "topics"])
    op.create_index("ix_assignments_mission_status", "assignments", ["mission_id", "status"])
    op.create_index("ix_people_team_id", "people", ["team_id"])


def downgrade() -> None:
    op.drop_index("ix_people_team_id", table_name="people")
    op.drop_index("ix_assignments_mission_status", table_name="assignments")
    if op.get_bind().dialect.name == "sqlite":
        op.drop_index("ix_field_reports_topics", table_name="field_reports")
    op.drop_index("ix_field_reports_dashboard", table_name="field_reports")
