"""console sign-in by scanning a temporary QR code

``console_login_tickets``: one row per login QR code shown on a desk browser. The code's
scene is ``login:<secret>``; only the secret's SHA-256 is stored, the secret itself lives in
that browser's signed session, so the row alone cannot sign anyone in. A scan by a console
user confirms the row (``user_id``), the browser's next poll uses it once
(bot/services/people/console_login.py).

Revision ID: d4f8b2a6c0e3
Revises: f6b0d4c8e2a5
Create Date: 2026-12-02 08:00:00.000000+00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = 'd4f8b2a6c0e3'
down_revision = 'f6b0d4c8e2a5'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'console_login_tickets',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('secret_hash', sa.String(length=64), nullable=False),
        sa.Column('status', sa.String(length=16), nullable=False),
        sa.Column('browser', sa.String(length=64), nullable=False),
        sa.Column('qr_url', sa.String(length=255), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('expires_at', sa.DateTime(), nullable=False),
        sa.Column('scanned_at', sa.DateTime(), nullable=True),
        sa.Column('used_at', sa.DateTime(), nullable=True),
        sa.Column('user_id', sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'],
                                name=op.f('fk_console_login_tickets_user_id_users'), ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_console_login_tickets')),
        sa.UniqueConstraint('secret_hash', name=op.f('uq_console_login_tickets_secret_hash')),
    )
    with op.batch_alter_table('console_login_tickets', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_console_login_tickets_expires_at'), ['expires_at'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('console_login_tickets', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_console_login_tickets_expires_at'))
    op.drop_table('console_login_tickets')
