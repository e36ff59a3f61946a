"""Running a rubric's checks on a submission: find each part's answer, call
each check's adapter, hand the outcomes to ``grader.scoring``.

Nothing here decides points. An adapter that fails (an engine bug, a broken
context) never takes the sheet down: its check goes to review with the reason.
"""

from __future__ import annotations

import gc
import hashlib
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from grader.checks import load_adapter
from grader.checks.base import AnswerInput, CheckAdapter, CheckOutcome, GradingContext
from grader.errors import GraderError, RubricError, SubmissionError
from grader.regular_files import read_regular_file
from grader.report.models import AnswerView, GradeReport, LineSpan, PartReport, SubmissionInfo

Adapters = dict[str, CheckAdapter]

# Check kinds that read answers with a math context.
MATH_KINDS = frozenset({"expression", "derivation", "shapes"})
DERIVATION_KINDS = frozenset({"derivation"})  # read the definitions in their own lines


# --------------------------------------------------------------------------
# math contexts (exam's, merged with each question's), cached on the rubric


def math_context(rubric: Any, question: Any = None) -> Any:
    """The math context for a question (the exam's, with the question's over it).

    ``None`` when the math engine is not importable (math checks then go to
    review through their unavailable adapters). Context errors are rubric
    errors.
    """
    cache = rubric._contexts
    key = question.id if question is not None else None
    if key in cache:
        return cache[key]
    try:
        from grader.math import MathContext, load_context
    except ImportError:
        cache[key] = None
        return None
    if question is None:
        source = rubric.context
        if source is None:
            context = MathContext.from_mapping({})
        elif isinstance(source, str):
            context = load_context(rubric.directory / source)
        else:
            context = MathContext.from_mapping(
                source, source=_path(rubric), lines=_context_lines(rubric, ("context",))
            )
    else:
        base = math_context(rubric, None)
        if question.context:
            index = rubric.questions.index(question)
            loc = ("questions", index, "context")
            override = MathContext.from_mapping(
                question.context, source=_path(rubric), lines=_context_lines(rubric, loc)
            )
            context = base.merged(override)
        else:
            context = base
    cache[key] = context
    return context


def _path(rubric: Any) -> str | None:
    return str(rubric.path) if rubric.path is not None else None


def _context_lines(rubric: Any, loc: tuple) -> dict[str, int]:
    """``section.key`` -> line in the rubric file, for the context's error messages."""
    lines: dict[str, int] = {}
    for section in ("symbols", "functions", "aliases", "definitions", "function_derivatives"):
        line = rubric.line_of((*loc, section))
        if line:
            lines[section] = line
        table = rubric.raw(*loc, section)
        if isinstance(table, dict):
            for key in table:
                key_line = rubric.line_of((*loc, section, key))
                if key_line:
                    lines[f"{section}.{key}"] = key_line
    return lines


# --------------------------------------------------------------------------
# one part


def run_check(
    adapter: CheckAdapter, check: Any, answer: AnswerInput, context: GradingContext
) -> CheckOutcome:
    """Call an adapter; its own failures become a review flag, never a crash."""
    try:
        return adapter.grade(check, answer, context)
    except GraderError as error:
        return CheckOutcome(
            status="error",
            message="not graded: " + error.format(),
            review_reasons=[f"check {check.id!r} could not run: {error.format()}"],
        )
    except Exception as error:  # noqa: BLE001 - an engine bug must not lose the sheet
        return CheckOutcome(
            status="error",
            message="not graded: internal error",
            review_reasons=[f"check {check.id!r} failed: {type(error).__name__}: {error}"],
        )


def grade_answer(
    rubric: Any,
    question: Any,
    part: Any,
    answer: AnswerInput,
    *,
    adapters: Adapters | None = None,
    time_limit: float | None = None,
    how_found: str = "",
    problems: list[str] | None = None,
    started: dict[int, Any] | None = None,
    answer_names: dict[str, str] | None = None,
) -> PartReport:
    """Grade one part's answer with all its checks -> ``PartReport``.

    ``started``: what ``start_checks`` started, by ``id(check)``;
    ``answer_names``: names the student defined elsewhere in the question's
    answers (``definitions_in_sheet``), read as they defined them."""
    from grader.scoring import score_check, score_part

    context_math = context_with_names = None
    if any(check.kind in MATH_KINDS for check in part.checks):
        try:
            context_math = math_context(rubric, question)
        except GraderError as error:
            raise RubricError(error.message, path=error.path, line=error.line) from None
        context_with_names = _with_answer_names(context_math, answer_names)
    check_reports = []
    read_as: list[str] = []
    repairs: list[str] = []
    for check in part.checks:
        adapter = (adapters or {}).get(check.kind) or load_adapter(check.kind)
        # a derivation reads its own definitions line by line; other math
        # checks see the names defined in the question's other answers too
        own = context_math if check.kind in DERIVATION_KINDS else context_with_names
        context = _grading_context(rubric, check, own, time_limit)
        context.started = (started or {}).get(id(check))
        if not answer.found and check.kind != "code":
            # nothing to judge on the sheet (code checks read the code files)
            outcome = CheckOutcome(status="no_answer")
        else:
            outcome = run_check(adapter, check, answer, context)
        read_as += [r for r in outcome.read_as if r not in read_as]
        repairs += [r for r in outcome.repairs if r not in repairs]
        check_reports.append(score_check(check, outcome))
    view = AnswerView(
        found=answer.found,
        text=answer.text,
        lines=(
            LineSpan(start=answer.first_line, end=max(answer.last_line, answer.first_line))
            if answer.found and answer.text
            else None
        ),
        how_found=how_found,
        read_as=read_as,
        repairs=repairs,
    )
    if part.kind == "code":
        # answered in code files: "found" means the files are there
        files = sorted({c.file for c in part.checks if c.kind == "code"})
        present = [name for name in files if name in answer.code_files]
        view = AnswerView(
            found=bool(present) and len(present) == len(files),
            how_found="code file" if present else "missing",
            text=", ".join(present),
        )
    return score_part(
        f"{question.id}.{part.id}",
        question.id,
        part,
        check_reports,
        answer=view,
        problems=problems or [],
    )


def definitions_in_sheet(
    rubric: Any, answers: list[tuple[Any, Any, AnswerInput]]
) -> dict[str, dict[str, str]]:
    """Names each question's answers define (``\\delta_2 := dL/dz2 = ...`` in
    part (c), used in part (d)), by question id, for its math checks."""
    texts: dict[str, list[str]] = {}
    questions = {}
    for question, part, answer in answers:
        if answer.found and answer.text and any(c.kind in MATH_KINDS for c in part.checks):
            texts.setdefault(question.id, []).append(answer.text)
            questions[question.id] = question
    if not texts:
        return {}
    try:
        from grader.math.definitions import definitions_in_answer
    except ImportError:  # no math engine: its checks go to review on their own
        return {}

    found: dict[str, dict[str, str]] = {}
    for question_id, pieces in texts.items():
        try:
            context = math_context(rubric, questions[question_id])
            names = definitions_in_answer("\n\n".join(pieces), context)
        except Exception:  # noqa: BLE001 - without them the names stay undetermined
            continue
        if names:
            found[question_id] = names
    return found


def _with_answer_names(context: Any, names: dict[str, str] | None) -> Any:
    if not names or context is None:
        return context
    from grader.math import MathContext

    try:
        extended = context.merged(MathContext.from_mapping({"definitions": names}))
        extended.definitions  # noqa: B018 - a definition that does not read is left out
    except GraderError:
        return context
    return extended


def _grading_context(
    rubric: Any, check: Any, context_math: Any, time_limit: float | None
) -> GradingContext:
    return GradingContext(
        math_context=context_math,
        rubric_dir=rubric.directory,
        time_limit=time_limit or check.time_limit or rubric.time_limit,
        seed=rubric.seed,
        memo=rubric._memo,
    )


def start_checks(
    rubric: Any,
    answers: list[tuple[Any, Any, AnswerInput]],
    *,
    adapters: Adapters | None = None,
    time_limit: float | None = None,
    answer_names: dict[str, dict[str, str]] | None = None,
) -> dict[int, Any]:
    """Start, before any part is graded, the checks whose adapters can run
    their engine in a time-limit worker (``adapter.start``: derivations), so
    that the worker computes while this process grades the other parts (the
    time limits are the same, counted from the start). Returns what was
    started, by ``id(check)``; a check that cannot start here is graded the
    ordinary way (and its errors reported) when its part comes."""
    started: dict[int, Any] = {}
    for question, part, answer in answers:
        if not answer.found:
            continue
        for check in part.checks:
            adapter = (adapters or {}).get(check.kind) or load_adapter(check.kind)
            start = getattr(adapter, "start", None)
            if start is None:
                continue
            try:
                context_math = math_context(rubric, question) if check.kind in MATH_KINDS else None
                if check.kind not in DERIVATION_KINDS:
                    names = (answer_names or {}).get(question.id)
                    context_math = _with_answer_names(context_math, names)
                handle = start(
                    check, answer, _grading_context(rubric, check, context_math, time_limit)
                )
            except Exception:  # noqa: BLE001 - reported when the part is graded
                continue
            if handle is not None:
                started[id(check)] = handle
    return started


@contextmanager
def _collector_paused() -> Iterator[None]:
    """The garbage collector paused while checks start: on a first sheet this
    loads the engines (SymPy, NumPy) and builds the math contexts, hundreds of
    thousands of objects that stay; collections in the middle of that free
    nothing and cost ~30 ms. (A worker forked here then freezes them; see
    ``grader.timelimit``.)"""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _cancel_unused(started: dict[int, Any]) -> None:
    # A started check whose part was not graded (an error on the way): stop it.
    for handle in started.values():
        cancel = getattr(handle, "cancel", None)
        if cancel is not None:
            cancel()


# --------------------------------------------------------------------------
# a whole submission


def layout_from_rubric(rubric: Any) -> list[Any]:
    """The part layout ``grader.submission.find_parts`` needs, from the rubric."""
    from grader.submission import PartLayout, QuestionLayout

    layout = []
    for question in rubric.questions:
        parts = [
            PartLayout(
                id=f"{question.id}.{part.id}",
                labels=list(part.labels),  # empty: the submission reader's defaults
                kind=part.kind,
                keywords=list(part.keywords),
            )
            for part in question.parts
        ]
        layout.append(QuestionLayout(id=question.id, labels=list(question.labels), parts=parts))
    return layout


def grade_submission(
    rubric: Any,
    path: str | Path,
    *,
    adapters: Adapters | None = None,
    time_limit: float | None = None,
    strict: bool = False,
) -> GradeReport:
    """Read a submission (file or folder), find its parts, grade them all.

    ``strict`` (the command line's choice) refuses what the reader accepts
    with a warning: an empty sheet and a sheet that is not UTF-8 raise
    ``SubmissionError`` instead of being graded.
    """
    from grader import __version__
    from grader.scoring import build_report
    from grader.submission import find_answers, read_submission

    submission = read_submission(path)
    if strict:
        refuse_doubtful_input(submission)
    # one finder for sheets, YAML/JSON answer files and code-only submissions
    finding = find_answers(submission, layout_from_rubric(rubric))
    warnings = [str(w) for w in submission.warnings]
    warnings += [str(w) for w in finding.warnings]
    warnings += [_describe_unassigned(span) for span in finding.unassigned]
    folder = Path(path) if Path(path).is_dir() else None
    code_files = dict(submission.code_files)
    answers: list[tuple[Any, Any, AnswerInput, str, list[str]]] = []
    for question, part in rubric.iter_parts():
        full_id = f"{question.id}.{part.id}"
        found = finding.parts.get(full_id)
        # code parts are answered in code files, not on the sheet
        problems = list(found.problems) if found is not None and part.kind != "code" else []
        how = found.how_found if found is not None else "missing"
        if found is not None and found.found and found.text.strip():
            answer = AnswerInput(
                full_id,
                text=found.text,
                first_line=found.start_line or 1,
                found=True,
                submission_dir=folder,
                code_files=code_files,
                source_lines=list(found.lines) or None,
            )
        else:
            answer = AnswerInput(full_id, found=False, submission_dir=folder, code_files=code_files)
            if part.kind != "code" and not problems:
                problems.append("no answer to this part was found on the sheet")
        answers.append((question, part, answer, how, problems))
    with _collector_paused():
        answer_names = definitions_in_sheet(rubric, [(q, p, a) for q, p, a, _, _ in answers])
        started = start_checks(
            rubric,
            [(q, p, a) for q, p, a, _, _ in answers],
            adapters=adapters,
            time_limit=time_limit,
            answer_names=answer_names,
        )
    # the parts with started checks last, so that their workers have had the
    # time of the other parts; the report keeps the rubric's order
    order = sorted(
        range(len(answers)),
        key=lambda i: any(id(check) in started for check in answers[i][1].checks),
    )
    graded: dict[int, PartReport] = {}
    try:
        for index in order:
            question, part, answer, how, problems = answers[index]
            graded[index] = grade_answer(
                rubric,
                question,
                part,
                answer,
                adapters=adapters,
                time_limit=time_limit,
                how_found=how,
                problems=problems,
                started=started,
                answer_names=answer_names.get(question.id),
            )
    finally:
        _cancel_unused(started)
    parts = [graded[index] for index in range(len(answers))]
    return build_report(
        rubric,
        parts,
        submission=_submission_info(submission, path),
        warnings=warnings,
        grader_version=__version__,
    )


def refuse_doubtful_input(submission: Any) -> None:
    """Raise ``SubmissionError`` for an empty sheet or one that is not UTF-8."""
    sheet = submission.sheet
    if sheet is not None:
        where = str(sheet.path or submission.path)
        if sheet.is_blank:
            raise SubmissionError("empty answer sheet (no text in it)", path=where)
        if sheet.encoding not in ("utf-8", "utf-16"):
            shown = "Windows-1252" if sheet.encoding == "cp1252" else "Latin-1"
            raise SubmissionError(
                f"not UTF-8 (it reads as {shown}): save the sheet as UTF-8", path=where
            )
    elif submission.answers is not None and not submission.answers:
        raise SubmissionError(
            "empty answer file", path=str(submission.answers_path or submission.path)
        )


def _describe_unassigned(span: Any) -> str:
    where = (
        f"line {span.start_line}"
        if span.start_line == span.end_line
        else (f"lines {span.start_line}-{span.end_line}")
    )
    return f"{where}: text not assigned to any part ({span.reason})"


def _submission_info(submission: Any, path: str | Path) -> SubmissionInfo:
    files = []
    digest = hashlib.sha256()
    sheet_path = getattr(getattr(submission, "sheet", None), "path", None)
    for file in [sheet_path, *(getattr(submission, "code_files", {}) or {}).values()]:
        if file is None:
            continue
        files.append(str(file))
        try:
            digest.update(read_regular_file(Path(file)))
        except OSError:  # a link or special file is never read (the code check says so)
            pass
    return SubmissionInfo(
        id=str(getattr(submission, "id", Path(path).stem)),
        path=str(path),
        files=files,
        sha256=digest.hexdigest() if files else "",
    )


def example_answer(part_id: str, text: str) -> AnswerInput:
    """An answer given as text (a rubric example), numbered from line 1."""
    return AnswerInput(part_id, text=text, first_line=1, found=bool(text.strip()))


def grade_example(
    rubric: Any,
    question: Any,
    part: Any,
    text: str,
    *,
    adapters: Adapters | None = None,
) -> PartReport:
    """Grade a rubric example (or the reference) for ``grader validate``."""
    return grade_answer(
        rubric,
        question,
        part,
        example_answer(f"{question.id}.{part.id}", text),
        adapters=adapters,
    )
