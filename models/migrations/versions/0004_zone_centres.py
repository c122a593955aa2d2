"""Zone centres and radii (from GeoJSON outlines), and whether a report's shared location was
near its zone (never the coordinates).

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-29 20:08:44
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("field_reports", schema=None) as batch_op:
        batch_op.add_column(sa.Column("location_near", sa.Boolean(), nullable=True))

    with op.batch_alter_table("zones", schema=None) as batch_op:
        batch_op.add_column(sa.Column("lat", sa.Float(), nullable=True))
        batch_op.add_column(sa.Column("lon", sa.Float(), nullable=True))
        batch_op.add_column(sa.Column("radius_m", sa.Integer(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("zones", schema=None) as batch_op:
        batch_op.drop_column("radius_m")
        batch_op.drop_column("lon")
        batch_op.drop_column("lat")

    with op.batch_alter_table("field_reports", schema=None) as batch_op:
        batch_op.drop_column("location_near")
