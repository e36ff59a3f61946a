"""Student files that attack the grader: each gets 0 for the test it attacks,
and the grader, the host and other submissions are untouched.

The attacks live in files/attacks/ and all define ``fit_normal_equation``;
they are graded with the exam's normal-equation check and short time limits.
"""

from __future__ import annotations

import dataclasses
import os
from pathlib import Path

import numpy as np
import pytest

from grader.numeric import SandboxLimits, run_code_check
from tests.numeric.conftest import FILES, REFERENCES, REPO, exam_checks, submission_with

ATTACKS = FILES / "attacks"
SPEC = exam_checks()["q1.e"][0]
FAST = dataclasses.replace(
    SPEC,
    limits=SandboxLimits(wall_seconds=1.0, cpu_seconds=1.0),
    tests=tuple(
        dataclasses.replace(t, limits=SandboxLimits(wall_seconds=1.0, cpu_seconds=1.0))
        for t in SPEC.tests
    ),
)

# attack file, expected status, words in the diagnostic (the student's own line where it raised)
CONTAINED_EVERYWHERE = [
    ("patch_allclose", "failed", ["all zeros"]),
    ("os_exit", "crashed", ["exit code 0"]),
    ("fake_print", "failed", ["all zeros"]),
    ("sys_exit_import", "error", ["SystemExit", "linreg.py:5"]),
    ("always_equal", "failed", ["AlwaysEqual"]),
    ("big_alloc", "over_limit", ["512 MB of memory", "MemoryError", "linreg.py:7"]),
    ("infinite_loop", "timeout", ["did not finish"]),
    ("sleep", "timeout", ["did not finish"]),
    ("big_print", "over_limit", ["512 MB of memory", "MemoryError", "linreg.py:5"]),
    ("print_flood", "over_limit", ["printed more than its 1000000 bytes of output"]),
    ("forge_result", "failed", ["could not be read back"]),
    ("segfault", "crashed", ["killed by signal SIGSEGV"]),
]
# These need the isolated sandbox (root: namespaces, a private root, a fresh uid).
CONTAINED_WHEN_ISOLATED = [
    ("read_reference", "failed", ["all zeros"]),
    ("write_outside", "failed", ["all zeros"]),
    ("fork_bomb", "over_limit", ["tried to start a process"]),
    ("network", "error", ["Error", "linreg.py:9"]),  # PermissionError (seccomp) or OSError
]


def _attack(sandbox, tmp_path, name, monkeypatch=None):
    # The attacks aim at this checkout wherever it is (@REPOSITORY@ in their source).
    source = (ATTACKS / f"{name}.py").read_text().replace("@REPOSITORY@", str(REPO))
    folder = submission_with(tmp_path, source, "linreg.py")
    return run_code_check(FAST, folder, references=REFERENCES, sandbox=sandbox)


def _assert_contained(result, status, words):
    (test,) = result.tests
    assert result.score == 0 and test.marks == 0 and not test.passed
    assert test.status == status, test.diagnostic
    for word in words:
        assert word in test.diagnostic


@pytest.mark.parametrize(
    ("name", "status", "words"), CONTAINED_EVERYWHERE, ids=[a[0] for a in CONTAINED_EVERYWHERE]
)
def test_attack_gets_zero(sandbox, tmp_path, name, status, words):
    _assert_contained(_attack(sandbox, tmp_path, name), status, words)


@pytest.mark.parametrize(
    ("name", "status", "words"),
    CONTAINED_WHEN_ISOLATED,
    ids=[a[0] for a in CONTAINED_WHEN_ISOLATED],
)
def test_attack_gets_zero_when_isolated(isolated_sandbox, tmp_path, name, status, words):
    marker = Path("/tmp/grader-attack-marker")
    marker.unlink(missing_ok=True)
    _assert_contained(_attack(isolated_sandbox, tmp_path, name), status, words)
    for leaked in (marker, REPO / "PWNED", tmp_path / "escaped.txt", Path("/PWNED")):
        assert not leaked.exists()


def test_sleep_is_flagged_for_review(sandbox, tmp_path):
    result = _attack(sandbox, tmp_path, "sleep")
    assert result.needs_review and "little CPU" in result.review_reasons[0]


def test_printed_text_is_reported_not_trusted(sandbox, tmp_path):
    result = _attack(sandbox, tmp_path, "fake_print")
    assert "All tests passed" in result.printed and result.score == 0


def test_patching_numpy_in_the_child_leaves_the_grader_alone(sandbox, tmp_path):
    _attack(sandbox, tmp_path, "patch_allclose")
    assert not np.allclose(1.0, 2.0)
    assert np.testing.assert_allclose.__module__.startswith("numpy")


def test_array_subclass_with_fake_equality_is_judged_on_its_data(sandbox, tmp_path):
    spec = dataclasses.replace(FAST, function="fit_equal_array")
    folder = submission_with(tmp_path, ATTACKS / "always_equal.py", "linreg.py")
    result = run_code_check(spec, folder, references=REFERENCES, sandbox=sandbox)
    assert result.score == 0 and "all zeros" in result.tests[0].diagnostic


def test_other_submissions_unaffected_after_all_attacks(sandbox, tmp_path):
    for name, _, _ in CONTAINED_EVERYWHERE:
        if name not in ("sleep", "infinite_loop"):  # timed out above; keep this fast
            _attack(sandbox, tmp_path, name)
    result = run_code_check(
        FAST, REPO / "submissions" / "typed-perfect", references=REFERENCES, sandbox=sandbox
    )
    assert result.score == 1 and not result.needs_review


def test_fallback_sandbox_contains_the_basic_attacks(fallback_sandbox, tmp_path):
    """Without isolation (not root), limits still hold; the metadata says what is missing."""
    for name, status, words in CONTAINED_EVERYWHERE:
        if name in ("sleep", "infinite_loop"):
            continue  # covered above; keep this test fast
        _assert_contained(_attack(fallback_sandbox, tmp_path, name), status, words)
    result = _attack(fallback_sandbox, tmp_path, "fake_print")
    assert result.metadata["isolated"] is False
    assert any("could read the references" in n for n in result.metadata["sandbox_notes"])


@pytest.mark.skipif(os.geteuid() != 0, reason="the isolated sandbox needs root")
def test_isolated_metadata(isolated_sandbox, tmp_path):
    result = _attack(isolated_sandbox, tmp_path, "fake_print")
    assert result.metadata["isolated"] is True
    assert {"no-network", "private-root", "unprivileged-uid"} <= set(result.metadata["isolation"])
