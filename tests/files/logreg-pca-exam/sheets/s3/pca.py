import numpy as np

def pca(X, k):
    U, S, Vt = np.linalg.svd(X, full_matrices=False)
    comps = Vt[:k]
    for i in range(k):
        j = np.argmax(np.abs(comps[i]))
        if comps[i, j] < 0:
            comps[i] = -comps[i]
    Z = X @ comps.T
    return comps, Z
