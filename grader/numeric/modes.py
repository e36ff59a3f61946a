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


def _matches(
    a: np.ndarray, e: np.ndarray, *, sign: bool, scale: bool, rtol: float, atol: float
) -> np.ndarray:
    """For columns ``a`` (d,) or (k, d) broadcast against columns ``e`` (k, d):
    which pairs match up to the allowed sign and factor (one per pair)."""
    size = np.einsum("...d,...d->...", e, e)
    candidates: list[np.ndarray]
    if scale:
        # the least-squares factor: the one that fits best entry by entry
        best = np.einsum("...d,...d->...", a, e) / np.where(size > 0, size, 1.0)
        usable = (best != 0) & (sign | (best > 0)) | (size == 0)
        candidates = [np.where(size > 0, best, 1.0)]  # only zeros match zeros
    else:
        usable = np.ones(np.broadcast_shapes(a.shape[:-1], e.shape[:-1]), dtype=bool)
        candidates = [np.ones(usable.shape), -np.ones(usable.shape)] if sign else [np.ones(1)]
    found = np.zeros(usable.shape, dtype=bool)
    for factor in candidates:
        scaled = factor[..., None] * e
        with np.errstate(invalid="ignore", over="ignore"):
            found |= np.all(np.abs(a - scaled) <= atol + rtol * np.abs(scaled), axis=-1)
    return found & usable


def _perfect_matching(allowed: np.ndarray) -> bool:
    """Whether each row i can be paired with its own column j, allowed[i, j]
    (augmenting paths, searched without recursion: any number of columns)."""
    n = allowed.shape[0]
    owner = [-1] * n  # column -> the row it is paired with
    for start in range(n):
        seen = [False] * n
        came_from = [-1] * n  # column -> the column whose row reached it (-1: start)
        frontier = [(start, -1)]
        free = -1
        while frontier and free < 0:
            row, via = frontier.pop()
            for j in np.flatnonzero(allowed[row]):
                if seen[j]:
                    continue
                seen[j] = True
                came_from[j] = via
                if owner[j] < 0:
                    free = int(j)
                    break
                frontier.append((owner[j], int(j)))
        if free < 0:
            return False
        column = free  # shift the pairs along the path
        while column >= 0:
            previous = came_from[column]
            owner[column] = owner[previous] if previous >= 0 else start
            column = previous
    return True


def _axis_match(
    actual: np.ndarray, expected: np.ndarray, forgives: set[str], rtol: float, atol: float
) -> bool:
    """Columns of ``actual`` against columns of ``expected``."""
    sign, scale = "sign" in forgives, "scale" in forgives
    a, e = actual.T, expected.T  # one row per column
    if "permutation" not in forgives:
        return bool(np.all(_matches(a, e, sign=sign, scale=scale, rtol=rtol, atol=atol)))
    # which student column matches which reference column: one row at a time
    # (k x k x d at once could be large)
    allowed = np.array(
        [_matches(column, e, sign=sign, scale=scale, rtol=rtol, atol=atol) for column in a],
        dtype=bool,
    ).reshape(len(a), len(e))
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
    if not basis_a.size:
        return True  # both only zeros
    # the sine of the largest angle between the two subspaces
    gap = np.linalg.norm(basis_a - basis_e @ (basis_e.T @ basis_a), 2)
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
