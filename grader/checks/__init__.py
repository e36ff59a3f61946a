"""Check kinds: one adapter per kind, each calling its engine.

``load_adapter(kind)`` imports the adapter lazily; when its engine is missing
or broken, an ``UnavailableAdapter`` stands in, so the part goes to review
with the reason instead of silently scoring 0.
"""

from __future__ import annotations

import importlib
from typing import Any

from grader.checks.base import (
    AnswerInput,
    CheckAdapter,
    CheckOutcome,
    GradingContext,
    ItemOutcome,
    UnavailableAdapter,
)
from grader.errors import GraderError

ADAPTER_MODULES: dict[str, str] = {
    "expression": "grader.checks.expression",
    "derivation": "grader.checks.derivation",
    "shapes": "grader.checks.shapes",
    "concepts": "grader.checks.concepts",
    "code": "grader.checks.code",
}


def load_adapter(kind: str) -> CheckAdapter:
    """The adapter for a check kind, or an ``UnavailableAdapter`` saying why not."""
    module_name = ADAPTER_MODULES.get(kind)
    if module_name is None:
        return UnavailableAdapter(kind, "unknown check kind")
    try:
        module = importlib.import_module(module_name)
    except Exception as error:  # noqa: BLE001 - the engine is not built yet, or broken
        return UnavailableAdapter(kind, f"{type(error).__name__}: {error}")
    return module.Adapter()


def run_check(
    adapter: CheckAdapter, check: Any, answer: AnswerInput, context: GradingContext
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


def default_adapters() -> dict[str, CheckAdapter]:
    return {kind: load_adapter(kind) for kind in ADAPTER_MODULES}


__all__ = [
    "ADAPTER_MODULES",
    "AnswerInput",
    "CheckAdapter",
    "CheckOutcome",
    "GradingContext",
    "ItemOutcome",
    "UnavailableAdapter",
    "default_adapters",
    "load_adapter",
    "run_check",
]
