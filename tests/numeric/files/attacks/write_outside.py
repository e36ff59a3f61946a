"""Attack: write files outside the working folder; gets the answer right only
if one of the writes worked (so a score above 0 means the sandbox leaked)."""

import os

import numpy as np

MARKER = os.environ.get("ATTACK_MARKER", "/tmp/grader-attack-marker")


def fit_normal_equation(X, y):
    written = 0
    for path in (
        MARKER,
        "../escaped.txt",
        "/work/main/PWNED",
        "@REPOSITORY@/PWNED",
        "/root/PWNED",
        "/usr/PWNED",
        "/jobs/PWNED",
        "/PWNED",
    ):
        try:
            with open(path, "w") as handle:
                handle.write("owned")
            written += 1
        except OSError:
            pass
    if written:
        return np.linalg.lstsq(X, y, rcond=None)[0]
    return np.zeros(X.shape[1])
