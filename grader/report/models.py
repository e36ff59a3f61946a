"""Report models: the ``grader.report/1`` JSON contract (see docs/report.md).

Plain Pydantic models. They never render themselves: each output format is a
function in its own module of ``grader.report`` that takes a ``GradeReport``.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

SCHEMA_ID = "grader.report/1"

CheckVerdict = Literal["correct", "partial", "incorrect", "undetermined", "not_graded"]
"""How a check went: full marks, some, none, could not decide (needs a human),
or not graded at all (no engine for the kind, missing answer)."""


class LineSpan(BaseModel):
    """Lines of the submitted file (1-based, inclusive) an item refers to."""

    model_config = ConfigDict(extra="forbid")

    path: str | None = Field(None, description="File the lines are in (None: the sheet).")
    start: int = Field(..., ge=1)
    end: int = Field(..., ge=1)


class Evidence(BaseModel):
    """What in the answer earned or cost marks (words, a line, a value)."""

    text: str
    lines: LineSpan | None = None
    note: str | None = None


class CheckReport(BaseModel):
    """One check of a part, as graded."""

    id: str
    kind: str
    verdict: CheckVerdict
    score: float
    max_score: float
    message: str = ""
    feedback: list[str] = Field(default_factory=list)
    needs_review: bool = False
    review_reasons: list[str] = Field(default_factory=list)
    evidence: list[Evidence] = Field(default_factory=list)
    details: dict = Field(
        default_factory=dict, description="Engine-specific extras (steps, tests)."
    )


class AnswerView(BaseModel):
    """How the part's answer was read: what the student sees in ``grader check``."""

    found: bool
    text: str = ""
    lines: LineSpan | None = None
    how_found: str = Field("", description="Label, position or content that located the answer.")
    read_as: list[str] = Field(
        default_factory=list, description="Math lines as the parser understood them."
    )
    repairs: list[str] = Field(default_factory=list, description="OCR repairs that were applied.")


class PersonDecision(BaseModel):
    """A person's decision that set this part's mark (``grader decide``, a
    CSV of marks, a regrade request), kept while the answer is unchanged."""

    author: str
    decided_at: str
    grader_score: float = Field(..., description="The grader's own score of the part.")
    reason: str = ""
    source: str = "review"


class PartReport(BaseModel):
    id: str = Field(..., description="Part id, e.g. 'q1.b'.")
    question_id: str
    title: str = ""
    score: float
    max_score: float
    needs_review: bool = False
    review_reasons: list[str] = Field(default_factory=list)
    feedback: list[str] = Field(default_factory=list)
    answer: AnswerView | None = None
    checks: list[CheckReport] = Field(default_factory=list)
    decision: PersonDecision | None = Field(
        None, description="Set when a person decided the mark (None: the grader's)."
    )
    visibility: str | None = Field(
        None,
        description="When students see this part on Gradescope (the rubric part's "
        "`visibility`); None: the export's default.",
    )
    rubric_sha256: str = Field(
        "",
        description="sha256 of the rubric part that graded the answer: a person's decision "
        "lasts while it and the answer are unchanged.",
    )


class QuestionReport(BaseModel):
    id: str
    title: str = ""
    score: float
    max_score: float
    parts: list[str] = Field(default_factory=list, description="Ids of this question's parts.")


class SubmissionInfo(BaseModel):
    id: str
    path: str
    files: list[str] = Field(default_factory=list)
    sha256: str = ""


class RubricInfo(BaseModel):
    id: str
    title: str = ""
    sha256: str


class GradeReport(BaseModel):
    """Everything graded for one submission against one rubric."""

    model_config = ConfigDict(populate_by_name=True)

    schema_id: str = Field(SCHEMA_ID, alias="schema")
    submission: SubmissionInfo
    rubric: RubricInfo
    score: float
    max_score: float
    needs_review: bool = False
    questions: list[QuestionReport] = Field(default_factory=list)
    parts: list[PartReport] = Field(default_factory=list)
    warnings: list[str] = Field(
        default_factory=list, description="Sheet-level problems: unassigned text, duplicates."
    )
    grader_version: str = ""

    def to_json_dict(self) -> dict:
        """The JSON-ready dict with the contract's key names (``schema``)."""
        return self.model_dump(mode="json", by_alias=True)
