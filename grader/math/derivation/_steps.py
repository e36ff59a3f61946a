"""One step: classify a statement and run the checks of its kind (under the time limit)."""

from __future__ import annotations

from typing import Any

from grader.math.calculus import MEANINGLESS_PARSE_ERRORS
from grader.math.derivation._checker import Checker, Outcome, ParsedStatement
from grader.math.derivation._checks import check_local, check_values, judge, worst_verdict
from grader.math.derivation._equations import check_equation, check_stationarity, is_stationarity
from grader.math.derivation._ocr import check_aside, garbled_check, mark_unreadable
from grader.math.derivation._reading import THEREFORE_RE, gradient_node, is_zero, read_as_text
from grader.math.derivation._results import DerivationStep
from grader.math.derivation._values import Verdict, free_symbols, split_quantity


def run_step(checker: Checker, statement: ParsedStatement, time_limit: float | None) -> Outcome:
    """One step under the time limit; running out makes it ``undetermined``."""
    from grader.timelimit import TimeLimitExceeded, WorkerCrashed, run_with_time_limit

    try:
        if time_limit is None:
            return _check_statement(checker, statement)
        return run_with_time_limit(_check_statement, checker, statement, seconds=time_limit)
    except TimeLimitExceeded as error:
        reason = f"the check {error}"
    except WorkerCrashed:
        reason = "the check crashed (out of memory?)"
    except RecursionError:
        reason = "the values the lines give refer to each other in a cycle"
    except Exception as error:  # noqa: BLE001 - a failed check is a result, never a crash
        # (the grader's own bug or SymPy's: the step is flagged for a human)
        reason = f"the check failed: {type(error).__name__}: {error}"
    source = statement.source
    step = DerivationStep(
        line_no=source.line_no,
        source=source.text,
        read_as=read_as_text(statement.line),
        kind=_rough_kind(statement.line),
        role=source.role,
        column=source.column,
        status="undetermined",
        message=reason,
    )
    # A main line whose check failed may have stated a new quantity (a gradient
    # SymPy could not take): the lines continuing it are not compared with the
    # quantity before it, which would charge them for the wrong thing.
    return Outcome(step, keep_main=source.role != "main")


def _rough_kind(line: Any) -> str:
    """The kind of a step whose check did not finish, from its shape alone."""
    if line is None:
        return "unreadable"
    terms = list(getattr(line, "terms", []) or [])
    if not terms or getattr(line, "kind", "") == "text":
        return "text"
    if getattr(line, "continues_previous", False):
        return "rewrite"
    head = terms[0]
    if split_quantity(getattr(head, "name", "") or "") or gradient_node(head) is not None:
        return "differentiation"
    return "equation" if len(terms) > 1 else "text"


def _check_statement(checker: Checker, statement: ParsedStatement) -> Outcome:
    """Classify and judge one statement (runs under the time limit)."""
    outcome = _classify_and_check(checker, statement)
    # The parser reads "X^T y / X^T X" as a product with an inverse and notes
    # the division by a matrix: name that mistake rather than the shapes.
    problems = getattr(statement.line, "shape_problems", None) or []
    division = next((p for p in problems if p.startswith("divides by")), None)
    step = outcome.step
    if division and step.status == "wrong" and step.diagnosis in ("shape_mismatch", None):
        step.diagnosis = "matrix_division"
        step.message = "division by a matrix: " + division.split(" (column")[0]
        for _, record in outcome.value_records:
            if record["line_no"] == step.line_no and record["status"] == "wrong":
                record["diagnosis"] = step.diagnosis
                record["message"] = step.message
    return outcome


def _classify_and_check(checker: Checker, statement: ParsedStatement) -> Outcome:
    """Classify one statement and run the checks of its kind."""
    source = statement.source
    line = statement.line
    step = DerivationStep(
        line_no=source.line_no,
        source=source.text,
        read_as=read_as_text(line),
        kind="text",
        role=source.role,
        column=source.column,
        repairs=list(getattr(line, "repairs", []) or []),
    )
    outcome = Outcome(step, keep_main=True)
    if line is None:
        reason = getattr(statement.error, "reason", "") or ""
        if any(reason.startswith(known) for known in MEANINGLESS_PARSE_ERRORS):
            return _meaningless(checker, outcome, statement, reason)
        return mark_unreadable(outcome, statement)
    kind = getattr(line, "kind", "expression")
    terms = list(getattr(line, "terms", []) or [])
    if kind == "text" or not terms:
        step.kind = "text"
        return outcome
    if kind == "shape_statement":
        step.kind = "side_note"
        step.message = "a statement of shapes (not part of the derivation)"
        return outcome
    unknown = [n for n in (getattr(line, "unknown_names", []) or []) if n not in checker.new_names]
    aside = statement.claim is not None or (
        THEREFORE_RE.match(source.text) is not None and source.role == "side_note"
    )
    if aside:
        return check_aside(checker, outcome, terms, statement.claim)

    continues = bool(getattr(line, "continues_previous", False))
    outcome.continues = continues
    outcome.names = {getattr(s, "name", "") for t in terms for s in free_symbols(t)}
    relation = getattr(line, "relation", "=")
    head = terms[0] = checker.unwrap_call(terms[0]) if not continues else terms[0]
    quantity = None if continues else checker.quantity_of(head)
    target = getattr(line, "update_of", None)
    if (
        target is not None
        and not continues
        and target in checker.graph.symbols
        and getattr(head, "name", None) == target  # w' = ... names a new value: below
    ):
        # beta <- beta - alpha grad J: the next value of a variable, not an
        # equation (read as one it would claim grad J = 0, right or wrong alike)
        step.kind = "side_note"
        step.quantity = target
        step.message = f"an update of {target} (a new value; not checked as an equation)"
        return outcome
    if quantity is None and not continues and len(terms) > 2 and checker.is_new_name(head):
        # \delta_2 := dL/dz2 = a2 - y: a new name for a quantity, and that quantity's value
        named = checker.quantity_of(terms[1])
        if named is not None:
            outcome.new_names[head.name] = terms[1]
            step.message = f"names {named} {head.name}"
            terms = terms[1:]
            head, quantity = terms[0], named

    # a local derivative, a restated definition written as a side note, another quantity
    if quantity is not None and split_quantity(quantity) is not None:
        of, wrt = split_quantity(quantity)
        if checker.graph.is_local(of, wrt) or not checker.knows(of):
            return check_local(
                checker, outcome, quantity, terms[1:], local=checker.graph.is_local(of, wrt)
            )
    if source.role == "side_note" and not continues:
        if quantity is not None and len(terms) > 1:
            return check_values(checker, outcome, quantity, terms[1:], unknown, side_note=True)
        return check_aside(checker, outcome, terms, None)

    if continues:
        if (
            len(terms) == 1
            and is_zero(terms[0])
            and checker.main_quantity is not None
            and split_quantity(checker.main_quantity) is not None
        ):
            # "set $= 0$": the gradient set to zero, the step to the normal equation
            step.kind = "equation"
            step.quantity = checker.main_quantity
            step.message = f"sets {checker.main_quantity} to 0 (the stationarity condition)"
            return outcome
        if checker.equation is not None and checker.main_quantity is None:
            return check_equation(
                checker,
                outcome,
                [checker.equation["rhs"], *terms],
                relation,
                unknown,
                continues=True,
            )
        if checker.main_quantity is None:
            step.kind = "rewrite"
            step.message = "continues a line that states no quantity (not checked)"
            return outcome
        if is_stationarity(checker, terms, relation, continues=True):
            return check_stationarity(checker, outcome, terms, unknown)
        return check_values(checker, outcome, checker.main_quantity, terms, unknown)

    if (
        quantity is not None
        and split_quantity(quantity) is not None
        and len(terms) == 2
        and is_zero(terms[1])
    ):
        return check_stationarity(checker, outcome, terms, unknown, quantity=quantity)
    if _set_to_zero_at_the_end(quantity, terms):
        return _values_then_zero(checker, outcome, quantity, terms, unknown)
    if quantity is not None:
        if len(terms) == 1:
            step.kind = "rewrite"
            step.quantity = quantity
            step.message = "names the quantity only"
            outcome.main_quantity = quantity
            outcome.keep_main = False
            return outcome
        return check_values(checker, outcome, quantity, terms[1:], unknown)

    gradient = gradient_node(head)
    if gradient is not None and len(terms) > 1:
        if checker.main_quantity is not None and split_quantity(checker.main_quantity):
            # in the middle of a derivative's chain: an aside about something else
            step.kind = "side_note"
            step.message = "a statement about another quantity (not checked)"
            return garbled_check(checker, outcome, terms)
        quantity = checker.gradient_quantity(gradient)
        if _set_to_zero_at_the_end(quantity, terms):
            return _values_then_zero(checker, outcome, quantity, terms, unknown)
        return check_values(checker, outcome, quantity, terms[1:], unknown)

    if len(terms) == 1:
        step.kind = "text"
        step.message = "an expression on its own (not checked)"
        return outcome
    # a new name: w_1' = w_1 - alpha dL/dw1
    if checker.is_new_name(head) and len(terms) == 2:
        step.kind = "definition"
        step.quantity = head.name
        step.message = f"defines the new name {head.name}"
        outcome.new_names[head.name] = terms[1]
        outcome.values.append((head.name, terms[1]))
        outcome.main_quantity = head.name
        outcome.keep_main = False
        return outcome
    if is_stationarity(checker, terms, relation, continues=False):
        return check_stationarity(checker, outcome, terms, unknown)
    if relation == "=>" or checker.equation is not None or checker.is_unknown_symbol(head):
        return check_equation(checker, outcome, terms, relation, unknown)
    identity = checker.compare(terms[1], terms[0], student_mode="student", reference_mode="student")
    if identity.equal or (identity.verdict == "undetermined" and not checker.ill_formed(terms)):
        return _check_expression_rewrite(checker, outcome, terms, identity)
    return check_equation(checker, outcome, terms, relation, unknown)


def _meaningless(
    checker: Checker, outcome: Outcome, statement: ParsedStatement, reason: str
) -> Outcome:
    """A line that reads but means nothing (``beta = X^T y / X^T X``): wrong, never ECF."""
    from grader.math.parse import MathParseError, parse_math

    step = outcome.step
    text = statement.source.text
    continues = text.lstrip().startswith("=")
    step.diagnosis = next(
        d for known, d in MEANINGLESS_PARSE_ERRORS.items() if reason.startswith(known)
    )
    step.vs_truth = "not_equal"
    step.status = "wrong"
    step.message = reason.split(" at column")[0]
    step.details = {"position": getattr(statement.error, "position", None), "reason": reason}
    if continues and checker.main_quantity is not None:
        step.kind = "differentiation" if split_quantity(checker.main_quantity) else "rewrite"
        step.quantity = checker.main_quantity
        outcome.record_value(
            checker.main_quantity,
            "wrong",
            None,
            problem=Verdict("not_equal", step.diagnosis, step.message),
        )
        return outcome
    step.kind = "equation"
    left = text.split("=", 1)[0] if "=" in text else ""
    if left.strip():
        try:
            terms = parse_math(left, checker.context).terms
            outcome.lhs = terms[0] if len(terms) == 1 else None
        except MathParseError:
            outcome.lhs = None
    outcome.keep_main = False
    outcome.main_quantity = None
    return outcome


def _check_expression_rewrite(
    checker: Checker, outcome: Outcome, terms: list[Any], identity: Verdict
) -> Outcome:
    step = outcome.step
    step.kind = "rewrite"
    verdicts = [identity] + [
        checker.compare(b, a, student_mode="student", reference_mode="student")
        for a, b in zip(terms[1:], terms[2:], strict=False)
    ]
    step.vs_previous = worst_verdict([v.verdict for v in verdicts])
    step.vs_truth = step.vs_previous
    bad = next((v for v in verdicts if not v.equal), None)
    if bad is not None:
        step.diagnosis = bad.diagnosis
        step.message = bad.reason
    judge(step)
    outcome.main_quantity = None
    outcome.keep_main = False
    return outcome


def _set_to_zero_at_the_end(quantity: str | None, terms: list[Any]) -> bool:
    """``dl/dp = E = 0``: a derivative's value and, on the same line, set to zero."""
    return (
        quantity is not None
        and split_quantity(quantity) is not None
        and len(terms) > 2
        and is_zero(terms[-1])
        and not any(is_zero(term) for term in terms[1:-1])
    )


def _values_then_zero(
    checker: Checker, outcome: Outcome, quantity: str, terms: list[Any], unknown: Any
) -> Outcome:
    """The values are checked as the derivative's (the trailing 0 is not one of
    them), and ``E = 0`` becomes the equation the next lines solve."""
    outcome = check_values(checker, outcome, quantity, terms[1:-1], unknown)
    wrt = checker.graph.symbols.get(split_quantity(quantity)[1])
    truth = checker.truth_expr(quantity)
    zero = terms[-1]
    outcome.equation = {
        "lhs": terms[-2],
        "rhs": zero,
        "unknown": wrt,
        "truth": (truth, zero) if truth is not None else None,
        "line_no": outcome.step.line_no,
    }
    outcome.main_quantity = None
    outcome.keep_main = False
    return outcome
