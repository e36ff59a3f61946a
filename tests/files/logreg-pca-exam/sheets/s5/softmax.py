"""Softmax for Q2(c).

I went back and forth on this one. The naive formula exp(z)/sum(exp(z)) is
mathematically fine but exp(1000) overflows to inf in float64, and inf/inf is
nan. The trick is that softmax is invariant to adding a constant to all the
logits (the constant cancels between numerator and denominator), so we can
subtract the maximum of each row. Then the largest exponent is exp(0) = 1 and
nothing overflows; very negative entries underflow to 0, which is harmless.
"""
import numpy as np


def softmax(z):
    z = np.asarray(z, dtype=float)
    # keepdims=True so this broadcasts for both (K,) and (n, K) inputs
    row_max = np.max(z, axis=-1, keepdims=True)
    shifted = z - row_max
    exps = np.exp(shifted)
    denom = np.sum(exps, axis=-1, keepdims=True)
    probs = exps / denom
    return probs
