"""One sheet, graded: the data path from a file to a report, top to bottom.

    session = GradingSession(rubric)        # once per rubric, reused for many sheets
    report = grade_sheet(session, "submissions/typed-perfect")

The stages, in the order they run (each a function below, in this order):

1. ``read_sheet``        the file or folder -> ``Submission`` (sheet, answers, code)
2. ``find_answers``      each rubric part's answer on it -> ``AnswerToGrade`` per part
3. ``start_checks``      slow checks start in time-limit workers (derivations)
4. ``grade_part``        per part: run each check's adapter (``run_checks``), then
                         ``grader.scoring`` turns the outcomes into a ``PartReport``
5. ``report_sheet``      the parts' reports -> ``GradeReport``

Nothing here decides points (``grader.scoring`` does) or judges an answer (the
engines do, through ``grader.checks`` adapters). An adapter that fails never
takes the sheet down: its check goes to review with the reason.
"""

from __future__ import annotations

import gc
import hashlib
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from grader import __version__
from grader.checks import kind_of, load_adapter, run_check
from grader.checks.base import (
    AnswerInput,
    CheckAdapter,
    CheckOutcome,
    GradingContext,
    Memo,
    SheetAnswers,
)
from grader.checks.cache import ClassCache, context_key, entries_from_environment
from grader.checks.code import code_origin
from grader.checks.definitions import names_defined_in, with_defined_names
from grader.errors import GraderError, RubricError, SubmissionError
from grader.regular_files import read_regular_file
from grader.report.models import (
    AnswerView,
    Evidence,
    GradeReport,
    LineSpan,
    PartReport,
    SubmissionInfo,
)
from grader.rubric.contexts import exam_context, part_context, question_context
from grader.rubric.models import CheckSpec, Part, Question, Rubric
from grader.scoring import build_report, score_check, score_part
from grader.submission import (
    PartFinding,
    PartLayout,
    QuestionLayout,
    Submission,
    UnassignedSpan,
    read_submission,
)
from grader.submission import find_answers as find_part_answers
from grader.submission.locations import describe_lines, relocate
from grader.submission.models import LineOrigins

if TYPE_CHECKING:  # pragma: no cover
    from grader.math import MathContext

Adapters = Mapping[str, CheckAdapter]
# What a started check handed back (a handle on its worker), by ``id(check)``.
Started = dict[int, object]


# --------------------------------------------------------------------------
# the session: one per rubric, for many sheets


@dataclass
class GradingSession:
    """A rubric and what grading learns about it, kept across sheets: its math
    contexts (the exam's, and each question's over it), the adapters' memo
    of how the rubric's own forms read, and the class cache of engine results
    for lines the class's sheets share (``grader.checks.cache``: bounded,
    size from ``GRADER_CLASS_CACHE``, 0 to turn it off). Create one per
    rubric and grade every sheet with it; a sheet's report is the same
    whichever sheets were graded before it."""

    rubric: Rubric
    # question id (None: the exam's) -> context; None when the engine is missing
    contexts: dict[str | None, MathContext | None] = field(default_factory=dict, repr=False)
    memo: Memo = field(default_factory=dict, repr=False)
    cache: ClassCache = field(
        default_factory=lambda: ClassCache(entries_from_environment()), repr=False
    )

    def math_context(
        self, question: Question | None = None, part: Part | None = None
    ) -> MathContext | None:
        """The math context for a question (the exam's, with the question's over
        it), or for one of its parts (with the part's own entries over that).

        ``None`` when the math engine is not importable (math checks then go to
        review through their unavailable adapters). Context errors are
        ``GraderError`` with the rubric's file and line."""
        if part is not None and part.context and question is not None:
            return self._part_context(question, part)
        key = question.id if question is not None else None
        if key in self.contexts:
            return self.contexts[key]
        try:
            if question is None:
                context = exam_context(self.rubric)
            else:
                exam = self.math_context(None)
                context = None if exam is None else question_context(self.rubric, question, exam)
        except ImportError:
            context = None
        self.contexts[key] = context
        return context

    def _part_context(self, question: Question, part: Part) -> MathContext | None:
        key = f"{question.id}.{part.id}"
        if key not in self.contexts:
            over = self.math_context(question)
            self.contexts[key] = (
                None if over is None else part_context(self.rubric, question, part, over)
            )
        return self.contexts[key]

    def with_names(
        self, math: MathContext | None, names: dict[str, str] | None
    ) -> MathContext | None:
        """``math`` with the names a student defined (``with_defined_names``),
        made once for the class for the same definitions."""
        if not names or math is None:
            return math
        return self.cache.get(
            ("context with names", context_key(math), tuple(sorted(names.items()))),
            lambda: with_defined_names(math, names),
        )

    def grading_context(
        self, check: CheckSpec, math: MathContext | None, time_limit: float | None
    ) -> GradingContext:
        """What an adapter may use besides the check and the answer."""
        return GradingContext(
            math_context=math,
            rubric_dir=self.rubric.directory,
            time_limit=time_limit or check.time_limit or self.rubric.time_limit,
            seed=self.rubric.seed,
            memo=self.memo,
            cache=self.cache,
        )


@dataclass
class AnswerToGrade:
    """One part of the rubric with its answer as found on the sheet."""

    question: Question
    part: Part
    answer: AnswerInput
    how_found: str = ""
    # part-finding problems (a label not found, two answers): review reasons
    problems: list[str] = field(default_factory=list)

    @property
    def part_id(self) -> str:
        return f"{self.question.id}.{self.part.id}"


@dataclass
class FoundAnswers:
    """Stage 2's result: every part's answer, and what the reader warned about."""

    answers: list[AnswerToGrade]
    warnings: list[str]


# --------------------------------------------------------------------------
# the whole walk


def grade_sheet(
    session: GradingSession,
    path: str | Path,
    *,
    adapters: Adapters | None = None,
    time_limit: float | None = None,
    strict: bool = False,
) -> GradeReport:
    """Read a submission (file or folder), find its parts, grade them all.

    ``adapters`` replaces engines by kind (tests); ``time_limit`` overrides
    every check's seconds; ``strict`` refuses an empty or non-UTF-8 sheet
    (``SubmissionError``) instead of grading it with a warning."""
    submission = read_sheet(path, strict=strict)
    found = find_answers(session.rubric, submission, path)
    parts = grade_parts(session, found.answers, adapters=adapters, time_limit=time_limit)
    origins = submission.sheet.origins if submission.sheet is not None else None
    if origins is not None:  # a notebook or PDF: name cells and pages, not sheet lines
        parts = [
            # a code check's "line N" is a line of the code, not of the sheet
            part
            if any(kind_of(c.kind).reads_code_files for c in todo.part.checks)
            else relocate_part(part, origins)
            for todo, part in zip(found.answers, parts, strict=True)
        ]
        found.warnings = [relocate(w, origins) for w in found.warnings]
    return report_sheet(session.rubric, parts, submission, path, found.warnings)


# --------------------------------------------------------------------------
# 1. read the sheet


def read_sheet(path: str | Path, *, strict: bool = False) -> Submission:
    """The submission at ``path``; with ``strict``, refuse doubtful input."""
    submission = read_submission(path)
    if strict:
        refuse_doubtful_input(submission)
    return submission


def refuse_doubtful_input(submission: Submission) -> None:
    """Raise ``SubmissionError`` for an empty sheet or one that is not UTF-8."""
    sheet = submission.sheet
    if sheet is not None:
        where = str(sheet.path or submission.path)
        # a notebook of code cells only is a code answer, not an empty sheet
        if sheet.is_blank and not (submission.notebook_code and submission.notebook_code.source):
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


# --------------------------------------------------------------------------
# 2. find each part's answer


def layout_from_rubric(rubric: Rubric) -> list[QuestionLayout]:
    """The part layout ``grader.submission.find_answers`` needs, from the rubric."""
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


def find_answers(rubric: Rubric, submission: Submission, path: str | Path) -> FoundAnswers:
    """Every rubric part's answer on the submission, in the rubric's order (one
    finder for sheets, YAML/JSON answer files and code-only submissions)."""
    finding: PartFinding = find_part_answers(submission, layout_from_rubric(rubric))
    warnings = [str(w) for w in submission.warnings]
    warnings += [str(w) for w in finding.warnings]
    warnings += [_describe_unassigned(span) for span in finding.unassigned]
    folder = Path(path) if Path(path).is_dir() else None
    code_files = dict(submission.code_files)
    extracted = {
        origin: code
        for origin, code in (
            ("notebook", submission.notebook_code),
            ("sheet", submission.sheet_code),
        )
        if code is not None
    }
    answers: list[AnswerToGrade] = []
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
                extracted_code=extracted,
                source_lines=list(found.lines) or None,
            )
        else:
            answer = AnswerInput(
                full_id,
                found=False,
                submission_dir=folder,
                code_files=code_files,
                extracted_code=extracted,
            )
            if part.kind != "code" and not problems:
                problems.append("no answer to this part was found on the sheet")
        answers.append(AnswerToGrade(question, part, answer, how, problems))
    return FoundAnswers(answers, warnings)


def _describe_unassigned(span: UnassignedSpan) -> str:
    where = (
        f"line {span.start_line}"
        if span.start_line == span.end_line
        else (f"lines {span.start_line}-{span.end_line}")
    )
    return f"{where}: text not assigned to any part ({span.reason})"


# --------------------------------------------------------------------------
# 3. start the slow checks, then grade every part


def grade_parts(
    session: GradingSession,
    answers: list[AnswerToGrade],
    *,
    adapters: Adapters | None = None,
    time_limit: float | None = None,
) -> list[PartReport]:
    """Every part's report, in the rubric's order. Names the student defines
    in one answer are read in the question's other answers; slow checks start
    first and their parts are graded last, so that their workers have had the
    time of the other parts."""
    with _collector_paused():
        names = names_defined_on_sheet(session, answers)
        started = start_checks(
            session, answers, adapters=adapters, time_limit=time_limit, answer_names=names
        )
    order = sorted(
        range(len(answers)),
        key=lambda i: any(id(check) in started for check in answers[i].part.checks),
    )
    graded: dict[int, PartReport] = {}
    sheet = sheet_answers(session, answers)
    try:
        for index in order:
            todo = answers[index]
            graded[index] = grade_part(
                session,
                todo,
                adapters=adapters,
                time_limit=time_limit,
                started=started,
                answer_names=names.get(todo.question.id),
                sheet=sheet,
            )
    finally:
        _cancel_unused(started)
    return [graded[index] for index in range(len(answers))]


def sheet_answers(session: GradingSession, answers: list[AnswerToGrade]) -> SheetAnswers:
    """Every part's answer by full id, with its question's math context on
    demand: what a check carrying an error forward from another part reads."""
    questions = {todo.part_id: todo.question for todo in answers}

    def math_context_of(part_id: str) -> MathContext | None:
        question = questions.get(part_id)
        try:
            return session.math_context(question) if question is not None else None
        except GraderError:  # reported by that part's own checks
            return None

    return SheetAnswers({todo.part_id: todo.answer for todo in answers}, math_context_of)


def names_defined_on_sheet(
    session: GradingSession, answers: list[AnswerToGrade]
) -> dict[str, dict[str, str]]:
    """Names each question's answers define (``\\delta_2 := dL/dz2 = ...`` in
    part (c), used in part (d)), by question id, for its math checks."""
    texts: dict[str, list[str]] = {}
    questions: dict[str, Question] = {}
    for todo in answers:
        answer = todo.answer
        if (
            answer.found
            and answer.text
            and any(kind_of(c.kind).needs_math for c in todo.part.checks)
        ):
            texts.setdefault(todo.question.id, []).append(answer.text)
            questions[todo.question.id] = todo.question
    found: dict[str, dict[str, str]] = {}
    for question_id, pieces in texts.items():
        try:
            context = session.math_context(questions[question_id])
        except GraderError:  # reported by the part's own checks
            continue
        if context is None:
            continue
        names = session.cache.get(
            ("defined names", context_key(context), tuple(pieces)),
            lambda pieces=pieces, context=context: names_defined_in(pieces, context),
            copy=dict,
        )
        if names:
            found[question_id] = names
    return found


def start_checks(
    session: GradingSession,
    answers: list[AnswerToGrade],
    *,
    adapters: Adapters | None = None,
    time_limit: float | None = None,
    answer_names: dict[str, dict[str, str]] | None = None,
) -> Started:
    """Start, before any part is graded, the checks whose adapters can run
    their engine in a time-limit worker (``adapter.start``: derivations), so
    that the worker computes while this process grades the other parts (the
    time limits are the same, counted from the start). Returns what was
    started, by ``id(check)``; a check that cannot start here is graded the
    ordinary way (and its errors reported) when its part comes."""
    started: Started = {}
    for todo in answers:
        if not todo.answer.found:
            continue
        for check in todo.part.checks:
            adapter = _adapter(check.kind, adapters)
            start = getattr(adapter, "start", None)
            if start is None:
                continue
            kind = kind_of(check.kind)
            try:
                math = session.math_context(todo.question, todo.part) if kind.needs_math else None
                if not kind.reads_own_definitions:
                    math = session.with_names(math, (answer_names or {}).get(todo.question.id))
                handle = start(check, todo.answer, session.grading_context(check, math, time_limit))
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


def _cancel_unused(started: Started) -> None:
    # A started check whose part was not graded (an error on the way): stop it.
    for handle in started.values():
        cancel = getattr(handle, "cancel", None)
        if cancel is not None:
            cancel()


def _adapter(kind: str, adapters: Adapters | None) -> CheckAdapter:
    return (adapters or {}).get(kind) or load_adapter(kind)


# --------------------------------------------------------------------------
# 4. one part: run its checks, score them


def grade_part(
    session: GradingSession,
    todo: AnswerToGrade,
    *,
    adapters: Adapters | None = None,
    time_limit: float | None = None,
    started: Started | None = None,
    answer_names: dict[str, str] | None = None,
    sheet: SheetAnswers | None = None,
) -> PartReport:
    """Grade one part's answer with all its checks -> ``PartReport``.

    ``started``: what ``start_checks`` started, by ``id(check)``;
    ``answer_names``: names the student defined elsewhere in the question's
    answers, read as they defined them; ``sheet``: the sheet's other answers
    (for error carried forward from another part)."""
    outcomes = run_checks(
        session,
        todo,
        adapters=adapters,
        time_limit=time_limit,
        started=started,
        answer_names=answer_names,
        sheet=sheet,
    )
    check_reports = [score_check(check, outcome) for check, outcome in outcomes]
    view = answer_view(todo, [outcome for _, outcome in outcomes])
    return score_part(
        todo.part_id,
        todo.question.id,
        todo.part,
        check_reports,
        answer=view,
        problems=todo.problems,
    )


def run_checks(
    session: GradingSession,
    todo: AnswerToGrade,
    *,
    adapters: Adapters | None = None,
    time_limit: float | None = None,
    started: Started | None = None,
    answer_names: dict[str, str] | None = None,
    sheet: SheetAnswers | None = None,
) -> list[tuple[CheckSpec, CheckOutcome]]:
    """Each check of the part with its engine's outcome, in the rubric's order."""
    part, answer = todo.part, todo.answer
    math = math_with_names = None
    if any(kind_of(check.kind).needs_math for check in part.checks):
        try:
            math = session.math_context(todo.question, todo.part)
        except GraderError as error:
            raise RubricError(error.message, path=error.path, line=error.line) from None
        math_with_names = session.with_names(math, answer_names)
    outcomes: list[tuple[CheckSpec, CheckOutcome]] = []
    for check in part.checks:
        kind = kind_of(check.kind)
        adapter = _adapter(check.kind, adapters)
        # a derivation reads its own definitions line by line; other math
        # checks see the names defined in the question's other answers too
        own = math if kind.reads_own_definitions else math_with_names
        context = session.grading_context(check, own, time_limit)
        context.started = (started or {}).get(id(check))
        context.sheet = sheet
        if not answer.found and not kind.reads_code_files:
            # nothing to judge on the sheet (code checks read the code files)
            outcome = CheckOutcome(status="no_answer")
        else:
            outcome = run_check(adapter, check, answer, context)
        outcomes.append((check, outcome))
    return outcomes


def answer_view(todo: AnswerToGrade, outcomes: list[CheckOutcome]) -> AnswerView:
    """How the answer was found and read (the report's ``answer``)."""
    part, answer = todo.part, todo.answer
    if part.kind == "code":
        # answered in code files: "found" means the files are there
        checks = [c for c in part.checks if kind_of(c.kind).reads_code_files]
        files = sorted({c.file for c in checks})
        present = [name for name in files if name in answer.code_files]
        # a notebook's code cells (or a sheet's code blocks, where allowed) stand for the file
        others = sorted({where for c in checks if (where := code_origin(c, answer))})
        if others and len(present) < len(files):
            return AnswerView(
                found=True, how_found="code cells", text=", ".join([*present, *others])
            )
        return AnswerView(
            found=bool(present) and len(present) == len(files),
            how_found="code file" if present else "missing",
            text=", ".join(present),
        )
    read_as: list[str] = []
    repairs: list[str] = []
    for outcome in outcomes:
        read_as += [r for r in outcome.read_as if r not in read_as]
        repairs += [r for r in outcome.repairs if r not in repairs]
    return AnswerView(
        found=answer.found,
        text=answer.text,
        lines=(
            LineSpan(start=answer.first_line, end=max(answer.last_line, answer.first_line))
            if answer.found and answer.text
            else None
        ),
        how_found=todo.how_found,
        read_as=read_as,
        repairs=repairs,
    )


def relocate_part(part: PartReport, origins: LineOrigins) -> PartReport:
    """The part's texts with sheet lines said as places in the file (``cell 4, line 2``)."""
    moved = part.model_copy(deep=True)
    moved.feedback = [relocate(t, origins) for t in moved.feedback]
    moved.review_reasons = [relocate(t, origins) for t in moved.review_reasons]
    if moved.answer is not None:
        place = _move_span(moved.answer, origins)
        if place:
            moved.answer.how_found = f"{moved.answer.how_found or 'found'} at {place}"
        moved.answer.read_as = [relocate(t, origins) for t in moved.answer.read_as]
        moved.answer.repairs = [relocate(t, origins) for t in moved.answer.repairs]
    for check in moved.checks:
        for evidence in check.evidence:
            place = _move_span(evidence, origins)
            note = relocate(evidence.note, origins) if evidence.note else None
            if place and (note is None or place not in note):
                note = f"{note}; {place}" if note else place
            evidence.note = note
        check.message = relocate(check.message, origins)
        check.feedback = [relocate(t, origins) for t in check.feedback]
        check.review_reasons = [relocate(t, origins) for t in check.review_reasons]
    return moved


def _move_span(item: AnswerView | Evidence, origins: LineOrigins) -> str | None:
    """Sheet lines of ``item`` as the file's (lines split at ``<br>``), or, for a
    notebook's cells and a PDF's pages, taken off and said in words (returned)."""
    span = item.lines
    if span is None or span.path is not None:
        return None
    if origins.unit == "line":
        first, last = origins.place(span.start), origins.place(span.end)
        if first is not None and last is not None:
            span.start, span.end = first[0], last[0]
        return None
    item.lines = None  # no line numbers of a file to give
    return describe_lines(origins, span.start, span.end)


# --------------------------------------------------------------------------
# 5. the report


def report_sheet(
    rubric: Rubric,
    parts: list[PartReport],
    submission: Submission,
    path: str | Path,
    warnings: list[str],
) -> GradeReport:
    """The whole submission's report (totals by ``grader.scoring``)."""
    return build_report(
        rubric,
        parts,
        submission=submission_info(submission, path),
        warnings=warnings,
        grader_version=__version__,
    )


def submission_info(submission: Submission, path: str | Path) -> SubmissionInfo:
    """The report's ``submission``: id, path, files and their sha256."""
    files = []
    digest = hashlib.sha256()
    sheet_path = submission.sheet.path if submission.sheet is not None else None
    for file in [sheet_path, *submission.code_files.values()]:
        if file is None:
            continue
        files.append(str(file))
        try:
            digest.update(read_regular_file(Path(file)))
        except OSError:  # a link or special file is never read (the code check says so)
            pass
    return SubmissionInfo(
        id=str(submission.id),
        path=str(path),
        files=files,
        sha256=digest.hexdigest() if files else "",
    )


# --------------------------------------------------------------------------
# an answer given as text (a rubric's reference or example)


def grade_text(
    session: GradingSession,
    question: Question,
    part: Part,
    text: str,
    *,
    adapters: Adapters | None = None,
    code_files: dict[str, Path] | None = None,
) -> PartReport:
    """Grade ``text`` as the answer to ``part``, numbered from line 1 (no
    sheet), with ``code_files`` (name -> file) as the code handed in."""
    answer = AnswerInput(
        f"{question.id}.{part.id}",
        text=text,
        first_line=1,
        found=bool(text.strip()) or bool(code_files),
        code_files=dict(code_files or {}),
    )
    return grade_part(session, AnswerToGrade(question, part, answer), adapters=adapters)
