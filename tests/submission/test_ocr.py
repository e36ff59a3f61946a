"""The --ocr hook: a command that turns a scan into Markdown, run before
grading. The OCR tool here is a fake written by the test (a Python script)
that writes what a real one would, confidence marks included."""

from __future__ import annotations

import json
import shlex
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

pytest.importorskip("pdfminer")

from grader.cli import main  # noqa: E402

sys.path.insert(0, str(Path(__file__).parent))
from pdf_writer import write_pdf  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]
QUIZ = ROOT / "examples" / "notebook-quiz" / "rubric.yaml"

# What the fake OCR "reads" on every scan: Mathpix Markdown with a low-confidence line.
MARKDOWN = "(a) \\( 3 x^{2}-2 \\) <!-- confidence: 0.42 -->\n\n(b) large errors<br>all positive\n"

FAKE_OCR = f"""
import sys, pathlib
args = sys.argv[1:]
mode, scan = args[0], pathlib.Path(args[1])
calls = pathlib.Path(args[-1]) if mode != "stdout" else None
if scan.name.startswith("unreadable"):
    print("cannot open the scan", file=sys.stderr)
    sys.exit(3)
markdown = {MARKDOWN!r}
if mode == "output":
    pathlib.Path(args[2]).write_text(markdown)
elif mode == "output_dir":   # like Marker: DIR/<stem>/<stem>.md and more
    folder = pathlib.Path(args[2]) / scan.stem
    folder.mkdir(parents=True)
    (folder / (scan.stem + ".md")).write_text(markdown)
    (folder / (scan.stem + "_meta.json")).write_text("{{}}")
else:
    sys.stdout.write(markdown)
if calls is not None:
    with open(calls, "a") as log:
        log.write(scan.name + "\\n")
"""


@pytest.fixture
def fake_ocr(tmp_path):
    script = tmp_path / "fake_ocr.py"
    script.write_text(FAKE_OCR, encoding="utf-8")
    calls = tmp_path / "calls.txt"

    def command(mode: str = "output") -> str:
        python = shlex.quote(sys.executable)
        if mode == "output":
            return f"{python} {script} output {{input}} {{output}} {calls}"
        if mode == "output_dir":
            return f"{python} {script} output_dir {{input}} {{output_dir}} {calls}"
        return f"{python} {script} stdout"  # the scan is appended: no {input}

    command.calls = calls
    return command


def scan(path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(write_pdf([None]))
    return path


def grade(*args: str):
    return CliRunner().invoke(main, ["grade", *args, "--rubric", str(QUIZ)])


@pytest.mark.parametrize("mode", ["output", "output_dir", "stdout"])
def test_a_scan_is_graded_from_what_the_ocr_command_wrote(tmp_path, fake_ocr, mode):
    pdf = scan(tmp_path / "ann.pdf")
    result = grade(str(pdf), "--format", "json", "--ocr", fake_ocr(mode))
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["submission"]["id"] == "ann"
    a, b = report["parts"][0], report["parts"][1]
    assert (a["score"], b["score"]) == (2.0, 1.0)
    # the confidence mark feeds the review queue
    assert a["needs_review"]
    assert a["review_reasons"] == [
        "line 1: the OCR marked this line as uncertain (confidence 0.42): read it on the paper"
    ]


def test_with_out_the_markdown_is_kept_and_reused(tmp_path, fake_ocr):
    class_folder = tmp_path / "class"
    scan(class_folder / "ann.pdf")
    (class_folder / "bob.md").write_text("(a) $$3x^3 - 2$$\n", encoding="utf-8")
    out = tmp_path / "out"
    result = grade(str(class_folder), "--out", str(out), "--ocr", fake_ocr())
    assert result.exit_code == 0, result.output
    kept = out / "ocr" / "ann.md"
    assert kept.read_text(encoding="utf-8") == MARKDOWN
    stamp = json.loads((out / "ocr" / "ann.md.json").read_text(encoding="utf-8"))
    assert stamp["source"].endswith("ann.pdf") and len(stamp["sha256"]) == 64
    queue = (out / "review-queue.csv").read_text(encoding="utf-8")
    assert "ann,q1.a,2,2,line 1: the OCR marked this line as uncertain" in queue
    results = {p.stem for p in (out / "results").glob("*.json")}
    assert {"ann", "bob"} <= results
    # a second run with the same scan and command does not run the OCR again
    result = grade(str(class_folder), "--out", str(out), "--ocr", fake_ocr())
    assert result.exit_code == 0, result.output
    assert fake_ocr.calls.read_text().split() == ["ann.pdf"]


def test_a_students_folder_with_a_scan_and_code(tmp_path, fake_ocr):
    folder = tmp_path / "carl"
    scan(folder / "exam.pdf")
    (folder / "losses.py").write_text(
        "import numpy as np\n\ndef mse(y, y_hat):\n    return np.mean((y - y_hat) ** 2)\n",
        encoding="utf-8",
    )
    result = grade(str(folder), "--ocr", fake_ocr())
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("carl: 5 / 5")


def test_an_ocr_failure_is_one_line_and_the_others_are_graded(tmp_path, fake_ocr):
    class_folder = tmp_path / "class"
    scan(class_folder / "ann.pdf")
    scan(class_folder / "unreadable.pdf")
    result = grade(str(class_folder), "--ocr", fake_ocr())
    assert result.exit_code == 2
    assert result.stdout.startswith("ann: 3 / 5")
    assert result.stderr.splitlines() == [
        f"error: {class_folder / 'unreadable.pdf'}: the OCR command failed (exit 3): "
        "cannot open the scan"
    ]


def test_a_missing_ocr_command_is_named(tmp_path):
    pdf = scan(tmp_path / "ann.pdf")
    result = grade(str(pdf), "--ocr", "no-such-ocr-tool {input} {output}")
    assert result.exit_code == 2
    assert "the OCR command 'no-such-ocr-tool' was not found" in result.stderr


def test_check_takes_ocr_too(tmp_path, fake_ocr):
    pdf = scan(tmp_path / "ann.pdf")
    result = CliRunner().invoke(
        main, ["check", str(pdf), "--rubric", str(QUIZ), "--ocr", fake_ocr()]
    )
    assert result.exit_code == 0, result.output
    assert "the OCR marked this line as uncertain" in result.stdout


def test_typed_sheets_are_not_sent_to_ocr(tmp_path, fake_ocr):
    sheet = tmp_path / "bob.md"
    sheet.write_text("(a) $$3x^3 - 2$$\n", encoding="utf-8")
    result = grade(str(sheet), "--ocr", fake_ocr())
    assert result.exit_code == 0
    assert result.stdout.startswith("bob: 1 / 5")
    assert not fake_ocr.calls.exists()


def test_a_linked_scan_is_never_sent_to_ocr(tmp_path, fake_ocr):
    # the OCR command would read what the link points at (another student's scan,
    # a file outside the class): the folder gets a row saying so, nothing is read
    outside = scan(tmp_path / "elsewhere" / "someone.pdf")
    folder = tmp_path / "class" / "ann"
    folder.mkdir(parents=True)
    (folder / "exam.pdf").symlink_to(outside)
    result = grade(str(tmp_path / "class"), "--format", "json", "--ocr", fake_ocr())
    assert "someone.pdf" not in (fake_ocr.calls.read_text() if fake_ocr.calls.exists() else "")
    assert result.exit_code == 2
    assert "not sent to OCR: exam.pdf is a symbolic link" in result.output
