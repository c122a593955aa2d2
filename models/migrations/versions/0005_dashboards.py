"""Dashboards and recognition: organizer chats linked to a team or the campaign, badges and
ladder rungs reached, and the leaderboard opt-in.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-29 21:15:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "chat_links",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("chat_id", sa.BigInteger(), nullable=False),
        sa.Column("chat_type", sa.String(length=16), nullable=False),
        sa.Column("title", sa.String(length=128), nullable=True),
        sa.Column("team_id", sa.Integer(), nullable=True),
        sa.Column("linked_by_id", sa.Integer(), nullable=True),
        sa.Column("linked_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("live_message_id", sa.Integer(), nullable=True),
        sa.Column("live_hash", sa.String(length=64), nullable=True),
        sa.Column("live_edited_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["linked_by_id"], ["people.id"], ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["team_id"], ["teams.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("chat_id"),
    )
    op.create_index("ix_chat_links_team_id", "chat_links", ["team_id"])
    op.create_table(
        "recognitions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=40), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["person_id"], ["people.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("person_id", "code"),
    )
    op.create_index("ix_recognitions_person_id", "recognitions", ["person_id"])
    with op.batch_alter_table("people", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("on_leaderboard", sa.Boolean(), nullable=False, server_default=sa.false())
        )


def downgrade() -> None:
    with op.batch_alter_table("people", schema=None) as batch_op:
        batch_op.drop_column("on_leaderboard")
    op.drop_index("ix_recognitions_person_id", table_name="recognitions")
    op.drop_table("recognitions")
    op.drop_index("ix_chat_links_team_id", table_name="chat_links")
    op.drop_table("chat_links")
