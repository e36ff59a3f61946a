"""Grades back where courses keep them: `grader export` to Canvas and Moodle
import files and Gradescope results with a leaderboard, checked against each
tool's documented import format."""

from __future__ import annotations

import csv
import io
import json
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from grader.cli import main
from grader.report.models import GradeReport

FILES = Path(__file__).parent / "files" / "batch"


@pytest.fixture
def graded_class(tmp_path) -> Path:
    """alice (9.5 / 9.5) and bob (6.1667) as a JSON Lines file of reports."""
    path = tmp_path / "class.jsonl"
    lines = [json.dumps(json.loads((FILES / f"{n}.json").read_text())) for n in ("alice", "bob")]
    path.write_text("\n".join(lines) + "\n")
    return path


@pytest.fixture
def roster(tmp_path) -> Path:
    """A Canvas gradebook export as it comes (its Points Possible row, the test
    student), with a Moodle email column added; carol is on it but not graded."""
    path = tmp_path / "roster.csv"
    path.write_text(
        "Student,ID,SIS User ID,SIS Login ID,Section,Email\r\n"
        "    Points Possible,,,,,\r\n"
        '"Liddell, Alice",1001,alice,aliddell,ML 101 A,alice@uni.example\r\n'
        '"Builder, Bob",1002,bob,bbuilder,ML 101 B,bob@uni.example\r\n'
        '"Carroll, Carol",1003,carol,ccarroll,ML 101 A,carol@uni.example\r\n'
        '"Student, Test",9999,,,ML 101 A,\r\n',
        encoding="utf-8",
    )
    return path


def _gradescope_spec():
    """The model of Gradescope's results.json spec, from its own test module."""
    import importlib.util

    path = Path(__file__).parent / "test_gradescope_results.py"
    spec = importlib.util.spec_from_file_location("gradescope_spec", path)
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault("gradescope_spec", module)  # its models' annotations resolve there
    spec.loader.exec_module(module)
    return module


def export(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, ["export", *args])
    return result.exit_code, result.stdout, result.stderr


def rows_of(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text)))


# Canvas's documented import format ("How do I import grades in the Gradebook?",
# https://community.canvaslms.com/t5/Instructor-Guide/How-do-I-import-grades-in-the-Gradebook/ta-p/807;
# the same columns are listed by Ohio State's Carmen guide
# https://teaching.resources.osu.edu/toolsets/carmencanvas/guides/calculating-final-grades/import-csv-file-carmen-grades):
# the first columns are Student (name), ID, SIS User ID, SIS Login ID, Section;
# every further column is an assignment, and an existing assignment keeps its
# Canvas id in brackets after its name ("Name (12345)"), any other header is
# created as a new assignment; the optional second row "Points Possible"
# gives each assignment's maximum. Canvas matches rows on ID, else SIS User ID,
# else SIS Login ID; an empty cell changes no grade.
CANVAS_IDENTITY = ["Student", "ID", "SIS User ID", "SIS Login ID", "Section"]


def assert_canvas_import_format(text: str, *, existing: dict[str, str]) -> list[list[str]]:
    """``existing``: header -> the assignment id it must carry."""
    rows = rows_of(text)
    header = rows[0]
    assert header[:5] == CANVAS_IDENTITY
    assignments = header[5:]
    assert "Total" not in assignments or "Total" in existing
    for column in assignments:
        if column in existing and existing[column]:
            assert column.endswith(f" ({existing[column]})"), column
    for row in rows[1:]:
        assert len(row) == len(header)
        if row[0] == "Points Possible":
            continue
        assert row[1] or row[2] or row[3], f"no id Canvas can match on: {row}"
        for cell in row[5:]:
            assert cell == "" or float(cell) >= 0
    return rows


def test_canvas_maps_parts_and_totals_to_existing_assignments(graded_class, roster):
    code, out, err = export(
        str(graded_class),
        "--to",
        "canvas",
        "--canvas-assignment",
        "q1=12345",
        "--canvas-assignment",
        "q2.c=67890",
        "--points-possible",
        "--roster",
        str(roster),
    )
    assert code == 0, err
    rows = assert_canvas_import_format(
        out,
        existing={
            "Linear regression (12345)": "12345",
            "Backpropagation partials (67890)": "67890",
        },
    )
    assert rows == [
        [*CANVAS_IDENTITY, "Linear regression (12345)", "Backpropagation partials (67890)"],
        ["Points Possible", "", "", "", "", "5.5", "4"],
        ["Liddell, Alice", "1001", "alice", "aliddell", "ML 101 A", "5.5", "4"],
        ["Builder, Bob", "1002", "bob", "bbuilder", "ML 101 B", "3.5", "2.6667"],
        # on the roster, not graded: no grade, never a zero
        ["Carroll, Carol", "1003", "carol", "ccarroll", "ML 101 A", "", ""],
    ]


@pytest.mark.parametrize(
    ("options", "last_header", "alice_total"),
    [
        ([], "Backpropagation (q2)", None),
        (["--canvas-total"], "Total", "9.5"),
        (["--canvas-assignment", "total=555"], "ML exam (555)", "9.5"),
    ],
    ids=["no-total", "total-asked", "total-mapped"],
)
def test_canvas_has_no_total_assignment_unless_asked(
    graded_class, options, last_header, alice_total
):
    code, out, err = export(str(graded_class), "--to", "canvas", *options)
    assert code == 0, err
    existing = {"ML exam (555)": "555", "Total": ""}
    rows = assert_canvas_import_format(out, existing=existing)
    assert rows[0][-1] == last_header
    alice = rows[1]
    assert alice[:5] == ["alice", "", "alice", "", ""]  # no roster: the submission id
    if alice_total is not None:
        assert alice[-1] == alice_total


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("q9=123", "no question or part 'q9' in the reports (one of total, q1, q1.a"),
        ("q1=abc", "write ITEM=ID, e.g. q1=12345"),
        ("q1", "write ITEM=ID"),
    ],
    ids=["unknown-item", "not-a-number", "no-id"],
)
def test_canvas_assignment_mistakes_are_one_line_exit_2(graded_class, value, message):
    code, _, err = export(str(graded_class), "--to", "canvas", "--canvas-assignment", value)
    assert code == 2
    assert err.startswith("error: ") and message in err and "Traceback" not in err


def test_a_student_missing_from_the_roster_is_a_warning_not_silence(graded_class, tmp_path):
    roster = tmp_path / "roster.csv"
    roster.write_text("Student,ID,SIS User ID,SIS Login ID,Section\nAlice,1001,alice,,\n")
    code, out, err = export(str(graded_class), "--to", "canvas", "--roster", str(roster))
    assert code == 0
    assert "warning: bob: not on the roster" in err
    assert rows_of(out)[-1][:5] == ["bob", "", "", "", ""]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "roster has no header row"),
        ("name,grade\nAlice,1\n", "roster has no column to match submissions by"),
        ("Student,SIS User ID\nA,alice\nB,alice\n", "matches line 2 and line 3"),
    ],
    ids=["empty", "no-id-column", "ambiguous"],
)
def test_bad_rosters_are_bad_input(graded_class, tmp_path, text, message):
    roster = tmp_path / "roster.csv"
    roster.write_text(text)
    code, _, err = export(str(graded_class), "--to", "canvas", "--roster", str(roster))
    assert code == 2 and message in err, err


# Moodle's documented grade import ("Import grades", docs.moodle.org, CSV
# file): a header row; one column that identifies the user, mapped to a user
# field (ID number, username, email address); one column per grade item.
@pytest.mark.parametrize(
    ("field", "header", "alice"),
    [
        ("idnumber", "ID number", "alice"),
        ("username", "Username", "aliddell"),
        ("email", "Email address", "alice@uni.example"),
    ],
)
def test_moodle_import_file(graded_class, roster, tmp_path, field, header, alice):
    target = tmp_path / "moodle.csv"
    code, out, err = export(
        str(graded_class),
        "--to",
        "moodle",
        "--roster",
        str(roster),
        "--moodle-id",
        field,
        "--out",
        str(target),
    )
    assert code == 0, err
    assert target.read_bytes().endswith(b"\r\n")  # CSV line ends as RFC 4180 has them
    rows = rows_of(target.read_text())
    assert rows[0] == [header, "Linear regression (q1)", "Backpropagation (q2)", "Total"]
    assert rows[1] == [alice, "5.5", "4", "9.5"]
    assert len(rows) == 3  # carol has no grade: no row (Moodle would read a blank as no grade)
    assert all(len(row) == len(rows[0]) for row in rows)


def test_options_of_another_target_are_refused(graded_class):
    code, _, err = export(str(graded_class), "--to", "moodle", "--canvas-total")
    assert code == 2 and "--canvas-total goes with --to canvas" in err


def test_gradescope_leaderboard_from_the_command_line(graded_class, tmp_path):
    GradescopeResults = _gradescope_spec().GradescopeResults  # noqa: N806 - a model class

    code, out, err = export(
        str(graded_class),
        "--to",
        "gradescope",
        "--leaderboard",
        "total",
        "--leaderboard",
        "q2",
        "--out",
        str(tmp_path / "gs"),
    )
    assert code == 0, err
    bob = GradescopeResults.model_validate(json.loads((tmp_path / "gs" / "bob.json").read_text()))
    assert [(e.name, e.value, e.order) for e in bob.leaderboard] == [
        ("Score", pytest.approx(6.1667, abs=1e-4), "desc"),
        ("q2: Backpropagation", pytest.approx(2.6667, abs=1e-4), "desc"),
    ]
    report = GradeReport.model_validate_json((FILES / "bob.json").read_text())
    assert bob.score == pytest.approx(report.score)
