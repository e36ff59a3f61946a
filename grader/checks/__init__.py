"""Check kinds: one adapter per kind, each calling its engine.

Every kind is described once, in ``grader.checks.registry`` (model, adapter,
scorer, answer kind, whether it needs math). ``load_adapter(kind)`` imports a
kind's adapter lazily; when its engine is missing or broken, an
``UnavailableAdapter`` stands in, so the part goes to review with the reason
instead of silently scoring 0. ``run_check`` calls an adapter and turns its
own failures into a review flag.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from grader.checks.base import (
    AnswerInput,
    CheckAdapter,
    CheckOutcome,
    GradingContext,
    ItemOutcome,
    UnavailableAdapter,
)
from grader.checks.registry import (
    KINDS,
    CheckKind,
    default_adapters,
    kind_of,
    load_adapter,
    register,
)
from grader.errors import GraderError

if TYPE_CHECKING:  # pragma: no cover
    from grader.rubric.models import CheckSpec


def run_check(
    adapter: CheckAdapter, check: CheckSpec, answer: AnswerInput, context: GradingContext
) -> CheckOutcome:
    """Call an adapter; its own failures become a review flag, never a crash."""
    try:
        return adapter.grade(check, answer, context)
    except GraderError as error:
        return CheckOutcome(
            status="error",
            message="not graded: " + error.format(),
            review_reasons=[f"check {check.id!r} could not run: {error.format()}"],
        )
    except Exception as error:  # noqa: BLE001 - an engine bug must not lose the sheet
        return CheckOutcome(
            status="error",
            message="not graded: internal error",
            review_reasons=[f"check {check.id!r} failed: {type(error).__name__}: {error}"],
        )


__all__ = [
    "KINDS",
    "AnswerInput",
    "CheckAdapter",
    "CheckKind",
    "CheckOutcome",
    "GradingContext",
    "ItemOutcome",
    "UnavailableAdapter",
    "default_adapters",
    "kind_of",
    "load_adapter",
    "register",
    "run_check",
]
