"""campaign task list (002: 9 tasks, 18 measures)

Revision ID: e4b8a1c95d27
Revises: c7a3e5d1f2b4
Create Date: 2026-11-24 07:00:00.000000+00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = 'e4b8a1c95d27'
down_revision = 'c7a3e5d1f2b4'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('campaign_tasks',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('campaign_id', sa.Integer(), nullable=False),
    sa.Column('task_no', sa.Integer(), nullable=False),
    sa.Column('task', sa.String(length=200), nullable=False),
    sa.Column('measure_no', sa.Integer(), nullable=False),
    sa.Column('measure', sa.Text(), nullable=False),
    sa.Column('target', sa.Text(), nullable=False),
    sa.Column('responsible_unit', sa.String(length=100), nullable=False),
    sa.Column('deadline', sa.String(length=50), nullable=False),
    sa.Column('due_on', sa.Date(), nullable=True),
    sa.ForeignKeyConstraint(['campaign_id'], ['campaigns.id'], name=op.f('fk_campaign_tasks_campaign_id_campaigns')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_campaign_tasks')),
    sa.UniqueConstraint('campaign_id', 'measure_no', name=op.f('uq_campaign_tasks_campaign_id'))
    )
    with op.batch_alter_table('campaign_tasks', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_campaign_tasks_campaign_id'), ['campaign_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('campaign_tasks', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_campaign_tasks_campaign_id'))

    op.drop_table('campaign_tasks')
