"""Which open hazards of the same enterprise a new report is likely a repeat of.

The same hazard is reported again and again by different workers. Before a report is
confirmed, its description is compared with the enterprise's open hazards of the last
``WINDOW_DAYS`` days by the measure the clause suggestions use (``clause_hints``: Okapi BM25
over character bigrams): each text is scored against the other, both normalised by the text's
score against itself, and the pair's similarity is the mean of the two, from 0 (nothing in
common) to about 1 (the same words). Each text also carries one term for the clause of the
判定标准 it most likely meets, which knows the words people use (天车 for 行车), and the clauses'
texts are in the index as background, so that the idf of what every report shares stays low
even when the enterprise has one open hazard. Bigrams that say nothing about *what* is wrong
(坏了, 好几, 车间…) are left out, and particles (的, 了, 没…) end a phrase. ``THRESHOLD`` is
calibrated on the pairs of ``tests/unit/hazards/test_duplicates.py``.

The reporter sees only what the enterprise could see of a matched hazard (its number, state,
date and the start of its description with anything that looks like identity blanked), and a
person bound as one of the enterprise's managers is never offered any: before grading, even
knowing that a report exists would expose the reporter (``workflow_common.manager_sees``).
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, Select, bindparam, select
from sqlalchemy.orm import Session

from bot.models import Hazard, User
from bot.services.hazards import clause_hints
from bot.services.hazards import workflow_texts as T

OPEN_STATES = ("submitted", "acknowledged", "rectifying", "awaiting_verification")
WINDOW_DAYS = 30
# Calibrated on the 33 pairs of tests/unit/hazards/test_duplicates.py: the other hazards of a
# plant score up to 0.27 (one at 0.33: two faults of one 有限空间作业), the rewordings found
# 0.34 and up; 0.30 sits in that gap (9 of 15 rewordings found, 1 of 18 others offered). The
# six missed rewordings change the words themselves (测氧 for 检测氧气, 裂了一道缝 for 裂纹):
# at 0.20 two more would be found, and five more other hazards offered. (The clause term is
# ranked without the enterprise's profile, as the pairs were.)
THRESHOLD = 0.30
CLAUSE_TERM = "§"
# Particles end a phrase: "炉前的操作工" must not give 前的, nor "作业没有检测" 业没.
_PARTICLES = str.maketrans({c: " " for c in "的了着过没在就也还和与及是都把被让很太吗呢吧啊呀"})
MAX_CANDIDATES = 50  # an enterprise's open reports of a month; more would be a campaign's list
EXCERPT_CHARS = 40
# Bigrams of filler that every report may carry whatever the hazard: they must not make two
# reports alike.
FILLER = frozenset(
    "坏了 好几 几天 天了 一直 没人 人管 人修 现在 已经 发现 存在 问题 隐患 安全 车间 厂里 我们 他们 "
    "师傅 领导 班长 上面 下面 里面 旁边 那个 这个 一个 有个 的时 时候 还是 还在 都是 就是 没有 不了 "
    "了好 了一 了， 很多 非常 特别 严重 情况 反映 举报 报告 希望 尽快 处理 看看 一下 东西 地方 天天 "
    "每天 今天 昨天 前几 几次 多次 了很 有人 知道 说了 不管".split()
)


@dataclass(frozen=True)
class Candidate:
    """What the check reads of an open hazard: enough to rank it, show it and blank its
    reporter out of it. Not a ``Hazard``: the check runs twice per report on up to
    ``MAX_CANDIDATES`` rows, and loading them as mapped objects cost ten times the scoring."""

    id: int
    number: str
    state: str
    reported_at: datetime
    description: str
    reporter_id: int | None
    reporter_name: str | None
    reporter_phone: str | None


@dataclass(frozen=True)
class Likely:
    """An open hazard a description is likely a repeat of, with the pair's similarity."""

    hazard: Candidate
    score: float


@functools.lru_cache(maxsize=4096)
def _terms(text: str) -> tuple[str, ...]:
    """The text's bigrams less the filler, plus one term for the clause of the 判定标准 it most
    likely meets (``clause_hints.suggest``, which knows the words people use: 天车 for 行车, CO
    for 一氧化碳), so that two wordings of one problem meet in it."""
    found = [t for t in clause_hints.tokens(text.translate(_PARTICLES)) if t not in FILLER]
    best = clause_hints.suggest(text, limit=1)
    if best and best[0].score >= clause_hints.MIN_SCORE:
        found.append(CLAUSE_TERM + best[0].clause.id)
    return tuple(found)


@functools.cache
def _background() -> clause_hints.Bm25Index:
    """The clauses as documents of the index: their text's bigrams and their own term."""
    return clause_hints.Bm25Index(
        [*clause_hints.tokens(c.text), CLAUSE_TERM + c.id] for c in clause_hints.clauses())


def similarity(first: str, second: str) -> float:
    """How alike two descriptions are, 0 to about 1 (see the module's docstring)."""
    return _similarities(first, [second])[0]


def _similarities(text: str, others: list[str]) -> list[float]:
    """``text`` against each of ``others``, in one index (the clauses as background)."""
    query, docs = _terms(text), [_terms(o) for o in others]
    if not query:
        return [0.0] * len(others)
    index = clause_hints.Bm25Index([query, *docs], behind=_background())
    q = index.counts[0]
    own = index.score(0, q)
    # Texts with the same terms score the same (the same counts and length in one index): a
    # plant's open reports are often one text sent again, so each is scored once.
    scored: dict[tuple[str, ...], float] = {}
    found = []
    for i, doc in enumerate(docs, start=1):
        if doc not in scored:
            d = index.counts[i]
            theirs = index.score(i, d)
            scored[doc] = 0.0 if not d or own <= 0 or theirs <= 0 else round(
                (index.score(i, q) / own + index.score(0, d) / theirs) / 2, 3)
        found.append(scored[doc])
    return found


def _candidates_of(*where: ColumnElement[bool]) -> Select[tuple[Any, ...]]:
    """The open hazards reported in ``[:since, :now]`` that meet ``where``, less ``:exclude``,
    newest first (built once: the check runs on every report)."""
    return (
        select(Hazard.id, Hazard.number, Hazard.state, Hazard.reported_at, Hazard.description,
               Hazard.reporter_id, Hazard.reporter_name, Hazard.reporter_phone)
        .where(Hazard.state.in_(OPEN_STATES), Hazard.reported_at >= bindparam("since"),
               Hazard.reported_at <= bindparam("now"), Hazard.id != bindparam("exclude"), *where)
        .order_by(Hazard.reported_at.desc(), Hazard.id.desc()).limit(MAX_CANDIDATES)
    )


_OF_ENTERPRISE = _candidates_of(Hazard.enterprise_id == bindparam("enterprise_id"))
# An unregistered enterprise's: the same name in the same county.
_OF_UNREGISTERED = _candidates_of(
    Hazard.enterprise_id.is_(None), Hazard.enterprise_name == bindparam("enterprise_name"),
    Hazard.region_code == bindparam("region_code"))


def _candidates(
    session: Session, *, enterprise_id: int | None, enterprise_name: str, region_code: str,
    now: datetime, exclude: int | None,
) -> list[Candidate]:
    """The enterprise's open hazards reported within the window (an unregistered one's: same
    name in the same county), newest first, as the transaction has flushed them."""
    window = {"since": now - timedelta(days=WINDOW_DAYS), "now": now,
              "exclude": 0 if exclude is None else exclude}  # ids start at 1
    conn = session.connection()  # Core rows, past the ORM's execution layer (and its autoflush)
    if enterprise_id is not None:
        rows = conn.execute(_OF_ENTERPRISE, {**window, "enterprise_id": enterprise_id})
    elif enterprise_name and region_code:
        rows = conn.execute(_OF_UNREGISTERED, {
            **window, "enterprise_name": enterprise_name, "region_code": region_code})
    else:
        return []
    return [Candidate(*row) for row in rows]


def likely_duplicates(
    session: Session, description: str, *, enterprise_id: int | None, enterprise_name: str = "",
    region_code: str = "", now: datetime, exclude: int | None = None, limit: int = 2,
) -> list[Likely]:
    """The open hazards of the enterprise (last ``WINDOW_DAYS`` days) whose description is at
    least ``THRESHOLD`` alike to ``description``, most alike first."""
    if not description.strip():
        return []
    found = _candidates(session, enterprise_id=enterprise_id, enterprise_name=enterprise_name,
                        region_code=region_code, now=now, exclude=exclude)
    if not found:
        return []
    scores = _similarities(description, [h.description or "" for h in found])
    ranked = sorted((Likely(h, s) for h, s in zip(found, scores, strict=True) if s >= THRESHOLD),
                    key=lambda x: (-x.score, -x.hazard.id))
    return ranked[:limit]


def duplicates_of(session: Session, hazard: Hazard, *, now: datetime, limit: int = 2) -> list[Likely]:
    """The other open hazards of a recorded hazard's enterprise it is likely a repeat of (for
    the officers' notice and the console)."""
    return likely_duplicates(
        session, hazard.description or "", enterprise_id=hazard.enterprise_id,
        enterprise_name=hazard.enterprise_name, region_code=hazard.region_code,
        now=now, exclude=hazard.id, limit=limit,
    )


def offered_to(user: User, enterprise_id: int | None) -> bool:
    """Whether a reporter may be shown the likely duplicates: never a manager of the plant."""
    return not (user.role == "enterprise_manager" and enterprise_id is not None
                and user.enterprise_id == enterprise_id)


def excerpt(text: str) -> str:
    text = " ".join((text or "").split())
    return text if len(text) <= EXCERPT_CHARS else text[:EXCERPT_CHARS] + "……"


def duplicate_lines(found: list[Likely], number: str) -> str:
    """The officers' notice lines: each likely duplicate with the reply that merges."""
    return "\n".join(T.DUPLICATE_HINT.format(other=f.hazard.number, number=number,
                                             state=T.STATE_NAMES.get(f.hazard.state, f.hazard.state))
                     for f in found)
