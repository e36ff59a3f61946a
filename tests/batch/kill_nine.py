"""A batch with --out killed with SIGKILL at random points and resumed: the
shared trial of tests/batch/test_kill_nine.py (20 trials) and
bench/kill_trials.py (100, with figures).

Each trial: a batch starts in a forked process (its own process group, so
its workers die with it), is killed with SIGKILL after a random delay (up to
the length of a whole run; 1 to 3 times), then run again to the end. The out
folder must then be what one uninterrupted run writes: every file, each
result record (timings aside) and no temporary file left behind."""

from __future__ import annotations

import json
import os
import random
import re
import shutil
import signal
import time
from dataclasses import dataclass
from pathlib import Path

# Values that differ between two runs: how long things took, and how many
# sheets this run graded itself or took from the store (summary.json).
_TIMING_KEYS = {"elapsed", "sandbox_seconds", "cpu_seconds", "execution_time"}
_TIMING_KEYS |= {"graded_now", "reused"}
_TIMING_TEXT = re.compile(r'(time|seconds|elapsed)(["=:]\s*"?)[0-9.]+')


def make_class(root: Path, sheets: int) -> Path:
    """A class of ``sheets`` one-part sheets for the mini rubric (fast to
    grade), one of them blank (a failed row must survive too)."""
    folder = root / "class"
    folder.mkdir(parents=True)
    phrasings = ["supervised", "continuous", "supervised and continuous", "unsupervised", ""]
    for i in range(sheets):
        text = (
            f"## Q1\n\n(a) Linear regression is {phrasings[i % len(phrasings)]} learning ({i}).\n"
        )
        (folder / f"s{i:03d}.md").write_text(text if i != 3 else "\n \n")
    return folder


def _without_timings(node):
    if isinstance(node, dict):
        return {k: _without_timings(v) for k, v in node.items() if k not in _TIMING_KEYS}
    if isinstance(node, list):
        return [_without_timings(v) for v in node]
    return node


def snapshot(out: Path) -> dict[str, object]:
    """Every file of an out folder (the lock aside), timings taken out."""
    files: dict[str, object] = {}
    for path in sorted(out.rglob("*")):
        relative = path.relative_to(out).as_posix()
        if path.is_dir() or relative == ".lock":
            continue
        data = path.read_bytes()
        if path.suffix == ".json":
            files[relative] = _without_timings(json.loads(data))
        else:
            files[relative] = _TIMING_TEXT.sub(r"\1\2#", data.decode("utf-8", "replace"))
    return files


def _run_forked(folder: Path, rubric: Path, out: Path, jobs: int) -> int:
    """Start a batch in a forked child (its own process group): its pid."""
    pid = os.fork()
    if pid == 0:  # the child: grade, never return into the test runner
        code = 1
        try:
            os.setpgid(0, 0)
            null = os.open(os.devnull, os.O_WRONLY)
            os.dup2(null, 1)
            os.dup2(null, 2)
            # rules only (no sentence encoder to load in every run): the same
            # in the reference and the trials, and the trial is about the store
            os.environ["GRADER_TEXT_MEANING"] = "0"
            from grader.batch import grade_batch

            grade_batch([folder], rubric, out_dir=out, jobs=jobs, progress=None)
            code = 0
        finally:
            os._exit(code)
    try:
        os.setpgid(pid, pid)  # also here: no window where a kill misses its workers
    except OSError:
        pass
    return pid


def run_to_end(folder: Path, rubric: Path, out: Path, jobs: int) -> float:
    """One uninterrupted run: its seconds."""
    begin = time.perf_counter()
    pid = _run_forked(folder, rubric, out, jobs)
    _, status = os.waitpid(pid, 0)
    assert os.waitstatus_to_exitcode(status) == 0, "the batch failed"
    return time.perf_counter() - begin


def kill_at(folder: Path, rubric: Path, out: Path, jobs: int, delay: float) -> bool:
    """Run, SIGKILL the whole group after ``delay`` s; whether it was killed
    before it finished."""
    pid = _run_forked(folder, rubric, out, jobs)
    time.sleep(delay)
    if os.waitpid(pid, os.WNOHANG) != (0, 0):
        return False  # it had finished (and is now reaped)
    try:
        os.killpg(pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    _, status = os.waitpid(pid, 0)
    return os.WIFSIGNALED(status)


@dataclass
class TrialResult:
    kills: int  # kills that landed before the run finished
    equal: bool
    differences: list[str]


def trial(
    folder: Path,
    rubric: Path,
    out: Path,
    *,
    reference: dict,
    whole: float,
    seed: int,
    jobs: int = 2,
) -> TrialResult:
    """Kill a batch 1-3 times at random points, resume it, compare."""
    rng = random.Random(seed)
    if out.exists():
        shutil.rmtree(out)
    kills = 0
    for _ in range(rng.randint(1, 3)):
        kills += kill_at(folder, rubric, out, jobs, rng.uniform(0.0, whole))
    run_to_end(folder, rubric, out, jobs)
    got = snapshot(out)
    differences = sorted(
        name for name in set(got) | set(reference) if got.get(name) != reference.get(name)
    )
    leftovers = [p.name for p in out.rglob(".tmp-*")]
    return TrialResult(kills, not differences and not leftovers, differences + leftovers)
