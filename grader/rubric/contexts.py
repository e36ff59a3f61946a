"""The math contexts a rubric declares: the exam's, each question's on top,
and each part's on top of its question's.

A context's errors (an alias loop, a shape that does not read) point at the
rubric file's lines, so the tables' lines are handed to the math engine. The
engine is imported here, when a context is first built, not when a rubric is
loaded (``grader --help`` and rubric loading stay free of SymPy). Contexts are
built once per rubric and kept by ``grader.pipeline.GradingSession``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:  # pragma: no cover
    from grader.math import MathContext
    from grader.rubric.models import Part, Question, Rubric

ContextLoc = tuple[str | int, ...]

_SECTIONS = ("symbols", "functions", "aliases", "definitions", "function_derivatives")


def exam_context(rubric: Rubric) -> MathContext:
    """The exam's context: inline in the rubric, from a file next to it, or empty.

    Raises ``ImportError`` when the math engine is missing and a context error
    (a ``GraderError``) when the rubric's context does not build."""
    from grader.math import MathContext, load_context

    source = rubric.context
    if source is None:
        return MathContext.from_mapping({})
    if isinstance(source, str):
        return load_context(rubric.directory / source)
    return MathContext.from_mapping(
        source, source=_path(rubric), lines=context_lines(rubric, ("context",))
    )


def question_context(rubric: Rubric, question: Question, exam: MathContext) -> MathContext:
    """``exam`` with the question's own context entries over it."""
    if not question.context:
        return exam
    from grader.math import MathContext

    loc = ("questions", rubric.questions.index(question), "context")
    override = MathContext.from_mapping(
        question.context, source=_path(rubric), lines=context_lines(rubric, loc)
    )
    return exam.merged(override)


def part_context(
    rubric: Rubric, question: Question, part: Part, question_ctx: MathContext
) -> MathContext:
    """``question_ctx`` with the part's own context entries over it (a name
    the part declares replaces the question's meaning of it, for this part only)."""
    if not part.context:
        return question_ctx
    from grader.math import MathContext

    qi = rubric.questions.index(question)
    loc = ("questions", qi, "parts", question.parts.index(part), "context")
    override = MathContext.from_mapping(
        part.context, source=_path(rubric), lines=context_lines(rubric, loc)
    )
    return question_ctx.merged(override)


def _path(rubric: Rubric) -> str | None:
    return str(rubric.path) if rubric.path is not None else None


def context_lines(rubric: Rubric, loc: ContextLoc) -> dict[str, int]:
    """``section.key`` -> line in the rubric file, for the context's error messages."""
    lines: dict[str, int] = {}
    for section in _SECTIONS:
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
