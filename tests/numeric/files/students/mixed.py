"""A function that loops on some inputs only, and other small behaviours."""


def double(x):
    while x.sum() < 0:  # loops for ever on inputs with a negative sum
        pass
    return 2 * x


def double_sometimes(x):
    # right on about half of the generated inputs
    return 2 * x if x[0] > 0 else 3 * x


def broken(x):
    return undefined_name * x  # noqa: F821


def scaled(x, mode):
    return 2 * x if mode == "double" else x
