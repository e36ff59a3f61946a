"""What ``grader validate`` checks in a rubric beyond loading it, as
``file:line: message`` problems.

Beyond what the models check on load (types, unknown fields and check kinds,
points that do not add up), this checks what needs the engines: the math
contexts build (no alias loops, readable shapes), every reference form and
known mistake parses in its question's context, shapes read, reference code
files exist. (Running the rubric's examples is grading: ``grader.api.validate``
does it, after these checks pass.)
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from grader.errors import GraderError, RubricError
from grader.rubric.loader import RubricProblem, load_rubric
from grader.rubric.models import (
    CheckSpec,
    CodeCheck,
    ConceptsCheck,
    ExpressionCheck,
    Part,
    Rubric,
    ShapesCheck,
)

if TYPE_CHECKING:  # pragma: no cover
    from grader.math import MathContext

# A question's math context, or a part's (``GradingSession.math_context``).
ContextOf = Callable[..., "MathContext | None"]
# Parse errors about meaning, not spelling: allowed in known-mistake forms.
_MEANINGLESS = re.compile(r"matri|shape|dimension|square|invert", re.I)


def _problem(rubric: Rubric, loc: tuple, message: str) -> RubricProblem:
    return RubricProblem(str(rubric.path), rubric.line_of(loc), message)


def load_rubric_problems(
    path: str | Path, *, allow_outside_folder: bool = False
) -> tuple[Rubric | None, list[RubricProblem]]:
    """The rubric at ``path`` and no problems, or None and every load problem."""
    try:
        return load_rubric(path, allow_outside_folder=allow_outside_folder), []
    except RubricError as error:
        problems = getattr(error, "problems", None)
        if problems:
            return None, list(problems)
        return None, [RubricProblem(error.path or str(path), error.line, error.message)]


def _phrasing_warnings(rubric: Rubric, part: Part, check: ConceptsCheck, base: tuple) -> list[str]:
    """Ideas whose every phrasing needs one of one or two words (grader.text.advice)
    that the question itself does not give (its title and keywords)."""
    from grader.checks.concepts import concept_spec
    from grader.text.advice import narrow_ideas

    out = []
    ids = [idea.id for idea in check.ideas]
    given = " ".join([part.title or "", *part.keywords]).lower()
    for idea_id, words in narrow_ideas(concept_spec(check)):
        if all(word in given for word in words):
            continue  # the question names it: students will use the word
        line = rubric.line_of((*base, "ideas", ids.index(idea_id)))
        out.append(
            f"{rubric.path}:{line}: idea {idea_id!r}: every phrasing needs "
            f"{' or '.join(repr(w) for w in words)}; an answer saying it in other words is "
            "only flagged by meaning, not credited (add phrasings, or a description; "
            "see `grader validate --explain`)"
        )
    return out


def _code_check_problems(rubric: Rubric, check: CodeCheck, base: tuple) -> list[RubricProblem]:
    """A code check's tests as the numeric engine reads them (an unknown field
    such as ``comapre:`` is an error here, not at grading time for the whole
    class), and every reference function and input generator they name
    defined in the references file (read with ``ast``, not run)."""
    import ast

    try:
        from grader.numeric import CodeCheckSpec
    except ImportError:  # pragma: no cover - the numeric engine is part of the package
        return []
    data = check.model_dump(exclude_none=True)
    if not data.get("title"):
        data.pop("title", None)
    try:
        spec = CodeCheckSpec.from_mapping(data)
    except GraderError as error:
        # the engine's error knows where in the check it is (loc): its line
        return [_problem(rubric, (*base, *getattr(error, "loc", ("tests",))), error.message)]
    if not check.references:
        return []
    path = rubric.directory / check.references
    try:
        ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    except (OSError, UnicodeDecodeError, SyntaxError) as error:
        return [
            _problem(rubric, (*base, "references"), f"cannot read {check.references!r}: {error}")
        ]
    defined = _defined_names(path)
    problems = []
    from grader.numeric.spec import TRANSFORM_NAMES

    for index, test in enumerate(spec.tests):
        named: list[tuple[tuple, str, tuple[str, ...]]] = []  # (loc in the test, name, also valid)
        if test.compare is not None and test.compare.reference is not None:
            named.append((("compare", "reference"), test.compare.reference, ()))
        if test.generator is not None:
            named.append((("generator", "name"), test.generator.name, ()))
        named += _comparison_names(check.tests[index], test, TRANSFORM_NAMES)
        for loc, name, builtin in named:
            if name not in defined:
                near = sorted([*defined, *builtin], key=lambda other: _distance(other, name))[:1]
                hint = f" (did you mean {near[0]!r}?)" if near else ""
                what = "a named transform nor " if builtin else ""
                problems.append(
                    _problem(
                        rubric,
                        (*base, "tests", index, *loc),
                        f"{name!r} is {'neither ' if builtin else 'not '}{what}defined in "
                        f"{check.references}{hint}",
                    )
                )
    return problems


def _comparison_names(raw_test: dict, test, transform_names) -> list[tuple]:
    """(loc in the test, name, built-in alternatives) of the references
    functions a compare names: transforms that are not named ones, and the
    comparator."""
    compare = test.compare
    if compare is None:
        return []
    raw = raw_test.get("compare", {})
    named: list[tuple] = []
    listed = isinstance(raw.get("transform"), list)
    for position, name in enumerate(compare.transform):
        if name not in transform_names:
            loc = ("compare", "transform", position) if listed else ("compare", "transform")
            named.append((loc, name, tuple(transform_names)))
    if compare.comparator is not None:
        loc = ("compare", "comparator")
        if isinstance(raw.get("comparator"), dict):
            loc = (*loc, "name")
        named.append((loc, compare.comparator.name, ()))
    return named


def _example_file_problems(rubric: Rubric, part: Part, base: tuple) -> list[RubricProblem]:
    """An example's ``files:``: each handed in under a plain name a code check
    of the part reads, from a file that exists next to the rubric."""
    read = {check.file for check, _ in _checks_of(part, base) if isinstance(check, CodeCheck)}
    problems = []
    for ei, example in enumerate(part.examples):
        if not example.answer.strip() and not example.files:
            problems.append(
                _problem(
                    rubric, (*base, "examples", ei), "the example has neither an answer nor files"
                )
            )
        for name, source in example.files.items():
            loc = (*base, "examples", ei, "files", name)
            if name not in read:
                known = ", ".join(sorted(read)) or "none: the part has no code check"
                problems.append(
                    _problem(rubric, loc, f"no code check of the part reads {name!r} ({known})")
                )
            if not (rubric.directory / source).is_file():
                problems.append(
                    _problem(rubric, loc, f"example file {source!r} not found next to the rubric")
                )
    return problems


def _distance(a: str, b: str) -> int:
    """Edit distance (for "did you mean")."""
    row = list(range(len(b) + 1))
    for i, char_a in enumerate(a, start=1):
        previous, row[0] = row[0], i
        for j, char_b in enumerate(b, start=1):
            previous, row[j] = (
                row[j],
                min(row[j] + 1, row[j - 1] + 1, previous + (char_a != char_b)),
            )
    return row[-1]


def _tolerance_problems(
    rubric: Rubric, check: ExpressionCheck, base: tuple, context: MathContext | None
) -> list[RubricProblem]:
    """A tolerance needs an answer that is a number (``p = 0.245``, ``4/3``):
    on ``k/n`` it would never apply, and nobody would notice."""
    from grader.checks.approximate import reference_number
    from grader.math import MathParseError, parse_math

    try:
        value, _ = reference_number(parse_math(check.answer, context))
    except MathParseError:
        return []  # reported as a form that does not parse
    if value is not None:
        return []
    field = "tolerance" if check.tolerance is not None else "rel_tolerance"
    return [
        _problem(
            rubric,
            (*base, field) if rubric.raw(*base, field) is not None else (*base, "answer"),
            f"a tolerance needs an answer that is a number, but {check.answer!r} is not "
            "(its value has unknowns)",
        )
    ]


def _checks_of(part: Part, where: tuple) -> list[tuple[CheckSpec, tuple]]:
    """(check, its loc) of each check of a part, an ``any_of``'s alternatives
    in its place (each checked as a check of its own kind)."""
    found: list[tuple[CheckSpec, tuple]] = []
    for ci, check in enumerate(part.checks):
        base = (*where, "checks", ci)
        alternatives = getattr(check, "alternatives", None)
        if alternatives:
            found += [(alt, (*base, "alternatives", ai)) for ai, alt in enumerate(alternatives)]
        else:
            found.append((check, base))
    return found


def check_engine_inputs(
    rubric: Rubric, context_of: ContextOf
) -> tuple[list[RubricProblem], list[str]]:
    """Problems found by the engines' readers (contexts, math forms, shapes,
    files), and warnings; ``context_of`` builds (and keeps) each question's
    math context."""

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
                context = context_of(question)
            except GraderError as error:
                problems.append(
                    RubricProblem(error.path or str(rubric.path), error.line, error.message)
                )
                continue
        for pi, part in enumerate(question.parts):
            problems += _example_file_problems(rubric, part, ("questions", qi, "parts", pi))
            context_here = context
            if parse_math is not None and part.context:
                try:
                    context_here = context_of(question, part)
                except GraderError as error:
                    problems.append(
                        RubricProblem(error.path or str(rubric.path), error.line, error.message)
                    )
                    continue
            for check, base in _checks_of(part, ("questions", qi, "parts", pi)):
                for loc, name in check.files():
                    if not (rubric.directory / name).is_file():
                        problems.append(
                            _problem(
                                rubric,
                                (*base, *loc),
                                f"reference file {name!r} not found next to the rubric",
                            )
                        )
                if isinstance(check, ConceptsCheck) and check.ideas:
                    warnings += _phrasing_warnings(rubric, part, check, base)
                if isinstance(check, CodeCheck):
                    problems += _code_check_problems(rubric, check, base)
                if parse_math is None:
                    continue
                where = "part" if part.context else "question"
                for loc, text, is_mistake in check.math_forms():
                    try:
                        parse_math(text, context_here)
                    except MathParseError as error:
                        reason = getattr(error, "reason", None) or str(error)
                        if is_mistake and _MEANINGLESS.search(reason):
                            # a meaningless known mistake (division by a matrix) is
                            # matched by the reason it cannot be read
                            continue
                        problems.append(
                            _problem(
                                rubric,
                                (*base, *loc),
                                f"{text!r} does not parse in the {where}'s context: {reason}",
                            )
                        )
                    except GraderError as error:
                        # a context definition the form needs does not read: the
                        # definition's own line, where the cause is
                        problem = RubricProblem(
                            error.path or str(rubric.path), error.line, error.message
                        )
                        if problem not in problems:
                            problems.append(problem)
                if isinstance(check, ExpressionCheck) and check.numeric_tolerance:
                    problems += _tolerance_problems(rubric, check, base, context_here)
                for loc, shape in check.shape_forms():
                    try:
                        parse_shape(shape)
                    except ValueError as error:
                        problems.append(_problem(rubric, (*base, *loc), str(error)))
                if isinstance(check, ShapesCheck):
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


def reference_self_tests(rubric: Rubric) -> list[RubricProblem]:
    """Each code check's reference model run as the student's code against
    the check's own tests, in the sandbox: a reference that fails a test of
    its own is a rubric error at that test's line (the test, the tolerance or
    the reference is wrong, and every student would pay for it).

    The reference is the function of the references file with the name the
    check tests (``function:``); a check whose references file has no such
    function (the model lives under another name) is not run here."""
    import shutil
    import tempfile

    from grader.numeric import CodeCheckSpec, run_code_check

    problems: list[RubricProblem] = []
    for qi, question in enumerate(rubric.questions):
        for pi, part in enumerate(question.parts):
            for check, base in _checks_of(part, ("questions", qi, "parts", pi)):
                if not isinstance(check, CodeCheck) or not check.references:
                    continue
                references = rubric.directory / check.references
                if check.function not in _defined_names(references):
                    continue
                data = check.model_dump(exclude_none=True)
                if not data.get("title"):
                    data.pop("title", None)
                spec = CodeCheckSpec.from_mapping(data)
                with tempfile.TemporaryDirectory(prefix="grader-reference-") as folder:
                    shutil.copyfile(references, Path(folder) / check.file)
                    try:
                        result = run_code_check(spec, Path(folder), references=references)
                    except GraderError as error:
                        problems.append(_problem(rubric, base, error.message))
                        continue
                for index, test in enumerate(result.tests):
                    if test.passed:
                        continue
                    why = test.diagnostic or test.status
                    problems.append(
                        _problem(
                            rubric,
                            (*base, "tests", index),
                            f"{question.id}.{part.id} check {check.id!r}: the reference "
                            f"{check.function}() in {check.references} fails its own test "
                            f"{test.id!r} ({test.status}: {why})",
                        )
                    )
    return problems


def _defined_names(path: Path) -> set[str]:
    """Top-level functions, classes and names assigned in a Python file (read
    with ``ast``, not run); empty when it cannot be read."""
    import ast

    try:
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    except (OSError, UnicodeDecodeError, SyntaxError):
        return set()
    return {
        node.name
        for node in tree.body
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef))
    } | {
        target.id
        for node in tree.body
        if isinstance(node, ast.Assign)
        for target in node.targets
        if isinstance(target, ast.Name)
    }
