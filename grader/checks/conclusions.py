"""A conclusion must follow from the line before it.

A marking scheme's "a conclusion that does not follow from the previous line
earns nothing" is an expression check with ``must_follow: true``: a line that
matches the answer (or carries an error forward) keeps its marks only if it
follows from the student's own line before it, read as a statement:

- ``a = b`` (or a chain ``a = ... = b``) states ``a = b``; a line ``= c`` that
  continues a chain states ``a = c`` for the chain's first member ``a``;
- a bare expression states its value.

Two statements about the same thing (the same left side, or values) follow
when their values are equivalent; two equations follow when they have the
same solutions (``2x = 4`` then ``x = 2``), both by ``grader.math.equivalent``.
A check that also carries an error forward within its own answer
(``carried_forward`` with no ``part``: "the value computed from the student's
formula") follows from the student's own value of that quantity instead: a
right value that their own formula does not give earns nothing. A right
answer with no line before it has nothing it fails to follow from and keeps
its marks. When the previous line cannot be read or the engine cannot
decide, the check is ``undetermined`` with a review reason (never a silent
charge).
"""

from __future__ import annotations

from typing import Any

from grader.checks.base import AnswerInput, CheckOutcome, GradingContext, ItemOutcome
from grader.checks.carried_forward import follows_own_value
from grader.checks.mathlines import MathCandidate, answer_candidates

__all__ = ["apply_must_follow", "statements"]

# the outcomes a conclusion can lose by not following
_EARNED = ("correct", "ocr_suspect", "carried_forward")


def apply_must_follow(
    check: Any, answer: AnswerInput, context: GradingContext, outcome: CheckOutcome
) -> CheckOutcome:
    """``outcome`` with the check's conclusion rule applied (unchanged without it)."""
    if not getattr(check, "must_follow", False) or not outcome.items:
        return outcome
    item = outcome.items[0]
    if item.status not in _EARNED or item.line_no is None:
        return outcome
    own, note = follows_own_value(check, answer, context, item.line_no)
    if own == "equal":
        return outcome
    if own == "not_equal":
        return _does_not_follow(outcome, item, note)
    if own == "undetermined":
        return _undetermined(
            outcome,
            item,
            f"line {item.line_no}: could not decide whether it follows from your own "
            f"{check.carried_forward.quantity} ({note})",
        )
    said = statements(answer_candidates(answer, context.math_context))
    at = next((i for i, (c, _) in enumerate(said) if c.line_no == item.line_no), None)
    if at is None or at == 0:
        return outcome  # no working before it: nothing it fails to follow from
    previous, before = said[at - 1]
    conclusion = said[at][1]
    if previous.parsed is None or before is None:
        why = f"({previous.error})" if previous.error else "(it states nothing to compare)"
        return _undetermined(
            outcome,
            item,
            f"line {item.line_no}: could not decide whether it follows from line "
            f"{previous.line_no}, which could not be read {why}",
        )
    verdict = _follows(conclusion, before, context)
    if verdict is None or verdict.verdict == "undetermined":
        reason = verdict.reason if verdict is not None else "the two lines do not compare"
        return _undetermined(
            outcome,
            item,
            f"line {item.line_no}: could not decide whether it follows from line "
            f"{previous.line_no} ({reason})",
        )
    if verdict.verdict == "equal":
        return outcome
    return _does_not_follow(outcome, item, f"line {previous.line_no}")


def _does_not_follow(outcome: CheckOutcome, item: ItemOutcome, previous: str) -> CheckOutcome:
    outcome.items = [
        ItemOutcome(
            "answer", "does_not_follow", item.line_no, message=f"does not follow from {previous}"
        )
    ]
    outcome.details["does_not_follow"] = {"line": item.line_no, "from": previous}
    return outcome


def statements(candidates: list[MathCandidate]) -> list[tuple[MathCandidate, Any]]:
    """Each math line with what it states: ``("equation", lhs, rhs)``,
    ``("value", expr)``, or None (unreadable, or a line that states neither)."""
    out: list[tuple[MathCandidate, Any]] = []
    head: Any = None
    for candidate in candidates:
        line = candidate.parsed
        terms = list(getattr(line, "terms", None) or []) if line is not None else []
        said: Any = None
        if line is None or not terms:
            head = None
        elif getattr(line, "continues_previous", False):
            said = ("equation", head, terms[-1]) if head is not None else ("value", terms[-1])
        elif line.kind in ("equation", "chain") and getattr(line, "relation", "=") == "=":
            head = terms[0]
            said = ("equation", terms[0], terms[-1]) if len(terms) > 1 else None
        elif line.kind == "expression" and len(terms) == 1:
            head = None
            said = ("value", terms[0])
        else:
            head = None
        out.append((candidate, said))
    return out


def _follows(conclusion: Any, previous: Any, context: GradingContext) -> Any:
    """The equivalence of the two statements, or None when they do not compare."""
    import sympy as sp

    from grader.math import equivalent

    def compare(a: Any, b: Any) -> Any:
        try:
            return equivalent(
                a, b, context.math_context, time_limit=context.time_limit, seed=context.seed
            )
        except Exception:  # noqa: BLE001 - statements the engine cannot compare are not decided
            return None

    if conclusion is None:
        return None
    if conclusion[0] == "equation" and previous[0] == "equation":
        if conclusion[1] == previous[1]:
            return compare(conclusion[2], previous[2])  # the same thing, another value
        try:
            return compare(
                sp.Eq(conclusion[1], conclusion[2], evaluate=False),
                sp.Eq(previous[1], previous[2], evaluate=False),
            )
        except Exception:  # noqa: BLE001 - matrices SymPy will not put in an Eq
            return None
    # a value after an equation (or the other way): the value it gives
    return compare(conclusion[-1], previous[-1])


def _undetermined(outcome: CheckOutcome, item: ItemOutcome, reason: str) -> CheckOutcome:
    outcome.items = [ItemOutcome("answer", "undetermined", item.line_no)]
    outcome.undetermined = True
    outcome.review_reasons.append(reason)
    return outcome
