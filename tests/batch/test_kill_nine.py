"""kill -9 trials: a batch with --out killed at random points (SIGKILL, its
workers with it) and resumed ends with exactly what an uninterrupted run
writes: nothing lost, nothing changed (tests/batch/kill_nine.py;
bench/kill_trials.py runs 100 and prints figures)."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))
from kill_nine import make_class, run_to_end, snapshot, trial  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]
RUBRIC = ROOT / "tests" / "files" / "mini-rubric.yaml"
TRIALS = 20  # 100 in bench/kill_trials.py (each trial is 2 to 4 batch runs)

pytestmark = pytest.mark.skipif(not hasattr(os, "fork"), reason="needs fork")


@pytest.fixture(scope="module")
def graded_class(tmp_path_factory):
    root = tmp_path_factory.mktemp("kill")
    folder = make_class(root, sheets=12)
    whole = run_to_end(folder, RUBRIC, root / "reference", jobs=2)
    reference = snapshot(root / "reference")
    assert sum(name.startswith("results/") for name in reference) == 12
    return folder, root, reference, whole


def test_an_uninterrupted_run_is_the_same_twice(graded_class):
    """The comparison is fair: two runs from scratch agree (timings aside)."""
    folder, root, reference, _ = graded_class
    run_to_end(folder, RUBRIC, root / "again", jobs=2)
    assert snapshot(root / "again") == reference


def test_killed_and_resumed_batches_lose_and_change_nothing(graded_class):
    folder, root, reference, whole = graded_class
    outcomes = [
        trial(folder, RUBRIC, root / "out", reference=reference, whole=whole, seed=seed)
        for seed in range(TRIALS)
    ]
    failed = {seed: o.differences for seed, o in enumerate(outcomes) if not o.equal}
    assert not failed, failed
    # the kills landed: most trials were interrupted at least once mid-run
    assert sum(o.kills > 0 for o in outcomes) >= TRIALS // 2, [o.kills for o in outcomes]
