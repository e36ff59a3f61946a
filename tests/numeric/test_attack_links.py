"""Attack class 1: links out of the submission.

A ``linreg.py`` that is a symbolic link to a classmate's file, or to a file
only the grader may read, is never read: the part earns nothing, its feedback
and the review queue say why, and no text of the other file reaches a report.
Graded alone, in a class of three with ``--jobs 2`` (classmates keep their
marks), and twice in a row (the same reports: nothing persists).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from grader.errors import SubmissionError
from grader.submission.reading import read_submission
from tests.numeric.conftest import (
    class_of_three,
    grade_alone,
    grade_class,
    without_timings,
)

SECRET = "TOPSECRET-4242 = 'the first line of a private file'"
IMPORTS_HELPER = "from helpers import fit_normal_equation\n"


def _private_file(tmp_path: Path) -> Path:
    path = tmp_path / "private" / "token.py"
    path.parent.mkdir()
    path.write_text(f"{SECRET}\n")
    path.chmod(0o600)
    return path


def _attacks(tmp_path: Path) -> dict[str, dict]:
    private = _private_file(tmp_path)
    return {
        "classmate": {"linreg.py": ("link", Path("..") / "alice" / "linreg.py")},
        "private": {"linreg.py": ("link", private)},
        "private-helper": {"linreg.py": IMPORTS_HELPER, "helpers.py": ("link", private)},
    }


def _assert_refused(report: dict) -> None:
    (part,) = report["parts"]
    assert report["score"] == 0 and part["score"] == 0
    assert part["needs_review"]
    text = json.dumps(report)
    assert "symbolic link" in " ".join(part["feedback"] + part["review_reasons"]), part
    assert "TOPSECRET" not in text and "private file" not in text


@pytest.mark.parametrize("attack", ["classmate", "private", "private-helper"])
def test_a_linked_file_is_never_read(tmp_path, attack):
    folder = class_of_three(tmp_path, _attacks(tmp_path)[attack]) / "mallory"
    first = grade_alone(folder)
    _assert_refused(first)
    assert without_timings(grade_alone(folder)) == without_timings(first)


def test_in_a_class_the_link_earns_nothing_and_classmates_keep_their_marks(tmp_path):
    folder = class_of_three(tmp_path, _attacks(tmp_path)["classmate"])
    first = grade_class(folder)
    assert first["alice"]["score"] == first["bob"]["score"] == 1
    assert not first["alice"]["needs_review"] and not first["bob"]["needs_review"]
    _assert_refused(first["mallory"])
    second = grade_class(folder)
    assert {k: without_timings(v) for k, v in second.items()} == {
        k: without_timings(v) for k, v in first.items()
    }


def test_a_linked_sheet_is_refused_in_one_line(tmp_path):
    private = _private_file(tmp_path)
    folder = tmp_path / "mallory"
    folder.mkdir()
    (folder / "sheet.md").symlink_to(private)
    with pytest.raises(SubmissionError) as caught:
        read_submission(folder)
    assert "symbolic link" in str(caught.value) and "TOPSECRET" not in str(caught.value)


def test_a_fifo_is_not_waited_on(sandbox, tmp_path):
    """A FIFO named linreg.py would block a plain open() forever."""
    import os

    from grader.numeric import run_code_check
    from tests.numeric.conftest import REFERENCES, exam_checks

    folder = tmp_path / "mallory"
    folder.mkdir()
    os.mkfifo(folder / "linreg.py")
    spec = exam_checks()["q1.e"][0]
    result = run_code_check(spec, folder, references=REFERENCES, sandbox=sandbox)
    assert result.score == 0 and result.needs_review
    assert "a special file, not a plain file" in result.messages[0]
