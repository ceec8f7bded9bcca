"""retention indexes

Indexes through which bot.services.platform.retention finds what to delete or scrub in bounded
batches (and the outbox's per-recipient quota count finds a user's sent messages).

Revision ID: a3f1c7e9d2b5
Revises: e4b8d2a6c913
Create Date: 2026-11-24 07:50:00.000000+00:00
"""

from __future__ import annotations

from alembic import op

revision = 'a3f1c7e9d2b5'
down_revision = 'e4b8d2a6c913'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('conversations', schema=None) as batch_op:
        batch_op.create_index('ix_conversations_state_updated', ['state', 'updated_at'], unique=False)
    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.create_index('ix_outbox_openid_created', ['openid', 'created_at'], unique=False)
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_users_last_inbound_at'), ['last_inbound_at'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_users_last_inbound_at'))
    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.drop_index('ix_outbox_openid_created')
    with op.batch_alter_table('conversations', schema=None) as batch_op:
        batch_op.drop_index('ix_conversations_state_updated')
