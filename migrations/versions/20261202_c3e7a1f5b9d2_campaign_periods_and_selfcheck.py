"""campaign cut-offs: a reporting period runs from one cut-off to the next (issue 15)

A campaign's weekly period ends at its cut-off (``due_weekday`` and ``due_time``: Friday 12:00
for 晋应急发〔2024〕354号 and 晋应急发电〔2021〕7号), and a confirmed report stores where its
window ended (``weekly_reports.period_end``): whatever happens later falls into the region's
next period, so the 本周 figures of consecutive filed weeks add up to 累计. 354号 was seeded
without a time (its 附件1 is due Friday 12:00): it is given 12:00 here; a weekly campaign with
no weekday gets Friday.

Revision ID: c3e7a1f5b9d2
Revises: b6d2f8a4c1e7
Create Date: 2026-12-02 08:00:00.000000+00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = 'c3e7a1f5b9d2'
down_revision = 'b6d2f8a4c1e7'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('weekly_reports', schema=None) as batch_op:
        batch_op.add_column(sa.Column('period_end', sa.DateTime(), nullable=True))
    op.execute("UPDATE campaigns SET due_time = '12:00' "
               "WHERE doc_number = '晋应急发〔2024〕354号' AND due_time IS NULL")
    op.execute("UPDATE campaigns SET due_weekday = 4 WHERE cadence = 'weekly' AND due_weekday IS NULL")
    op.execute("UPDATE campaigns SET due_time = '12:00' WHERE cadence = 'weekly' AND due_time IS NULL")


def downgrade() -> None:
    with op.batch_alter_table('weekly_reports', schema=None) as batch_op:
        batch_op.drop_column('period_end')
