"""Field types shared by the rubric and the engines' specs (which embed in it).

Names and marks as instructors write them in YAML: ``id: 1`` is the name
"1", marks may be fractions like ``2/3``. Nothing here knows of rubrics.
"""

from __future__ import annotations

import re
from typing import Annotated, Any

from pydantic import BeforeValidator, Field

__all__ = ["Identifier", "Label", "Points"]


def _number_to_text(value: Any) -> Any:
    # YAML reads `id: 1` and `labels: [1, 2]` as numbers; they are names here.
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return str(value)
    return value


def _fraction_to_number(value: Any) -> Any:
    # Marks like 2/3 are written as fractions so that six of them add up to 4.
    if isinstance(value, str):
        match = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*/\s*(\d+(?:\.\d+)?)\s*", value)
        if match and float(match.group(2)) != 0:
            return float(match.group(1)) / float(match.group(2))
    return value


Label = Annotated[str, BeforeValidator(_number_to_text)]
Identifier = Annotated[
    str,
    BeforeValidator(_number_to_text),
    Field(
        min_length=1,
        max_length=64,
        pattern=r"^[A-Za-z0-9][A-Za-z0-9_.\-]*$",
        description="Letters, digits, '_', '-' and '.'; unique among its siblings.",
    ),
]
Points = Annotated[
    float,
    BeforeValidator(_fraction_to_number),
    Field(ge=0, description="Marks, in the exam's unit (a number or a fraction like `2/3`)."),
]
