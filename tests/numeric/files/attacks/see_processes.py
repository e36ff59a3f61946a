"""Attack: look for other processes (the grader, classmates' jobs) by
signalling pids 2..4000 with signal 0; right answer if any other exists."""

import os

import numpy as np


def fit_normal_equation(X, y):
    others = 0
    for pid in range(2, 4000):
        if pid == os.getpid():
            continue
        try:
            os.kill(pid, 0)
            others += 1
        except ProcessLookupError:
            pass
        except PermissionError:
            others += 1  # it exists, it is just not ours
    if others:
        return np.linalg.lstsq(X, y, rcond=None)[0]
    return np.zeros(X.shape[1])
