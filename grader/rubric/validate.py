"""``grader validate``: a rubric's errors as ``file:line: message``, then its
examples run like unit tests.

Beyond what the models check on load (types, unknown fields and check kinds,
points that do not add up), this checks what needs the engines: the math
contexts build (no alias loops, readable shapes), every reference form and
known mistake parses in its question's context, shapes read, reference code
files exist. Then each part's ``reference`` must score full marks and each
example its listed score, feedback and review flag.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from grader.errors import GraderError, RubricError
from grader.rubric.loader import RubricProblem, load_rubric

SCORE_TOLERANCE = 0.01
# Parse errors about meaning, not spelling: allowed in known-mistake forms.
_MEANINGLESS = re.compile(r"matri|shape|dimension|square|invert", re.I)


def _problem(rubric: Any, loc: tuple, message: str) -> RubricProblem:
    return RubricProblem(str(rubric.path), rubric.line_of(loc), message)


def _math_forms(check: Any, base: tuple) -> list[tuple[tuple, str, bool]]:
    """(loc, text, is_mistake) of every math form a check holds."""
    forms: list[tuple[tuple, str, bool]] = []
    if check.kind == "expression":
        forms.append(((*base, "answer"), check.answer, False))
        forms += [((*base, "accept", i), text, False) for i, text in enumerate(check.accept)]
        forms += [
            ((*base, "mistakes", i, "answer"), m.answer, True) for i, m in enumerate(check.mistakes)
        ]
    elif check.kind == "derivation":
        for i, milestone in enumerate(check.milestones):
            forms.append(((*base, "milestones", i, "statement"), milestone.statement, False))
            forms += [
                ((*base, "milestones", i, "mistakes", j, "answer"), m.answer, True)
                for j, m in enumerate(milestone.mistakes)
            ]
    return forms


def check_engine_inputs(session: Any) -> tuple[list[RubricProblem], list[str]]:
    """Problems found by the engines' readers (contexts, math forms, shapes, files)."""
    rubric = session.rubric

    problems: list[RubricProblem] = []
    warnings: list[str] = []
    try:
        from grader.math import MathParseError, parse_math
        from grader.math.context import parse_shape
    except ImportError as error:
        warnings.append(f"math engine not available ({error}): math forms not checked")
        parse_math = None  # type: ignore[assignment]

    for qi, question in enumerate(rubric.questions):
        context = None
        if parse_math is not None:
            try:
                context = session.math_context(question)
            except GraderError as error:
                problems.append(
                    RubricProblem(error.path or str(rubric.path), error.line, error.message)
                )
                continue
        for pi, part in enumerate(question.parts):
            for ci, check in enumerate(part.checks):
                base = ("questions", qi, "parts", pi, "checks", ci)
                if check.kind == "code" and check.references:
                    if not (rubric.directory / check.references).is_file():
                        problems.append(
                            _problem(
                                rubric,
                                (*base, "references"),
                                f"reference file {check.references!r} not found next to the rubric",
                            )
                        )
                if parse_math is None:
                    continue
                for loc, text, is_mistake in _math_forms(check, base):
                    try:
                        parse_math(text, context)
                    except MathParseError as error:
                        reason = getattr(error, "reason", None) or str(error)
                        if is_mistake and _MEANINGLESS.search(reason):
                            # a meaningless known mistake (division by a matrix) is
                            # matched by the reason it cannot be read
                            continue
                        problems.append(
                            _problem(
                                rubric,
                                loc,
                                f"{text!r} does not parse in the question's context: {reason}",
                            )
                        )
                if check.kind == "shapes":
                    shapes = [
                        ((*base, "shapes", name), shape) for name, shape in check.shapes.items()
                    ]
                    shapes += [
                        ((*base, "mistakes", i, "shape"), m.shape)
                        for i, m in enumerate(check.mistakes)
                    ]
                    for loc, shape in shapes:
                        try:
                            parse_shape(shape)
                        except ValueError as error:
                            problems.append(_problem(rubric, loc, str(error)))
                    for i, mistake in enumerate(check.mistakes):
                        if mistake.name not in check.shapes:
                            problems.append(
                                _problem(
                                    rubric,
                                    (*base, "mistakes", i, "name"),
                                    f"{mistake.name!r} is not one of the check's shapes",
                                )
                            )
    return problems, warnings


def _not_graded_reasons(report: Any) -> list[str]:
    return [
        reason
        for check in report.checks
        if check.verdict == "not_graded" and check.needs_review
        for reason in check.review_reasons
    ]


def run_examples(session: Any, *, adapters: dict[str, Any] | None = None) -> list[Any]:
    """Each part's reference and examples, graded and compared with what they must get."""
    from grader.api import ExampleResult
    from grader.pipeline import grade_text

    rubric = session.rubric

    results = []
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
            for case_id, text, loc, expected, phrases, review in cases:
                line = rubric.line_of(loc)
                report = grade_text(session, question, part, text, adapters=adapters)
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


def validate_rubric_file(path: str | Path, *, adapters: dict[str, Any] | None = None) -> Any:
    """Everything ``grader validate`` reports for one rubric file."""
    from grader.api import ValidationResult

    result = ValidationResult(str(path))
    try:
        rubric = load_rubric(path)
    except RubricError as error:
        problems = getattr(error, "problems", None)
        result.problems = (
            list(problems)
            if problems
            else [RubricProblem(error.path or str(path), error.line, error.message)]
        )
        return result
    from grader.pipeline import GradingSession

    session = GradingSession(rubric)
    problems, warnings = check_engine_inputs(session)
    result.problems += problems
    result.warnings += warnings
    if result.problems:
        return result  # examples of a broken rubric would only repeat its errors
    result.examples = run_examples(session, adapters=adapters)
    return result
