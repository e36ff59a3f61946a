import numpy as np


def pca(X: np.ndarray, k: int):
    """Return (components (k, d), Z (n, k)) -- see Q4(d)."""
    X = np.asarray(X, dtype=float)
    Xc = X - X.mean(axis=0, keepdims=True)
    # rows of Vt: eigenvectors of Xc^T Xc, sorted by decreasing singular value
    _, _, Vt = np.linalg.svd(Xc, full_matrices=False)
    comps = Vt[:k].copy()
    pivot = np.argmax(np.abs(comps), axis=1)
    comps *= np.sign(comps[np.arange(k), pivot])[:, None]
    return comps, Xc @ comps.T
