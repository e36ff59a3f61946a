"""Comparing arrays up to what does not matter: a sign, an order, a scale, a rotation.

A *mode* is a set of invariances (``column_sign``, ``column_permutation``,
``scale``, ...) under which a student's array counts as the reference's,
each comparison with the usual tolerance (``abs(a - e) <= atol + rtol *
abs(e)``). Principal components are right "up to the sign of each column";
eigenvectors "up to a non-zero factor per column" (``column_scale`` with
``column_sign``); an orthonormal basis of a subspace "up to a rotation".

Runs in the grader's process on plain NumPy arrays. Knows nothing of rubrics.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from grader.numeric.spec import INVARIANCES, mode_problem

__all__ = [
    "INVARIANCES",
    "MatchOutcome",
    "describe_mode",
    "match_up_to",
    "mode_problem",
]

EXACT = "exact"


@dataclass(frozen=True)
class MatchOutcome:
    """``passed``; or, when the comparison cannot be decided, ``undetermined``
    says why (never a silent pass or a silent zero)."""

    passed: bool
    undetermined: str = ""


_PHRASES = {
    "sign": "the sign",
    "scale": "a positive factor",
    "sign+scale": "a non-zero factor",
    "permutation": "the order of the values",
    "row_sign": "the sign of each row",
    "row_scale": "a positive factor per row",
    "row_sign+row_scale": "a non-zero factor per row",
    "row_permutation": "the order of the rows",
    "column_sign": "the sign of each column",
    "column_scale": "a positive factor per column",
    "column_sign+column_scale": "a non-zero factor per column",
    "column_permutation": "the order of the columns",
    "rotation": "a rotation of the columns (an orthogonal mix of them)",
    "subspace": "the basis (the columns span the same subspace)",
}


def describe_mode(invariances: frozenset[str]) -> str:
    """``right up to the sign of each column and the order of the columns``."""
    if not invariances:
        return "right"
    left = set(invariances)
    words = []
    for pair in ("sign+scale", "row_sign+row_scale", "column_sign+column_scale"):
        first, second = pair.split("+")
        if {first, second} <= left:
            words.append(_PHRASES[pair])
            left -= {first, second}
    words += [_PHRASES[name] for name in sorted(left, key=list(INVARIANCES).index)]
    return "right up to " + " and ".join(words)


def _within(actual: np.ndarray, expected: np.ndarray, rtol: float, atol: float) -> bool:
    with np.errstate(invalid="ignore", over="ignore"):
        return bool(np.all(np.abs(actual - expected) <= atol + rtol * np.abs(expected)))


def _factors(
    actual: np.ndarray, expected: np.ndarray, *, sign: bool, scale: bool
) -> list[float] | None:
    """Candidate factors c for ``actual ~ c * expected`` (None: none can fit)."""
    if not scale:
        return [1.0, -1.0] if sign else [1.0]
    norm_e, norm_a = float(np.linalg.norm(expected)), float(np.linalg.norm(actual))
    if norm_e == 0.0:
        return [1.0]  # only zeros match zeros
    if norm_a == 0.0:
        return None  # a zero factor is not a scale
    if sign:
        # the factor's size from the norms (true under any reordering too), its
        # sign from the inner product, or both where that cannot tell
        dot = float(np.sum(actual * expected))
        size = norm_a / norm_e
        return [size, -size] if dot == 0.0 else [np.copysign(size, dot), -np.copysign(size, dot)]
    return [norm_a / norm_e]


def _vectors_match(
    a: np.ndarray, e: np.ndarray, *, sign: bool, scale: bool, rtol: float, atol: float
) -> bool:
    if scale:
        size = float(np.dot(e, e))
        if size == 0.0:
            return _within(a, e, rtol, atol)  # only zeros match zeros
        # the least-squares factor: the one that fits best entry by entry
        best = float(np.dot(a, e)) / size
        if best == 0.0 or (best < 0 and not sign):
            return False
        return _within(a, best * e, rtol, atol)
    return any(_within(a, c * e, rtol, atol) for c in ((1.0, -1.0) if sign else (1.0,)))


def _perfect_matching(allowed: np.ndarray) -> bool:
    """Whether each row i can be paired with its own column j, allowed[i, j]
    (Kuhn's augmenting paths: sizes here are small)."""
    n = allowed.shape[0]
    owner = [-1] * n

    def place(i: int, seen: list[bool]) -> bool:
        for j in range(n):
            if allowed[i, j] and not seen[j]:
                seen[j] = True
                if owner[j] < 0 or place(owner[j], seen):
                    owner[j] = i
                    return True
        return False

    return all(place(i, [False] * n) for i in range(n))


def _axis_match(
    actual: np.ndarray, expected: np.ndarray, forgives: set[str], rtol: float, atol: float
) -> bool:
    """Columns of ``actual`` against columns of ``expected``."""
    sign, scale = "sign" in forgives, "scale" in forgives
    k = expected.shape[1]

    def pair(i: int, j: int) -> bool:
        return _vectors_match(
            actual[:, i], expected[:, j], sign=sign, scale=scale, rtol=rtol, atol=atol
        )

    if "permutation" not in forgives:
        return all(pair(i, i) for i in range(k))
    allowed = np.array([[pair(i, j) for j in range(k)] for i in range(k)], dtype=bool)
    return _perfect_matching(allowed)


def _orthonormal_basis(x: np.ndarray, rtol: float) -> np.ndarray:
    u, s, _ = np.linalg.svd(x, full_matrices=False)
    if s.size == 0 or s[0] == 0.0:
        return u[:, :0]
    return u[:, s > max(rtol, 1e-12) * s[0]]


def _basis_match(
    actual: np.ndarray, expected: np.ndarray, kind: str, rtol: float, atol: float
) -> bool:
    if kind == "rotation":
        # orthogonal Procrustes: the best Q (orthogonal) with actual ~ expected @ Q
        u, _, vt = np.linalg.svd(expected.T @ actual)
        return _within(actual, expected @ (u @ vt), rtol, atol)
    basis_a = _orthonormal_basis(actual, rtol)
    basis_e = _orthonormal_basis(expected, rtol)
    if basis_a.shape[1] != basis_e.shape[1]:
        return False
    # the sine of the largest angle between the two subspaces
    gap = np.linalg.norm(basis_a @ basis_a.T - basis_e @ basis_e.T, 2) if basis_a.size else 0.0
    return bool(gap <= max(rtol, atol, 1e-12))


def match_up_to(
    *,
    actual: np.ndarray,
    expected: np.ndarray,
    invariances: frozenset[str],
    rtol: float,
    atol: float,
) -> MatchOutcome:
    """Whether ``actual`` is ``expected`` up to ``invariances`` (real, finite
    arrays; the caller has checked that). Shapes must agree (a subspace:
    the same number of rows)."""
    if not invariances:
        return MatchOutcome(
            actual.shape == expected.shape and _within(actual, expected, rtol, atol)
        )
    targets = {INVARIANCES[name][0] for name in invariances}
    target = next(iter(targets - {"whole"}), "whole")
    name = " and ".join(sorted(invariances))
    if target in ("row", "column", "basis"):
        if expected.ndim == 0 or expected.ndim > 2:
            what = "a number" if expected.ndim == 0 else f"an array with {expected.ndim} axes"
            return MatchOutcome(
                False,
                f"up to {name} needs vectors or a matrix, but the reference value is {what}",
            )
        if expected.ndim == 1:  # one vector: one column (or one row)
            one = (1, -1) if target == "row" else (-1, 1)
            expected = expected.reshape(one)
            if actual.ndim == 1:
                actual = actual.reshape(one)
        if target == "row":  # rows are the columns of the transposes
            expected = expected.T
            actual = actual.T if actual.ndim == 2 else actual
    if target == "basis" and invariances == {"subspace"}:
        if actual.ndim != 2 or actual.shape[0] != expected.shape[0]:
            return MatchOutcome(False)
        return MatchOutcome(_basis_match(actual, expected, "subspace", rtol, atol))
    if actual.shape != expected.shape:
        return MatchOutcome(False)
    if target == "basis":
        return MatchOutcome(_basis_match(actual, expected, "rotation", rtol, atol))
    factors = _factors(actual, expected, sign="sign" in invariances, scale="scale" in invariances)
    if factors is None:
        return MatchOutcome(False)
    if target in ("row", "column"):
        forgives = {INVARIANCES[n][1] for n in invariances if INVARIANCES[n][0] == target}
        return MatchOutcome(
            any(_axis_match(actual, c * expected, forgives, rtol, atol) for c in factors)
        )
    if target == "elements":
        flat_a = np.sort(actual, axis=None)
        return MatchOutcome(
            any(_within(flat_a, np.sort(c * expected, axis=None), rtol, atol) for c in factors)
        )
    return MatchOutcome(any(_within(actual, c * expected, rtol, atol) for c in factors))
