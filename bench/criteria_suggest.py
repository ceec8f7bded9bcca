"""Benchmark: how often the 判定依据 suggestions name the clause an officer would cite.

    python bench/criteria_suggest.py [--cases bench/data/criteria_cases.toml] [--show-misses]

Reads the labelled reports (colloquial descriptions with the enterprise's industry, sub-sector
and flags, and the acceptable clauses), ranks the clauses for each with
``clause_hints.suggest`` and prints top-1 and top-3 accuracy for the cases used to tune the hint
words ("dev") and for those written after ("held_out"), and the time per suggestion.
Not a test: it prints figures (docs/performance.md).
"""

from __future__ import annotations

import argparse
import sys
import time
import tomllib
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bot.services.hazards.clause_hints import Profile, clauses, suggest  # noqa: E402

CASES = Path(__file__).resolve().parent / "data" / "criteria_cases.toml"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=Path, default=CASES)
    parser.add_argument("--show-misses", action="store_true", help="print every case not ranked first")
    args = parser.parse_args()
    cases = tomllib.loads(args.cases.read_text(encoding="utf-8"))["cases"]
    known = {c.id for c in clauses()}
    print(f"{len(clauses())} clauses, {len(cases)} labelled reports ({args.cases.name})")
    figures: dict[str, list[int]] = {}
    started = time.perf_counter()
    for case in cases:
        unknown = set(case["expect"]) - known
        if unknown:
            raise SystemExit(f"unknown clause ids {sorted(unknown)} in case {case['text']!r}")
        flags = case.get("flags")
        profile = Profile(case.get("industry"), case.get("sub_sector"),
                          frozenset(flags) if flags is not None else frozenset())
        ranked = [s.clause.id for s in suggest(case["text"], profile, limit=3)]
        top1 = int(bool(ranked) and ranked[0] in case["expect"])
        top3 = int(bool(set(ranked) & set(case["expect"])))
        counts = figures.setdefault(case["set"], [0, 0, 0])
        counts[0], counts[1], counts[2] = counts[0] + 1, counts[1] + top1, counts[2] + top3
        if args.show_misses and not top1:
            print(f"  miss: {case['text']}  expected {case['expect']}  got {ranked}")
    elapsed = time.perf_counter() - started
    print(f"{'set':10} {'cases':>6} {'top-1':>8} {'top-3':>8}")
    total = [0, 0, 0]
    for name, (n, top1, top3) in sorted(figures.items()):
        print(f"{name:10} {n:6d} {top1 / n:8.1%} {top3 / n:8.1%}")
        total = [total[0] + n, total[1] + top1, total[2] + top3]
    print(f"{'all':10} {total[0]:6d} {total[1] / total[0]:8.1%} {total[2] / total[0]:8.1%}")
    print(f"{elapsed / len(cases) * 1000:.2f} ms per suggestion (index built on first use, included)")


if __name__ == "__main__":
    main()
