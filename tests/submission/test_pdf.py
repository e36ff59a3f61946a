"""Typed PDFs read from their text layer, and scans refused with a pointer to
--ocr. tests/files/pdf/ holds a PDF made by pdflatex and one made by the
AbiWord word processor (make_pdfs.sh beside them); the others are written
here with a tiny PDF writer (pdf_writer.py)."""

from __future__ import annotations

import re
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

pytest.importorskip("pdfminer")

from grader import api  # noqa: E402
from grader.cli import main  # noqa: E402
from grader.errors import SubmissionError  # noqa: E402
from grader.submission import read_submission  # noqa: E402

sys.path.insert(0, str(Path(__file__).parent))
from pdf_writer import Text, write_pdf  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]
FILES = ROOT / "tests" / "files" / "pdf"
QUIZ = ROOT / "examples" / "notebook-quiz" / "rubric.yaml"


def part(report, part_id):
    return next(p for p in report.parts if p.id == part_id)


@pytest.mark.parametrize(
    "name, expected",
    [
        (
            "latex-sheet.pdf",
            [
                "$$3x^{2} - 2$$",
                "(b) Squaring penalises large errors more than small ones, and every",
                "$$\\nabla_{\\beta}J = X^{T} X\\beta - X^{T} y$$",
                "$$J(\\beta) = \\frac{1}{2}\\|y - X\\beta \\|^{2}$$",
            ],
        ),
        (
            "word-sheet.pdf",
            [
                "(a) The derivative is $3x^{3} - 2$",
                "(b) It penalises large errors.",
                "(c) $\\nabla J(\\beta) = X^{T}X\\beta - X^{T}y$, with step size $\\alpha \\le 0.1$",
            ],
        ),
    ],
    ids=["latex", "word-processor"],
)
def test_the_text_layer_keeps_the_math(name, expected):
    submission = read_submission(FILES / name)
    lines = submission.sheet.lines
    for line in expected:
        assert line in lines
    assert submission.sheet.flags == {}


def test_a_latex_pdf_grades_like_the_sheet_it_was_typed_from():
    report = api.grade(FILES / "latex-sheet.pdf", QUIZ, strict=True)
    assert (part(report, "q1.a").score, part(report, "q1.b").score) == (2.0, 1.0)
    assert not part(report, "q1.a").needs_review


def test_a_word_processor_pdf_gets_feedback_by_page_and_line():
    report = api.grade(FILES / "word-sheet.pdf", QUIZ, strict=True)
    a = part(report, "q1.a")
    assert a.score == 1.0
    assert a.feedback == ["page 1, line 2: The power rule lowers the exponent by one."]
    assert part(report, "q1.b").score == 0.5


def test_scripts_from_smaller_raised_and_lowered_text(tmp_path):
    pdf = tmp_path / "s.pdf"
    pdf.write_bytes(
        write_pdf(
            [
                [
                    Text(72, 700, "(a) y = x"),
                    Text(120.5, 705, "2", size=8),
                    Text(128, 700, "+ w"),
                    Text(148.5, 696, "1", size=8),
                ]
            ]
        )
    )
    assert read_submission(pdf).sheet.lines == ["(a) $$y = x^{2} + w_{1}$$"]


def test_math_the_layer_does_not_name_is_flagged_never_credited(tmp_path):
    pdf = tmp_path / "cid.pdf"
    pdf.write_bytes(
        write_pdf(
            [
                [
                    Text(72, 700, "(a) The derivative is"),
                    Text(200, 700, "3x2", unnamed=True),
                    Text(72, 660, "(b) large errors, positive"),
                ]
            ]
        )
    )
    sheet = read_submission(pdf).sheet
    assert "\ufffd" in sheet.lines[0]
    report = api.grade(pdf, QUIZ, strict=True)
    a = part(report, "q1.a")
    assert a.score == 0.0 and a.needs_review
    assert any(
        r.startswith("page 1, line 1: 3 glyph(s) that the PDF's text layer does not name")
        for r in a.review_reasons
    ), a.review_reasons
    assert part(report, "q1.b").score == 1.0


def test_a_scanned_page_in_a_typed_pdf_is_a_flagged_line(tmp_path):
    pdf = tmp_path / "mixed.pdf"
    pdf.write_bytes(write_pdf([[Text(72, 700, "(a) $$3x^2 - 2$$")], None]))
    submission = read_submission(pdf)
    assert submission.sheet.lines[-1] == "[page 2: no text layer]"
    assert "mixed.pdf: page 2 has no text layer (a scanned page?)" in submission.warnings


@pytest.mark.parametrize(
    "name, content, message",
    [
        ("scan.pdf", write_pdf([None, None]), "scan.pdf is a scanned PDF (no text layer)"),
        ("photo.jpg", b"\xff\xd8\xff\xe0" + bytes(64), "photo.jpg is an image"),
        ("broken.pdf", b"%PDF-1.4\nnot really\n", "not a readable PDF"),
    ],
    ids=["scanned-pdf", "image", "broken-pdf"],
)
def test_what_only_ocr_can_read_is_one_line_naming_the_file(tmp_path, name, content, message):
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(SubmissionError, match=re.escape(message)):
        read_submission(path)
    result = CliRunner().invoke(main, ["grade", str(path), "--rubric", str(QUIZ)])
    assert result.exit_code == 2
    assert result.stderr.count("\n") == 1 and message in result.stderr
    if name != "broken.pdf":
        assert "--ocr" in result.stderr


def test_a_pdf_beside_the_notebook_it_was_exported_from_is_not_a_second_sheet(tmp_path):
    folder = tmp_path / "ann"
    folder.mkdir()
    (folder / "hw.md").write_text("(a) $$3x^2-2$$\n", encoding="utf-8")
    (folder / "hw.pdf").write_bytes(write_pdf([[Text(72, 700, "(a) 3x")]]))
    submission = read_submission(folder)
    assert submission.sheet.path.name == "hw.md"


def test_latex_math_the_layer_keeps_in_pieces_is_flagged_and_the_rest_is_read():
    sheet = read_submission(FILES / "latex-hard.pdf").sheet
    lines, flags = sheet.lines, sheet.flags

    def number(fragment: str) -> int:
        return next(i for i, line in enumerate(lines, 1) if fragment in line)

    # kept: an accent over a letter, a fraction (its comma stays outside it), scripts
    closed_form = number("\\hat{\\beta} = (X^{\\top}X)^{-1}X^{\\top}y")
    assert closed_form not in flags  # prose with inline math, read whole
    assert "\\frac{1}{1 + e^{-z}}," in lines[number("\\sigma (z)") - 1]
    assert number("\\frac{\\partial L}{\\partial w_{1}}") not in flags
    # in pieces: the sum's sign, limits and body; the root; the matrix
    assert number("J(\\beta) = (y_{i}") in flags  # the sum sign is lost: never read as whole
    assert number("i=1") in flags
    assert number("\\sigma (z)") in flags  # the root sign beside it is unnamed
    assert number("A =") in flags and number("3 4") in flags
