"""Error carried forward: an answer checked against what follows from the
student's own earlier answer.

An expression check with ``carried_forward`` (``grader.rubric.carried_forward``)
whose answer is not right by the reference is given a second chance: the
student's own value of the named quantity is read (from another part's answer,
``part: b``, or from an earlier line of the same answer), put into the check's
answer written in terms of that quantity, and the student's line is compared
with the result (``grader.math.equivalent``). A line that agrees is
``carried_forward``: it earns the ECF marks, and the report says "carried
forward from (b)".

Never a false credit, never a silent charge (DESIGN.md decision 8): the marks
are given only where the earlier answer was read; when it was not (the part
not found, its lines unreadable, no line naming the quantity), the check is
``undetermined`` with a review reason that names what could not be read.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from grader.checks.base import AnswerInput, CheckOutcome, GradingContext, ItemOutcome
from grader.checks.mathlines import MathCandidate, answer_candidates

if TYPE_CHECKING:  # pragma: no cover
    from grader.rubric.carried_forward import CarriedForward
    from grader.rubric.models import ExpressionCheck

__all__ = [
    "EarlierValue",
    "apply_carried_forward",
    "earlier_value",
    "follows_own_value",
    "source_label",
]

# outcomes the rule leaves alone: already right (or waiting for an OCR look)
_ALREADY_EARNED = ("correct", "ocr_suspect")


@dataclass
class EarlierValue:
    """The student's own value of a quantity, or why it could not be read."""

    value: Any = None  # a SymPy expression
    line_no: int | None = None  # where the student stated it
    variables: tuple[Any, ...] = ()  # f(x): the formula's variables
    unread: str | None = None  # why there is no value (then ``value`` is None)


def source_label(spec: CarriedForward, part_id: str) -> str:
    """How the report names the part an answer is carried forward from:
    ``(b)``, or ``q1(b)`` for another question's."""
    if spec.part is None:
        return "your earlier line"
    question, _, part = _full_part_id(spec.part, part_id).rpartition(".")
    own_question = part_id.rpartition(".")[0]
    return f"({part})" if question == own_question else f"{question}({part})"


def _full_part_id(reference: str, part_id: str) -> str:
    if "." in reference:
        return reference
    return f"{part_id.rpartition('.')[0]}.{reference}"


# --------------------------------------------------------------------------
# the rule


def apply_carried_forward(
    check: ExpressionCheck, answer: AnswerInput, context: GradingContext, outcome: CheckOutcome
) -> CheckOutcome:
    """``outcome`` with the check's ECF applied: unchanged when the check has
    none, its answer is already right, or no line of it was read."""
    spec = check.carried_forward
    if spec is None or not outcome.items or outcome.status != "graded":
        return outcome
    item = outcome.items[0]
    if item.status in _ALREADY_EARNED or item.status == "missing":
        return outcome
    candidates = [
        c for c in answer_candidates(answer, context.math_context) if c.parsed is not None
    ]
    if not candidates:
        return outcome
    earlier = _earlier(spec, answer, context)
    if earlier.unread is not None:
        return _undetermined(
            outcome,
            item,
            f"{earlier.unread}: the carried-forward marks of {check.title or check.id!r} "
            "were not decided",
        )
    source = source_label(spec, answer.part_id)
    if spec.part is None:
        # a value computed from the student's own formula: on the lines after it
        source = f"line {earlier.line_no}"
        candidates = [c for c in candidates if c.line_no > (earlier.line_no or 0)]
    target, why_not = _follows_target(spec, earlier, context)
    if target is None:
        return _undetermined(outcome, item, f"{source}: {why_not}")
    undecided: MathCandidate | None = None
    undecided_reason = ""
    for candidate in candidates:
        verdict = _compare(candidate, target, context)
        if verdict is None:
            continue
        if verdict.verdict == "equal":
            return _carried(outcome, candidate, spec, answer.part_id, source, earlier)
        if verdict.verdict == "undetermined" and undecided is None:
            undecided, undecided_reason = candidate, verdict.reason
    if undecided is not None:
        return _undetermined(
            outcome,
            ItemOutcome("answer", item.status, undecided.line_no),
            f"line {undecided.line_no}: could not decide whether it follows from {source} "
            f"({undecided_reason})",
        )
    return outcome


def follows_own_value(
    check: ExpressionCheck, answer: AnswerInput, context: GradingContext, line_no: int
) -> tuple[str, str]:
    """Whether the line at ``line_no`` agrees with what the student's own
    earlier line of this answer gives (a ``carried_forward`` quantity with no
    ``part``): (``equal`` | ``not_equal`` | ``undetermined``, the earlier line
    or the reason), or (``none``, "") when the check has no such quantity or
    no line before it names it."""
    spec = check.carried_forward
    if spec is None or spec.part is not None:
        return "none", ""
    earlier = _earlier(spec, answer, context)
    if earlier.unread is not None:
        if earlier.value is None and earlier.unread.startswith("no line gives"):
            return "none", ""
        return "undetermined", earlier.unread
    if earlier.line_no is not None and earlier.line_no >= line_no:
        return "none", ""
    target, why_not = _follows_target(spec, earlier, context)
    if target is None:
        return "undetermined", why_not
    candidate = next(
        (
            c
            for c in answer_candidates(answer, context.math_context)
            if c.line_no == line_no and c.parsed is not None
        ),
        None,
    )
    verdict = _compare(candidate, target, context) if candidate is not None else None
    if verdict is None:
        return "undetermined", "the line does not compare with a value"
    if verdict.verdict == "undetermined":
        return "undetermined", verdict.reason
    return verdict.verdict, f"line {earlier.line_no}"


def _earlier(spec: CarriedForward, answer: AnswerInput, context: GradingContext) -> EarlierValue:
    """The student's value of the quantity (read in its question's math context)."""
    if spec.part is None:
        return earlier_value(answer, spec.quantity, context.math_context, named_only=True)
    full_id = _full_part_id(spec.part, answer.part_id)
    label = source_label(spec, answer.part_id)
    sheet = context.sheet
    if sheet is None or full_id not in sheet.answers:
        return EarlierValue(unread=f"{label} is not on this sheet")
    earlier_answer = sheet.answers[full_id]
    if not earlier_answer.found or not earlier_answer.text.strip():
        return EarlierValue(unread=f"no answer to {label} was found on the sheet")
    math = sheet.math_context(full_id) or context.math_context
    value = earlier_value(earlier_answer, spec.quantity, math, named_only=False)
    if value.unread is not None:
        value.unread = f"{label}: {value.unread}"
    return value


def earlier_value(
    answer: AnswerInput, quantity: str, math: Any, *, named_only: bool
) -> EarlierValue:
    """The value ``answer`` gives ``quantity``: the last term of the last line
    that names it (``J = ... = [[...]]``, ``f(x) = 3x^2 + 1``, with the lines
    that continue it, ``= ...``). Without such a line, an answer of a single
    math line (and not ``named_only``) gives its value."""
    head, variables, problem = _quantity(quantity, math)
    if problem is not None:
        return EarlierValue(unread=problem)
    candidates = answer_candidates(answer, math)
    found: EarlierValue | None = None
    continuing = False
    for candidate in candidates:
        line = candidate.parsed
        if line is None:
            continuing = False
            continue
        terms = list(getattr(line, "terms", None) or [])
        if getattr(line, "continues_previous", False):
            if continuing and found is not None and terms:
                found = EarlierValue(terms[-1], candidate.line_no, variables)
            continue
        continuing = False
        if line.kind not in ("equation", "chain") or getattr(line, "relation", "=") != "=":
            continue
        position = next((i for i, t in enumerate(terms) if _names(t, head)), None)
        if position is None or position == len(terms) - 1:
            continue
        value = terms[-1]
        if _mentions(value, head):
            continue  # J = J^T: not a value of J
        found = EarlierValue(value, candidate.line_no, variables)
        continuing = True
    if found is not None:
        return found
    unreadable = [c for c in candidates if c.parsed is None]
    if unreadable:
        first = unreadable[0]
        return EarlierValue(unread=f"line {first.line_no} could not be read ({first.error})")
    readable = [c for c in candidates if c.parsed is not None]
    if not named_only and len(readable) == 1 and readable[0].parsed.kind == "expression":
        only = readable[0]
        return EarlierValue(only.parsed.terms[0], only.line_no, variables)
    return EarlierValue(unread=f"no line gives {quantity}")


def _quantity(quantity: str, math: Any) -> tuple[Any, tuple[Any, ...], str | None]:
    """(the quantity as read, a formula's variables, or the reason it does not read)."""
    import sympy as sp
    from sympy.core.function import AppliedUndef

    from grader.math import MathParseError, parse_math

    try:
        line = parse_math(quantity, math)
    except MathParseError as error:
        return None, (), f"the quantity {quantity!r} does not read ({error})"
    terms = list(line.terms)
    if line.kind != "expression" or len(terms) != 1:
        return None, (), f"the quantity {quantity!r} is not one name"
    head = terms[0]
    if isinstance(head, AppliedUndef):
        if all(isinstance(a, sp.Symbol) for a in head.args):
            return head, tuple(head.args), None
        return None, (), f"the quantity {quantity!r} must be a formula in variables, like f(x)"
    if isinstance(head, (sp.Symbol, sp.MatrixSymbol)) or _is_named_derivative(head):
        return head, (), None
    return None, (), f"the quantity {quantity!r} is not one name"


def _is_named_derivative(expr: Any) -> bool:
    from grader.math import split_derivative_symbol

    return split_derivative_symbol(expr) is not None


def _names(term: Any, head: Any) -> bool:
    """Whether ``term`` is the quantity (``f(x)`` for a formula: ``f`` of its variables)."""
    from sympy.core.function import AppliedUndef

    if isinstance(head, AppliedUndef):
        return isinstance(term, AppliedUndef) and term.func == head.func and term.args == head.args
    return term == head


def _mentions(expr: Any, head: Any) -> bool:
    from sympy.core.function import AppliedUndef

    if isinstance(head, AppliedUndef):
        return bool(getattr(expr, "atoms", lambda *_: ())(AppliedUndef)) and any(
            a.func == head.func for a in expr.atoms(AppliedUndef)
        )
    has = getattr(expr, "has", None)
    return bool(has is not None and has(head))


def _follows_target(
    spec: CarriedForward, earlier: EarlierValue, context: GradingContext
) -> tuple[Any, str]:
    """(the check's ECF answer with the student's value put in, or None; why not)."""
    from sympy.core.function import AppliedUndef

    from grader.math import MathParseError, parse_math

    head, _, problem = _quantity(spec.quantity, context.math_context)
    if problem is not None:
        return None, problem

    def put_in(expr: Any) -> Any:
        if isinstance(head, AppliedUndef):
            return expr.replace(
                lambda e: isinstance(e, AppliedUndef) and e.func == head.func,
                lambda e: earlier.value.xreplace(
                    dict(zip(earlier.variables, e.args, strict=False))
                ),
            )
        return expr.xreplace({head: earlier.value})

    def compute() -> Any:
        try:
            return parse_math(spec.answer, context.math_context)
        except MathParseError as error:
            return str(error)

    form = context.remember("carried forward form", spec.answer, compute)
    if isinstance(form, str):
        return None, f"the carried-forward answer does not read ({form})"
    terms = list(form.terms)
    if form.kind != "expression" or len(terms) != 1:
        return None, "the carried-forward answer must be one expression"
    try:
        target = put_in(terms[0])
    except Exception as error:  # noqa: BLE001 - a value that cannot go in is not decided
        return None, f"the student's {spec.quantity} cannot be put into the answer ({error})"
    if _mentions(target, head):
        return None, f"the student's {spec.quantity} cannot be put into the answer"
    return target, ""


def _compare(candidate: MathCandidate, target: Any, context: GradingContext) -> Any:
    """Equivalence of the value a line gives (its last term) with ``target``."""
    from grader.math import equivalent

    terms = list(getattr(candidate.parsed, "terms", None) or [])
    if not terms or candidate.parsed.kind not in ("expression", "equation", "chain"):
        return None
    if candidate.parsed.kind == "expression" and len(terms) != 1:
        return None
    try:
        return equivalent(
            terms[-1],
            target,
            context.math_context,
            time_limit=context.time_limit,
            seed=context.seed,
        )
    except Exception:  # noqa: BLE001 - a term the engine cannot compare is no match
        return None


# --------------------------------------------------------------------------
# the outcome


def _carried(
    outcome: CheckOutcome,
    candidate: MathCandidate,
    spec: CarriedForward,
    part_id: str,
    source: str,
    earlier: EarlierValue,
) -> CheckOutcome:
    outcome.items = [
        ItemOutcome(
            "answer", "carried_forward", candidate.line_no, message=f"carried forward from {source}"
        )
    ]
    outcome.message = f"carried forward from {source}"
    outcome.details["carried_forward"] = {
        "from": _full_part_id(spec.part, part_id) if spec.part else part_id,
        "quantity": spec.quantity,
        "value": _as_text(earlier.value),
        "value_line": earlier.line_no,
        "line": candidate.line_no,
    }
    return outcome


def _as_text(value: Any) -> str:
    """A value as plain text; a matrix as its rows (``[[2*x, 1], [0, 3]]``)."""
    from sympy import MatrixBase

    from grader.math import to_plain_text

    if isinstance(value, MatrixBase):
        rows = [", ".join(to_plain_text(v) for v in value.row(i)) for i in range(value.rows)]
        return "[" + ", ".join(f"[{row}]" for row in rows) + "]"
    return to_plain_text(value)


def _undetermined(outcome: CheckOutcome, item: ItemOutcome, reason: str) -> CheckOutcome:
    outcome.items = [ItemOutcome("answer", "undetermined", item.line_no)]
    outcome.undetermined = True
    outcome.review_reasons.append(reason)
    return outcome
