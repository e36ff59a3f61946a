"""``expression`` checks: some line of the answer must be equivalent to the
reference (or an accepted form); otherwise known mistakes are tried.

Engine: ``grader.math`` (``parse_math``, ``equivalent``).
"""

from __future__ import annotations

import re
from dataclasses import replace
from typing import Any

from grader.checks.approximate import NumericVerdict, judge_number, reference_number
from grader.checks.base import AnswerInput, CheckOutcome, GradingContext, ItemOutcome
from grader.checks.cache import context_key, copied
from grader.checks.carried_forward import apply_carried_forward
from grader.checks.conclusions import apply_must_follow
from grader.checks.mathlines import (
    NO_MATH_READ,
    MathCandidate,
    answer_candidates,
    has_math_signs,
    prose_math_lines,
    read_as_text,
)
from grader.math import equivalent  # noqa: F401 - fails early when the engine is missing
from grader.rubric.models import ExpressionCheck


def compare(candidate: MathCandidate, target: str, context: GradingContext) -> Any:
    """Equivalence of a parsed answer line and a rubric form (an ``Equivalence``)."""

    return equivalent(
        candidate.parsed,
        target,
        context.math_context,
        time_limit=context.time_limit,
        seed=context.seed,
    )


def rubric_form(target: str, context: GradingContext) -> tuple[Any, str | None]:
    """(parsed rubric form, or None; the reason it cannot be read, or None), remembered."""

    def compute() -> tuple[Any, str | None]:
        from grader.math import MathParseError, parse_math

        try:
            return parse_math(target, context.math_context), None
        except MathParseError as error:
            return None, getattr(error, "reason", None) or str(error)

    return context.remember("parsed", target, compute)


def _canonical(expr: Any) -> Any:
    # X^T y (X^T X)^-1 written as a fraction nests its products; doit() flattens
    try:
        return expr.doit()
    except Exception:  # noqa: BLE001 - an expression SymPy cannot evaluate stays as read
        return expr


def _same_terms(first: list[Any], second: list[Any]) -> bool:
    return len(first) == len(second) and all(
        _canonical(a) == _canonical(b) for a, b in zip(first, second, strict=True)
    )


def _same_reading(candidate: MathCandidate, target: str, context: GradingContext) -> bool:
    # Meaningless forms (X X^T beta - X^T y: shapes do not agree) cannot be
    # compared by value; they match a known mistake when they read the same.
    parsed, _ = rubric_form(target, context)
    if parsed is None:
        return False
    return _same_terms(list(parsed.terms), list(getattr(candidate.parsed, "terms", [])))


def _error_kind(reason: str | None) -> str:
    return re.sub(r"\s*at column \d+", "", reason or "").strip()


def matches(candidate: MathCandidate, target: str, context: GradingContext) -> tuple[bool, Any]:
    """(matches, equivalence) for a line against one rubric form.

    A known mistake may be meaningless (``beta = (X^T y) / (X^T X)`` divides by a
    matrix): a line that cannot be read for the same reason matches it. A line
    that divides by a matrix is also tried with the whole product after its
    slash as the divisor (``X^T y / X^T X`` as ``X^T y / (X^T X)``), the
    reading its writer most likely meant.
    """
    key = (
        "matches",
        context_key(context.math_context),
        candidate.read_from,
        candidate.error,
        target,
        context.time_limit,
        context.seed,
    )
    # once per class for the same line and form (a verdict reached while a
    # time limit ran out is not kept: grader.checks.cache)
    return context.cached(key, lambda: _uncached_matches(candidate, target, context), copy=copied)


def _uncached_matches(
    candidate: MathCandidate, target: str, context: GradingContext
) -> tuple[bool, Any]:
    found, verdict = _matches(candidate, target, context)
    if found:
        return found, verdict
    other = _divisor_reading(candidate, context)
    if other is not None:
        other_found, other_verdict = _matches(other, target, context)
        if other_found:
            return other_found, other_verdict
    return False, verdict


def _divisor_reading(candidate: MathCandidate, context: GradingContext) -> MathCandidate | None:
    parsed = candidate.parsed
    problems = getattr(parsed, "shape_problems", None) or []
    if not any("divides by" in problem for problem in problems):
        return None

    from grader.math.parse import product_divisor_reading

    text = product_divisor_reading(candidate.source)
    if text is None:
        return None

    def compute() -> Any:
        from grader.math import MathParseError, parse_math

        try:
            return parse_math(text, context.math_context)
        except MathParseError:
            return None

    other = context.remember("divisor reading", candidate.source, compute)
    if other is None:
        return None
    return MathCandidate(
        candidate.line_no, candidate.source, other, None, candidate.in_prose, reading=text
    )


def _matches(candidate: MathCandidate, target: str, context: GradingContext) -> tuple[bool, Any]:
    if candidate.parsed is None:
        _, reason = rubric_form(target, context)
        if reason is None:
            return False, None
        return bool(_error_kind(reason)) and _error_kind(reason) == _error_kind(
            candidate.error
        ), None
    verdict = compare(candidate, target, context)
    if verdict.verdict == "equal":
        return True, verdict
    if verdict.diagnosis == "shape_mismatch" or verdict.verdict == "undetermined":
        if _same_reading(candidate, target, context):
            return True, verdict
    if _is_expression(target, context):
        # a value (``(a2 - y) w2``) is matched by the value a line gives:
        # ``dL/dz1 = ... = (a2 - y) w2`` or a line ``= (a2 - y) w2``
        # The line's result is its last value: a right value earlier on the line
        # followed by a different one (``d/dx(x^3 - 2x) = 3x^3 - 2``, the question
        # restated and then answered wrong) is not the student's answer.
        parsed, _ = rubric_form(target, context)
        terms = _terms(candidate)
        if len(terms) > 2 and getattr(terms[-1], "is_zero", False) is True:
            terms = terms[:-1]  # "dJ/dp = k/p - (n-k)/(1-p) = 0": set to zero, not a value
        if not terms:
            return False, verdict
        last = terms[-1]
        if parsed is not None and _same_terms([last], list(parsed.terms)):
            return True, verdict  # the same (even meaningless) expression
        value = _compare_term(last, target, context)
        if value is not None and value.verdict == "equal":
            return True, value
        for term in terms[1:-1]:
            earlier = _compare_term(term, target, context)
            if earlier is not None and earlier.verdict == "equal":
                # a wrong last step, or a last value misread (OCR): a person decides
                return False, replace(
                    earlier,
                    verdict="undetermined",
                    reason="a value earlier on the line is right, but the line ends in "
                    "a different one",
                )
        return False, value if value is not None else verdict
    return False, verdict


def _terms(candidate: MathCandidate) -> list[Any]:
    parsed = candidate.parsed
    terms = list(getattr(parsed, "terms", None) or [])
    if len(terms) < 2 and not getattr(parsed, "continues_previous", False):
        return []
    return terms


def _is_expression(target: str, context: GradingContext) -> bool:
    parsed, _ = rubric_form(target, context)
    return parsed is not None and parsed.kind == "expression"


def _compare_term(term: Any, target: str, context: GradingContext) -> Any:
    try:
        return equivalent(
            term, target, context.math_context, time_limit=context.time_limit, seed=context.seed
        )
    except Exception:  # noqa: BLE001 - a term the engine cannot compare is no match
        return None


def _numbers(
    check: ExpressionCheck, readable: list[MathCandidate], context: GradingContext
) -> list[NumericVerdict]:
    """Each line's number against a numeric answer (none for other answers)."""
    parsed, _ = rubric_form(check.answer, context)
    reference, subject = reference_number(parsed)
    if reference is None:
        return []
    within = check.within_tolerance if check.numeric_tolerance else None
    found = []
    for cand in readable:
        verdict = judge_number(cand, reference=reference, subject=subject, within=within)
        # an exact line that misses the answer is the equivalence check's to
        # judge; one that rounds it (p = 1.33 for 4/3) goes to a marker
        if verdict is not None and (verdict.approximate or verdict.status != "wrong"):
            found.append(verdict)
    return found


class ExpressionAdapter:
    kind = "expression"

    def grade(
        self, check: ExpressionCheck, answer: AnswerInput, context: GradingContext
    ) -> CheckOutcome:
        outcome = self.grade_lines(check, answer, context)
        # the rubric's follow rules: error carried forward, then a conclusion
        # that must follow from the line before it
        outcome = apply_carried_forward(check, answer, context, outcome)
        return apply_must_follow(check, answer, context, outcome)

    def grade_lines(
        self, check: ExpressionCheck, answer: AnswerInput, context: GradingContext
    ) -> CheckOutcome:
        """The answer's lines against the reference, accepted forms and known mistakes."""
        candidates = answer_candidates(answer, context.math_context, context.cache)
        outcome = CheckOutcome()
        for cand in candidates:
            if cand.parsed is not None:
                read_as = context.cached(
                    ("read as", context_key(context.math_context), cand.read_from),
                    lambda cand=cand: read_as_text(cand.parsed),
                )
                outcome.read_as.append(f"line {cand.line_no}: {read_as}")
                outcome.repairs += [
                    f"line {cand.line_no}: {r}" for r in getattr(cand.parsed, "repairs", [])
                ]
        # An unreadable line matters only when no line is right: it may be the
        # right answer, lost to the parser.
        unreadable = [
            f"line {c.line_no}: math could not be read ({c.error})"
            for c in candidates
            if c.parsed is None
        ]
        readable = [c for c in candidates if c.parsed is not None]
        # "p \approx 1.33": a value, not an exact line (grader.checks.approximate)
        exact = [c for c in readable if c.parsed.kind != "text"]
        if not candidates and answer.text.strip() and has_math_signs(answer.text):
            # an answer with math in it that no line could be read from: never a
            # silent "no answer"
            outcome.message = NO_MATH_READ
            outcome.review_reasons.append(NO_MATH_READ)
            outcome.items.append(ItemOutcome("answer", "missing"))
            return outcome
        if not readable:
            outcome.status = "no_answer" if not candidates else "graded"
            outcome.review_reasons += unreadable
            outcome.items.append(ItemOutcome("answer", "missing"))
            return outcome

        targets = [check.answer, *check.accept]
        closest: tuple[MathCandidate, Any] | None = None
        undetermined: list[tuple[MathCandidate, Any]] = []
        for cand in exact:
            for target in targets:
                ok, verdict = matches(cand, target, context)
                if ok:
                    outcome.items.append(ItemOutcome("answer", "correct", cand.line_no))
                    return outcome
                if verdict.verdict == "undetermined":
                    undetermined.append((cand, verdict))
                elif verdict.diagnosis and verdict.diagnosis != "different":
                    closest = (cand, verdict)
        numbers = _numbers(check, readable, context)
        right = next((n for n in numbers if n.status == "right"), None)
        if right is not None:
            outcome.items.append(ItemOutcome("answer", "correct", right.line_no))
            if right.approximate:
                outcome.evidence.append(
                    {
                        "line": right.line_no,
                        "text": f"{right.written:g}",
                        "note": "within tolerance",
                    }
                )
            return outcome
        outcome.review_reasons += unreadable

        for mistake in check.mistakes:
            for cand in candidates:
                if cand.parsed is not None and cand.parsed.kind == "text":
                    continue
                ok, _ = matches(cand, mistake.answer, context)
                if ok:
                    outcome.items.append(
                        ItemOutcome("answer", "wrong", cand.line_no, mistake=mistake.id)
                    )
                    return outcome

        unknown = next((n for n in numbers if n.status == "unknown"), None)
        if unknown is not None and not undetermined:
            # sigma(1) for a numeric answer: its value is not known here, so no
            # diagnosis of it (a constant factor, ...) may cost the mark
            outcome.undetermined = True
            outcome.review_reasons.append(
                f"line {unknown.line_no}: its value uses a function the context does not "
                "define, so it cannot be compared with the numeric answer"
            )
            outcome.items.append(ItemOutcome("answer", "undetermined", unknown.line_no))
            return outcome
        rounds = next((n for n in numbers if n.status == "rounds"), None)
        if rounds is not None and not undetermined:
            outcome.undetermined = True
            outcome.review_reasons.append(
                f"line {rounds.line_no}: {rounds.written:g} is the answer rounded, but the "
                "rubric states no tolerance for an approximate value"
            )
            outcome.items.append(ItemOutcome("answer", "undetermined", rounds.line_no))
            return outcome
        if undetermined:
            cand, verdict = undetermined[0]
            outcome.undetermined = True
            outcome.review_reasons.append(
                f"line {cand.line_no}: could not decide ({verdict.reason})"
            )
            outcome.items.append(ItemOutcome("answer", "undetermined", cand.line_no))
            return outcome
        off = next((n for n in numbers if n.status == "wrong" and n.approximate), None)
        if off is not None and closest is None:
            outcome.items.append(
                ItemOutcome("answer", "wrong", off.line_no, diagnosis="wrong_value")
            )
            return outcome
        if closest is None:
            # no line is even close (all "different"): do not blame one of them;
            # but math written around inline formulas was not read, and may be it
            outcome.items.append(ItemOutcome("answer", "not_found"))
            outcome.review_reasons += [
                f"line {line_no}: math written outside $...$ could not be read"
                for line_no in prose_math_lines(answer.lines)
            ]
            return outcome
        cand, verdict = closest
        outcome.items.append(
            ItemOutcome("answer", "wrong", cand.line_no, diagnosis=verdict.diagnosis)
        )
        return outcome


Adapter = ExpressionAdapter
