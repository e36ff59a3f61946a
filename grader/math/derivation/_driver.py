"""The driver: a whole derivation (or a file) checked, with the time limits."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from grader.math.derivation._checker import Checker
from grader.math.derivation._graph import prepare_truths
from grader.math.derivation._milestones import milestone_references, safe_milestone_result
from grader.math.derivation._reading import math_sources, read_statements
from grader.math.derivation._results import DerivationResult, DerivationStep, Milestone
from grader.math.derivation._steps import run_step
from grader.math.lines import MathSource

DEFAULT_TIME_LIMIT = 5.0


def check_derivation(
    lines: str | Sequence[tuple[int, str]],
    context: Any,
    *,
    milestones: Iterable[Milestone] = (),
    time_limit: float | None = DEFAULT_TIME_LIMIT,
    first_line: int = 1,
) -> DerivationResult:
    """Check a derivation step by step; see ``grader.math.derivation``.

    ``lines``: the answer's text (line numbers counted from ``first_line``)
    or a list of ``(line_no, text)``. ``context``: a ``MathContext`` (or
    None). ``time_limit``: seconds per step (None: no limit).

    With a time limit, the whole derivation is first checked in one call of
    ``grader.timelimit`` limited to one step's time plus a quarter second per
    statement (the usual case: a derivation takes a fraction of a second).
    Only when that runs out is it checked again step by step, each step under
    the limit, so that the step that runs out is ``undetermined`` and the
    others are still checked.
    """
    sources = math_sources(lines, first_line)
    milestones = list(milestones)
    if time_limit is not None:
        from grader.timelimit import TimeLimitExceeded, WorkerCrashed, run_with_time_limit

        load_lazy_modules()
        try:
            return run_with_time_limit(
                _check_all, sources, context, milestones, None, seconds=_budget(time_limit, sources)
            )
        except (TimeLimitExceeded, WorkerCrashed):
            pass  # step by step below, each step under the limit
    return _check_all(sources, context, milestones, time_limit)


def _budget(time_limit: float, sources: list[MathSource]) -> float:
    """The whole derivation's time: one step's time, plus a little per statement
    for long answers."""
    return time_limit + 0.25 * len(sources)


class PendingDerivation:
    """A derivation check started by :func:`start_derivation`; ``result()`` once."""

    def __init__(
        self,
        sources: list[MathSource],
        context: Any,
        milestones: list[Milestone],
        time_limit: float | None,
        started: Any = None,
    ) -> None:
        self._args = (sources, context, milestones)
        self._time_limit = time_limit
        self._started = started  # grader.timelimit.PendingCall, or None

    def result(self) -> DerivationResult:
        sources, context, milestones = self._args
        if self._started is not None:
            from grader.timelimit import TimeLimitExceeded, WorkerCrashed

            started, self._started = self._started, None
            try:
                return started.result()
            except (TimeLimitExceeded, WorkerCrashed):
                pass  # step by step below, each step under the limit
        return _check_all(sources, context, milestones, self._time_limit)

    def cancel(self) -> None:
        """Give up on it (stops the worker if the check is still running)."""
        if self._started is not None:
            self._started.cancel()
            self._started = None


def start_derivation(
    lines: str | Sequence[tuple[int, str]],
    context: Any,
    *,
    milestones: Iterable[Milestone] = (),
    time_limit: float | None = DEFAULT_TIME_LIMIT,
    first_line: int = 1,
) -> PendingDerivation:
    """``check_derivation`` started in a time-limit worker, returning at once:
    the caller grades other answers meanwhile and calls ``result()`` when it
    needs this one (same result, same time limits, counted from now). Without
    a time limit nothing starts: ``result()`` checks in this process."""
    sources = math_sources(lines, first_line)
    milestones = list(milestones)
    started = None
    if time_limit is not None:
        from grader.timelimit import start_with_time_limit

        load_lazy_modules()
        started = start_with_time_limit(
            _check_all, sources, context, milestones, None, seconds=_budget(time_limit, sources)
        )
    return PendingDerivation(sources, context, milestones, time_limit, started)


def load_lazy_modules() -> None:
    """Import here what checking a derivation imports on first use (the parser,
    ``numpy.random``), before a time-limit worker is forked from this process.

    A worker is a fork of its caller: what the caller has imported, the worker
    has for free. Imported only inside the worker, these modules would be
    imported again by every new worker (the first of a run, each one after a
    time-out) and once more by the caller for its own parsing (about 60 ms on
    the first derivation of a ``grader grade`` run).
    """
    import numpy.random  # noqa: F401 - numpy loads np.random on first attribute use

    import grader.math.parse  # noqa: F401


def _check_all(
    sources: list[MathSource],
    context: Any,
    milestones: list[Milestone],
    step_limit: float | None,
) -> DerivationResult:
    references, milestone_specs = milestone_references(milestones, context)
    checker = Checker(context, references)
    prepare_truths(checker, step_limit)
    steps: list[DerivationStep] = []
    candidates: list[tuple[DerivationStep, Any, Any]] = []
    for source in sources:
        for statement in read_statements(source, context):
            outcome = run_step(checker, statement, step_limit)
            checker.apply(outcome)
            steps.append(outcome.step)
            context = _with_answer_matrices(context, outcome.new_names)
            line = statement.line
            terms = list(getattr(line, "terms", []) or []) if line is not None else []
            if len(terms) >= 2 and not getattr(line, "continues_previous", False):
                candidates.append((outcome.step, _new_value_side(line, terms[0]), terms[1]))
            elif terms and outcome.step.kind == "equation" and checker.equation is not None:
                candidates.append((outcome.step, checker.equation["lhs"], checker.equation["rhs"]))
            elif outcome.lhs is not None:
                candidates.append((outcome.step, outcome.lhs, None))
    results = [safe_milestone_result(checker, spec, candidates, steps) for spec in milestone_specs]
    return DerivationResult(steps=steps, milestones=results)


def _new_value_side(line: Any, head: Any) -> Any:
    """``w_1 \\leftarrow w_1 - \\alpha g`` states the new value ``w1'``: the
    left side a milestone written ``w1' = w1 - alpha dL/dw1`` expects."""
    import sympy as sp

    target = getattr(line, "update_of", None)
    if target is None or getattr(head, "name", None) != target:
        return head
    if isinstance(head, sp.MatrixSymbol):
        return sp.MatrixSymbol(target + "'", *head.shape)
    return sp.Symbol(target + "'", **head.assumptions0)


def _with_answer_matrices(context: Any, new_names: dict[str, Any]) -> Any:
    """A name the answer gives a matrix value (``r = y - X\\beta``) is read as
    a matrix of that shape in the lines that follow (``r^T r``, ``-X^T r``)."""
    from sympy.matrices.expressions import MatrixExpr

    shapes = {
        name: f"({value.shape[0]}) x ({value.shape[1]})"
        for name, value in new_names.items()
        if isinstance(value, MatrixExpr) and value.shape != (1, 1)
    }
    if not shapes or context is None or not hasattr(context, "merged"):
        return context
    from grader.math.context import MathContext

    return context.merged(MathContext.from_mapping({"symbols": shapes}))


def check_derivation_file(
    path: str,
    context_path: str | None = None,
    *,
    milestones: Iterable[Milestone] = (),
    time_limit: float | None = DEFAULT_TIME_LIMIT,
) -> DerivationResult:
    """Check the derivation in a Markdown/LaTeX/text file (``grader derivation``).

    Raises ``InputError`` for a missing, binary or non-UTF-8 file and
    ``ContextError`` for an invalid context file.
    """
    from pathlib import Path

    from grader.data_files import read_text_file
    from grader.errors import InputError
    from grader.math.context import load_context

    file = Path(path)
    if file.is_dir():
        raise InputError("is a folder, not a file", path=str(path))
    if not file.exists():
        raise InputError("no such file", path=str(path))
    # a derivation is a page or two: a megabyte is far above any real one
    text = read_text_file(file, error=InputError, limit=1_000_000)
    if "\x00" in text[:8192]:
        raise InputError("a binary file, not text", path=str(path))
    context = load_context(context_path) if context_path else None
    return check_derivation(text, context, milestones=milestones, time_limit=time_limit)
