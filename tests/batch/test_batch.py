"""Batch grading with a fake grading function: every sheet gets a result,
broken ones with a reason; results are reused when nothing changed, regraded
when a sheet or the rubric did; a run killed with kill -9 and started again
ends with exactly the results of an uninterrupted run, grading nothing twice."""

from __future__ import annotations

import csv
import importlib
import io
import json
import os
import re
import signal
import subprocess
import sys
import time
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from grader.batch import find_submissions, grade_batch, rubric_sha256, submission_sha256
from grader.report import csv as gradebook

# The fake grader lives in a file so that a child Python (the kill -9 test) can
# import it too. A sheet is lines like "q1: 2"; keywords make it misbehave.
FAKE_GRADER = """
from __future__ import annotations

import os
import re
import time
from pathlib import Path

from grader.errors import SubmissionError
from grader.report.models import (
    AnswerView, GradeReport, LineSpan, PartReport, QuestionReport, RubricInfo, SubmissionInfo,
)


def load_rubric(path):
    maxima = {}
    for line in Path(path).read_text().splitlines():
        if ":" in line:
            key, value = line.split(":", 1)
            maxima[key.strip()] = float(value)
    return maxima


def grade(path, rubric, *, time_limit=None):
    text = path.read_text()
    log = os.environ.get("FAKE_GRADER_LOG")
    if log:
        with open(log, "a") as handle:
            handle.write(path.stem + "\\n")
    delay = float(os.environ.get("FAKE_GRADER_DELAY", "0"))
    if delay:
        time.sleep(delay)
    if "broken" in text:
        raise SubmissionError("not an answer sheet", path=str(path), line=1)
    if "slow" in text:
        time.sleep(60)
    if "crash" in text:
        os._exit(3)
    if "bug" in text:
        raise ZeroDivisionError("division by zero")
    scores, review = {}, False
    for number, line in enumerate(text.splitlines(), start=1):
        key, _, value = line.partition(":")
        if key.strip() == "review":
            review = True
        elif key.strip() in rubric:
            scores[key.strip()] = (float(value), number)
    parts, questions = [], []
    for qid, maximum in rubric.items():
        score, line = scores.get(qid, (0.0, None))
        parts.append(PartReport(
            id=f"{qid}.a", question_id=qid, score=score, max_score=maximum,
            needs_review=review and qid == "q2",
            review_reasons=["could not read line"] if review and qid == "q2" else [],
            feedback=[] if score == maximum else [f"{qid}: not full marks"],
            answer=AnswerView(found=line is not None, lines=LineSpan(start=line, end=line) if line else None),
        ))
        questions.append(QuestionReport(id=qid, score=score, max_score=maximum, parts=[f"{qid}.a"]))
    total = sum(p.score for p in parts)
    return GradeReport(
        submission=SubmissionInfo(id=path.stem, path=str(path)),
        rubric=RubricInfo(id="fake", sha256="0" * 64),
        score=total, max_score=sum(rubric.values()), needs_review=review,
        questions=questions, parts=parts,
    )
"""

RUBRIC = "q1: 4\nq2: 3\n"


@pytest.fixture
def fake(tmp_path, monkeypatch):
    folder = tmp_path / "fake"
    folder.mkdir()
    (folder / "fake_batch_grader.py").write_text(FAKE_GRADER)
    monkeypatch.syspath_prepend(str(folder))
    sys.modules.pop("fake_batch_grader", None)
    module = importlib.import_module("fake_batch_grader")
    log = tmp_path / "graded.log"
    monkeypatch.setenv("FAKE_GRADER_LOG", str(log))
    module.log = log
    module.folder = folder
    return module


def graded_log(fake) -> list[str]:
    return fake.log.read_text().split() if fake.log.exists() else []


def make_sheets(folder: Path, count: int, extra: dict[str, str] | None = None) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for i in range(count):
        (folder / f"s{i:03d}.md").write_text(
            f"name: s{i}\nq1: {i % 5}\nq2: {i % 4 * 0.5}\n"
            + ("review: yes\n" if i % 7 == 0 else "")
        )
    for name, text in (extra or {}).items():
        (folder / name).write_text(text)
    return folder


def run(fake, sheets, rubric, out, **options):
    options.setdefault("jobs", 2)
    options.setdefault("progress", None)
    return grade_batch(
        [sheets], rubric, out_dir=out, grade_fn=fake.grade, load_rubric=fake.load_rubric, **options
    )


@pytest.fixture
def rubric(tmp_path):
    path = tmp_path / "rubric.yaml"
    path.write_text(RUBRIC)
    return path


def test_every_sheet_gets_a_result_and_broken_ones_say_why(fake, tmp_path, rubric):
    sheets = make_sheets(
        tmp_path / "subs",
        12,
        {
            "broken.md": "broken\n",
            "slow.md": "slow\n",
            "crash.md": "crash\n",
            "bug.md": "bug\n",
        },
    )
    out = tmp_path / "out"
    result = run(fake, sheets, rubric, out, sheet_time_limit=2.0)
    reasons = {o.item.id: o.reason for o in result.failed}
    assert set(reasons) == {"broken", "slow", "crash", "bug"}
    assert reasons["broken"].endswith("broken.md:1: not an answer sheet")
    assert reasons["slow"] == "took longer than the per-sheet limit of 2 s"
    assert reasons["crash"] == "the worker process died (exit code 3)"
    assert reasons["bug"] == "internal error: ZeroDivisionError: division by zero"
    assert result.stats.graded == 12
    for outcome in result.outcomes:
        record = json.loads((out / "results" / f"{outcome.item.name}.json").read_text())
        assert record["status"] == outcome.status
        if outcome.status == "graded":
            assert record["report"]["schema"] == "grader.report/1"
            assert (out / "feedback" / f"{outcome.item.name}.html").is_file()
            assert (out / "gradescope" / f"{outcome.item.name}.json").is_file()
    assert not list(out.rglob(".tmp-*"))


def test_batch_files(fake, tmp_path, rubric):
    sheets = make_sheets(tmp_path / "subs", 10, {"broken.md": "broken\n"})
    out = tmp_path / "out"
    result = run(fake, sheets, rubric, out, formats={"html", "gradescope"})
    rows = {row.student: row for row in gradebook.read((out / "gradebook.csv").read_text())}
    assert len(rows) == 11
    assert rows["s003"].scores == {"q1": 3.0, "q2": 1.5} and rows["s003"].total == 4.5
    assert rows["broken"].total is None
    suites = ET.parse(out / "junit.xml").getroot().findall("testsuite")
    assert len(suites) == 11
    assert all(len(s.findall("testcase")) == 2 for s in suites if s.get("name") != "broken")
    queue = list(csv.DictReader(io.StringIO((out / "review-queue.csv").read_text())))
    # s000 and s007 are flagged on q2, and the broken sheet needs a person too.
    assert [(r["submission"], r["part"]) for r in queue] == [
        ("s000", "q2.a"),
        ("s007", "q2.a"),
        ("broken", "*"),
    ]
    assert queue[0]["reason"] == "could not read line" and queue[0]["lines"] == "line 3"
    summary = json.loads((out / "summary.json").read_text())
    assert summary["graded"] == 10 and summary["needing_review"] == 2
    q1 = summary["questions"][0]
    assert q1["mean"] == pytest.approx(2.0) and q1["median"] == pytest.approx(2.0)
    assert q1["distribution"] == [["0", 2], ["1", 2], ["2", 2], ["3", 2], ["4", 2]]
    assert not (out / "stats").exists()  # the charts are inline SVG now
    assert summary["item_analysis"]["sheets"] == 10
    assert "Batch summary" in (out / "summary.md").read_text()
    assert (out / "assets" / "katex" / "katex.min.js").is_file()
    page = result.files["summary_html"].read_text()
    assert "data:image/png" not in page and page.count('role="img"') >= 3


def test_rerun_reuses_results_and_regrades_what_changed(fake, tmp_path, rubric):
    sheets = make_sheets(tmp_path / "subs", 8)
    out = tmp_path / "out"
    first = run(fake, sheets, rubric, out)
    assert sorted(graded_log(fake)) == [f"s{i:03d}" for i in range(8)]
    before = (out / "gradebook.csv").read_text()

    fake.log.unlink()
    second = run(fake, sheets, rubric, out)
    assert graded_log(fake) == []
    assert (second.graded_now, second.reused) == (0, 8)
    assert (out / "gradebook.csv").read_text() == before
    assert first.stats.totals == second.stats.totals

    (sheets / "s002.md").write_text("q1: 4\nq2: 3\n")
    run(fake, sheets, rubric, out)
    assert graded_log(fake) == ["s002"]

    fake.log.unlink()
    rubric.write_text("q1: 5\nq2: 3\n")  # a rubric change regrades everything
    third = run(fake, sheets, rubric, out)
    assert sorted(graded_log(fake)) == [f"s{i:03d}" for i in range(8)]
    assert third.stats.max_total == 8


def test_results_without_out_dir_stay_in_memory(fake, tmp_path, rubric):
    sheets = make_sheets(tmp_path / "subs", 3)
    result = grade_batch(
        [sheets],
        rubric,
        jobs=1,
        grade_fn=fake.grade,
        load_rubric=fake.load_rubric,
        progress=None,
    )
    assert [r.submission.id for r in result.reports()] == ["s000", "s001", "s002"]
    assert not (tmp_path / "out").exists()


def test_progress_lines_when_not_a_terminal(fake, tmp_path, rubric):
    sheets = make_sheets(tmp_path / "subs", 5)
    stream = io.StringIO()
    run(fake, sheets, rubric, tmp_path / "out", progress=stream)
    lines = stream.getvalue().splitlines()
    assert lines[-1].startswith("graded 5/5 (")
    assert "\r" not in stream.getvalue()


KILL_SCRIPT = """
import sys
sys.path.insert(0, sys.argv[1])
import fake_batch_grader as fake
from grader.batch import grade_batch
grade_batch([sys.argv[2]], sys.argv[3], out_dir=sys.argv[4], jobs=2,
            grade_fn=fake.grade, load_rubric=fake.load_rubric, progress=None)
"""


def test_kill_9_halfway_then_resume_gives_the_uninterrupted_results(fake, tmp_path, rubric):
    count = 40
    sheets = make_sheets(tmp_path / "subs", count, {"broken.md": "broken\n"})
    reference = tmp_path / "reference"
    run(fake, sheets, rubric, reference)
    fake.log.unlink()

    out = tmp_path / "out"
    env = {**os.environ, "FAKE_GRADER_DELAY": "0.05"}
    child = subprocess.Popen(
        [sys.executable, "-c", KILL_SCRIPT, str(fake.folder), str(sheets), str(rubric), str(out)],
        env=env,
    )
    results = out / "results"
    deadline = time.monotonic() + 120  # a safety net only, not a timing assertion
    while time.monotonic() < deadline and child.poll() is None:
        if results.is_dir() and len(list(results.glob("*.json"))) >= count // 3:
            break
        time.sleep(0.01)
    child.send_signal(signal.SIGKILL)
    child.wait()
    time.sleep(0.2)  # orphaned workers notice the parent is gone; they write nothing

    done_before = {p.stem for p in results.glob("*.json")}
    assert 0 < len(done_before) < count + 1, "the kill must land halfway"
    for path in results.glob("*.json"):
        json.loads(path.read_text())  # never half-written
    fake.log.unlink(missing_ok=True)

    resumed = run(fake, sheets, rubric, out)
    regraded = graded_log(fake)
    assert len(regraded) == len(set(regraded))
    assert not set(regraded) & done_before, "nothing that had a result is graded twice"
    assert set(regraded) | done_before == {p.stem for p in sheets.glob("*.md")}
    assert resumed.reused == len(done_before)

    def snapshot(folder: Path) -> dict:
        data = {}
        for path in sorted((folder / "results").glob("*.json")):
            record = json.loads(path.read_text())
            record.pop("elapsed")
            data[path.name] = record
        return data

    assert snapshot(out) == snapshot(reference)
    for name in ("gradebook.csv", "review-queue.csv"):
        assert (out / name).read_text() == (reference / name).read_text()
    assert not list(out.rglob(".tmp-*"))


@pytest.mark.parametrize(
    ("layout", "expected"),
    [
        ({"a.md": "x", "b.md": "y", "README.md": "r"}, ["a", "b"]),
        ({"alice/sheet.md": "x", "alice/linreg.py": "p", "bob/sheet.md": "y"}, ["alice", "bob"]),
        ({"sheet.md": "x", "linreg.py": "p"}, ["one"]),
        ({"a.md": "x", "a/sheet.md": "y", ".hidden.md": "z"}, ["a", "a-2"]),
    ],
    ids=["files", "folders", "one-student-folder", "name-clash"],
)
def test_find_submissions(tmp_path, layout, expected):
    root = tmp_path / "one"
    for name, text in layout.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text)
    assert sorted(item.id for item in find_submissions([root])) == expected


def test_hashes_follow_content_not_time(tmp_path):
    folder = tmp_path / "alice"
    folder.mkdir()
    (folder / "sheet.md").write_text("answer")
    before = submission_sha256(folder)
    os.utime(folder / "sheet.md", (0, 0))
    assert submission_sha256(folder) == before
    (folder / "linreg.py").write_text("def f(): pass\n")
    assert submission_sha256(folder) != before
    rubric = tmp_path / "r.yaml"
    rubric.write_text("references: refs.py\n")
    (tmp_path / "refs.py").write_text("A = 1\n")
    first = rubric_sha256(rubric)
    (tmp_path / "refs.py").write_text("A = 2\n")  # a named file next to the rubric counts
    assert rubric_sha256(rubric) != first


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_progress_bar_on_a_terminal(fake, tmp_path, rubric):
    sheets = make_sheets(tmp_path / "subs", 4, {"broken.md": "broken\n"})
    stream = _Terminal()
    run(fake, sheets, rubric, tmp_path / "out", progress=stream)
    text = stream.getvalue()
    assert "\r[" in text and "] 5/5 " in text
    assert re.search(r"\d+\.\d sheets/s, \d+:\d\d left, 1 failed", text)
    assert "failed: broken: " in text
    assert text.endswith("\n")


CTRL_C_SCRIPT = """
import sys
sys.path.insert(0, sys.argv[1])
import fake_batch_grader as fake
from grader.batch import BatchInterrupted, grade_batch
try:
    grade_batch([sys.argv[2]], sys.argv[3], out_dir=sys.argv[4], jobs=2,
                grade_fn=fake.grade, load_rubric=fake.load_rubric, progress=None)
except BatchInterrupted as error:
    print(error.format())
    sys.exit(error.exit_code)
"""


def test_ctrl_c_stops_cleanly_and_keeps_finished_results(fake, tmp_path, rubric):
    sheets = make_sheets(tmp_path / "subs", 30)
    out = tmp_path / "out"
    child = subprocess.Popen(
        [sys.executable, "-c", CTRL_C_SCRIPT, str(fake.folder), str(sheets), str(rubric), str(out)],
        env={**os.environ, "FAKE_GRADER_DELAY": "0.05"},
        stdout=subprocess.PIPE,
        text=True,
    )
    deadline = time.monotonic() + 120  # a safety net only
    while time.monotonic() < deadline and child.poll() is None:
        if (out / "results").is_dir() and len(list((out / "results").glob("*.json"))) >= 5:
            break
        time.sleep(0.01)
    child.send_signal(signal.SIGINT)
    stdout, _ = child.communicate(timeout=60)
    assert child.returncode == 130
    assert stdout.startswith("interrupted: ") and "run the same command again" in stdout
    kept = list((out / "results").glob("*.json"))
    assert 0 < len(kept) < 30
    for path in kept:
        assert json.loads(path.read_text())["status"] == "graded"
    fake.log.unlink(missing_ok=True)
    resumed = run(fake, sheets, rubric, out)
    assert resumed.reused == len(kept) and resumed.stats.graded == 30
