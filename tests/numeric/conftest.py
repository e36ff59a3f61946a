"""Fixtures for the numeric engine: one sandbox (zygote) per test module."""

from __future__ import annotations

import atexit
import functools
import shutil
import tempfile
from pathlib import Path

import pytest
import yaml

from grader.numeric import CodeCheckSpec, Sandbox

REPO = Path(__file__).resolve().parents[2]
FILES = Path(__file__).parent / "files"
REFERENCES = REPO / "rubrics" / "ml-exam-references.py"
EXAM_CHECKS = FILES / "ml-exam-code-checks.yaml"


@pytest.fixture(scope="module")
def sandbox():
    with Sandbox() as box:
        yield box


@pytest.fixture(scope="module")
def isolated_sandbox(sandbox):
    if not sandbox.info.get("isolated"):
        pytest.skip(f"sandbox isolation unavailable here: {sandbox.info.get('notes')}")
    return sandbox


@pytest.fixture(scope="module")
def fallback_sandbox():
    with Sandbox(isolate=False) as box:
        yield box


def exam_checks() -> dict[str, list[CodeCheckSpec]]:
    data = yaml.safe_load(EXAM_CHECKS.read_text())
    return {
        part: [CodeCheckSpec.from_mapping(c, source=str(EXAM_CHECKS)) for c in checks]
        for part, checks in data.items()
    }


def submission_with(tmp_path: Path, source: Path | str, name: str) -> Path:
    """A submission folder holding one file called ``name``."""
    folder = tmp_path / f"submission-{name}"
    folder.mkdir(exist_ok=True)
    if isinstance(source, Path):
        shutil.copy(source, folder / name)
    else:
        (folder / name).write_text(source)
    return folder


# ----------------------------------------------------------------- attacks, graded three ways
@functools.cache
def attack_rubric() -> Path:
    """The attack rubric laid out as a rubric must be, its references in its
    own folder (a rubric reads no file outside it): the exam's references are
    copied next to it once per test session, into a temporary folder."""
    folder = Path(tempfile.mkdtemp(prefix="grader-attack-rubric-"))
    atexit.register(shutil.rmtree, folder, ignore_errors=True)
    shutil.copy(FILES / "attack-rubric" / "rubric.yaml", folder / "rubric.yaml")
    shutil.copy(REFERENCES, folder / REFERENCES.name)
    return folder / "rubric.yaml"


PERFECT_LINREG = REPO / "submissions" / "typed-perfect" / "linreg.py"


def grade_alone(folder: Path) -> dict:
    """One submission through the whole pipeline (the attack rubric): its report."""
    from grader.api import grade

    return grade(folder, attack_rubric()).model_dump(mode="json")


def class_of_three(root: Path, attacker: dict[str, str | Path]) -> Path:
    """A class folder: ``attacker`` (file name -> text, or a Path to copy, or
    ``("link", target)``) and two classmates with the exam's right answer."""
    folder = root / "class"
    for name in ("alice", "bob"):
        (folder / name).mkdir(parents=True, exist_ok=True)
        shutil.copy(PERFECT_LINREG, folder / name / "linreg.py")
    (folder / "mallory").mkdir(exist_ok=True)
    for name, content in attacker.items():
        target = folder / "mallory" / name
        if isinstance(content, tuple):
            target.symlink_to(content[1])
        elif isinstance(content, Path):
            shutil.copy(content, target)
        else:
            target.write_text(content)
    return folder


# Run before the grader when a test needs a secret in the grader's session
# keyring: a fresh session keyring for this process only, holding one key.
_WITH_KEYRING = """
import ctypes, platform, runpy, sys
libc = ctypes.CDLL(None, use_errno=True)
libc.syscall.restype = ctypes.c_long
keyctl, add_key = {"x86_64": (250, 248), "aarch64": (219, 217)}[platform.machine()]
assert libc.syscall(keyctl, 1, None) >= 0  # KEYCTL_JOIN_SESSION_KEYRING
secret = sys.argv.pop(1).encode()
assert libc.syscall(add_key, b"user", b"grader-test-token", secret, len(secret), -3) >= 0
sys.argv[0] = "grader"
runpy.run_module("grader", run_name="__main__")
"""


def grade_cli(
    paths: list[Path],
    *,
    jobs: int = 2,
    keyring_secret: str | None = None,
    tmpdir: Path | None = None,
) -> dict:
    """``grader grade PATHS --jobs N --format json`` in a fresh process: the
    reports by submission id (JSON Lines on stdout, or one report). With
    ``keyring_secret``, the grader runs with that token in its session keyring;
    with ``tmpdir``, its temporary folders go there."""
    import json
    import os
    import subprocess
    import sys

    prefix = [sys.executable, "-m", "grader"]
    if keyring_secret is not None:
        prefix = [sys.executable, "-c", _WITH_KEYRING, keyring_secret]
    command = [*prefix, "grade", *map(str, paths), "--rubric", str(attack_rubric())]
    command += ["--jobs", str(jobs), "--format", "json"]
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    if tmpdir is not None:
        env["TMPDIR"] = str(tmpdir)
    done = subprocess.run(command, capture_output=True, text=True, env=env, timeout=300)
    assert done.returncode == 0, done.stderr
    text = done.stdout.strip()
    if text.startswith("{\n"):  # one submission: one (indented) report
        reports = [json.loads(text)]
    else:
        reports = [json.loads(line) for line in text.splitlines() if line.strip()]
    return {report["submission"]["id"]: report for report in reports}


def grade_class(folder: Path, *, jobs: int = 2, keyring_secret: str | None = None) -> dict:
    """A class folder graded by the CLI with ``--jobs 2``: reports by student."""
    return grade_cli([folder], jobs=jobs, keyring_secret=keyring_secret)


def without_timings(report: dict) -> dict:
    """A report with the fields that change from run to run (seconds) removed."""
    if isinstance(report, dict):
        return {
            k: without_timings(v)
            for k, v in report.items()
            if "seconds" not in k and k not in ("elapsed", "graded_at", "timing", "created")
        }
    if isinstance(report, list):
        return [without_timings(v) for v in report]
    return report


def attack_file(name: str) -> Path:
    return FILES / "attacks" / f"{name}.py"


def only_part(report: dict) -> dict:
    (part,) = report["parts"]
    return part


def assert_classmates_keep_their_marks(
    tmp_path: Path, attacker: dict, check, *, keyring_secret: str | None = None
) -> dict:
    """Grade a class of three (``attacker`` and two right answers) with
    ``--jobs 2``, twice: the classmates keep full marks, ``check(report)``
    holds for the attacker's report, and the second run gives the same
    reports as the first (nothing the attack did persists). The reports."""
    folder = class_of_three(tmp_path, attacker)
    first = grade_class(folder, keyring_secret=keyring_secret)
    for name in ("alice", "bob"):
        assert first[name]["score"] == 1 and not first[name]["needs_review"], first[name]
    check(first["mallory"])
    second = grade_class(folder, keyring_secret=keyring_secret)
    assert {k: without_timings(v) for k, v in second.items()} == {
        k: without_timings(v) for k, v in first.items()
    }
    return first
