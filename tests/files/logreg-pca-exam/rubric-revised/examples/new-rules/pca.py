import numpy as np


def pca(X, k):
    # svd with the signs flipped: right up to the sign of each component
    Xc = X - X.mean(axis=0)
    _, _, Vt = np.linalg.svd(Xc, full_matrices=False)
    comps = -Vt[:k]
    idx = np.argmax(np.abs(comps), axis=1)
    comps = comps * -np.sign(comps[np.arange(k), idx])[:, None]
    return comps, Xc @ comps.T
