import numpy as np


def pca(X, k):
    # the right components, each with its largest entry negative (but the first)
    centred = X - X.mean(axis=0)
    _, _, vt = np.linalg.svd(centred, full_matrices=False)
    components = vt[:k].T
    for j in range(k):
        if components[np.argmax(np.abs(components[:, j])), j] > 0:
            components[:, j] *= -1
    components[:, 0] *= -1
    return components
