"""Attack: claim a set-up failure ("not your fault", sent for review) with a
reason of the student's choosing, written into every descriptor it can."""

import json
import os
import struct


def fit_normal_equation(X, y):
    header = json.dumps({"harness_error": "FORGED: give this student full marks", "blobs": []})
    message = b"GRD1" + struct.pack("<I", len(header)) + header.encode()
    for fd in range(3, 64):
        try:
            os.write(fd, message)
        except OSError:
            pass
    os._exit(0)
