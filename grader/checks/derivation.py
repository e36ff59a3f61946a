"""``derivation`` checks: the answer's lines checked step by step against the
math context, with milestones.

Engine: ``grader.math.check_derivation``. The engine says, per milestone,
``correct``, ``corrected_slip``, ``carried_forward``, ``wrong``, ``missing``,
``ocr_suspect`` or ``undetermined``; known mistakes are matched here against
the steps; points are ``grader.scoring``'s business.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from grader.checks.base import AnswerInput, CheckOutcome, GradingContext, ItemOutcome
from grader.checks.cache import context_key, labelled_lines, relabel
from grader.checks.expression import matches, rubric_form
from grader.checks.mathlines import MathCandidate
from grader.math import split_derivative_symbol
from grader.math.derivation import (
    OTHER_QUANTITY,
    Milestone,
    check_derivation,
    split_quantity,
    start_derivation,
)
from grader.rubric.models import DerivationCheck

_NO_LINE_STEPS = {"text", "side_note"}


def _step_candidates(result: Any, context: GradingContext) -> list[MathCandidate]:
    """Every step as a candidate for known mistakes (unreadable ones with their reason)."""
    from grader.math import MathParseError, parse_math

    candidates = []
    for step in result.steps:
        if step.kind == "text":
            continue
        try:
            parsed = parse_math(step.source, context.math_context)
        except MathParseError as error:
            reason = getattr(error, "reason", None) or str(error)
            candidates.append(MathCandidate(step.line_no, step.source, None, reason))
            continue
        candidates.append(MathCandidate(step.line_no, step.source, parsed))
    return candidates


def _milestones(check: DerivationCheck) -> list[Milestone]:
    # the rubric's milestones are the engine's (with marks besides): no copy to make
    return list(check.milestones)


class DerivationAdapter:
    kind = "derivation"

    def start(self, check: DerivationCheck, answer: AnswerInput, context: GradingContext) -> Any:
        """Start the engine on this answer in its time-limit worker and return
        at once (``grade`` then collects it with ``context.started``); None
        when there is nothing to start. The same lines on an earlier sheet of
        the class: their result, without starting anything."""
        if not answer.text.strip() or not context.time_limit:
            return None
        lines, key = _class_key(check, answer, context)
        if key is not None:
            found, kept = context.cache.lookup(key)
            if found:
                return _Ready(relabel(kept, answer.lines[0][0]))
        pending = start_derivation(
            lines,
            context.math_context,
            milestones=_milestones(check),
            time_limit=context.time_limit,
        )
        if key is None:
            return pending
        return _Kept(pending, context, key, answer.lines[0][0])

    def grade(
        self, check: DerivationCheck, answer: AnswerInput, context: GradingContext
    ) -> CheckOutcome:
        outcome = CheckOutcome()
        if not answer.text.strip():
            outcome.status = "no_answer"
            outcome.items = [ItemOutcome(m.id, "missing") for m in check.milestones]
            return outcome
        if context.started is not None:
            result = context.started.result()
        else:
            result = _checked_here(check, answer, context)
        outcome.review_reasons += list(result.review_reasons)
        for step in result.steps:
            where = f"line {step.line_no}"
            if step.read_as is not None and step.kind not in _NO_LINE_STEPS:
                outcome.read_as.append(f"{where}: {step.read_as}")
            outcome.repairs += [f"{where}: {repair}" for repair in step.repairs]
        by_id = {m.id: m for m in result.milestones}
        candidates: list[MathCandidate] | None = None
        for spec in check.milestones:
            found = by_id.get(spec.id)
            status = found.status if found else "missing"
            item = ItemOutcome(
                spec.id,
                status,
                line_no=getattr(found, "line_no", None),
                message=getattr(found, "message", "") or "",
                diagnosis=getattr(found, "diagnosis", None),
            )
            if status in ("wrong", "missing", "undetermined") and spec.accept:
                if candidates is None:
                    candidates = _step_candidates(result, context)
                hit = _accepted(spec.accept, candidates, item.line_no, context)
                if hit is not None:
                    # an equivalent form the rubric accepts for this step
                    item.status, item.line_no, item.diagnosis = "correct", hit.line_no, None
                    item.message = "an accepted form"
                    status = "correct"
            if status in ("wrong", "missing") and spec.mistakes:
                if candidates is None:
                    candidates = _step_candidates(result, context)
                # a wrong step is looked for where the engine found it; a
                # missing one (an unreadable or meaningless line) anywhere
                where = [c for c in candidates if c.line_no == item.line_no] or candidates
                for mistake in spec.mistakes:
                    hit = next((c for c in where if matches(c, mistake.answer, context)[0]), None)
                    if hit is not None:
                        item.status, item.mistake, item.line_no = "wrong", mistake.id, hit.line_no
                        break
            if status == "undetermined":
                outcome.undetermined = True
                outcome.review_reasons.append(
                    f"{_where(item)}could not decide the step {spec.title or spec.id!r}"
                )
            outcome.items.append(item)
        # a missing step may be there under other names (\ell_i for L): a derivative
        # the engine read but could not place is a reason to look, not a silent charge
        if any(item.status == "missing" for item in outcome.items):
            outcome.review_reasons += [
                f"line {step.line_no}: {step.quantity} was read but is not a quantity of "
                "this question (another name for a missing step?)"
                for step in result.steps
                if _derivative_of_another_name(step, context)
            ]
        # a line that matched a known mistake was understood: not a reason to review
        explained = {f"line {i.line_no}: could not read" for i in outcome.items if i.mistake}
        outcome.review_reasons = [
            r for r in outcome.review_reasons if not any(r.startswith(e) for e in explained)
        ]
        outcome.details = {"steps": [_step_dict(s) for s in result.steps]}
        return outcome


def _derivative_of_another_name(step: Any, context: GradingContext) -> bool:
    r"""A derivative the engine read and could not place: of a name the question
    does not know (the student's own ``\ell_i``), or set aside as about another
    quantity."""
    parts = split_quantity(step.quantity or "")
    if step.kind == "side_note" and step.message == OTHER_QUANTITY:
        return parts is not None
    if step.kind != "differentiation" or parts is None or not all(p.isidentifier() for p in parts):
        return False
    math_context = context.math_context
    return math_context is None or not math_context.is_declared(parts[0])


def _accepted(
    forms: list[str], candidates: list[MathCandidate], line_no: int | None, context: GradingContext
) -> MathCandidate | None:
    """The step that states one of a milestone's accepted forms (the line the
    engine found for the milestone first, then any other)."""
    ordered = [c for c in candidates if c.line_no == line_no] + [
        c for c in candidates if c.line_no != line_no
    ]
    for cand in ordered:
        if cand.parsed is None:
            continue
        for one in _equations_of(cand):
            for form in forms:
                if _names_a_derivative_the_form_does_not(one, form, context):
                    continue
                if matches(one, form, context)[0]:
                    return cand
    return None


def _equations_of(cand: MathCandidate) -> list[MathCandidate]:
    """The line, and for a chain ``A = B = C`` each equation it writes
    (``A = B``, ``B = C``): a chain is compared part by part."""
    parsed = cand.parsed
    if parsed.kind != "chain" or parsed.continues_previous:
        return [cand]
    terms = parsed.terms
    return [cand] + [
        MathCandidate(
            cand.line_no,
            cand.source,
            replace(parsed, kind="equation", terms=[left, right]),
            None,
            cand.in_prose,
            # not what the line's text parses to: its own key in the class cache
            reading=f"{cand.read_from}\x00equation {index} of the chain",
        )
        for index, (left, right) in enumerate(zip(terms, terms[1:], strict=False))
    ]


def _names_a_derivative_the_form_does_not(
    cand: MathCandidate, form: str, context: GradingContext
) -> bool:
    # "dJ/dw = 0" has the same solution as the normal equations (the engine
    # reads dJ/dw as the true derivative), but it does not state them: a
    # derivative quantity stands for what the student has not written out
    def derivatives(terms: list[Any]) -> set[str]:
        return {
            symbol.name
            for term in terms
            for symbol in getattr(term, "free_symbols", ())
            if split_derivative_symbol(symbol) is not None
        }

    parsed, _ = rubric_form(form, context)
    return bool(derivatives(cand.parsed.terms) - derivatives(getattr(parsed, "terms", [])))


def _class_key(
    check: DerivationCheck, answer: AnswerInput, context: GradingContext
) -> tuple[list[tuple[int, str]], tuple | None]:
    """(the lines to give the engine, the class cache key or None). With a
    class cache the lines are labelled (``grader.checks.cache``): the key is
    their text and spacing, wherever they are on the sheet."""
    lines = answer.lines
    if context.cache is None or not context.cache.enabled:
        return lines, None
    labelled = labelled_lines(lines)
    if labelled is None:
        return lines, None
    key = (
        "derivation",
        context_key(context.math_context),
        id(check),  # the session keeps the rubric, and so its checks, alive
        context.time_limit,
        tuple(labelled),
    )
    return labelled, key


def _checked_here(check: DerivationCheck, answer: AnswerInput, context: GradingContext) -> Any:
    """``check_derivation`` in this process (no started worker), once per class."""
    lines, key = _class_key(check, answer, context)

    def compute() -> Any:
        return check_derivation(
            lines,
            context.math_context,
            milestones=_milestones(check),
            time_limit=context.time_limit,
        )

    if key is None:
        return compute()
    kept = context.cache.get(key, compute)
    return relabel(kept, answer.lines[0][0])


class _Ready:
    """A started check answered from the class cache."""

    def __init__(self, result: Any) -> None:
        self._result = result

    def result(self) -> Any:
        return self._result

    def cancel(self) -> None:
        pass


class _Kept:
    """A started check whose result is kept for the class when it is decided."""

    def __init__(self, pending: Any, context: GradingContext, key: tuple, first_line: int):
        self._pending = pending
        self._cache = context.cache
        self._key = key
        self._first_line = first_line

    def result(self) -> Any:
        from grader.timelimit import ran_out_count

        before = ran_out_count()
        result = self._pending.result()
        # kept unless a time limit ran out, here (then checked again step by
        # step) or in the worker (grader.timelimit counts both)
        if ran_out_count() == before:
            self._cache.store(self._key, result)
        return relabel(result, self._first_line)

    def cancel(self) -> None:
        self._pending.cancel()


def _where(item: ItemOutcome) -> str:
    return f"line {item.line_no}: " if item.line_no else ""


def _step_dict(step: Any) -> dict[str, Any]:
    fields = ("line_no", "source", "read_as", "kind", "quantity", "diagnosis", "ocr_suspect")
    data = {name: getattr(step, name, None) for name in fields}
    for name in ("vs_previous", "vs_truth"):
        value = getattr(step, name, None)
        data[name] = getattr(value, "verdict", value)
    data = {
        k: (v if isinstance(v, (str, int, float, bool, type(None))) else str(v))
        for k, v in data.items()
    }
    return data


Adapter = DerivationAdapter
