"""Attack: write a forged result straight into the result pipe, then leave."""

import os


def fit_normal_equation(X, y):
    for fd in range(3, 10):
        try:
            os.write(fd, b'GRD1\xff\xff\xff\xff{"calls": [{"ok": true}]}')
        except OSError:
            pass
    os._exit(0)
