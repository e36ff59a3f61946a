import numpy as np

# softmax stable: we substract the maximum of every row before exp
def softmax(z):
    z = np.asarray(z, dtype=float)
    if z.ndim == 1:
        a = np.exp(z - z.max())
        return a / a.sum()
    a = np.exp(z - z.max(axis=1)[:, None])
    return a / a.sum(axis=1)[:, None]
