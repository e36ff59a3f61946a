"""Attack: print a gigabyte."""


def fit_normal_equation(X, y):
    print("x" * 1024**3)
