"""A fake adapter for tests: returns outcomes given in advance, per check id.

    adapters = {"expression": FakeAdapter("expression", {"ans": CheckOutcome(...)})}

A check with no canned outcome gets ``default`` (all items missing).
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field

from grader.checks.base import AnswerInput, CheckOutcome, GradingContext
from grader.rubric.models import CheckSpec


@dataclass
class FakeAdapter:
    kind: str
    outcomes: dict[str, CheckOutcome] = field(default_factory=dict)
    calls: list[tuple[str, str]] = field(default_factory=list)  # (check id, answer text)
    default: CheckOutcome = field(default_factory=lambda: CheckOutcome(status="no_answer"))

    def grade(self, check: CheckSpec, answer: AnswerInput, context: GradingContext) -> CheckOutcome:
        self.calls.append((check.id, answer.text))
        return copy.deepcopy(self.outcomes.get(check.id, self.default))
