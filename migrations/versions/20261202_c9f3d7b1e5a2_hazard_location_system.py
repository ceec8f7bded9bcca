"""the datum of a hazard's location (issue 20)

``hazards.location_system``: which coordinate system ``location_lat`` / ``location_lng`` are in,
as received: "GCJ-02" for a WeChat location message, "WGS-84" for a GPS; empty where the sender
did not say. Existing rows stay empty (not stated).

Revision ID: c9f3d7b1e5a2
Revises: b8e2c6a0d4f9
Create Date: 2026-12-02 18:40:00.000000+00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = 'c9f3d7b1e5a2'
down_revision = 'b8e2c6a0d4f9'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('hazards') as batch:
        batch.add_column(sa.Column('location_system', sa.String(length=8), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('hazards') as batch:
        batch.drop_column('location_system')
