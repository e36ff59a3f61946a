"""Attack: a numpy.py next to linreg.py, hoping the harness (or the grader)
imports it instead of NumPy and believes every comparison."""

print("FAKE NUMPY LOADED")


def allclose(*args, **kwargs):
    return True


def zeros(shape, *args, **kwargs):
    return "all tests passed"


class linalg:  # noqa: N801 - stands in for the numpy.linalg module
    @staticmethod
    def solve(a, b):
        return "all tests passed"
