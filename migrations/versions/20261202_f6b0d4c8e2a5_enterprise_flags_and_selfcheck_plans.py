"""enterprise 标杆/帮扶 flags and recorded 自查自改方案 (issue 15)

``enterprises.benchmark`` (标杆企业) and ``enterprises.assisted`` (帮扶企业): two ledger columns,
counted in 附件1 row 2 ("其中确定标杆企业**家，帮扶企业**家"). ``selfcheck_plans``: an
enterprise's 自查自改工作方案 as recorded by its manager or an officer (who, when, its title and
date), counted in row 2's "**家企业制定了自查自改工作方案". Existing enterprises get no flag.

Revision ID: f6b0d4c8e2a5
Revises: c3e7a1f5b9d2
Create Date: 2026-12-02 08:00:00.000000+00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = 'f6b0d4c8e2a5'
down_revision = 'c3e7a1f5b9d2'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('enterprises', schema=None) as batch_op:
        batch_op.add_column(sa.Column('benchmark', sa.Boolean(), server_default=sa.false(), nullable=False))
        batch_op.add_column(sa.Column('assisted', sa.Boolean(), server_default=sa.false(), nullable=False))
    op.create_table('selfcheck_plans',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('enterprise_id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('adopted_on', sa.Date(), nullable=True),
    sa.Column('recorded_by', sa.Integer(), nullable=False),
    sa.Column('recorded_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['enterprise_id'], ['enterprises.id'],
                            name=op.f('fk_selfcheck_plans_enterprise_id_enterprises')),
    sa.ForeignKeyConstraint(['recorded_by'], ['users.id'], name=op.f('fk_selfcheck_plans_recorded_by_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_selfcheck_plans'))
    )
    with op.batch_alter_table('selfcheck_plans', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_selfcheck_plans_enterprise_id'), ['enterprise_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('selfcheck_plans', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_selfcheck_plans_enterprise_id'))
    op.drop_table('selfcheck_plans')
    with op.batch_alter_table('enterprises', schema=None) as batch_op:
        batch_op.drop_column('assisted')
        batch_op.drop_column('benchmark')
