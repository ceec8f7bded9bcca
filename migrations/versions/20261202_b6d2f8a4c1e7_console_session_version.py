"""console session version

``users.console_session_version``: the console's signed cookie carries the number it was
issued under; logging out, or a new role or scope (a binding), adds one, so every cookie
issued before is refused at once, on every browser (bot/console/auth.py).

Revision ID: b6d2f8a4c1e7
Revises: a3f1c7e9d2b5
Create Date: 2026-12-02 07:30:00.000000+00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = 'b6d2f8a4c1e7'
down_revision = 'a3f1c7e9d2b5'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(
            sa.Column('console_session_version', sa.Integer(), nullable=False, server_default='0')
        )


def downgrade() -> None:
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_column('console_session_version')
