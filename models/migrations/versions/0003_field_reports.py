"""Field reports: counts per mission and author, their versions, the people a group report covers.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-29 19:43:01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "field_reports",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("mission_id", sa.Integer(), nullable=False),
        sa.Column("author_id", sa.Integer(), nullable=False),
        sa.Column("zone_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=24), nullable=False),
        sa.Column("people", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("doors_knocked", sa.Integer(), nullable=True),
        sa.Column("doors_opened", sa.Integer(), nullable=True),
        sa.Column("calls", sa.Integer(), nullable=True),
        sa.Column("answered", sa.Integer(), nullable=True),
        sa.Column("conversations", sa.Integer(), nullable=True),
        sa.Column("supportive", sa.Integer(), nullable=True),
        sa.Column("undecided", sa.Integer(), nullable=True),
        sa.Column("opposed", sa.Integer(), nullable=True),
        sa.Column("not_interested", sa.Integer(), nullable=True),
        sa.Column("follow_ups", sa.Integer(), nullable=True),
        sa.Column("leaflets", sa.Integer(), nullable=True),
        sa.Column("reception", sa.Integer(), nullable=True),
        sa.Column("posters", sa.Integer(), nullable=True),
        sa.Column("spots", sa.Integer(), nullable=True),
        sa.Column("signups", sa.Integer(), nullable=True),
        sa.Column("place", sa.String(length=80), nullable=True),
        sa.Column("topics", sa.JSON(), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("photo_file_id", sa.String(length=256), nullable=True),
        sa.Column("location_shared", sa.Boolean(), nullable=False),
        sa.Column("nobody_home", sa.Boolean(), nullable=False),
        sa.Column("flags", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["author_id"],
            ["people.id"],
            name=op.f("fk_field_reports_author_id_people"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["mission_id"],
            ["missions.id"],
            name=op.f("fk_field_reports_mission_id_missions"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["zone_id"],
            ["zones.id"],
            name=op.f("fk_field_reports_zone_id_zones"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_field_reports")),
        sa.UniqueConstraint("mission_id", "author_id", name=op.f("uq_field_reports_mission_id")),
    )
    with op.batch_alter_table("field_reports", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_field_reports_author_id"), ["author_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_field_reports_mission_id"), ["mission_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_field_reports_zone_id"), ["zone_id"], unique=False)

    op.create_table(
        "field_report_members",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("report_id", sa.Integer(), nullable=False),
        sa.Column("mission_id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["mission_id"],
            ["missions.id"],
            name=op.f("fk_field_report_members_mission_id_missions"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["person_id"],
            ["people.id"],
            name=op.f("fk_field_report_members_person_id_people"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["report_id"],
            ["field_reports.id"],
            name=op.f("fk_field_report_members_report_id_field_reports"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_field_report_members")),
        sa.UniqueConstraint(
            "mission_id", "person_id", name=op.f("uq_field_report_members_mission_id")
        ),
    )
    with op.batch_alter_table("field_report_members", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_field_report_members_mission_id"), ["mission_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_field_report_members_person_id"), ["person_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_field_report_members_report_id"), ["report_id"], unique=False
        )

    op.create_table(
        "field_report_versions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("report_id", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("snapshot", sa.JSON(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["report_id"],
            ["field_reports.id"],
            name=op.f("fk_field_report_versions_report_id_field_reports"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_field_report_versions")),
        sa.UniqueConstraint(
            "report_id", "version", name=op.f("uq_field_report_versions_report_id")
        ),
    )
    with op.batch_alter_table("field_report_versions", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_field_report_versions_report_id"), ["report_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("field_report_versions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_field_report_versions_report_id"))

    op.drop_table("field_report_versions")
    with op.batch_alter_table("field_report_members", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_field_report_members_report_id"))
        batch_op.drop_index(batch_op.f("ix_field_report_members_person_id"))
        batch_op.drop_index(batch_op.f("ix_field_report_members_mission_id"))

    op.drop_table("field_report_members")
    with op.batch_alter_table("field_reports", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_field_reports_zone_id"))
        batch_op.drop_index(batch_op.f("ix_field_reports_mission_id"))
        batch_op.drop_index(batch_op.f("ix_field_reports_author_id"))

    op.drop_table("field_reports")
