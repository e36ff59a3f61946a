"""The verdict (:class:`Equivalence`) and the early exit for a pair that cannot be compared."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

EQUAL = "equal"
NOT_EQUAL = "not_equal"
UNDETERMINED = "undetermined"


@dataclass
class Equivalence:
    """The verdict on two answers (see ``grader.math.equivalence``)."""

    verdict: str
    reason: str
    diagnosis: str | None = None
    details: dict[str, Any] = field(default_factory=dict)
    method: str = "numeric"  # numeric | symbolic | structure | none
    bad_input: bool = False  # undetermined because the input itself is unusable

    @property
    def is_equal(self) -> bool:
        return self.verdict == EQUAL

    def to_dict(self) -> dict[str, Any]:
        return {
            "verdict": self.verdict,
            "reason": self.reason,
            "diagnosis": self.diagnosis,
            "details": _jsonable(self.details),
            "method": self.method,
        }


def _jsonable(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    if isinstance(value, (str, int, float, bool)) or value is None:
        return value
    return str(value)


class Undetermined(Exception):
    def __init__(self, result: Equivalence):
        self.result = result


def undetermined(reason: str, *, bad_input: bool = False, **details: Any) -> Undetermined:
    return Undetermined(
        Equivalence(UNDETERMINED, reason, details=details, method="none", bad_input=bad_input)
    )
