"""Jupyter notebooks as submissions: Markdown cells are the sheet (places named
by cell), code cells the code answer (definitions only), Otter and nbgrader
question markers. Notebooks are made with nbformat here, plus one written in
Jupyter's own file format (tests/files/notebooks/jupyter-format-example.ipynb)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

nbformat = pytest.importorskip("nbformat")
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_raw_cell  # noqa: E402

from grader import api  # noqa: E402
from grader.cli import main  # noqa: E402
from grader.errors import SubmissionError  # noqa: E402
from grader.submission import (  # noqa: E402
    PartLayout,
    QuestionLayout,
    discover_submissions,
    find_answers,
    read_submission,
)
from grader.submission.code_answers import extract_definitions  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]
QUIZ = ROOT / "examples" / "notebook-quiz"
RUBRIC = QUIZ / "rubric.yaml"
FORMAT_EXAMPLE = ROOT / "tests" / "files" / "notebooks" / "jupyter-format-example.ipynb"

LAYOUT = [
    QuestionLayout(
        "q1",
        parts=[
            PartLayout("q1.a", kind="math"),
            PartLayout("q1.b", kind="text"),
            PartLayout("q1.c", kind="code"),
        ],
    )
]

MSE = "import numpy as np\n\n\ndef mse(y, y_hat):\n    return np.mean((y - y_hat) ** 2)\n"


def write_notebook(path: Path, cells: list) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(new_notebook(cells=cells), str(path))
    return path


def part(report, part_id: str):
    return next(p for p in report.parts if p.id == part_id)


# --------------------------------------------------------------------------- reading


def test_jupyter_format_example_is_read_cell_by_cell():
    submission = read_submission(FORMAT_EXAMPLE)
    sheet = submission.sheet
    assert sheet is not None and sheet.origins is not None
    text = sheet.text
    assert "$$\\frac{d}{dx}(x^3 - 2x) = 3x^2 - 2$$" in text
    assert "Raw cells" not in text  # a raw cell is neither answer nor code
    assert "training" not in text  # outputs are not answers
    # each sheet line knows its cell and line: cell 2 line 5 holds the derivative
    number = next(i for i, line in enumerate(sheet.lines, 1) if line.startswith("$$"))
    assert sheet.origins.place(number) == (2, 5)
    code = submission.notebook_code
    assert code is not None
    assert "def mse" in code.source and "import numpy as np" in code.source
    assert "print(" not in code.source and "%matplotlib" not in code.source
    assert [entry.split(" (")[0] for entry in code.left_out] == [
        "cell 5, line 2",
        "cell 5, line 3",
    ]


def test_jupyter_format_example_grades_full_marks():
    report = api.grade(FORMAT_EXAMPLE, RUBRIC, strict=True)
    assert (report.score, report.max_score) == (5.0, 5.0)
    assert part(report, "q1.c").answer.how_found == "code cells"


def test_feedback_names_the_cell_and_its_line(tmp_path):
    path = write_notebook(
        tmp_path / "bob.ipynb",
        [
            new_markdown_cell("# Bob"),
            new_code_cell(MSE),
            new_markdown_cell("**(a)**\n\n$$3x^3 - 2$$"),
            new_markdown_cell("**(b)** It penalises large errors."),
        ],
    )
    report = api.grade(path, RUBRIC, strict=True)
    a = part(report, "q1.a")
    assert a.score == 1.0
    assert a.feedback == ["cell 3, line 3: The power rule lowers the exponent by one."]
    assert part(report, "q1.c").score == 2.0


def test_top_level_code_is_not_run_when_the_module_is_imported(tmp_path):
    touched = tmp_path / "touched"
    path = write_notebook(
        tmp_path / "eve.ipynb",
        [
            new_markdown_cell("(a) $$3x^2 - 2$$\n\n(b) large errors, positive"),
            new_code_cell(MSE + "EPS = 1.0e-12\nSIZES = [4, 8]\n"),
            # training, writing files, exiting, an endless loop: none of it may run
            new_code_cell(f"open({str(touched)!r}, 'w').write('ran')\nraise SystemExit(3)"),
            new_code_cell("while True:\n    pass"),
            new_code_cell("!pip install torch\n%time mse(1, 2)"),
        ],
    )
    report = api.grade(path, RUBRIC, strict=True)
    assert part(report, "q1.c").score == 2.0
    assert not touched.exists()
    code = read_submission(path).notebook_code
    assert "EPS = 1.0e-12" in code.source and "SIZES = [4, 8]" in code.source
    assert "while True" not in code.source and "SystemExit" not in code.source


def test_a_students_own_file_wins_over_the_notebook(tmp_path):
    folder = tmp_path / "ann"
    write_notebook(
        folder / "hw.ipynb",
        [new_markdown_cell("(a) $$3x^2-2$$"), new_code_cell(MSE.replace("** 2", "** 3"))],
    )
    (folder / "losses.py").write_text(MSE, encoding="utf-8")
    report = api.grade(folder, RUBRIC, strict=True)
    c = part(report, "q1.c")
    assert c.score == 2.0
    assert c.answer.how_found == "code file"


def test_a_cell_that_is_not_python_sends_the_code_part_to_review(tmp_path):
    path = write_notebook(
        tmp_path / "hw.ipynb",
        [new_markdown_cell("(a) $$3x^2-2$$"), new_code_cell("def mse(y, y_hat)\n    return 0")],
    )
    report = api.grade(path, RUBRIC, strict=True)
    c = part(report, "q1.c")
    assert c.needs_review
    assert any("cell 2: not valid Python" in reason for reason in c.review_reasons)
    assert c.score == 0.0  # nothing credited on code that could not be read


# --------------------------------------------------------------------------- markers


def test_otter_markers_map_cells_to_parts_without_labels():
    cells = [
        new_markdown_cell("# Homework 3"),
        new_raw_cell("# BEGIN QUESTION\nname: q1a\npoints: 2"),
        new_markdown_cell("$$3x^2 - 2$$"),
        new_raw_cell("# END QUESTION"),
        # the older Otter form: the marker in an HTML comment of the prompt cell
        new_markdown_cell(
            "<!--\nBEGIN QUESTION\nname: q1b\nmanual: true\n-->\n"
            "Explain why we square errors: large errors, cancel, positive..."
        ),
        new_markdown_cell("Squares make large errors count more."),
        new_markdown_cell("<!-- END QUESTION -->"),
    ]
    submission = _read(cells)
    finding = find_answers(submission, LAYOUT)
    a, b = finding["q1.a"], finding["q1.b"]
    assert (a.how_found, a.text) == ("marker", "$$3x^2 - 2$$")
    assert (b.how_found, b.text) == ("marker", "Squares make large errors count more.")
    assert "Explain why" not in submission.sheet.text  # the prompt is not an answer
    assert [u.text for u in finding.unassigned] == ["# Homework 3"]


def test_nbgrader_grade_ids_map_solution_cells_and_prompts_are_not_answers():
    def meta(grade_id: str, solution: bool) -> dict:
        return {
            "nbgrader": {
                "grade_id": grade_id,
                "solution": solution,
                "grade": solution,
                "locked": not solution,
            }
        }

    cells = [
        new_markdown_cell("Differentiate $x^3 - 2x$.", metadata=meta("prompt-a", False)),
        new_markdown_cell("$$3x^2 - 2$$", metadata=meta("q1a", True)),
        new_markdown_cell("Why square errors?", metadata=meta("prompt-b", False)),
        new_markdown_cell("They stay positive.", metadata=meta("q1b", True)),
        new_markdown_cell("A locked note.", metadata={"editable": False}),
    ]
    submission = _read(cells)
    finding = find_answers(submission, LAYOUT)
    assert finding["q1.a"].text == "$$3x^2 - 2$$"
    assert finding["q1.b"].text == "They stay positive."
    assert "Differentiate" not in submission.sheet.text
    assert "locked" not in submission.sheet.text


def test_markers_naming_nothing_in_the_rubric_leave_it_to_labels():
    cells = [
        new_markdown_cell("(a) $$3x^2 - 2$$", metadata={"nbgrader": {"grade_id": "cell-8f2a"}}),
        new_markdown_cell("(b) positive", metadata={"nbgrader": {"grade_id": "cell-77c1"}}),
    ]
    for cell in cells:
        cell.metadata["nbgrader"]["solution"] = True
    finding = find_answers(_read(cells), LAYOUT)
    assert finding["q1.a"].how_found == "label"
    assert finding["q1.b"].text.endswith("positive")


def _read(cells: list, tmp: Path | None = None):
    import tempfile

    folder = Path(tempfile.mkdtemp())
    return read_submission(write_notebook(folder / "hw.ipynb", cells))


# --------------------------------------------------------------------------- discovery, errors


def test_a_folder_holding_only_a_notebook_is_one_submission(tmp_path):
    write_notebook(tmp_path / "ann" / "hw.ipynb", [new_markdown_cell("(a) $$3x^2-2$$")])
    write_notebook(tmp_path / "bob" / "hw.ipynb", [new_markdown_cell("(a) $$3x^3-2$$")])
    assert discover_submissions(tmp_path / "ann") == [tmp_path / "ann"]
    assert discover_submissions(tmp_path) == [tmp_path / "ann", tmp_path / "bob"]
    result = CliRunner().invoke(main, ["grade", str(tmp_path / "ann"), "--rubric", str(RUBRIC)])
    assert result.exit_code == 0, result.output
    assert result.output.startswith("ann: 2 / 5")


def test_a_notebook_with_a_figure_beside_code_keeps_the_notebook(tmp_path):
    folder = tmp_path / "ann"
    write_notebook(folder / "hw.ipynb", [new_markdown_cell("(a) $$3x^2-2$$")])
    (folder / "plot.png").write_bytes(b"\x89PNG\r\n\x1a\n")
    submission = read_submission(folder)
    assert submission.sheet is not None and submission.sheet.path.name == "hw.ipynb"


@pytest.mark.parametrize(
    "content, message",
    [
        ("{not json", "not a readable Jupyter notebook"),
        (json.dumps({"metadata": {}}), "not a readable Jupyter notebook"),
    ],
    ids=["not-json", "no-cells"],
)
def test_a_broken_notebook_is_one_line_and_exit_2(tmp_path, content, message):
    path = tmp_path / "hw.ipynb"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(SubmissionError, match=message):
        read_submission(path)
    result = CliRunner().invoke(main, ["grade", str(path), "--rubric", str(RUBRIC)])
    assert result.exit_code == 2
    assert result.output.count("\n") == 1 and message in result.output


# --------------------------------------------------------------------------- extraction


@pytest.mark.parametrize(
    "source, kept, left_out",
    [
        ("import numpy as np", ["import numpy as np"], []),
        ("from math import pi\nTAU = 2 * pi", ["from math import pi", "TAU = 2 * pi"], []),
        ("@staticmethod\ndef f():\n    return 1", ["@staticmethod\ndef f():"], []),
        ("class Net:\n    pass", ["class Net:"], []),
        ("DATA = np.load('x.npy')", [], ["line 1"]),
        ("model.fit(X, y)", [], ["line 1"]),
        ("for i in range(3):\n    train()", [], ["line 1"]),
        ("if __name__ == '__main__':\n    main()", [], ["line 1"]),
        ("try:\n    import torch\nexcept ImportError:\n    torch = None", ["import torch"], []),
        ("%matplotlib inline\ndef g():\n    return 2", ["def g():"], []),
    ],
    ids=[
        "import",
        "constant",
        "decorated",
        "class",
        "load-call",
        "fit",
        "loop",
        "main-guard",
        "import-guard",
        "magic",
    ],
)
def test_extraction_keeps_definitions_only(source, kept, left_out):
    code = extract_definitions([("cell 1", source)], origin="test")
    for piece in kept:
        assert piece in code.source
    assert [entry.split(", ")[1].split(" (")[0] for entry in code.left_out] == left_out
    compile(code.source, "extracted", "exec")  # the module is valid Python


def test_the_report_says_places_in_cells_not_sheet_lines(tmp_path):
    path = write_notebook(
        tmp_path / "bob.ipynb",
        [
            new_markdown_cell("# Bob"),
            new_markdown_cell("**(a)**\n\n$$3x^3 - 2$$"),
            new_markdown_cell("**(b)** It penalises large errors."),
        ],
    )
    report = api.grade(path, RUBRIC, strict=True)
    a, b = part(report, "q1.a"), part(report, "q1.b")
    # sheet line numbers would point nowhere in a notebook: the place is said in words
    assert a.answer.lines is None and a.answer.how_found == "label at cell 2, lines 1-3"
    assert b.answer.how_found == "label at cell 3, line 1"
    notes = [e.note for check in a.checks + b.checks for e in check.evidence]
    assert notes == [
        "cell 2, line 3: The power rule lowers the exponent by one.",
        "idea large-errors; cell 3, line 1",
    ]
    assert all(e.lines is None for check in a.checks + b.checks for e in check.evidence)


def test_a_notebook_of_code_cells_only_is_a_code_answer_not_an_empty_sheet(tmp_path):
    path = write_notebook(tmp_path / "code.ipynb", [new_code_cell(MSE)])
    report = api.grade(path, RUBRIC, strict=True)
    assert part(report, "q1.c").score == 2.0
    empty = write_notebook(tmp_path / "empty.ipynb", [new_markdown_cell("")])
    with pytest.raises(SubmissionError, match="empty answer sheet"):
        api.grade(empty, RUBRIC, strict=True)
