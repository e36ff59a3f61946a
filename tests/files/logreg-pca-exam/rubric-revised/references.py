"""Reference models and input generators for the code parts of exam2.

Adapted from /work/blind/exam2/reference-code.py (the instructor's reference
implementations), plus the input generators the code checks of rubric.yaml
need. Trusted: imported by the grader in its own process, never copied into
the students' sandbox.

Q2(c): softmax.py  ->  softmax(z)
Q4(d): pca.py      ->  pca(X, k)
"""
import numpy as np


# ------------------------------------------------------------------ Q2(c)
def softmax(z):
    """Numerically stable softmax along the last axis (same shape as z)."""
    z = np.asarray(z, dtype=float)
    shifted = z - np.max(z, axis=-1, keepdims=True)   # per-row max: no overflow
    e = np.exp(shifted)
    return e / np.sum(e, axis=-1, keepdims=True)


def logits_1d(rng, K=3, low=-5.0, high=5.0):
    """A (K,) vector of moderate logits, entries in [low, high]."""
    return {"z": rng.uniform(low, high, size=K)}


def logits_2d(rng, n=4, K=5, low=-5.0, high=5.0):
    """An (n, K) array of moderate logits, entries in [low, high]."""
    return {"z": rng.uniform(low, high, size=(n, K))}


# ------------------------------------------------------------------ Q4(d)
def pca(X, k):
    """PCA: (components (k, d), Z (n, k)); rows unit length, decreasing
    variance, each row's largest-|.| entry positive; Z = (X - mean) @ comps.T."""
    X = np.asarray(X, dtype=float)
    Xc = X - X.mean(axis=0)
    _, _, Vt = np.linalg.svd(Xc, full_matrices=False)
    comps = Vt[:k].copy()
    idx = np.argmax(np.abs(comps), axis=1)
    signs = np.sign(comps[np.arange(k), idx])
    comps *= signs[:, None]
    Z = Xc @ comps.T
    return comps, Z


def _fixed_orthogonal(d=5, seed=2024):
    """A fixed random orthogonal d x d matrix Q (the same for every seed)."""
    q, r = np.linalg.qr(np.random.default_rng(seed).standard_normal((d, d)))
    return q * np.sign(np.diag(r))


def pca_data(rng, n=60, k=2):
    """X = rng.standard_normal((n, 5)) @ A + (3, -2, 5, 1, 0),
    A = diag(3, 2, 1.2, 0.7, 0.3) Q, Q a fixed orthogonal matrix."""
    A = np.diag([3.0, 2.0, 1.2, 0.7, 0.3]) @ _fixed_orthogonal(5)
    X = rng.standard_normal((n, 5)) @ A + np.array([3.0, -2.0, 5.0, 1.0, 0.0])
    return {"X": X, "k": int(k)}


if __name__ == "__main__":
    sig = lambda z: 1.0 / (1.0 + np.exp(-z))
    x = np.array([1.0, 2.0, -1.0]); w = np.array([0.5, -0.25, 1.0])
    p = sig(w @ x)
    print("Q1(c) p =", round(p, 4), " w(t+1) =", np.round(w - 0.1 * (p - 1.0) * x, 4))
    X = np.array([[1, 0], [0, 1], [1, 1]], float); y = np.array([1, 2, 3], float)
    print("Q3(b) w =", np.linalg.solve(X.T @ X + np.eye(2), X.T @ y))
    C = np.array([[5, 2], [2, 2]], float)
    ev, V = np.linalg.eigh(C)
    print("Q4(c) eigenvalues", ev[::-1], "ratio", ev[-1] / ev.sum(), "v1", V[:, -1])
    print("softmax([1000,1001,1002]) =", softmax([1000, 1001, 1002]))
