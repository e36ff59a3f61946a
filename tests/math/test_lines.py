"""Finding math statements in an answer, with the file's line numbers."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from grader.math.lines import find_math_lines, strip_label

SHEET = Path(__file__).resolve().parent.parent / "files" / "seed-student-ocr.md"


def _main(text: str, first_line: int = 1) -> list[tuple[int, str, str]]:
    return [
        (s.line_no, s.role, s.text)
        for s in find_math_lines(text, first_line)
        if not (s.origin == "inline" and s.in_prose)
    ]


CASES = [
    ("$$J = 1$$", [(1, "main", "J = 1")]),
    ("text\n\n$$a = b$$\n\n$$= c$$", [(3, "main", "a = b"), (5, "main", "= c")]),
    (r"$$a = b \\ = c \\ = d$$", [(1, "main", "a = b"), (1, "main", "= c"), (1, "main", "= d")]),
    ("$$\na = b\n\\\\\n= c\n$$", [(2, "main", "a = b"), (4, "main", "= c")]),
    (
        r"$$\frac{\partial L}{\partial z_1} = p q \leftarrow \frac{\partial a_1}{\partial z_1} = a_1(1-a_1)$$",
        [
            (1, "main", r"\frac{\partial L}{\partial z_1} = p q"),
            (1, "side_note", r"\frac{\partial a_1}{\partial z_1} = a_1(1-a_1)"),
        ],
    ),
    (
        r"$$u = v \quad : \quad z_2 = w_2 a_1 + b_2 \\ = w$$",
        [(1, "main", "u = v"), (1, "side_note", "z_2 = w_2 a_1 + b_2"), (1, "main", "= w")],
    ),
    (
        r"$$Y = \begin{bmatrix} y_1 \\ y_n \end{bmatrix} \quad x = R^{n}$$",
        [(1, "main", r"Y = \begin{bmatrix} y_1 \\ y_n \end{bmatrix}"), (1, "main", "x = R^{n}")],
    ),
    (
        "$$\\begin{aligned} J &= a \\\\ &= b \\end{aligned}$$",
        [(1, "main", "J  = a"), (1, "main", "= b")],
    ),
    (r"\[ a = b \]", [(1, "main", "a = b")]),
    ("$$(b). J = 1$$", [(1, "main", "J = 1")]),
    (
        "dL/dz2 = a2 - y\n\ndL/dw2 = (a2 - y) a1",
        [(1, "main", "dL/dz2 = a2 - y"), (3, "main", "dL/dw2 = (a2 - y) a1")],
    ),
    ("- (b). beta = (X^T X)^{-1} X^T y", [(1, "main", "beta = (X^T X)^{-1} X^T y")]),
    ("The gradient is what we want here, so set it to zero.", []),
    ("$y = 1$", [(1, "main", "y = 1")]),
]


@pytest.mark.parametrize(("text", "expected"), CASES, ids=[f"case{i}" for i in range(len(CASES))])
def test_find_math_lines(text: str, expected: list) -> None:
    assert _main(text) == expected


def test_first_line_offsets_line_numbers() -> None:
    assert _main("x\n$$a = b$$", first_line=40) == [(41, "main", "a = b")]


def test_inline_math_in_prose_is_marked() -> None:
    found = find_math_lines("the design matrix $X$ has $n$ rows")
    assert [(s.text, s.origin, s.in_prose) for s in found] == [
        ("X", "inline", True),
        ("n", "inline", True),
    ]
    assert found[0].column == len("the design matrix $")


@pytest.mark.parametrize(
    ("text", "rest"),
    [
        ("(b). J = 1", "J = 1"),
        ("- (c) x = 1", "x = 1"),
        ("Q1. y = 2", "y = 2"),
        ("(y - X B)^T = 0", "(y - X B)^T = 0"),
        ("2. ", "2. "),
    ],
    ids=["paren-dot", "list-paren", "question", "not-a-label", "label-only"],
)
def test_strip_label(text: str, rest: str) -> None:
    assert strip_label(text)[0] == rest


def test_sample_sheet_statements_keep_their_line_numbers() -> None:
    found = _main(SHEET.read_text(encoding="utf-8"))
    numbers = [n for n, _, _ in found]
    assert numbers == sorted(numbers)
    by_line = {}
    for number, role, text in found:
        by_line.setdefault(number, []).append((role, text))
    assert by_line[11] == [("main", r"J = \frac{1}{2} \|y - XB\|^2")]
    assert by_line[25] == [("main", r"= -\frac{1}{2} (-2 X^T y + 2 X^T X B)")]
    assert [role for role, _ in by_line[51]] == ["main", "side_note", "main", "main"]
    assert by_line[61][1] == ("side_note", r"\frac{\partial q_1}{\partial z_1} = q_1(1-q_1)")
    assert by_line[61][2] == ("main", "= (q_2 - y) w_2")
    assert 3 not in by_line and 43 not in by_line  # prose


_STATEMENT = st.from_regex(r"[a-z] = [a-z0-9 +\-]{1,12}", fullmatch=True)


@settings(max_examples=50, deadline=None)
@given(
    blocks=st.lists(st.lists(_STATEMENT, min_size=1, max_size=3), min_size=1, max_size=4),
    gaps=st.lists(st.integers(min_value=1, max_value=3), min_size=4, max_size=4),
)
def test_every_statement_is_found_on_its_line(blocks, gaps) -> None:
    """Display blocks joined by blank lines: each row of each block comes back,
    in order, with the line number of its block."""
    text = ""
    expected = []
    line = 1
    for block, gap in zip(blocks, gaps, strict=False):
        text += "\n" * gap
        line += gap
        text += "$$" + r" \\ ".join(block) + "$$"
        expected += [(line, "main", row.strip()) for row in block]
    assert _main(text) == expected
