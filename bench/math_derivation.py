"""How long checking a derivation takes: the sample sheet's Q1(b) chain and Q2(c)
partials, cold (first call: imports, parsing, deriving the references) and
warm (the same context again, as in batch grading), with and without the
per-step time limit (each step in a worker process).

Run: python bench/math_derivation.py [--repeat N]. Prints figures; not a test.
Target (issue 2): the whole Q1(b) chain under 100 ms warm.
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SHEET = ROOT / "tests" / "files" / "seed-student-ocr.md"
FILES = ROOT / "tests" / "math" / "files"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=20)
    args = parser.parse_args()

    started = time.perf_counter()
    from grader.math.context import load_context
    from grader.math.derivation import Milestone, check_derivation

    print(f"import: {1000 * (time.perf_counter() - started):.0f} ms")
    lines = SHEET.read_text(encoding="utf-8").splitlines()

    def part(first: int, last: int) -> list[tuple[int, str]]:
        return [(n, lines[n - 1]) for n in range(first, last + 1)]

    cases = {
        "Q1(b) chain (lines 11-31)": (
            part(11, 31),
            load_context(FILES / "q1-context.yaml"),
            [
                Milestone(
                    "expansion", "1/2 (y^T y - 2 beta^T X^T y + beta^T X^T X beta)", "form", "J"
                ),
                Milestone("gradient", "d(J)/d(beta) = X^T X beta - X^T y", "value", "d(J)/d(beta)"),
                Milestone("normal", "X^T X beta = X^T y", "equation"),
                Milestone("solution", "beta = (X^T X)^{-1} X^T y", "equation"),
            ],
        ),
        "Q2(c) partials (lines 47-69)": (
            part(47, 69),
            load_context(FILES / "q2-context.yaml"),
            [
                Milestone(q, q, "value", q)
                for q in ("dL/dz2", "dL/dw2", "dL/db2", "dL/dz1", "dL/dw1", "dL/db1")
            ],
        ),
    }
    for name, (answer, context, milestones) in cases.items():
        for limit in (5.0, None):
            label = f"{name}, time limit {'off' if limit is None else f'{limit:g}s per step'}"
            started = time.perf_counter()
            result = check_derivation(answer, context, milestones=milestones, time_limit=limit)
            cold = time.perf_counter() - started
            times = []
            cpu = []
            for _ in range(args.repeat):
                started = time.perf_counter()
                started_cpu = time.process_time()
                check_derivation(answer, context, milestones=milestones, time_limit=limit)
                times.append(time.perf_counter() - started)
                cpu.append(time.process_time() - started_cpu)
            steps = len(result.steps)
            # CPU time of this process: meaningful without the worker (limit off),
            # and steadier than wall time on a loaded machine.
            cpu_note = (
                f", CPU median {1000 * statistics.median(cpu):.1f} ms" if limit is None else ""
            )
            print(
                f"{label}: {steps} steps, first call {1000 * cold:.0f} ms, warm median "
                f"{1000 * statistics.median(times):.1f} ms (min {1000 * min(times):.1f}, "
                f"max {1000 * max(times):.1f}) over {args.repeat}{cpu_note}"
            )
        summary = ", ".join(f"{m.id}={m.status}" for m in result.milestones)
        print(f"  milestones: {summary}")
    print(f"load average: {' '.join(f'{x:.1f}' for x in os.getloadavg())} ({os.cpu_count()} CPUs)")


if __name__ == "__main__":
    main()
