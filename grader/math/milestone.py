"""What a derivation must reach: the engine's milestone, one schema.

A rubric's derivation check embeds it (``grader.rubric.models.MilestoneSpec``
adds the marks, feedback and known mistakes), so it lives in a module of its
own that loads without SymPy.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

__all__ = ["Milestone", "MilestoneKind"]

MilestoneKind = Literal["value", "equation", "form"]


class Milestone(BaseModel):
    """An engine-level target of a derivation.

    ``kind``:

    - ``value``: the last value the student gives for ``quantity`` (e.g.
      ``dL/dz1``) must equal the reference: the statement's right side when it
      has one (``d(J)/d(beta) = X^T X beta - X^T y``), else the value derived
      from the context's definitions;
    - ``equation``: some line states the equation (``X^T X beta = X^T y``):
      the two sides' difference equals the statement's up to a nonzero
      constant factor (sides may be swapped or moved);
    - ``form``: a line gives ``quantity`` (e.g. ``J``) a value equal to its
      true value and *expanded*: a sum of terms, each a product of symbols,
      transposes and inverses of symbols, powers and function values, with at
      most a number multiplying the whole sum; no norm, no product, power,
      transpose or inverse of a sum. The statement is the reference value.
    """

    # A misspelt field name is an error, not a silently ignored key.
    model_config = ConfigDict(extra="forbid")

    id: str
    statement: str = Field(
        ...,
        min_length=1,
        description=(
            "What the student must reach: an equation (`X^T X beta = X^T y`), a value "
            "(`dL/dz1`, derived from the context's definitions) or a form."
        ),
    )
    # a kind the engine does not know makes the milestone undetermined (a
    # rubric allows only the three, ``MilestoneSpec``)
    kind: str = Field(
        "value",
        description=(
            "`value`: a quantity equal to the statement's value; `equation`: an equation "
            "equivalent to it; `form`: an expression of that form."
        ),
    )
    quantity: str | None = Field(
        None, description="The quantity the milestone is about, e.g. `dL/dw1` (optional)."
    )

    def __init__(self, *args: Any, **fields: Any) -> None:
        # ``Milestone("normal", "X^T X beta = X^T y", "equation")``, as engine callers write it
        names = ("id", "statement", "kind", "quantity")
        if len(args) > len(names):
            raise TypeError("Milestone(id, statement, kind, quantity)")
        fields.update(zip(names, args, strict=False))
        super().__init__(**fields)
