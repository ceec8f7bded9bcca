"""scheduler: lease table and the deadline sweep's index

Revision ID: 5c7e1d2a9b30
Revises: 1667dc25bfca
Create Date: 2026-11-24 09:00:00.000000+00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '5c7e1d2a9b30'
down_revision = '1667dc25bfca'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('scheduler_leases',
    sa.Column('name', sa.String(length=64), nullable=False),
    sa.Column('holder', sa.String(length=128), nullable=False),
    sa.Column('expires_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('name', name=op.f('pk_scheduler_leases'))
    )
    with op.batch_alter_table('hazards', schema=None) as batch_op:
        batch_op.create_index('ix_hazards_state_deadline', ['state', 'deadline'], unique=False)
    if op.get_bind().dialect.name == "postgresql":
        # Closed hazards keep old deadlines: without joint statistics the planner multiplies
        # the two selectivities, expects a large share of the table and scans all of it.
        op.execute("CREATE STATISTICS st_hazards_state_deadline (mcv, dependencies) ON state, deadline FROM hazards")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP STATISTICS IF EXISTS st_hazards_state_deadline")
    with op.batch_alter_table('hazards', schema=None) as batch_op:
        batch_op.drop_index('ix_hazards_state_deadline')
    op.drop_table('scheduler_leases')
