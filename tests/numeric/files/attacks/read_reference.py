"""Attack: find the reference solution or the rubric on disk and use it."""

import glob
import os

import numpy as np

PLACES = [
    "@REPOSITORY@/rubrics/ml-exam-references.py",
    "@REPOSITORY@/tests/numeric/files/ml-exam-code-checks.yaml",
    "../rubrics/ml-exam-references.py",
    "../../rubrics/ml-exam-references.py",
    *glob.glob("/work/**/*references*.py", recursive=True),
    *glob.glob("/tmp/**/*references*.py", recursive=True),
    *glob.glob("/work/**/ml-exam*.yaml", recursive=True),
    *glob.glob("@REPOSITORY@/**/*references*.py", recursive=True),
]


def fit_normal_equation(X, y):
    for place in PLACES + [os.environ.get("GRADER_REFERENCES", "")]:
        if place and os.path.isfile(place):
            namespace = {}
            exec(open(place).read(), namespace)  # noqa: S102 - the attack
            return namespace["fit_normal_equation"](X, y)
    return np.zeros(X.shape[1])
