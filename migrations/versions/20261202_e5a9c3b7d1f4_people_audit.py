"""people management audit rows (issue 18)

``people_audit``: every change made to a person's role or place through the console or the
CLI (a binding code issued, a person revoked or moved, a person unbinding himself in chat):
who did it, to whom, what, when, and the regions it concerns (the console shows an officer
the rows of his jurisdiction only).

Revision ID: e5a9c3b7d1f4
Revises: d4f8b2a6c0e3
Create Date: 2026-12-02 08:00:00.000000+00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = 'e5a9c3b7d1f4'
down_revision = 'd4f8b2a6c0e3'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'people_audit',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('at', sa.DateTime(), nullable=False),
        sa.Column('action', sa.String(length=16), nullable=False),
        sa.Column('actor_id', sa.Integer(), nullable=True),
        sa.Column('actor_label', sa.String(length=64), nullable=False),
        sa.Column('subject_id', sa.Integer(), nullable=True),
        sa.Column('subject_label', sa.String(length=64), nullable=False),
        sa.Column('role', sa.String(length=32), nullable=False),
        sa.Column('region_code', sa.String(length=12), nullable=True),
        sa.Column('to_region_code', sa.String(length=12), nullable=True),
        sa.Column('detail', sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(['actor_id'], ['users.id'], name=op.f('fk_people_audit_actor_id_users')),
        sa.ForeignKeyConstraint(['subject_id'], ['users.id'], name=op.f('fk_people_audit_subject_id_users')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_people_audit')),
    )
    with op.batch_alter_table('people_audit', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_people_audit_at'), ['at'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('people_audit', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_people_audit_at'))
    op.drop_table('people_audit')
