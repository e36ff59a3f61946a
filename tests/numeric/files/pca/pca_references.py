"""References for the PCA code checks (tests/numeric/test_code_modes.py and
the worked example in docs/code-checks.md)."""

import numpy as np

# What the comparator was given, by type name: the tests check that it only
# ever sees plain arrays and numbers.
SEEN: list[str] = []


def pca_components(X, k):
    """The first k principal components (columns), largest variance first,
    each with its largest entry positive."""
    centred = X - X.mean(axis=0)
    values, vectors = np.linalg.eigh(centred.T @ centred / (len(X) - 1))
    components = vectors[:, np.argsort(values)[::-1][:k]]
    signs = np.sign(components[np.abs(components).argmax(axis=0), range(k)])
    return components * signs


def pca_data(rng, n=40, d=4, index=0, case=None):
    """Data with well separated variances (so the components are well defined);
    each set of inputs stretched a little differently (``index``)."""
    spread = np.array([5.0, 3.0, 1.5, 0.5, 0.2, 0.1][:d]) * (1 + 0.1 * index)
    basis, _ = np.linalg.qr(rng.normal(size=(d, d)))
    return {"X": rng.normal(size=(n, d)) * spread @ basis.T + rng.normal(size=d)}


def canonical_signs(components):
    """A transform: each column's largest entry made positive."""
    components = np.atleast_2d(np.asarray(components, dtype=float))
    k = components.shape[1]
    return components * np.sign(components[np.abs(components).argmax(axis=0), range(k)])


def same_subspace(student, reference, inputs, max_angle=0.01):
    """A comparator: full marks when the columns span the reference's subspace,
    half when they span it only roughly."""
    SEEN.append(type(student).__name__)
    SEEN.append(type(reference).__name__)
    if not isinstance(student, np.ndarray) or student.shape != reference.shape:
        return False, "the components should be a d x k matrix"
    q_student, _ = np.linalg.qr(student)
    q_reference, _ = np.linalg.qr(reference)
    cosines = np.linalg.svd(q_student.T @ q_reference, compute_uv=False)
    angle = float(np.arccos(np.clip(cosines.min(), -1, 1)))
    if angle <= max_angle:
        return True
    if angle <= 10 * max_angle:
        return 0.5, f"the components span nearly the right subspace (angle {angle:.3f})"
    return 0.0, "the components span another subspace"


def broken_comparator(student, reference):
    """A comparator with a bug: the grader must not credit or charge on it."""
    return student["no such key"]


def nan_comparator(student, reference):
    return float("nan")


def largest_entry(components):
    """A transform to one number (a mode about columns cannot apply to it)."""
    return float(np.max(np.abs(components)))


FIXED = [np.eye(2), np.diag([3.0, 1.0]), np.array([[2.0, 1.0], [1.0, 2.0]])]


def fixed_matrix(rng, index, case=None, seed=None):
    """A generator told which set of inputs it makes (no seed to recover)."""
    return {"X": FIXED[index % len(FIXED)], "told": (index, case, seed)}


def explains_variance(student, reference, inputs, share=0.9):
    """A comparator without a reference value: the columns are orthonormal and
    keep at least ``share`` of the data's variance."""
    if not isinstance(student, np.ndarray) or student.ndim != 2:
        return False, "the components should be a matrix"
    if not np.allclose(student.T @ student, np.eye(student.shape[1]), atol=1e-8):
        return False, "the components should be orthonormal"
    centred = inputs["X"] - inputs["X"].mean(axis=0)
    kept = np.sum((centred @ student) ** 2) / np.sum(centred**2)
    return bool(kept >= share), f"the components keep {kept:.0%} of the variance"
