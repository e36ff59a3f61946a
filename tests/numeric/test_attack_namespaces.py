"""Attack class 4: what the kernel offers beyond files and limits.

System V shared memory (memory no address-space limit counts, left for
later jobs), kernel keyrings (the grader's token; a key planted for later
runs), ``PTRACE_TRACEME`` + ``SIGSTOP`` (a whole wall limit, a "busy
machine" review), the host's processes, and a tmpfs filled with empty files.
Each job has its own IPC and PID namespaces, its own session keyring and a
seccomp filter; its tmpfs has an inode limit. Graded alone, in a class of
three with ``--jobs 2``, twice in a row. Needs root (as CI): namespaces.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from tests.numeric.conftest import (
    assert_classmates_keep_their_marks,
    attack_file,
    class_of_three,
    grade_cli,
    only_part,
    without_timings,
)

pytestmark = pytest.mark.skipif(os.geteuid() != 0, reason="the namespaces need root")

TOKEN = "token-0f1e2d3c-never-in-a-report"
ATTACKS = ["sysv_shm", "keyring", "stop_self", "see_processes"]


def _failed_quietly(report: dict) -> None:
    """0 marks, as a plain wrong answer: no timeout, no review, no token."""
    part = only_part(report)
    assert report["score"] == 0 and part["score"] == 0
    assert not part["needs_review"], part["review_reasons"]
    (test,) = part["checks"][0]["details"]["tests"]
    assert test["status"] == "failed", test["diagnostic"]
    assert TOKEN not in json.dumps(report)


def _key_users() -> set[int]:
    """Uids that own kernel keys (fresh sandbox uids start at 1,000,000)."""
    lines = Path("/proc/key-users").read_text().splitlines()
    return {int(line.split(":")[0]) for line in lines if int(line.split(":")[0]) >= 1_000_000}


@pytest.mark.parametrize("attack", ATTACKS)
def test_alone_and_twice(tmp_path, attack):
    keys_before = _key_users()
    folder = class_of_three(tmp_path, {"linreg.py": attack_file(attack)}) / "mallory"
    first = grade_cli([folder], keyring_secret=TOKEN)["mallory"]
    _failed_quietly(first)
    second = grade_cli([folder], keyring_secret=TOKEN)["mallory"]
    assert without_timings(second) == without_timings(first)
    assert _key_users() <= keys_before  # no keyring left for a sandbox uid


@pytest.mark.parametrize("attack", ATTACKS)
def test_in_a_class(tmp_path, attack):
    assert_classmates_keep_their_marks(
        tmp_path, {"linreg.py": attack_file(attack)}, _failed_quietly, keyring_secret=TOKEN
    )


def _files_limit(report: dict) -> None:
    part = only_part(report)
    assert report["score"] == 0
    (test,) = part["checks"][0]["details"]["tests"]
    assert test["status"] == "over_limit" and "wrote more than allowed" in test["diagnostic"]


def test_a_tmpfs_full_of_empty_files_is_a_broken_limit(tmp_path):
    folder = class_of_three(tmp_path, {"linreg.py": attack_file("many_files")}) / "mallory"
    first = grade_cli([folder])["mallory"]
    _files_limit(first)
    assert without_timings(grade_cli([folder])["mallory"]) == without_timings(first)


def test_a_tmpfs_full_of_empty_files_in_a_class(tmp_path):
    assert_classmates_keep_their_marks(
        tmp_path, {"linreg.py": attack_file("many_files")}, _files_limit
    )


def test_the_metadata_says_which_protections_applied(tmp_path):
    folder = class_of_three(tmp_path, {"linreg.py": attack_file("sysv_shm")}) / "mallory"
    report = grade_cli([folder])["mallory"]
    (test,) = only_part(report)["checks"][0]["details"]["tests"]
    del test  # the protections are the check's metadata, in the engine's result:
    from grader.numeric import Sandbox

    with Sandbox() as box:
        applied = set(box.info["isolation"])
    assert {"seccomp", "session-keyring", "ipc-namespace-per-job", "pid-namespace-per-job"} <= (
        applied
    )
