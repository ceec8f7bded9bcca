"""Which clauses of the 判定标准 a report is likely about, so an officer grades from three
suggestions instead of 64 clauses from memory.

The 64 clauses are few and short, and reports are short and colloquial ("氧枪冷却水报警坏了"), so
the ranker is deliberately small: Okapi BM25 over the character bigrams of each clause's text,
plus a bonus for every word people use for it (``bot/data/criteria_hints.toml``) that the report
contains whole, restricted to the clauses that can apply to the enterprise. (The hint words are
matched whole, not as bigrams: "没有证" must not make every "没有" a 无证上岗.) Bigrams
need no segmentation dictionary (jieba's would cost each web worker tens of MiB and a second to
load) and cope with typos better than words. ``bench/criteria_suggest.py`` measures it.
"""

from __future__ import annotations

import functools
import math
import re
import tomllib
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from bot.models import Enterprise, Hazard, User
from bot.services.hazards import workflow_texts as T
from bot.services.hazards.workflow_common import find_hazard, not_found, officer_covers

DATA = Path(__file__).resolve().parents[2] / "data"
CLAUSE_FILES = ("gb10_general.toml", "gb10_industry.toml", "gb10_special.toml")
NUMERALS = "零一二三四五六七八九十"
_BASIS = re.compile(r"第(?P<article>[一二三四五六七八九十]+)条(?:第（(?P<item>[一二三四五六七八九十]+)）项)?")
_LATIN = re.compile(r"[A-Za-z0-9]+")
_CJK = re.compile(r"[\u4e00-\u9fff]+")
_SHORT = re.compile(r"^(?P<article>\d{1,2})(?:[.．](?P<item>\d{1,2}))?$")
# BM25's usual constants; a clause is one short paragraph, so length matters little.
K1, B = 1.2, 0.5
WORD_BONUS = 1.5  # per hint word found in the report, times its length in characters
REGISTRY_FLAGS = ("metal_smelting", "dust_explosion", "confined_space", "ammonia_refrigeration", "hazchem")
# Below this a match is a word or two in common, not a suggestion worth an officer's time.
MIN_SCORE = 3.0
HINT_TEXT_CHARS = 18
# A clause that needs a registry flag the enterprise lacks (粉尘涉爆, 涉氨, 有限空间) is still
# offered — the registry may be behind — but ranked as if it were less likely.
MISSING_FLAG_FACTOR = 0.6


@dataclass(frozen=True)
class Clause:
    """One clause (条/项) of the 判定标准."""

    id: str  # gb10-4-4, as in the checklists
    article: int
    item: int | None
    text: str
    basis: str  # 《工贸企业重大事故隐患判定标准》第四条第（四）项
    applies: tuple[dict[str, Any], ...]
    words: tuple[str, ...]

    @property
    def short_ref(self) -> str:
        """第四条（四）: how officers say it, and what ``flask criteria suggest`` prints."""
        ref = f"第{chinese_number(self.article)}条"
        return ref + (f"（{chinese_number(self.item)}）" if self.item else "")

    @property
    def article_item(self) -> str:
        """第四条第（四）项: the citation without the standard's title, as a notice words it."""
        return self.basis.rsplit("》", 1)[-1]

    @property
    def code(self) -> str:
        """4.4: what an officer may type after 定级 … 重大."""
        return f"{self.article}.{self.item}" if self.item else str(self.article)


@dataclass(frozen=True)
class Profile:
    """What the registry says of the enterprise; None where it is not known."""

    industry: str | None = None
    sub_sector: str | None = None
    flags: frozenset[str] | None = None


@dataclass(frozen=True)
class Suggestion:
    clause: Clause
    score: float


def chinese_number(n: int) -> str:
    """1–99 as in the standard's numbering: 四, 十, 十三, 二十一."""
    tens, ones = divmod(n, 10)
    if not tens:
        return NUMERALS[ones]
    return (NUMERALS[tens] if tens > 1 else "") + "十" + (NUMERALS[ones] if ones else "")


def _arabic(chinese: str) -> int:
    if "十" not in chinese:
        return NUMERALS.index(chinese)
    tens, _, ones = chinese.partition("十")
    return (NUMERALS.index(tens) if tens else 1) * 10 + (NUMERALS.index(ones) if ones else 0)


@functools.cache
def clauses() -> tuple[Clause, ...]:
    """The 64 clauses, in the standard's order, with their hint words."""
    words = tomllib.loads((DATA / "criteria_hints.toml").read_text(encoding="utf-8"))["words"]
    found = []
    for name in CLAUSE_FILES:
        library = tomllib.loads((DATA / "checklists" / name).read_text(encoding="utf-8"))
        for entry in library["items"]:
            match = _BASIS.search(entry["basis"])
            if match is None:
                raise ValueError(f"{name}: {entry['id']} cites no article: {entry['basis']}")
            found.append(Clause(
                id=entry["id"], article=_arabic(match["article"]),
                item=_arabic(match["item"]) if match["item"] else None, text=entry["text"],
                basis=entry["basis"], applies=tuple(entry.get("applies", [{"all": True}])),
                words=tuple(words.get(entry["id"], ())),
            ))
    return tuple(sorted(found, key=lambda c: (c.article, c.item or 0)))


def by_code(code: str) -> Clause | None:
    """The clause an officer named by its short form: "4.4", "4．4", or "14"."""
    match = _SHORT.match(code.strip())
    if match is None:
        return None
    article, item = int(match["article"]), int(match["item"]) if match["item"] else None
    return next((c for c in clauses() if (c.article, c.item) == (article, item)), None)


def tokens(text: str) -> list[str]:
    """Character bigrams of each run of Chinese, plus Latin words and numbers as they are."""
    found = [word.upper() for word in _LATIN.findall(text)]
    for run in _CJK.findall(text):
        found.extend([run] if len(run) == 1 else [run[i:i + 2] for i in range(len(run) - 1)])
    return found


class Bm25Index:
    """BM25 statistics of a set of documents (here the clauses' texts; ``duplicates`` indexes
    reports in front of them)."""

    def __init__(self, documents: Iterable[Sequence[str]], *, behind: Bm25Index | None = None) -> None:
        """Index ``documents``; with ``behind``, that index's documents follow them (numbered
        after), counted without recounting them (``behind`` has none of its own behind it): the
        duplicate check puts a few reports in front of the 64 clauses on every report."""
        counts = [Counter(doc) for doc in documents]
        frequency: Counter[str] = Counter()
        for found in counts:
            frequency.update(found.keys())
        self.frequency = frequency  # of these documents, not of those behind
        self.counts: list[Counter[str]] = counts + (behind.counts if behind else [])
        self.lengths: list[int] = [sum(c.values()) for c in counts] + (behind.lengths if behind else [])
        self.average = sum(self.lengths) / len(self.lengths)
        n, base = len(self.counts), behind.frequency if behind else Counter()
        # Only these documents' terms get an idf: with ``behind``, they are the only queries.
        self.idf = {term: math.log(1 + (n - df + 0.5) / (df + 0.5))
                    for term, df in ((t, c + base.get(t, 0)) for t, c in frequency.items())}

    def score(self, i: int, query: Counter[str]) -> float:
        counts, norm = self.counts[i], K1 * (1 - B + B * self.lengths[i] / self.average)
        total = 0.0
        for term, times in query.items():
            tf = counts.get(term, 0)
            if tf:
                total += times * self.idf[term] * tf * (K1 + 1) / (tf + norm)
        return total


@functools.cache
def _index() -> Bm25Index:
    return Bm25Index(tokens(c.text) for c in clauses())


def _applicability(clause: Clause, profile: Profile) -> float:
    """1 when the clause can apply, a fraction when only a registry flag is missing, 0 when not."""
    best = 0.0
    for rule in clause.applies:
        if rule.get("all"):
            return 1.0
        industries = rule.get("industry")
        if industries and profile.industry is not None and profile.industry not in industries:
            continue
        subs = rule.get("sub_sector")
        if subs and profile.sub_sector is not None and not any(w in profile.sub_sector for w in subs):
            continue
        needed = set(rule.get("flags", []))
        if needed and profile.flags is not None and not needed <= profile.flags:
            best = max(best, MISSING_FLAG_FACTOR)
            continue
        return 1.0
    return best


UNKNOWN = Profile()


def suggest(description: str, profile: Profile = UNKNOWN, *, limit: int = 3) -> list[Suggestion]:
    """The clauses most likely meant by ``description``, best first; none when nothing matches.

    Only the clauses that share a bigram or a hint word with the description are scored (an
    inverted index of the 64): every report's duplicate check runs this once per open hazard
    of the plant, so it must cost microseconds, not a pass over every clause."""
    query = Counter(tokens(description))
    if not query:
        return []
    index, postings = _index(), _postings()
    totals: dict[int, float] = {}
    for term, times in query.items():
        for i, tf, norm in postings.get(term, ()):
            totals[i] = totals.get(i, 0.0) + times * index.idf[term] * tf * (K1 + 1) / (tf + norm)
    bonuses: dict[int, float] = {}
    for word, i in _hint_words():
        if word in description:
            bonuses[i] = bonuses.get(i, 0) + WORD_BONUS * len(word)
    ranked = []
    for i in sorted(totals.keys() | bonuses.keys()):
        clause = clauses()[i]
        weight = _applicability(clause, profile)
        score = (totals.get(i, 0.0) + bonuses.get(i, 0)) * weight
        if score > 0:
            ranked.append(Suggestion(clause, round(score, 3)))
    ranked.sort(key=lambda s: (-s.score, s.clause.article, s.clause.item or 0))
    return ranked[:limit]


@functools.cache
def _postings() -> dict[str, list[tuple[int, int, float]]]:
    """Each bigram of the clauses' texts: the clauses holding it, its count there and the
    clause's length norm (the parts of ``Bm25Index.score``)."""
    index, found = _index(), defaultdict(list)
    for i, counts in enumerate(index.counts):
        norm = K1 * (1 - B + B * index.lengths[i] / index.average)
        for term, tf in counts.items():
            found[term].append((i, tf, norm))
    return dict(found)


@functools.cache
def _hint_words() -> tuple[tuple[str, int], ...]:
    """Every hint word with the clause it points to, in the clauses' order."""
    return tuple((word, i) for i, clause in enumerate(clauses()) for word in clause.words)


def profile_of(enterprise: Enterprise | None) -> Profile:
    """What the registry says of an enterprise; an unregistered one is wholly unknown."""
    if enterprise is None:
        return UNKNOWN
    flags = frozenset(flag for flag in REGISTRY_FLAGS if getattr(enterprise, flag))
    return Profile(enterprise.industry, enterprise.sub_sector, flags)


def suggest_for(session: Session, hazard: Hazard, *, limit: int = 3) -> list[Suggestion]:
    """The likely clauses of a recorded hazard, from its description and its enterprise; only
    those that match well enough to be worth reading."""
    enterprise = session.get(Enterprise, hazard.enterprise_id) if hazard.enterprise_id else None
    found = suggest(hazard.description or "", profile_of(enterprise), limit=limit)
    return [s for s in found if s.score >= MIN_SCORE]


def expand(basis: str | None) -> str | None:
    """A 判定依据 as typed: the short form of a clause ("4.4") becomes its citation, anything
    else stays as the officer wrote it."""
    clause = by_code(basis) if basis else None
    return clause.basis if clause else basis


def hint_lines(suggestions: list[Suggestion], number: str) -> str:
    """The suggestions as chat lines, each with the reply that grades by it."""
    lines = []
    for s in suggestions:
        text = s.clause.text.rstrip("；。")
        short = text if len(text) <= HINT_TEXT_CHARS else text[:HINT_TEXT_CHARS] + "…"
        lines.append(T.CLAUSE_HINT.format(ref=s.clause.article_item, text=short, number=number,
                                          code=s.clause.code))
    return "\n".join(lines)


def hints_for_officer(session: Session, number: str, *, actor: User) -> str:
    """The suggestion lines for one hazard of the officer's jurisdiction ("" when none match
    well); someone else's hazard is not found, as for every step."""
    hazard = find_hazard(session, number, lock=False)
    if hazard is None or not officer_covers(session, actor, hazard):
        raise not_found(number)
    return hint_lines(suggest_for(session, hazard), hazard.number)
