"""hazard followers (issue 20, duplicate hints)

``hazard_followers``: a named reporter who supplemented (补充) a hazard someone else reported
instead of filing a new one; he is told of its steps like its reporter and may 查询 it.

Revision ID: c9d3f7a1e5b2
Revises: c9f3d7b1e5a2
Create Date: 2026-12-02 18:40:00.000000+00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = 'c9d3f7a1e5b2'
down_revision = 'c9f3d7b1e5a2'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'hazard_followers',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('hazard_id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('since', sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(['hazard_id'], ['hazards.id'], name=op.f('fk_hazard_followers_hazard_id_hazards')),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_hazard_followers_user_id_users')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_hazard_followers')),
        sa.UniqueConstraint('hazard_id', 'user_id', name='uq_hazard_followers_hazard_user'),
    )
    op.create_index(op.f('ix_hazard_followers_hazard_id'), 'hazard_followers', ['hazard_id'], unique=False)
    op.create_index(op.f('ix_hazard_followers_user_id'), 'hazard_followers', ['user_id'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_hazard_followers_user_id'), table_name='hazard_followers')
    op.drop_index(op.f('ix_hazard_followers_hazard_id'), table_name='hazard_followers')
    op.drop_table('hazard_followers')
