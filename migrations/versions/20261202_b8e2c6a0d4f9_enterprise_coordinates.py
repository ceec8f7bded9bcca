"""enterprise coordinates (issue 20)

``enterprises.longitude`` / ``latitude``: where the plant is, from the ledger's 经度/纬度 columns,
and ``coord_system``: the datum they were given in (GCJ-02 or WGS-84). All optional: a ledger
without the columns leaves them empty.

Revision ID: b8e2c6a0d4f9
Revises: a7c4e9b2d6f1
Create Date: 2026-12-02 12:30:00.000000+00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = 'b8e2c6a0d4f9'
down_revision = 'a7c4e9b2d6f1'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('enterprises') as batch:
        batch.add_column(sa.Column('longitude', sa.Float(), nullable=True))
        batch.add_column(sa.Column('latitude', sa.Float(), nullable=True))
        batch.add_column(sa.Column('coord_system', sa.String(length=8), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('enterprises') as batch:
        batch.drop_column('coord_system')
        batch.drop_column('latitude')
        batch.drop_column('longitude')
