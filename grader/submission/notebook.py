"""Jupyter notebooks (``.ipynb``, read with nbformat) as submissions.

* **Markdown cells are the answer sheet.** They are put one after another
  (a blank line between cells) and read like a Markdown sheet; feedback names
  the place as ``cell 4, line 2`` (cells counted from 1, code cells included,
  as they appear in the notebook).
* **Code cells are the code answer.** Their definitions (imports, functions,
  classes, simple constants) make the module a rubric's code check names
  (``file: linreg.py``), unless the student also handed in that file, which
  then wins. Top-level code that trains, plots or reads files is not run
  (``grader.submission.code_answers``).
* **Question markers** map cells to questions and parts:
  Otter-Grader's ``# BEGIN QUESTION`` / ``name: q1`` ... ``# END QUESTION``
  (in a raw or Markdown cell, or in an HTML comment), and nbgrader's cell
  metadata ``nbgrader.grade_id``. A marker name is matched to the rubric like
  an answer-file key (``q1``, ``q1.b``, ``1b``, ``q1_b``); when none matches,
  the cells are read as one sheet and parts are found by their labels.
* **Prompt cells are not answers**: the cell holding an Otter marker, nbgrader
  cells that are not solution cells, and cells locked in Jupyter
  (``editable: false``). The question text would otherwise be graded as the
  student's words.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from grader.errors import SubmissionError
from grader.submission.code_answers import extract_definitions
from grader.submission.models import (
    ExtractedCode,
    LineOrigins,
    MarkedSection,
    Sheet,
)

_BEGIN = re.compile(r"BEGIN\s+QUESTION", re.I)
_END = re.compile(r"END\s+QUESTION", re.I)
_NAME = re.compile(r"^\s*(?:#\s*)?name\s*:\s*['\"]?(?P<name>[\w.\-()]+)", re.M)


@dataclass
class NotebookContent:
    """What a notebook gives the grader."""

    sheet: Sheet
    code: ExtractedCode | None
    sections: list[MarkedSection] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def read_notebook(path: Path, text: str) -> NotebookContent:
    """A notebook's answer sheet, code and question sections (module docstring)."""
    notebook = _parse(path, text)
    lines: list[str] = []
    places: list[tuple[int, int] | None] = []
    sections: list[MarkedSection] = []
    chunks: list[tuple[str, str]] = []
    notes: list[str] = []
    skipped_prompts = 0
    current: str | None = None  # the open Otter question
    open_start: int | None = None  # its first sheet line (set by its first Markdown cell)

    def close_section() -> None:
        nonlocal open_start
        if current is not None and open_start is not None and len(lines) >= open_start:
            sections.append(MarkedSection(current, open_start, _last_text_line(lines)))
        open_start = None

    for number, cell in enumerate(notebook.get("cells", []), start=1):
        kind = cell.get("cell_type")
        source = _source(cell)
        metadata = cell.get("metadata") or {}
        if _BEGIN.search(source):
            close_section()
            found = _NAME.search(source)
            current = found.group("name") if found else None
            if current is None:
                notes.append(f"cell {number}: a BEGIN QUESTION marker without a name: ignored")
            continue  # the marker's cell holds the prompt or the config, not an answer
        if _END.search(source) and kind != "code":
            close_section()
            current = None
            continue
        if kind == "code":
            if not _is_nbgrader_test(metadata):
                chunks.append((f"cell {number}", source))
            continue
        if kind != "markdown":
            continue
        if _is_prompt(metadata):
            skipped_prompts += 1
            continue
        if lines:
            lines.append("")
            places.append(None)
        first = len(lines) + 1
        if current is not None and open_start is None:
            open_start = first
        for offset, line in enumerate(source.split("\n"), start=1):
            lines.append(line)
            places.append((number, offset))
        grade_id = (metadata.get("nbgrader") or {}).get("grade_id")
        if grade_id and current is None:
            sections.append(MarkedSection(str(grade_id), first, len(lines)))
    close_section()
    sheet = Sheet(lines=lines, path=path, origins=LineOrigins("cell", places))
    code = extract_definitions(chunks, origin=f"the code cells of {path.name}") if chunks else None
    if skipped_prompts:
        notes.append(
            f"{path.name}: {skipped_prompts} prompt cell(s) (locked, or nbgrader non-solution) "
            "not read as answers"
        )
    return NotebookContent(sheet=sheet, code=code, sections=sections, notes=notes)


def _parse(path: Path, text: str) -> dict[str, Any]:
    try:
        import nbformat
    except ImportError:
        raise SubmissionError(
            "reading a Jupyter notebook needs nbformat: pip install 'grader[intake]'",
            path=str(path),
        ) from None
    try:
        notebook = nbformat.reads(text, as_version=4, capture_validation_error={})
    except Exception as error:  # nbformat raises its own and json's errors
        first = str(error).strip().split("\n", 1)[0][:200]
        raise SubmissionError(f"not a readable Jupyter notebook: {first}", path=str(path)) from None
    if not isinstance(notebook, dict) or not isinstance(notebook.get("cells"), list):
        raise SubmissionError("not a Jupyter notebook (no cells)", path=str(path))
    return notebook


def _source(cell: dict[str, Any]) -> str:
    source = cell.get("source", "")
    text = "".join(source) if isinstance(source, list) else str(source)
    return text.replace("\r\n", "\n").replace("\r", "\n")


def _is_prompt(metadata: dict[str, Any]) -> bool:
    nbgrader = metadata.get("nbgrader")
    if isinstance(nbgrader, dict) and not nbgrader.get("solution", False):
        return True
    return metadata.get("editable") is False


def _is_nbgrader_test(metadata: dict[str, Any]) -> bool:
    # an autograder test cell (asserts): the instructor's, not the student's code
    nbgrader = metadata.get("nbgrader")
    return (
        isinstance(nbgrader, dict) and bool(nbgrader.get("grade")) and not nbgrader.get("solution")
    )


def _last_text_line(lines: list[str]) -> int:
    last = len(lines)
    while last > 1 and not lines[last - 1].strip():
        last -= 1
    return last
