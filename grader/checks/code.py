"""``code`` checks: the student's file run in a sandbox against reference models.

Engine: ``grader.numeric.run_code_check``. The rubric's code check uses the
numeric engine's field names (docs/code-checks.md); they are passed through.

Where the code comes from (``code_source``), first found wins:

1. the student's file named by the check (``file: linreg.py``);
2. a notebook's code cells: their definitions, as that file;
3. the sheet's ```python blocks, as that file, when the check says
   ``code_from_sheet: true``.

2 and 3 are modules of definitions only (``grader.submission.code_answers``):
top-level code that would train or plot is not run.
"""

from __future__ import annotations

import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from grader.checks.base import AnswerInput, CheckOutcome, GradingContext, ItemOutcome
from grader.rubric.models import CodeCheck

if TYPE_CHECKING:  # pragma: no cover
    from grader.numeric import CodeCheckSpec


def code_spec(check: CodeCheck) -> CodeCheckSpec:
    """The engine's spec for a rubric ``code`` check (the same mapping)."""
    from grader.numeric import CodeCheckSpec

    data = check.model_dump(exclude_none=True)
    if not data.get("title"):
        data.pop("title", None)
    return CodeCheckSpec.from_mapping(data)


@dataclass
class CodeSource:
    """The student's code for a check: a file, or definitions taken from elsewhere."""

    path: Path | None = None  # the student's own file
    extracted: Any = None  # grader.submission.ExtractedCode
    notes: list[str] = field(default_factory=list)


def _extracted_for(check: CodeCheck, answer: AnswerInput) -> Any:
    notebook = answer.extracted_code.get("notebook")
    # a cell that is not valid Python still counts: its part goes to review
    if notebook is not None and (notebook.source.strip() or notebook.problems):
        return notebook
    sheet = answer.extracted_code.get("sheet")
    if check.code_from_sheet and sheet is not None and (sheet.source.strip() or sheet.problems):
        return sheet
    return None


def code_source(check: CodeCheck, answer: AnswerInput) -> CodeSource | None:
    """Where the check's code comes from (module docstring); None: not handed in."""
    # Only the student's own files: a single-sheet submission has none, even
    # when a file of that name lies next to the sheet.
    path = answer.code_files.get(check.file)
    if path is not None:
        return CodeSource(path=path)
    extracted = _extracted_for(check, answer)
    return CodeSource(extracted=extracted) if extracted is not None else None


def code_origin(check: Any, answer: AnswerInput) -> str | None:
    """What stands for the check's file when the student did not hand it in
    (``the code cells of hw.ipynb``), for the report's answer view."""
    if not isinstance(check, CodeCheck) or check.file in answer.code_files:
        return None
    extracted = _extracted_for(check, answer)
    return extracted.origin if extracted is not None else None


def _not_submitted(check: CodeCheck, answer: AnswerInput) -> str:
    message = f"{check.file} was not submitted"
    if "sheet" in answer.extracted_code and not check.code_from_sheet:
        message += " (code written on the sheet is not used for this part)"
    return message


class CodeAdapter:
    kind = "code"

    def grade(self, check: CodeCheck, answer: AnswerInput, context: GradingContext) -> CheckOutcome:
        spec = code_spec(check)
        source = code_source(check, answer)
        if source is None:
            return CheckOutcome(
                status="no_answer",
                message=_not_submitted(check, answer),
                items=[ItemOutcome(t.id, "missing") for t in spec.tests],
            )
        references = context.rubric_dir / check.references if check.references else None
        if source.path is not None:
            return _graded(spec, source.path.parent, references)
        with tempfile.TemporaryDirectory(prefix="grader-code-") as folder:
            # the module of definitions under the name the check imports, with the
            # student's other .py files beside it (``import helpers``)
            for name, path in answer.code_files.items():
                if path.is_file() and not path.is_symlink():
                    shutil.copyfile(path, Path(folder) / name)
            (Path(folder) / check.file).write_text(source.extracted.source, encoding="utf-8")
            outcome = _graded(spec, Path(folder), references)
        outcome.feedback[:0] = _extraction_notes(source.extracted)
        outcome.review_reasons.extend(source.extracted.problems)
        outcome.details["code_from"] = source.extracted.origin
        return outcome


def _extraction_notes(extracted: Any) -> list[str]:
    note = f"graded the definitions in {extracted.origin}"
    if extracted.left_out:
        shown = ", ".join(extracted.left_out[:2])
        more = len(extracted.left_out) - 2
        note += f"; top-level code is not run at import: {shown}" + (
            f" and {more} more" if more > 0 else ""
        )
    return [note]


def _graded(spec: CodeCheckSpec, folder: Path, references: Path | None) -> CheckOutcome:
    from grader.numeric import run_code_check

    result = run_code_check(spec, folder, references=references)
    outcome = CheckOutcome(
        engine_score=float(result.score),
        engine_max=float(result.max_score) or None,
        review_reasons=list(result.review_reasons),
        feedback=list(result.messages),
    )
    for test in result.tests:
        outcome.items.append(
            ItemOutcome(
                test.id,
                "passed" if test.passed else "failed",
                message=test.diagnostic,
                fraction=float(test.score),
                weight=float(test.max_marks),
            )
        )
    if result.needs_review and not outcome.review_reasons:
        outcome.review_reasons.append("the code engine asks for a human look")
    outcome.details = {"tests": [t.to_dict() for t in result.tests]}
    return outcome


Adapter = CodeAdapter
