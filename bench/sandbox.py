"""Sandbox speed: overhead per sandboxed call, and one submission's code parts.

    python bench/sandbox.py [--jobs 200] [--isolate auto|off]

Prints the protections each job gets (seccomp, per-job namespaces, ...), then
(a) the overhead a sandbox job adds on top of the student's own
compute (round-trip wall time measured in the grader minus the time the
function itself ran, measured inside the child), median and p90, for jobs
of one call; (b) the extra cost of each further call inside a job; (c) the
time to grade all three code parts of submissions/typed-perfect (the exam's
five code checks, 9 tests), cold (zygote start included) and warm.
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
from pathlib import Path

import numpy as np
import yaml

from grader.numeric import Call, CodeCheckSpec, Sandbox, SandboxLimits, run_code_check

REPO = Path(__file__).resolve().parents[1]
STUDENT = b"""
import numpy as np

def fit(X, y):
    return np.linalg.solve(X.T @ X, X.T @ y)
"""


def _percentile(values: list[float], q: float) -> float:
    return float(np.percentile(values, q))


def overhead(sandbox: Sandbox, jobs: int) -> None:
    rng = np.random.default_rng(0)
    X, y = rng.normal(size=(50, 4)), rng.normal(size=50)
    limits = SandboxLimits()
    sandbox.run(
        source=STUDENT, filename="s.py", function="fit", calls=[Call((X, y))], limits=limits
    )  # warm-up
    single, own = [], []
    for _ in range(jobs):
        start = time.perf_counter()
        run = sandbox.run(
            source=STUDENT, filename="s.py", function="fit", calls=[Call((X, y))], limits=limits
        )
        total = time.perf_counter() - start
        compute = run.calls[0].seconds
        own.append(compute)
        single.append(total - compute)
    print(
        f"one call per job, {jobs} jobs ({'isolated' if sandbox.info['isolated'] else 'not isolated'}):"
    )
    print(f"  protections: {', '.join(sandbox.info['isolation'])}")
    print(
        f"  overhead median {statistics.median(single) * 1e3:.2f} ms, "
        f"p90 {_percentile(single, 90) * 1e3:.2f} ms, max {max(single) * 1e3:.2f} ms "
        f"(student's own compute median {statistics.median(own) * 1e6:.0f} us)"
    )
    batch = 200
    start = time.perf_counter()
    run = sandbox.run(
        source=STUDENT, filename="s.py", function="fit", calls=[Call((X, y))] * batch, limits=limits
    )
    total = time.perf_counter() - start
    compute = sum(c.seconds for c in run.calls)
    extra = (total - compute - statistics.median(single)) / (batch - 1)
    phases = [
        run.phases_ms
        for run in [
            sandbox.run(
                source=STUDENT, filename="s.py", function="fit", calls=[Call((X, y))], limits=limits
            )
            for _ in range(20)
        ]
    ]
    print(
        "  zygote-side median ms: "
        + ", ".join(f"{k} {statistics.median(p[k] for p in phases):.2f}" for k in phases[0])
    )
    print(
        f"  each further call in the same job: {extra * 1e6:.0f} us overhead "
        f"({batch} calls in {total * 1e3:.1f} ms)"
    )


def submission(isolate: bool | None, repeats: int) -> None:
    data = yaml.safe_load((REPO / "tests/numeric/files/ml-exam-code-checks.yaml").read_text())
    specs = [CodeCheckSpec.from_mapping(c) for checks in data.values() for c in checks]
    references = REPO / "rubrics" / "ml-exam-references.py"
    folder = REPO / "submissions" / "typed-perfect"

    def grade(box: Sandbox) -> float:
        start = time.perf_counter()
        score = sum(
            run_code_check(s, folder, references=references, sandbox=box).score for s in specs
        )
        assert score == 5, score
        return time.perf_counter() - start

    start = time.perf_counter()
    with Sandbox(isolate=isolate) as box:
        cold = time.perf_counter() - start
        first = grade(box)
        warm = [grade(box) for _ in range(repeats)]
    tests = sum(len(s.tests) for s in specs)
    print(f"all three code parts of typed-perfect ({len(specs)} checks, {tests} tests, 5/5 marks):")
    print(
        f"  cold (zygote start {cold * 1e3:.0f} ms + first grading {first * 1e3:.0f} ms) = "
        f"{(cold + first) * 1e3:.0f} ms; warm median {statistics.median(warm) * 1e3:.0f} ms, "
        f"max {max(warm) * 1e3:.0f} ms over {repeats} runs"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", type=int, default=200)
    parser.add_argument("--repeats", type=int, default=10)
    parser.add_argument("--isolate", choices=["auto", "off"], default="auto")
    options = parser.parse_args()
    print(f"load average {os.getloadavg()[0]:.2f} on {os.cpu_count()} CPUs")
    isolate = None if options.isolate == "auto" else False
    with Sandbox(isolate=isolate) as box:
        overhead(box, options.jobs)
    submission(isolate, options.repeats)


if __name__ == "__main__":
    main()
