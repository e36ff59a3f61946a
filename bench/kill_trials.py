"""kill -9 trials at scale: a batch with --out killed with SIGKILL at random
points (1 to 3 times; its workers with it) and resumed, compared with one
uninterrupted run (tests/batch/kill_nine.py is the trial; the test suite
runs 8 of them).

    python bench/kill_trials.py [--trials 100] [--sheets 16] [--jobs 2] [--seed 0]
    python bench/kill_trials.py --exam     # the ML exam's example submissions (code, sandbox)

Prints how many trials ended equal to the uninterrupted run (goal: all),
how many kills landed mid-run, and the time taken.
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests" / "batch"))
sys.path.insert(0, str(ROOT))

from kill_nine import make_class, run_to_end, snapshot, trial  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--trials", type=int, default=100)
    parser.add_argument("--sheets", type=int, default=16)
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument(
        "--exam", action="store_true", help="the ML exam's submissions/ instead of a text class"
    )
    options = parser.parse_args()

    root = Path(tempfile.mkdtemp(prefix="kill-trials-"))
    try:
        if options.exam:
            folder, rubric = ROOT / "submissions", ROOT / "rubrics" / "ml-exam.yaml"
        else:
            folder = make_class(root, options.sheets)
            rubric = ROOT / "tests" / "files" / "mini-rubric.yaml"
        whole = run_to_end(folder, rubric, root / "reference", options.jobs)
        reference = snapshot(root / "reference")
        results = sum(name.startswith("results/") for name in reference)
        print(f"uninterrupted run: {whole:.2f} s, {results} results, {len(reference)} files")
        begin = time.perf_counter()
        outcomes = []
        for number in range(options.trials):
            outcome = trial(
                folder,
                rubric,
                root / "out",
                reference=reference,
                whole=whole,
                seed=options.seed + number,
                jobs=options.jobs,
            )
            outcomes.append(outcome)
            if not outcome.equal:
                print(f"trial {number}: differs in {outcome.differences[:5]}")
        elapsed = time.perf_counter() - begin
    finally:
        shutil.rmtree(root, ignore_errors=True)
    equal = sum(o.equal for o in outcomes)
    landed = sum(o.kills for o in outcomes)
    interrupted = sum(o.kills > 0 for o in outcomes)
    print(
        f"trials {len(outcomes)}: {equal} equal to the uninterrupted run, "
        f"{len(outcomes) - equal} not; {landed} kills landed mid-run "
        f"({interrupted} trials interrupted at least once); "
        f"{elapsed:.1f} s ({elapsed / max(1, len(outcomes)):.2f} s a trial)"
    )
    sys.exit(0 if equal == len(outcomes) else 1)


if __name__ == "__main__":
    main()
