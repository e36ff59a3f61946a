"""Attack: an exception message with markup, terminal escape sequences,
invisible reordering characters and 100,000 characters, meant for whoever
reads the report (an HTML page, Gradescope, a terminal)."""


def fit_normal_equation(X, y):
    print("\x1b[2J\x1b]0;owned\x07<img src=x onerror=alert(2)>")
    raise ValueError(
        "<script>alert(1)</script>\x1b[2J\x1b]0;owned\x07\u202e\r\nAll tests passed" + "A" * 100_000
    )
