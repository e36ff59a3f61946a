"""Agreement of `grader.math.equivalent` with the blind equivalence corpora.

The corpora in tests/math/files/blind-*.jsonl were written by authors who saw
only issue 10's list of notations and the ML exam's marking scheme, never the
code (see tests/math/files/BLIND.md). Prints, per class and in total: pairs,
agreement, false `equal` (a pair expected `not_equal`/`undetermined` judged
`equal`) and silent charges (a pair expected `equal` judged `not_equal`).

    python bench/blind_corpus.py            # all blind corpora
    python bench/blind_corpus.py --misses   # and every disagreement
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections import Counter, defaultdict
from pathlib import Path

FILES = sorted((Path(__file__).resolve().parent.parent / "tests/math/files").glob("blind-*.jsonl"))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--misses", action="store_true", help="print every disagreement")
    parser.add_argument("files", nargs="*", type=Path, default=FILES)
    options = parser.parse_args()
    from grader.math import equivalent

    totals: dict[str, Counter] = defaultdict(Counter)
    misses = []
    started = time.perf_counter()
    for path in options.files:
        for line in path.read_text(encoding="utf-8").splitlines():
            if not line.strip():
                continue
            row = json.loads(line)
            result = equivalent(row["a"], row["b"], row.get("context") or None, time_limit=5)
            counts = totals[row["class"]]
            counts["pairs"] += 1
            counts["agree"] += result.verdict == row["expected"]
            counts["false_equal"] += result.verdict == "equal" and row["expected"] != "equal"
            counts["silent_charge"] += result.verdict == "not_equal" and row["expected"] == "equal"
            if result.verdict != row["expected"]:
                misses.append((row, result))
    elapsed = time.perf_counter() - started
    print(f"{'class':<14}{'pairs':>6}{'agree':>7}{'%':>7}{'false equal':>13}{'silent charge':>15}")
    grand: Counter = Counter()
    for name, counts in sorted(totals.items()):
        grand.update(counts)
        share = 100 * counts["agree"] / counts["pairs"]
        print(
            f"{name:<14}{counts['pairs']:>6}{counts['agree']:>7}{share:>7.1f}"
            f"{counts['false_equal']:>13}{counts['silent_charge']:>15}"
        )
    share = 100 * grand["agree"] / max(grand["pairs"], 1)
    print(
        f"{'all':<14}{grand['pairs']:>6}{grand['agree']:>7}{share:>7.1f}"
        f"{grand['false_equal']:>13}{grand['silent_charge']:>15}   ({elapsed:.1f} s)"
    )
    if options.misses:
        for row, result in misses:
            print(
                f"- [{row['class']}] {row['note']}: expected {row['expected']}, got "
                f"{result.verdict} ({result.reason})\n    a: {row['a']}\n    b: {row['b']}"
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())
