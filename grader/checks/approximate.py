"""Numeric answers with a tolerance, and values stated with ``\\approx``.

An expression check whose answer is a number may state a tolerance
(``answer: 0.245 +- 0.005``, ``tolerance:``, ``rel_tolerance:``); a line
whose value is a number within it is right, written with ``=`` or with
``\\approx``. The rule for ``\\approx`` (docs/equivalence.md):

- an approximation is never exact evidence: ``p = 4/3 \\approx 1.33`` is
  right for its exact ``4/3``, never for its ``1.33``; a line that states an
  exact value is judged by it (``p = 5/4 \\approx 1.33`` is wrong), unless
  that value cannot be evaluated (``sigma(1)`` of a function the context does
  not define): then it is undetermined, and its approximation is judged;
- with a tolerance, an approximate value within it is right, and one outside
  it is a wrong value (the line it is on is named);
- without a tolerance, an approximate value that agrees with the answer to
  the digits it shows (``1.33`` for ``4/3``) is undetermined: a marker
  decides, the part is flagged; one that does not is a wrong value. A
  decimal written with ``=`` that is the answer rounded (``p = 1.33``) is
  undetermined too (a marker decides), never a silent 0.

A value is compared only for the quantity the answer gives: ``q = 1.33`` is
no value for an answer ``p = 4/3``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Literal

from grader.checks.mathlines import MathCandidate

# "unknown": a value with no unknowns that cannot be evaluated (sigma(1) of a
# function the context does not define): never judged, a marker decides
NumericStatus = Literal["right", "wrong", "rounds", "unknown"]


@dataclass(frozen=True)
class NumericVerdict:
    """One line's number against the answer's."""

    status: NumericStatus
    line_no: int
    written: float
    approximate: bool


def number_of(term: Any) -> float | None:
    """The real value of a term with no unknowns (``4/3``, ``\\sqrt{2}``), else None."""
    try:
        if not getattr(term, "is_number", False):
            return None
        value = complex(term.evalf())
    except (TypeError, ValueError, AttributeError, ArithmeticError):
        return None
    if value.imag != 0 or not math.isfinite(value.real):
        return None
    return value.real


def _opaque_constant(term: Any) -> bool:
    """A term with no free symbols whose value is unknown: a function the
    context does not define, applied to numbers (``sigma(1)``)."""
    try:
        from sympy.core.function import AppliedUndef

        return not term.free_symbols and bool(term.atoms(AppliedUndef))
    except AttributeError:
        return False


def decimals_shown(term: Any) -> int | None:
    """How many decimals a written number shows (``1.33``: 2, ``3``: 0); None
    for a value that is not a terminating decimal as written (``4/3``)."""
    denominator = getattr(term, "q", None)
    if not isinstance(denominator, int) or getattr(term, "p", None) is None:
        return None
    places = 0
    while denominator % 10 == 0:
        denominator //= 10
        places += 1
    return places if denominator == 1 else None


def reference_number(parsed: Any) -> tuple[float | None, Any]:
    """(the answer's value, the quantity it gives or None) of a parsed rubric form."""
    terms = list(getattr(parsed, "terms", None) or [])
    if not terms:
        return None, None
    subject = terms[0] if len(terms) > 1 and not parsed.continues_previous else None
    return number_of(terms[-1]), subject


def _candidate_value(cand: MathCandidate) -> tuple[Any, Any, bool] | None:
    """(written term, the quantity it is for or None, approximate) of a line."""
    parsed = cand.parsed
    approximations = list(getattr(parsed, "approximations", None) or [])
    terms = list(getattr(parsed, "terms", None) or [])
    exact_value = len(terms) > 1 or (terms and parsed.continues_previous)
    if exact_value and _opaque_constant(terms[-1]):
        exact_value = False  # "p = sigma(1) \approx 0.731": only the 0.731 can be judged
    if approximations and not exact_value:
        # "p = 5/4 \approx 1.33" is judged by its exact 5/4
        subject = getattr(parsed, "approximate_of", None)
        if subject is None and terms and not parsed.continues_previous:
            subject = terms[0]
        return approximations[-1], subject, True
    if not terms:
        return None
    subject = terms[0] if len(terms) > 1 and not parsed.continues_previous else None
    return terms[-1], subject, False


def judge_number(
    cand: MathCandidate,
    *,
    reference: float,
    subject: Any,
    within: Any | None,
) -> NumericVerdict | None:
    """A line's number against ``reference``; ``within(value, reference)`` is
    the check's tolerance (None: no tolerance stated). None when the line
    gives no number for the answer's quantity, or states no approximation and
    there is no tolerance (exact lines are the equivalence check's)."""
    found = _candidate_value(cand)
    if found is None:
        return None
    term, written_for, approximate = found
    if subject is not None and written_for is not None and written_for != subject:
        return None  # a value for another quantity
    value = number_of(term)
    if value is None:
        if _opaque_constant(term):
            return NumericVerdict("unknown", cand.line_no, math.nan, approximate)
        return None
    if within is not None:
        status: NumericStatus = "right" if within(value, reference) else "wrong"
        return NumericVerdict(status, cand.line_no, value, approximate)
    places = decimals_shown(term)
    if not approximate and not places:
        return None  # an exact integer or fraction: the equivalence check's
    if places is not None and abs(value - reference) <= 0.5 * 10.0**-places * (1 + 1e-9):
        return NumericVerdict("rounds", cand.line_no, value, approximate)
    return NumericVerdict("wrong", cand.line_no, value, approximate)
