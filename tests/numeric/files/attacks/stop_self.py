"""Attack: PTRACE_TRACEME then SIGSTOP -- the process stops, uses no CPU and
costs a whole wall-clock limit, flagged 'a busy machine' for review."""

import ctypes
import os
import signal

import numpy as np


def fit_normal_equation(X, y):
    libc = ctypes.CDLL(None, use_errno=True)
    libc.ptrace(0, 0, None, None)  # PTRACE_TRACEME
    os.kill(os.getpid(), signal.SIGSTOP)
    return np.zeros(X.shape[1])
