"""Which files of a folder are its answer sheet once notebooks, PDFs and
images count: a PDF export or a figure beside a sheet is not a second sheet;
a class of scans is a class."""

from __future__ import annotations

from pathlib import Path

import pytest

from grader.submission import discover_submissions
from grader.submission.discovery import folder_sheets


@pytest.mark.parametrize(
    "names, sheets",
    [
        (["hw.ipynb", "hw.pdf"], ["hw.ipynb"]),
        (["sheet.md", "notes.pdf"], ["sheet.md"]),
        (["report.md", "scan.pdf"], ["report.md", "scan.pdf"]),
        (["exam.pdf", "model.py"], ["exam.pdf"]),
        (["plot.png", "model.py"], []),
        (["sheet.png", "model.py"], ["sheet.png"]),
        (["page1.jpg"], ["page1.jpg"]),
        (["answers.md", "fig.png"], ["answers.md"]),
    ],
    ids=[
        "notebook-and-its-export",
        "sheet-and-a-pdf",
        "two-named-sheets",
        "pdf-and-code",
        "figure-beside-code",
        "photo-named-sheet",
        "lone-photo",
        "figure-beside-answers",
    ],
)
def test_folder_sheets(names, sheets):
    assert [p.name for p in folder_sheets([Path(n) for n in names])] == sheets


def test_a_class_of_scans_and_sheets_is_a_class(tmp_path):
    (tmp_path / "ann.pdf").write_bytes(b"%PDF-1.4\n")
    (tmp_path / "bob.md").write_text("(a) x\n", encoding="utf-8")
    (tmp_path / "carl").mkdir()
    (tmp_path / "carl" / "hw.ipynb").write_text("{}", encoding="utf-8")
    assert discover_submissions(tmp_path) == [
        tmp_path / "ann.pdf",
        tmp_path / "bob.md",
        tmp_path / "carl",
    ]


def test_a_student_with_a_notebook_and_its_pdf_export_is_one(tmp_path):
    (tmp_path / "hw.ipynb").write_text("{}", encoding="utf-8")
    (tmp_path / "hw.pdf").write_bytes(b"%PDF-1.4\n")
    assert discover_submissions(tmp_path) == [tmp_path]
