"""Attack: sleep for an hour (no CPU used, only wall time)."""

import time


def fit_normal_equation(X, y):
    time.sleep(3600)
