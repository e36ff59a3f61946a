"""Attack: exit cleanly at import time."""

import sys

sys.exit(0)


def fit_normal_equation(X, y):  # never reached
    return None
