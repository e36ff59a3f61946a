"""Result types: what a derivation check returns (steps, milestones)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from grader.math.milestone import Milestone

__all__ = ["DerivationResult", "DerivationStep", "Milestone", "MilestoneResult"]

StepKind = str  # definition | rewrite | differentiation | equation | side_note | unreadable | text


@dataclass
class DerivationStep:
    """One statement of the answer, classified and judged."""

    line_no: int
    source: str
    read_as: str | None
    kind: StepKind
    quantity: str | None = None
    vs_previous: str | None = None  # equal | not_equal | undetermined | None (no previous)
    vs_truth: str | None = None  # equal | not_equal | undetermined | None (no truth known)
    status: str = (
        "unchecked"  # correct | carried_forward | wrong | review | undetermined | unchecked
    )
    diagnosis: str | None = None
    ocr_suspect: bool = False
    ocr_note: str | None = None
    message: str = ""
    role: str = "main"
    column: int = 0
    repairs: list[str] = field(default_factory=list)
    details: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {
            "line_no": self.line_no,
            "column": self.column,
            "source": self.source,
            "read_as": self.read_as,
            "kind": self.kind,
            "role": self.role,
            "quantity": self.quantity,
            "vs_previous": self.vs_previous,
            "vs_truth": self.vs_truth,
            "status": self.status,
            "diagnosis": self.diagnosis,
            "ocr_suspect": self.ocr_suspect,
            "ocr_note": self.ocr_note,
            "message": self.message,
            "repairs": list(self.repairs),
            "details": _jsonable(self.details),
        }


@dataclass
class MilestoneResult:
    """How a milestone went: status, where (``line_no``; ``lines`` for a slip
    and its correction), diagnosis and a message."""

    id: str
    status: str
    line_no: int | None = None
    diagnosis: str | None = None
    message: str = ""
    lines: list[int] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "status": self.status,
            "line_no": self.line_no,
            "lines": list(self.lines),
            "diagnosis": self.diagnosis,
            "message": self.message,
        }


@dataclass
class DerivationResult:
    steps: list[DerivationStep]
    milestones: list[MilestoneResult] = field(default_factory=list)

    @property
    def needs_review(self) -> bool:
        return bool(self.review_reasons)

    @property
    def review_reasons(self) -> list[str]:
        reasons = []
        for step in self.steps:
            if step.kind == "unreadable":
                reasons.append(f"line {step.line_no}: could not read the math ({step.message})")
            elif step.ocr_suspect:
                reasons.append(f"line {step.line_no}: OCR suspect ({step.ocr_note})")
            elif step.status == "undetermined":
                reasons.append(f"line {step.line_no}: could not decide ({step.message})")
        return reasons

    def to_dict(self) -> dict[str, Any]:
        return {
            "steps": [step.to_dict() for step in self.steps],
            "milestones": [m.to_dict() for m in self.milestones],
            "needs_review": self.needs_review,
            "review_reasons": self.review_reasons,
        }


def _jsonable(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    if isinstance(value, (str, int, bool)) or value is None:
        return value
    if isinstance(value, float):
        return value if np.isfinite(value) else str(value)
    return str(value)
