"""Attack (or a bug): an endless loop."""


def fit_normal_equation(X, y):
    while True:
        pass
