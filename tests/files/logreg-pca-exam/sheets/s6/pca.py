import numpy as np

def pca(X, k):
    X = np.asarray(X, dtype=float)
    n = X.shape[0]
    Xc = X - np.mean(X, axis=0)
    cov = np.dot(Xc.T, Xc) / (n - 1)
    eigval, eigvec = np.linalg.eigh(cov)
    # eigh give increasing order, we need decreasing
    eigval = eigval[::-1]
    eigvec = eigvec[:, ::-1]
    comp = eigvec[:, :k].T
    for i in range(k):
        big = np.argmax(np.abs(comp[i]))
        if comp[i][big] < 0:
            comp[i] = -comp[i]
    Z = np.dot(Xc, comp.T)
    return comp, Z
