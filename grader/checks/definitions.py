"""Names a student defines in one answer and uses in another.

``\\delta_2 := dL/dz2 = ...`` written in part (c) and used in part (d): the
math checks of a question read such names as the student defined them
(a derivation reads its own definitions line by line instead).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from grader.errors import GraderError

if TYPE_CHECKING:  # pragma: no cover
    from grader.math import MathContext


def names_defined_in(texts: list[str], context: MathContext) -> dict[str, str]:
    """Name -> definition for what ``texts`` (one question's answers) define;
    empty when the math engine is missing or the answers do not read."""
    try:
        from grader.math.definitions import definitions_in_answer
    except ImportError:  # no math engine: its checks go to review on their own
        return {}
    try:
        return definitions_in_answer("\n\n".join(texts), context)
    except Exception:  # noqa: BLE001 - without them the names stay undetermined
        return {}


def with_defined_names(
    context: MathContext | None, names: dict[str, str] | None
) -> MathContext | None:
    """``context`` with the student's definitions added (unchanged when one does not read)."""
    if not names or context is None:
        return context
    from grader.math import MathContext

    try:
        extended = context.merged(MathContext.from_mapping({"definitions": names}))
        extended.definitions  # noqa: B018 - a definition that does not read is left out
    except GraderError:
        return context
    return extended
