"""One comparison as a test's ``compare`` states it: transforms first, then the
best mode that passes (with its share of the marks), or the references'
own comparator.

Runs in the grader's process. What reaches a transform or comparator of the
references file is plain data (:func:`~grader.numeric.transforms.plain_numbers`):
arrays, numbers, and tuples, lists and dicts of them, copied. The student's
code never made any of these objects (the sandbox sends back bytes, decoded
here with ``allow_pickle=False``), so no method of the student's can run in
the grader's process, whatever the instructor's code does with them.
"""

from __future__ import annotations

import inspect
import math
from typing import Any

import numpy as np

from grader.errors import RubricError
from grader.numeric.compare import Finding, compare_values, undecided
from grader.numeric.modes import describe_mode
from grader.numeric.references import References
from grader.numeric.spec import TRANSFORM_NAMES, CompareSpec
from grader.numeric.transforms import NotNumbers, apply_named, plain_numbers

__all__ = ["judge_comparison"]


class _Undecided(Exception):
    """Instructor code (a transform, a comparator) could not decide."""


def _instructor_function(refs: References | None, name: str, what: str):
    if refs is None:
        raise RubricError(f"{what} {name!r} needs a references file")
    return refs.function(name)


def _transform(
    compare: CompareSpec, value: Any, refs: References | None, whose: str, label: str
) -> Any:
    for name in compare.transform:
        if name in TRANSFORM_NAMES:
            value = apply_named((name,), value)
            continue
        function = _instructor_function(refs, name, "transform")
        try:
            value = plain_numbers(function(value), f"what transform {name} returned")
        except NotNumbers as error:
            raise _Undecided(str(error)) from None
        except Exception as error:  # noqa: BLE001 - instructor code on a student's value
            raise _Undecided(
                f"transform {name} failed on {whose} value for {label}: "
                f"{type(error).__name__}: {error}"
            ) from None
    return value


def _as_arrays(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _as_arrays(v) for k, v in value.items()}
    if isinstance(value, tuple | list):
        return type(value)(_as_arrays(v) for v in value)
    return np.asarray(value)


def _comparator_verdict(name: str, returned: Any) -> tuple[float, str]:
    """(score in [0, 1], message) from what a comparator returned."""
    message = ""
    if isinstance(returned, tuple) and len(returned) == 2 and isinstance(returned[1], str):
        returned, message = returned
    if isinstance(returned, bool | np.bool_):
        return (1.0 if returned else 0.0), message
    if isinstance(returned, int | float | np.integer | np.floating):
        score = float(returned)
        if math.isfinite(score) and 0.0 <= score <= 1.0:
            return score, message
    raise _Undecided(
        f"comparator {name} returned {type(returned).__name__} {str(returned)[:60]!r}, "
        "not a bool, a score in [0, 1] or (either, message)"
    )


def _run_comparator(
    compare: CompareSpec,
    refs: References | None,
    actual: Any,
    expected: Any,
    inputs: dict[str, Any],
    label: str,
) -> Finding:
    spec = compare.comparator
    function = _instructor_function(refs, spec.name, "comparator")
    kwargs = dict(spec.params)
    try:
        accepts = inspect.signature(function).parameters
    except (TypeError, ValueError):
        accepts = {}
    if "inputs" in accepts and "inputs" not in kwargs:
        kwargs["inputs"] = {k: plain_numbers(v, k) for k, v in inputs.items() if _numeric(v)}
    try:
        returned = function(actual, expected, **kwargs)
    except Exception as error:  # noqa: BLE001 - instructor code on a student's value
        raise _Undecided(
            f"comparator {spec.name} failed on {label}: {type(error).__name__}: {error}"
        ) from None
    score, message = _comparator_verdict(spec.name, returned)
    if score >= 1.0:
        return Finding(True, message)
    if score > 0.0:
        text = message or f"partly right ({score:g} of the marks)"
        return Finding(True, f"{label}: {text}", fraction=score)
    return Finding(False, f"{label}: {message}" if message else f"{label} is not right")


def _numeric(value: Any) -> bool:
    try:
        plain_numbers(value, "")
    except NotNumbers:
        return False
    return True


def judge_comparison(
    compare: CompareSpec,
    *,
    actual: Any,
    expected: Any,
    refs: References | None,
    inputs: dict[str, Any],
    sizes: tuple[int, ...],
    label: str,
) -> Finding:
    """The student's ``actual`` value against the reference's ``expected``.

    Modes are tried best score first; the first that passes gives its share,
    and its message says which (``right up to the sign of each column``).
    When none passes, the message is the first mode's diagnostic.
    """
    student, reference = actual, expected
    if compare.transform or compare.comparator is not None:
        # instructor code will see these: plain numbers and arrays only
        try:
            student = plain_numbers(actual, label)
        except NotNumbers as error:
            return Finding(False, f"{error}: the comparison takes numbers and arrays only")
        try:
            if expected is not None:  # None: a comparator without a reference
                reference = plain_numbers(expected, f"the reference value for {label}")
        except NotNumbers as error:
            raise RubricError(str(error)) from None
        try:
            student = _transform(compare, student, refs, "your", label)
            if reference is not None:
                reference = _transform(compare, reference, refs, "the reference", label)
            if compare.comparator is not None:
                return _run_comparator(compare, refs, student, reference, inputs, label)
        except _Undecided as why:
            return undecided(label, str(why))
        student = _as_arrays(student)
    reference = _as_arrays(reference)
    for mode in sorted(compare.modes, key=lambda m: -m.score):
        found = compare_values(
            actual=student,
            expected=reference,
            rtol=compare.rtol if mode.rtol is None else mode.rtol,
            atol=compare.atol if mode.atol is None else mode.atol,
            sizes=sizes,
            label=label,
            up_to=mode.up_to,
        )
        if found.undetermined:
            return found
        if found.passed and mode.score >= 1.0:
            return Finding(True, "", found.details)
        if found.passed:
            said = (
                f"{mode.feedback} ({mode.score:g} of the marks)"
                if mode.feedback
                else f"{label} is {describe_mode(mode.up_to)}: {mode.score:g} of the marks"
            )
            return Finding(True, said, found.details, mode.score)
    # None passed: the elementwise diagnostic says best what is wrong (a shape,
    # a factor, NaN), whatever the modes forgive.
    first = compare.modes[0]
    found = compare_values(
        actual=student,
        expected=reference,
        rtol=compare.rtol if first.rtol is None else first.rtol,
        atol=compare.atol if first.atol is None else first.atol,
        sizes=sizes,
        label=label,
    )
    if found.passed:  # the modes' own tolerances were tighter
        return Finding(False, f"{label} is not {describe_mode(first.up_to)}")
    return found
