"""Each mission's field reports summed (mission_totals, mission_topics), so wide dashboards
add up missions rather than every report; filled here from the reports already written. And
indexes that find a person's reports and group-report coverings by person, for counting the
distinct people active over a wide period.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-29 22:30:00
"""

from __future__ import annotations

import json
from typing import Any

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
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
BATCH = 5000


def upgrade() -> None:
    op.create_table(
        "mission_totals",
        sa.Column("mission_id", sa.Integer(), nullable=False),
        sa.Column("reports", sa.Integer(), nullable=False),
        *(sa.Column(name, sa.Integer(), nullable=False) for name in COUNTS),
        sa.ForeignKeyConstraint(
            ["mission_id"],
            ["missions.id"],
            name=op.f("fk_mission_totals_mission_id_missions"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("mission_id", name=op.f("pk_mission_totals")),
    )
    op.create_table(
        "mission_topics",
        sa.Column("mission_id", sa.Integer(), nullable=False),
        sa.Column("topic", sa.Text(), nullable=False),
        sa.Column("reports", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["mission_id"],
            ["missions.id"],
            name=op.f("fk_mission_topics_mission_id_missions"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("mission_id", "topic", name=op.f("pk_mission_topics")),
    )
    op.create_index("ix_mission_topics_topic", "mission_topics", ["topic", "mission_id", "reports"])
    op.create_index("ix_field_reports_author_mission", "field_reports", ["author_id", "mission_id"])
    op.create_index(
        "ix_field_report_members_person_mission",
        "field_report_members",
        ["person_id", "mission_id"],
    )
    _backfill()


def _backfill() -> None:
    columns, sums = ", ".join(COUNTS), ", ".join(f"coalesce(sum({n}), 0)" for n in COUNTS)
    # Column names are the constants above.
    op.execute(
        f"INSERT INTO mission_totals (mission_id, reports, {columns}) "  # noqa: S608
        f"SELECT mission_id, count(*), {sums} FROM field_reports GROUP BY mission_id"
    )
    # Topics are JSON lists, unpacked here the same way on both databases; each report counts
    # a topic once.
    heard: dict[tuple[int, str], int] = {}
    for mission_id, raw in op.get_bind().execute(
        sa.text("SELECT mission_id, topics FROM field_reports")
    ):
        for topic in _topic_set(raw):
            heard[(mission_id, topic)] = heard.get((mission_id, topic), 0) + 1
    table = sa.table(
        "mission_topics", sa.column("mission_id"), sa.column("topic"), sa.column("reports")
    )
    rows = [{"mission_id": m, "topic": t, "reports": n} for (m, t), n in heard.items()]
    for first in range(0, len(rows), BATCH):
        op.bulk_insert(table, rows[first : first + BATCH])


def _topic_set(raw: Any) -> set[str]:
    if isinstance(raw, str):
        try:
            raw = json.loads(raw)
        except ValueError:
            return set()
    return {str(item) for item in raw} if isinstance(raw, list) else set()


def downgrade() -> None:
    op.drop_index("ix_field_report_members_person_mission", table_name="field_report_members")
    op.drop_index("ix_field_reports_author_mission", table_name="field_reports")
    op.drop_index("ix_mission_topics_topic", table_name="mission_topics")
    op.drop_table("mission_topics")
    op.drop_table("mission_totals")
