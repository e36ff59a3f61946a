"""Values of a quantity against the student's previous line and the truth; error carried forward."""

from __future__ import annotations

from typing import Any

from grader.math.calculus import plain
from grader.math.derivation._checker import Checker, Outcome
from grader.math.derivation._ocr import fit_ocr, garbled_check
from grader.math.derivation._reading import gradient_node, with_gradient_wrt
from grader.math.derivation._results import DerivationStep
from grader.math.derivation._values import Verdict, has_derivative_symbol, split_quantity


def judge(step: DerivationStep) -> None:
    """The step's status from its verdicts (ECF: wrong vs truth but follows)."""
    if step.ocr_suspect:
        step.status = "review"
    elif step.vs_truth == "equal":
        step.status = "correct"
    elif step.vs_truth == "not_equal":
        meaningless = step.diagnosis in ("shape_mismatch", "matrix_division")
        if step.vs_previous == "equal" and not meaningless:
            step.status = "carried_forward"
        else:
            step.status = "wrong"
    elif step.vs_truth == "undetermined" or step.vs_previous == "undetermined":
        step.status = "undetermined"
    elif step.vs_previous == "equal":
        step.status = "correct"
    elif step.vs_previous == "not_equal":
        step.status = "wrong"
    else:
        step.status = "unchecked"


def check_values(
    checker: Checker,
    outcome: Outcome,
    quantity: str,
    values: list[Any],
    unknown: list[str],
    *,
    side_note: bool = False,
) -> Outcome:
    """Rewrites, definitions and derivatives: each value vs previous and vs truth."""
    step = outcome.step
    split = split_quantity(quantity)
    step.quantity = quantity
    if split is not None:
        step.kind = "differentiation"
    elif quantity in checker.graph.definitions and not outcome.continues:
        step.kind = "definition"
    else:
        step.kind = "rewrite"
    if side_note:
        step.kind = "side_note"
    outcome.main_quantity = None if side_note else quantity
    outcome.keep_main = side_note
    truth = checker.truth_expr(quantity)
    wrt_symbol = checker.graph.symbols.get(split[1]) if split else None
    previous = checker.student_expr(quantity)
    ecf = checker.ecf_expr(quantity) if split else None
    messages = []
    first_problem: Verdict | None = None
    vs_previous_all: list[str] = []
    vs_truth_all: list[str] = []
    for value in values:
        value = with_gradient_wrt(value, wrt_symbol)
        gradient = gradient_node(value)
        if gradient is not None and split is not None:
            _record_gradient_argument(checker, outcome, split[0], gradient[0])
        truth_verdict = (
            checker.compare(value, truth, student_mode="student") if truth is not None else None
        )
        if previous is not None:
            prev_verdict = checker.compare(
                value, previous, student_mode="student", reference_mode="student"
            )
        elif ecf is not None:
            prev_verdict = checker.compare(
                value, ecf, student_mode="student", reference_mode="student"
            )
        else:
            prev_verdict = None
        if (
            truth_verdict is not None
            and not truth_verdict.equal
            and ecf is not None
            and previous is not None
        ):
            via_graph = checker.compare(
                value, ecf, student_mode="student", reference_mode="student"
            )
            if via_graph.equal:
                prev_verdict = via_graph
        target = truth if truth is not None else previous
        deciding = truth_verdict if truth is not None else prev_verdict
        if deciding is not None and not deciding.equal and unknown and target is not None:
            fitted = fit_ocr(checker, value, target, unknown)
            if fitted is not None:
                step.ocr_suspect = True
                step.ocr_note, repaired = fitted
                step.details["read_as_repaired"] = plain(repaired)
                value = repaired  # later lines are compared with the repaired reading
                if truth is not None:
                    truth_verdict = checker.compare(value, truth, student_mode="student")
                if previous is not None:
                    prev_verdict = checker.compare(
                        value, previous, student_mode="student", reference_mode="student"
                    )
        vs_truth_all.append(truth_verdict.verdict if truth_verdict else "none")
        vs_previous_all.append(prev_verdict.verdict if prev_verdict else "none")
        record_status = value_status(truth_verdict, prev_verdict, step.ocr_suspect)
        problem = truth_verdict if truth_verdict is not None and not truth_verdict.equal else None
        if problem is not None and prev_verdict is not None and not prev_verdict.equal:
            own_reference = ecf if ecf is not None else previous
            if own_reference is not None:
                own = checker.compare(
                    checker.student_form(value),
                    checker.student_form(own_reference),
                    student_mode="student",
                    reference_mode="student",
                )
                if own.diagnosis not in (None, "different") and own.verdict == "not_equal":
                    problem = own  # name the new error against the student's own work
        if problem is not None and first_problem is None:
            first_problem = problem
        outcome.values.append((quantity, value))
        outcome.record_value(
            quantity,
            record_status,
            value,
            problem=problem,
            unevaluated=gradient is not None or has_derivative_symbol(value),
            ocr=step.ocr_suspect,
            side_note=side_note,
        )
        previous = value
        if problem is not None and problem.reason:
            messages.append(problem.reason)
        elif truth_verdict is None and prev_verdict is not None and not prev_verdict.equal:
            messages.append(f"does not follow from the previous line ({prev_verdict.reason})")
        elif truth_verdict is not None and truth_verdict.verdict == "undetermined":
            messages.append(truth_verdict.reason)
    step.vs_truth = worst_verdict(vs_truth_all)
    step.vs_previous = worst_verdict(vs_previous_all)
    if first_problem is not None:
        step.diagnosis = first_problem.diagnosis
        step.details.update(first_problem.details)
    if truth is not None:
        step.details["expected"] = plain(truth)
    judge(step)
    if step.ocr_suspect:
        step.message = step.ocr_note or ""
    elif step.status == "carried_forward":
        step.message = "follows from the earlier (wrong) line: error carried forward"
    elif messages:
        step.message = "; ".join(dict.fromkeys(messages))
    elif truth is None and step.vs_previous is None:
        step.message = "no reference to compare with"
    return outcome


def _record_gradient_argument(checker: Checker, outcome: Outcome, of: str, inner: Any) -> None:
    """``\\nabla (expr)`` restates ``of``: the argument counts as a value of it."""
    if not checker.knows(of):
        return
    truth = checker.truth_expr(of)
    verdict = checker.compare(inner, truth, student_mode="student") if truth is not None else None
    previous = checker.student_expr(of)
    prev_verdict = (
        checker.compare(inner, previous, student_mode="student", reference_mode="student")
        if previous is not None
        else None
    )
    outcome.values.append((of, inner))
    outcome.record_value(
        of,
        value_status(verdict, prev_verdict, False),
        inner,
        problem=verdict if verdict and not verdict.equal else None,
    )


def value_status(truth: Verdict | None, previous: Verdict | None, ocr: bool) -> str:
    if ocr:
        return "ocr"
    if truth is None:
        return "unknown" if previous is None or previous.verdict != "not_equal" else "wrong"
    if truth.equal:
        return "right"
    if truth.verdict == "undetermined":
        return "undetermined"
    meaningless = truth.diagnosis in ("shape_mismatch", "matrix_division")
    if previous is not None and previous.equal and not meaningless:
        return "carried"
    return "wrong"


def worst_verdict(verdicts: list[str]) -> str | None:
    for candidate in ("not_equal", "undetermined", "equal"):
        if candidate in verdicts:
            return candidate
    return None


OTHER_QUANTITY = "a statement about another quantity (not checked)"


def check_local(
    checker: Checker, outcome: Outcome, quantity: str, values: list[Any], *, local: bool
) -> Outcome:
    """A local derivative (one edge of the graph) or a derivative of another quantity."""
    step = outcome.step
    step.kind = "side_note"
    step.quantity = quantity
    of, wrt = split_quantity(quantity)
    if not local or not values:
        step.message = OTHER_QUANTITY
        return garbled_check(checker, outcome, values)
    truth = checker.graph.local(of, wrt)
    verdicts = [checker.compare(v, truth, student_mode="student") for v in values]
    worst = next((v for v in verdicts if not v.equal), None)
    step.vs_truth = worst_verdict([v.verdict for v in verdicts])
    step.details["expected"] = plain(truth)
    for value in values:
        outcome.values.append((quantity, value))
    if worst is not None and worst.diagnosis == "shape_mismatch":
        step.ocr_suspect = True
        step.ocr_note = f"a garbled side note ({worst.reason})"
    elif worst is not None:
        step.diagnosis = worst.diagnosis
        step.message = f"local derivative: {worst.reason}"
    else:
        step.message = "local derivative"
    judge(step)
    return outcome
