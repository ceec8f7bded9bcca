"""voice and video evidence (issue 19, items 2 and 3)

``attachments.kind`` (photo | voice | video; every existing row is a photo), the voice
message's transcript as WeChat recognised it, and a video's thumbnail: its media id as
received and the path of its scrubbed picture once stored.

Revision ID: a7c4e9b2d6f1
Revises: e5a9c3b7d1f4
Create Date: 2026-12-02 12:20:00.000000+00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = 'a7c4e9b2d6f1'
down_revision = 'e5a9c3b7d1f4'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('attachments', schema=None) as batch_op:
        batch_op.add_column(sa.Column('kind', sa.String(length=8), server_default='photo', nullable=False))
        batch_op.add_column(sa.Column('transcript', sa.Text(), nullable=True))
        batch_op.add_column(sa.Column('thumb_media_id', sa.String(length=128), nullable=True))
        batch_op.add_column(sa.Column('thumb_relpath', sa.String(length=200), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('attachments', schema=None) as batch_op:
        batch_op.drop_column('thumb_relpath')
        batch_op.drop_column('thumb_media_id')
        batch_op.drop_column('transcript')
        batch_op.drop_column('kind')
