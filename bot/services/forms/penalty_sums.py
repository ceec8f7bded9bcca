"""Penalties (行政处罚) summed per hazard or per enterprise: the one aggregate two forms share.

附件2 (a major hazard's 行政处罚情况) and 附件4 (an enterprise's 采取的行政处罚措施 and
行政处罚情况) both need, over a set of penalties, the fines summed and whether any of them
ordered each measure. It is built here once, as a ``GROUP BY`` with ``max(CASE …)`` per
measure, so each form joins it as a subquery and nothing is summed in Python.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Select, case, func, select

from bot.models import Penalty

FINE_ENTERPRISE = "p_ent"  # 罚款企业（万元）, summed
FINE_PRINCIPAL = "p_pri"  # 罚款主要负责人（万元）, summed
# (Penalty column, result column, the measure as the forms name it): 1 if any penalty ordered it.
MEASURES: tuple[tuple[str, str, str], ...] = (
    ("ordered_rectification", "p_ord", "责令限期整改"),
    ("suspended", "p_sus", "停产整顿"),
    ("license_revoked", "p_lic", "暂扣吊销证照"),
    ("closed_down", "p_clo", "关闭取缔"),
    ("judicial_transfer", "p_jud", "移送司法机关"),
    ("joint_punishment", "p_joi", "联合惩戒"),
)
MEASURE_LABELS: tuple[tuple[str, str], ...] = tuple((name, label) for _, name, label in MEASURES)


def penalty_sums(key: Any, *, label: str) -> Select[Any]:
    """``SELECT key AS label, p_ent, p_pri, p_ord … FROM penalties GROUP BY key``.

    The caller narrows it (``.where``, ``.join`` to the penalised hazard) and makes it a
    subquery to join on ``label``.

    :param key: the column to group by, ``Penalty.hazard_id`` or ``Penalty.enterprise_id``.
    :param label: the name of that column in the result.
    """
    return (
        select(
            key.label(label),
            func.sum(Penalty.fine_enterprise_wan).label(FINE_ENTERPRISE),
            func.sum(Penalty.fine_principal_wan).label(FINE_PRINCIPAL),
            *(func.max(case((getattr(Penalty, column), 1), else_=0)).label(name)
              for column, name, _ in MEASURES),
        )
        .group_by(key)
    )
