"""``any_of`` checks: alternatives between checks of any kinds.

Each alternative is judged by its own kind's adapter on the same answer; the
outcomes travel together in ``CheckOutcome.alternatives`` and the marking rule
(``grader.scoring.rules.score_any_of``) gives the best of them. An adapter
never decides points, so nothing is chosen here.
"""

from __future__ import annotations

from dataclasses import replace

from grader.checks.base import AnswerInput, CheckOutcome, GradingContext
from grader.rubric.models import AnyOfCheck


class AnyOfAdapter:
    kind = "any_of"

    def grade(
        self, check: AnyOfCheck, answer: AnswerInput, context: GradingContext
    ) -> CheckOutcome:
        from grader.checks import load_adapter, run_check

        outcome = CheckOutcome()
        for alternative in check.alternatives:
            own = replace(
                context,
                time_limit=alternative.time_limit or context.time_limit,
                started=None,
            )
            result = run_check(load_adapter(alternative.kind), alternative, answer, own)
            outcome.alternatives.append(result)
            outcome.read_as += [r for r in result.read_as if r not in outcome.read_as]
            outcome.repairs += [r for r in result.repairs if r not in outcome.repairs]
        if all(result.status == "no_answer" for result in outcome.alternatives):
            outcome.status = "no_answer"
        return outcome


Adapter = AnyOfAdapter
