"""A word in ``\text{}`` where an operand belongs is a quantity's name."""

import pytest

from grader.math import equivalent
from grader.math.context import MathContext

CONTEXT = MathContext.from_mapping(
    {"symbols": {"alpha": "scalar", "w1": "scalar", "g": "scalar"}, "aliases": {"lr": "alpha"}}
)


@pytest.mark.parametrize(
    ("student", "verdict"),
    [
        (r"w_1 \leftarrow w_1 - \text{lr}\cdot g", "equal"),
        (r"w_1 \leftarrow w_1 - \mathrm{lr}\, g", "equal"),
        (r"w_1 \leftarrow w_1 - \text{lr} g", "equal"),
        (r"w_1 \leftarrow w_1 + \text{lr}\cdot g", "not_equal"),
        (r"w_1 \leftarrow w_1 - 2 \cdot \text{lr}\cdot g", "not_equal"),
    ],
)
def test_a_text_word_in_operand_place_is_a_name(student: str, verdict: str) -> None:
    result = equivalent(student, r"w_1 \leftarrow w_1 - \alpha g", CONTEXT)
    assert result.verdict == verdict, result


@pytest.mark.parametrize(
    "student",
    [
        r"x = y = \text{scalar}",  # a description, not a name
        r"x = 1, \text{and } y = 2",  # a linking word
    ],
)
def test_description_and_linking_words_stay_notes(student: str) -> None:
    result = equivalent(student, r"w_1 \leftarrow w_1 - \alpha g", CONTEXT)
    assert result.verdict != "equal", result
    assert not any(name in {"scalar", "and"} for name in result.details.get("unknown_names", [])), (
        result
    )
