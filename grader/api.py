"""The public Python API. The CLI and the HTTP service call these functions;
they hold no grading logic of their own.

    from grader import api
    rubric = api.load_rubric("rubrics/ml-exam.yaml")
    report = api.grade("submissions/seed-student-ocr.md", rubric)
    print(report.score, report.max_score)

``grade`` is the instructor's view; ``check`` the student's (how each answer
was read, score, feedback, never references); both walk ``grader.pipeline``
with a ``GradingSession`` (one per rubric, reused across sheets). ``validate``
checks a rubric file and runs its examples (``run_examples``: grading a
rubric's worked examples belongs here, not in ``grader.rubric``, which never
imports the API); ``grade_paths`` grades many submissions, yielding one result
each (a failed submission is a result with an error, not an exception, so a
batch goes on).
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from grader.checks.base import CheckAdapter
from grader.errors import GraderError
from grader.pipeline import GradingSession, grade_sheet, grade_text
from grader.report.models import PartReport
from grader.rubric import loader
from grader.rubric.loader import RubricProblem
from grader.rubric.models import Rubric
from grader.rubric.validate import check_engine_inputs, load_rubric_problems

if TYPE_CHECKING:  # pragma: no cover
    from grader.report.models import GradeReport

# What ``grade`` and ``check`` take as the rubric: a loaded one, a session
# (one per rubric, reused for many sheets), or a rubric file's path.
RubricSource = Rubric | GradingSession | str | Path

__all__ = [
    "ExampleResult",
    "GradeOutcome",
    "GradingSession",
    "ValidationResult",
    "check",
    "check_derivation",
    "equivalent",
    "equivalent_many",
    "expand_paths",
    "grade",
    "grade_paths",
    "load_rubric",
    "run_examples",
    "session_for",
    "student_view",
    "validate",
]


def load_rubric(path: str | Path, *, allow_outside_folder: bool = False) -> Rubric:
    """Read and validate a rubric file; raises ``RubricError`` (``file:line: message``).
    Its context and references files must be in its folder or below unless
    ``allow_outside_folder``."""
    return loader.load_rubric(path, allow_outside_folder=allow_outside_folder)


def _as_rubric(rubric: RubricSource) -> Rubric:
    if isinstance(rubric, GradingSession):
        return rubric.rubric
    if isinstance(rubric, (str, Path)):
        return load_rubric(rubric)
    return rubric


# Sessions of the rubrics graded last, so that a caller grading many sheets
# with one ``Rubric`` object (without a session of its own) builds its math
# contexts once, as when they were kept on the rubric. A few suffice: a
# process grades against one rubric at a time.
_RECENT_SESSIONS: OrderedDict[int, GradingSession] = OrderedDict()
RECENT_SESSIONS_KEPT = 4


def session_for(rubric: RubricSource) -> GradingSession:
    """The grading session for ``rubric``: itself when it is one, else the
    session last used for this very ``Rubric`` object (or a new one)."""
    if isinstance(rubric, GradingSession):
        return rubric
    loaded = _as_rubric(rubric)
    # the session holds the rubric, so its id cannot be reused while it is kept
    session = _RECENT_SESSIONS.pop(id(loaded), None)
    if session is None or session.rubric is not loaded:
        session = GradingSession(loaded)
    _RECENT_SESSIONS[id(loaded)] = session
    while len(_RECENT_SESSIONS) > RECENT_SESSIONS_KEPT:
        _RECENT_SESSIONS.popitem(last=False)
    return session


def grade(
    path: str | Path,
    rubric: RubricSource,
    *,
    time_limit: float | None = None,
    adapters: Mapping[str, CheckAdapter] | None = None,
    strict: bool = False,
) -> GradeReport:
    """Grade one submission (a sheet, an answer file, or a folder with a sheet
    and code) -> ``GradeReport``. ``rubric``: a ``Rubric``, a
    ``GradingSession`` (one per rubric, for many sheets) or a path.
    ``time_limit`` overrides every check's seconds; ``adapters`` replaces
    engines by kind (tests use ``grader.checks.fake.FakeAdapter``);
    ``strict`` refuses an empty or non-UTF-8 sheet (``SubmissionError``)
    instead of grading it with a warning. The walk: ``grader.pipeline``."""
    return grade_sheet(
        session_for(rubric), path, adapters=adapters, time_limit=time_limit, strict=strict
    )


def student_view(report: GradeReport) -> GradeReport:
    """The report a student may see: engine internals (``details``, which may
    hold the references a line was compared with) are dropped."""
    view = report.model_copy(deep=True)
    for part in view.parts:
        for check_report in part.checks:
            check_report.details = {}
    return view


def check(
    path: str | Path,
    rubric: RubricSource,
    *,
    time_limit: float | None = None,
    adapters: Mapping[str, CheckAdapter] | None = None,
    strict: bool = False,
) -> GradeReport:
    """The student's self-check: like ``grade``, with no references in it."""
    return student_view(
        grade(path, rubric, time_limit=time_limit, adapters=adapters, strict=strict)
    )


# --------------------------------------------------------------------------
# many submissions


@dataclass
class GradeOutcome:
    """One submission of a batch: its report, or the one-line reason it failed."""

    path: str
    report: GradeReport | None = None
    error: str | None = None

    @property
    def ok(self) -> bool:
        return self.report is not None


def expand_paths(paths: Iterable[str | Path]) -> Iterator[tuple[str, Path | None, str | None]]:
    """(shown path, submission path, error) for each submission under ``paths``:
    a file, a folder holding one student's files, or a folder of submissions
    (``grader.submission.discover_submissions`` tells them apart)."""
    from grader.submission import discover_submissions

    for raw in paths:
        try:
            found = discover_submissions(raw)
        except GraderError as error:
            yield str(raw), None, _strip_path(error.format(), str(raw))
            continue
        if not found:
            yield str(raw), None, "no submissions in this folder"
        for path in found:
            yield str(path), Path(path), None


def grade_paths(
    paths: Iterable[str | Path],
    rubric: Any,
    *,
    time_limit: float | None = None,
    student: bool = False,
    adapters: dict[str, Any] | None = None,
    strict: bool = False,
) -> Iterator[GradeOutcome]:
    """Grade every submission under ``paths``, one ``GradeOutcome`` each, in
    order. Bad input (a missing file, a binary sheet; with ``strict`` also an
    empty or non-UTF-8 sheet) is an outcome with ``error`` set; the others are
    still graded."""
    rubric = _as_rubric(rubric)
    run = check if student else grade
    for shown, path, problem in expand_paths(paths):
        if path is None:
            yield GradeOutcome(shown, error=problem)
            continue
        try:
            report = run(path, rubric, time_limit=time_limit, adapters=adapters, strict=strict)
        except GraderError as error:
            yield GradeOutcome(shown, error=_strip_path(error.format(), shown))
            continue
        yield GradeOutcome(shown, report=report)


def ocr_paths(paths: Iterable[str | Path], *, command: str, out_dir: str | Path) -> Any:
    """The submissions under ``paths`` with every scan (an image, a PDF without
    text) turned into Markdown by the OCR ``command``, written under
    ``out_dir`` -> ``grader.submission.ocr.OcrRun`` (``paths`` to grade,
    ``errors``). See docs/answer-sheets.md, "Scans and OCR"."""
    from grader.submission.ocr import ocr_submissions

    return ocr_submissions(paths, command=command, out_dir=Path(out_dir))


def _strip_path(message: str, path: str) -> str:
    # The caller prints "error: path: reason"; do not say the path twice.
    prefix = f"{path}: "
    return message[len(prefix) :] if message.startswith(prefix) else message


# --------------------------------------------------------------------------
# validation


@dataclass
class ExampleResult:
    """One rubric example (or a part's reference) run through the grader."""

    part_id: str
    example_id: str
    status: str  # "passed" | "failed" | "skipped"
    score: float | None = None
    expected: float | None = None
    message: str = ""
    line: int | None = None


@dataclass
class ValidationResult:
    """What ``grader validate`` found: rubric problems and example results."""

    path: str
    problems: list[RubricProblem] = field(default_factory=list)
    examples: list[ExampleResult] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems and not any(e.status == "failed" for e in self.examples)

    def lines(self) -> list[str]:
        """Problems as ``file:line: message``, then failed examples the same way."""
        out = [problem.format() for problem in self.problems]
        for example in self.examples:
            if example.status == "failed":
                where = f"{self.path}:{example.line}" if example.line else self.path
                out.append(
                    f"{where}: {example.part_id} example {example.example_id!r}: {example.message}"
                )
        return out


def validate(
    path: str | Path,
    *,
    adapters: Mapping[str, CheckAdapter] | None = None,
    allow_outside_folder: bool = False,
) -> ValidationResult:
    """Check a rubric file (types, points, contexts, reference forms that must
    parse) and run its examples: each part's reference must score full marks,
    each example its listed score and feedback."""
    result = ValidationResult(str(path))
    rubric, result.problems = load_rubric_problems(path, allow_outside_folder=allow_outside_folder)
    if rubric is None:
        return result
    session = GradingSession(rubric)
    problems, warnings = check_engine_inputs(rubric, session.math_context)
    result.problems += problems
    result.warnings += warnings
    if result.problems:
        return result  # examples of a broken rubric would only repeat its errors
    if adapters is None or "code" in adapters:
        from grader.rubric.validate import reference_self_tests

        result.problems += reference_self_tests(rubric)
        if result.problems:
            return result
    result.examples = run_examples(session, adapters=adapters)
    return result


# A rubric example's score may differ from the one it lists by this much.
SCORE_TOLERANCE = 0.01


def _not_graded_reasons(report: PartReport) -> list[str]:
    return [
        reason
        for check in report.checks
        if check.verdict == "not_graded" and check.needs_review
        for reason in check.review_reasons
    ]


# review reasons that say a line (or the whole answer) was not read
_UNREAD = ("could not be read", "could not read", "no math could be read", "does not say which")


def _unread_lines(report: PartReport) -> list[str]:
    """What of an example the grader could not read, from its review reasons."""
    reasons = [
        reason
        for check in report.checks
        for reason in check.review_reasons
        if any(sign in reason for sign in _UNREAD)
    ]
    return list(dict.fromkeys(reasons))


@contextmanager
def _example_files(directory: Path, files: Mapping[str, str]) -> Iterator[dict[str, Path]]:
    """An example's code files copied under the names the checks read (the
    file ``examples/linreg-slow.py`` handed in as ``linreg.py``), in a
    temporary folder, as a student's folder would hold them."""
    if not files:
        yield {}
        return
    import shutil
    import tempfile

    with tempfile.TemporaryDirectory(prefix="grader-example-") as folder:
        copies = {}
        for name, source in files.items():
            target = Path(folder) / name
            shutil.copyfile(directory / source, target)
            copies[name] = target
        yield copies


def run_examples(
    session: GradingSession, *, adapters: Mapping[str, CheckAdapter] | None = None
) -> list[ExampleResult]:
    """Each part's reference and examples, graded and compared with what they must get."""
    rubric = session.rubric

    results: list[ExampleResult] = []
    for qi, question in enumerate(rubric.questions):
        for pi, part in enumerate(question.parts):
            part_id = f"{question.id}.{part.id}"
            base = ("questions", qi, "parts", pi)
            cases: list[tuple[str, str, tuple, float | None, list[str], bool | None]] = []
            if part.reference is not None:
                cases.append(
                    ("reference", part.reference, (*base, "reference"), part.points, [], None)
                )
            for ei, example in enumerate(part.examples):
                cases.append(
                    (
                        example.id,
                        example.answer,
                        (*base, "examples", ei),
                        example.score,
                        example.feedback,
                        example.needs_review,
                    )
                )
            files_of = {example.id: example.files for example in part.examples}
            for case_id, text, loc, expected, phrases, review in cases:
                line = rubric.line_of(loc)
                files = files_of.get(case_id) if case_id != "reference" else None
                with _example_files(rubric.directory, files or {}) as code_files:
                    report = grade_text(
                        session, question, part, text, adapters=adapters, code_files=code_files
                    )
                missing_engines = _not_graded_reasons(report)
                if missing_engines:
                    results.append(
                        ExampleResult(
                            part_id,
                            case_id,
                            "skipped",
                            report.score,
                            expected,
                            "; ".join(missing_engines),
                            line,
                        )
                    )
                    continue
                failures = []
                if expected is not None and abs(report.score - expected) > SCORE_TOLERANCE:
                    what = "the reference" if case_id == "reference" else "it"
                    failures.append(f"{what} scores {report.score:g}, expected {expected:g}")
                feedback = " ".join(report.feedback).lower()
                for phrase in phrases:
                    if phrase.lower() not in feedback:
                        failures.append(f"feedback does not mention {phrase!r}")
                if review is not None and report.needs_review != review:
                    failures.append(
                        "it is flagged for review"
                        if report.needs_review
                        else "it is not flagged for review"
                    )
                message = "; ".join(failures)
                unread = _unread_lines(report)
                if failures and unread:
                    # the likely root cause: lines of the example the grader could not read
                    message += " (could not read: " + " | ".join(unread[:4]) + ")"
                if failures and report.feedback:
                    message += " (feedback: " + " | ".join(report.feedback[:4]) + ")"
                results.append(
                    ExampleResult(
                        part_id,
                        case_id,
                        "failed" if failures else "passed",
                        report.score,
                        expected,
                        message,
                        line,
                    )
                )
    return results


# --------------------------------------------------------------------------
# engine re-exports


def equivalent(*args: Any, **kwargs: Any) -> Any:
    """``grader.math.equivalent`` (see docs/equivalence.md)."""
    from grader.math import equivalent as _equivalent

    return _equivalent(*args, **kwargs)


def equivalent_many(*args: Any, **kwargs: Any) -> Any:
    """``grader.math.equivalent_many``: one verdict per ``{"a", "b", "symbols"?,
    "aliases"?, "context"?}`` item, in order (see docs/equivalence.md)."""
    from grader.math import equivalent_many as _equivalent_many

    return _equivalent_many(*args, **kwargs)


def check_derivation(*args: Any, **kwargs: Any) -> Any:
    """``grader.math.check_derivation`` (see docs/derivations.md)."""
    from grader.math import check_derivation as _check_derivation

    return _check_derivation(*args, **kwargs)
