"""Pydantic models of a rubric: Exam -> questions -> parts -> checks.

A rubric is written by an instructor in YAML (see docs/rubrics.md, whose field
reference is generated from the ``description`` of every field below by
``python -m grader.rubric.docs``). The models only describe and validate; the
engines judge answers (``grader.checks``) and ``grader.scoring`` turns their
verdicts into points.

Every number of marks is in the exam's own unit (the marks printed on the
paper). A check's marks add up to its part's ``points``; a part's to its
question's; the questions' to the rubric's ``total``.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from pathlib import Path
from typing import Annotated, Any, ClassVar, Literal, Union, get_args

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    PrivateAttr,
    field_validator,
    model_serializer,
    model_validator,
)
from pydantic.fields import FieldInfo

from grader.fields import Identifier, Label, Points
from grader.math.milestone import Milestone, MilestoneKind
from grader.rubric.carried_forward import CarriedForward, unknown_part_references
from grader.text.spec import Idea, Misconception

# Marks are compared with a tolerance: 2/3 written as 0.6667 three times must
# still add up to 2.
POINTS_TOLERANCE = 0.011


class _Model(BaseModel):
    # A misspelt field name is an error, not a silently ignored key.
    model_config = ConfigDict(extra="forbid", frozen=False)


class _LaterFields(BaseModel):
    """Fields added after rubrics were in use are left out of a dump while at
    their defaults, so an old rubric's parts dump (and hash: a report's
    ``rubric_sha256``, which review decisions are tied to) as before."""

    LATER_FIELDS: ClassVar[tuple[str, ...]] = ()

    @model_serializer(mode="wrap")
    def _without_unused_later_fields(self, handler: Any) -> Any:
        data = handler(self)
        if isinstance(data, dict):
            for name in self.LATER_FIELDS:
                field = type(self).model_fields[name]  # type: ignore[attr-defined]
                default = field.default_factory() if field.default_factory else field.default
                if name in data and getattr(self, name) == default:
                    del data[name]
        return data


def _close(a: float, b: float) -> bool:
    return abs(a - b) <= POINTS_TOLERANCE


def _score_by_count_max(table: dict[int, float] | None) -> float | None:
    return max(table.values()) if table else None


def _unique_ids(items: list[Any], what: str) -> None:
    seen: set[str] = set()
    for item in items:
        if item.id in seen:
            raise ValueError(f"duplicate {what} id {item.id!r}")
        seen.add(item.id)


# "0.245 +- 0.005", "0.245 \pm 0.005", "0.245 ± 0.005": a value and its tolerance
_TOLERANCE = re.compile(
    r"^(?P<value>.+?)\s*(?:\+-|\+/-|\\pm(?![A-Za-z])|\u00b1)\s*(?P<tolerance>\d+(?:\.\d*)?|\.\d+)"
    r"(?:[eE](?P<exponent>[-+]?\d+))?\s*$"
)


def split_tolerance(text: str) -> tuple[str, float | None]:
    """(the form, its tolerance) of an answer written ``value +- tolerance``;
    (the text, None) when it states none."""
    match = _TOLERANCE.match(text.strip())
    if match is None:
        return text, None
    tolerance = float(match.group("tolerance") + "e" + (match.group("exponent") or "0"))
    return match.group("value").strip(), tolerance


# --------------------------------------------------------------------------
# Known mistakes (STACK's response-tree nodes, WeBWorK's answer hints)


class KnownMistake(_Model):
    """A wrong form students often write, the marks it still earns and the
    feedback it gives. Matched by equivalence in the math context, so any
    spelling of the same wrong form triggers it."""

    id: Identifier
    answer: str = Field(
        ...,
        min_length=1,
        description="The wrong form, in the same notation as references (LaTeX or plain).",
    )
    marks: Points = Field(
        0.0, description="Marks the wrong form still earns (of the check's or milestone's)."
    )
    feedback: str = Field(
        ...,
        min_length=1,
        description="What is wrong, for the student. Never the reference answer.",
    )


# --------------------------------------------------------------------------
# Check kinds


# A place in a check, relative to it (a Pydantic-style ``loc``).
Loc = tuple[str | int, ...]


class CheckSpec(_Model):
    """What every check kind's model has (each kind adds its fields and a
    ``kind`` literal); the kinds are listed in ``grader.checks.registry``.

    ``grader validate`` asks each check for what the engines must be able to
    read: its math forms, shapes and files (none by default)."""

    id: Identifier
    title: str = Field("", description="Short name shown in reports.")
    points: Points = Field(..., description="This check's share of the part's points.")
    time_limit: float | None = Field(
        None,
        gt=0,
        description="Seconds the engine may spend on this check (default: the rubric's).",
    )

    def math_forms(self) -> list[tuple[Loc, str, bool]]:
        """(where, text, is a known mistake) of every math form the check holds."""
        return []

    def shape_forms(self) -> list[tuple[Loc, str]]:
        """(where, text) of every shape the check holds."""
        return []

    def files(self) -> list[tuple[Loc, str]]:
        """(where, path relative to the rubric) of every file the check needs."""
        return []


class ExpressionCheck(_LaterFields, CheckSpec):
    """A final answer: some line of the part must be equivalent (in the
    question's math context) to ``answer`` or one of ``accept``."""

    LATER_FIELDS: ClassVar[tuple[str, ...]] = (
        "tolerance",
        "rel_tolerance",
        "carried_forward",
        "must_follow",
    )

    kind: Literal["expression"] = Field(..., description="`expression`.")
    answer: str = Field(..., min_length=1, description="The reference form (never shown).")
    accept: list[str] = Field(
        default_factory=list, description="Other forms that also earn full marks."
    )
    mistakes: list[KnownMistake] = Field(
        default_factory=list, description="Known wrong forms, tried when no line is right."
    )
    feedback: str = Field(
        "",
        description="Feedback when no line is right and no known mistake matches.",
    )
    carried_forward: CarriedForward | None = Field(
        None,
        description=(
            "Error carried forward: a line that follows from the student's own earlier "
            "answer (another part's, or an earlier line of this one) earns the marks "
            "(see 'Error carried forward')."
        ),
    )
    must_follow: bool = Field(
        False,
        description=(
            "A conclusion: a right line earns its marks only if it follows from the "
            "student's line before it (states the same, or the value it gives)."
        ),
    )
    tolerance: float | None = Field(
        None,
        ge=0,
        description=(
            "A numeric answer: a value within this distance of the answer's is right "
            "(also written in `answer`: `0.245 +- 0.005`); lines with `\\approx` are "
            "checked with it (docs/equivalence.md)."
        ),
    )
    rel_tolerance: float | None = Field(
        None,
        ge=0,
        description=(
            "A numeric answer: a value within this fraction of the answer's is right "
            "(`0.01`: within 1%); with `tolerance` too, either is enough."
        ),
    )

    @model_validator(mode="after")
    def _stated_tolerance(self) -> ExpressionCheck:
        # "0.245 +- 0.005": the answer with its tolerance, as a scheme writes it
        value, tolerance = split_tolerance(self.answer)
        if tolerance is not None:
            if self.tolerance is not None and not math.isclose(self.tolerance, tolerance):
                raise ValueError(
                    f"answer {self.answer!r} states a tolerance of {tolerance:g}, "
                    f"but `tolerance` is {self.tolerance:g}: state it once"
                )
            self.answer, self.tolerance = value, tolerance
        for i, form in enumerate(self.accept):
            if split_tolerance(form)[1] is not None:
                raise ValueError(
                    f"accept[{i}] {form!r} states a tolerance: write it once, on `answer` "
                    "or as `tolerance`"
                )
        return self

    @property
    def numeric_tolerance(self) -> bool:
        """Whether the answer is numeric with a stated tolerance."""
        return self.tolerance is not None or self.rel_tolerance is not None

    def within_tolerance(self, value: float, reference: float) -> bool:
        """Whether ``value`` is within the check's tolerance of ``reference``."""
        distance = abs(value - reference)
        if self.tolerance is not None and distance <= self.tolerance * (1 + 1e-9) + 1e-15:
            return True
        return self.rel_tolerance is not None and distance <= self.rel_tolerance * abs(
            reference
        ) * (1 + 1e-9)

    def math_forms(self) -> list[tuple[Loc, str, bool]]:
        forms: list[tuple[Loc, str, bool]] = [(("answer",), self.answer, False)]
        forms += [(("accept", i), text, False) for i, text in enumerate(self.accept)]
        forms += [(("mistakes", i, "answer"), m.answer, True) for i, m in enumerate(self.mistakes)]
        if self.carried_forward is not None:
            forms.append((("carried_forward", "answer"), self.carried_forward.answer, False))
        return forms

    @model_validator(mode="after")
    def _mistake_marks(self) -> ExpressionCheck:
        for mistake in self.mistakes:
            if mistake.marks > self.points + POINTS_TOLERANCE:
                raise ValueError(
                    f"mistake {mistake.id!r} earns {mistake.marks:g} of a check worth {self.points:g}"
                )
        _unique_ids(self.mistakes, "mistake")
        ecf = self.carried_forward
        if ecf is not None and ecf.marks is not None and ecf.marks > self.points + POINTS_TOLERANCE:
            raise ValueError(
                f"carried_forward earns {ecf.marks:g} of a check worth {self.points:g}"
            )
        return self


class MilestoneSpec(_LaterFields, Milestone):
    """A step a derivation must reach, with its marks (engine: ``grader.math.Milestone``)."""

    LATER_FIELDS: ClassVar[tuple[str, ...]] = ("accept",)

    # the engine's milestone (statement, kind, quantity) with a rubric id, one
    # of the kinds the engine knows, and marks
    id: Identifier
    kind: MilestoneKind = Field("value", description=Milestone.model_fields["kind"].description)
    title: str = Field(
        "", description="The step's name in feedback, e.g. `the gradient` (default: its id)."
    )
    points: Points
    slip_deduction: float | None = Field(
        None,
        ge=0,
        description="Overrides the check's `slip_deduction` for this milestone.",
    )
    feedback: str = Field(
        "",
        description="Feedback when the milestone is missing or wrong (no answer in it).",
    )
    accept: list[str] = Field(
        default_factory=list,
        description=(
            "Other forms of this step that also reach it (full marks), matched like known "
            "mistakes: a line equivalent to one of them."
        ),
    )
    mistakes: list[KnownMistake] = Field(
        default_factory=list,
        description="Known wrong forms of this step, with the marks they keep.",
    )

    @model_validator(mode="after")
    def _marks(self) -> MilestoneSpec:
        if self.slip_deduction is not None and self.slip_deduction > self.points + 1e-9:
            raise ValueError(
                f"slip_deduction {self.slip_deduction} exceeds the milestone's {self.points} points"
            )
        for mistake in self.mistakes:
            if mistake.marks > self.points + POINTS_TOLERANCE:
                raise ValueError(
                    f"mistake {mistake.id!r} earns {mistake.marks:g} of a milestone worth {self.points:g}"
                )
        _unique_ids(self.mistakes, "mistake")
        return self


class DerivationCheck(CheckSpec):
    """Steps checked line by line against the math context, with milestones."""

    kind: Literal["derivation"] = Field(..., description="`derivation`.")
    milestones: list[MilestoneSpec] = Field(
        ..., min_length=1, description="Steps that earn marks; their points add up to the check's."
    )
    slip_deduction: float = Field(
        0.0,
        ge=0,
        description=(
            "Marks lost by a milestone whose line has a slip corrected on the next line "
            "(the rest of the milestone's marks are kept)."
        ),
    )
    allow_ecf: bool = Field(
        True,
        description=(
            "Error carried forward: a step that follows correctly from an earlier wrong one "
            "keeps its marks (never for a meaningless line)."
        ),
    )
    no_working_marks: float | None = Field(
        None,
        ge=0,
        description=(
            "Marks for a correct final answer with no working at all (only the last "
            "milestone found); `null`: just that milestone's points."
        ),
    )
    final_milestone: str | None = Field(
        None, description="Id of the milestone that is the final answer (default: the last)."
    )
    ocr_suspect: Literal["award", "withhold"] = Field(
        "award",
        description=(
            "A milestone that is right only after an OCR repair: award its marks and flag "
            "for review (`award`), or withhold them until a human looks (`withhold`)."
        ),
    )

    def math_forms(self) -> list[tuple[Loc, str, bool]]:
        forms: list[tuple[Loc, str, bool]] = []
        for i, milestone in enumerate(self.milestones):
            forms.append((("milestones", i, "statement"), milestone.statement, False))
            forms += [
                (("milestones", i, "accept", j), text, False)
                for j, text in enumerate(milestone.accept)
            ]
            forms += [
                (("milestones", i, "mistakes", j, "answer"), m.answer, True)
                for j, m in enumerate(milestone.mistakes)
            ]
        return forms

    @model_validator(mode="after")
    def _points(self) -> DerivationCheck:
        _unique_ids(self.milestones, "milestone")
        total = sum(m.points for m in self.milestones)
        if not _close(total, self.points):
            raise ValueError(
                f"milestone points add up to {total:g}, but the check is worth {self.points:g}"
            )
        if self.final_milestone is not None and self.final_milestone not in {
            m.id for m in self.milestones
        }:
            raise ValueError(f"final_milestone {self.final_milestone!r} is not a milestone id")
        if self.no_working_marks is not None and self.no_working_marks > self.points + 1e-9:
            raise ValueError("no_working_marks exceeds the check's points")
        return self


class ShapeMistake(_Model):
    """A wrong shape for one name (e.g. beta written as a row)."""

    name: str = Field(..., description="The symbol, as in `shapes`.")
    shape: str = Field(..., description="The wrong shape, e.g. `1 x (d+1)`.")
    feedback: str = Field(..., min_length=1, description="What is wrong, for the student.")


class ShapesCheck(_LaterFields, CheckSpec):
    """Shape statements (`X \\in R^{n x (d+1)}`, a bmatrix column, `C is d x d`
    anywhere in a sentence, ...) for named symbols, read with ``MathLine.shapes``
    and ``grader.math.shapes``."""

    LATER_FIELDS: ClassVar[tuple[str, ...]] = ("quantity", "described_as")

    kind: Literal["shapes"] = Field(..., description="`shapes`.")
    quantity: str | None = Field(
        None,
        description=(
            "The symbol a sentence means by `it` when it names none (`It is a d x d "
            "matrix`); default: the only name in `shapes`, if it lists one."
        ),
    )
    described_as: list[str] = Field(
        default_factory=list,
        description=(
            "Words a sentence may use for the quantity instead of its name: "
            "`[gradient]` reads `The gradient has shape p x 1` as the quantity's shape."
        ),
    )
    shapes: dict[str, str] = Field(
        ...,
        min_length=1,
        description="Symbol -> expected shape, `rows x cols` (`n x 1`, `n x (d+1)`).",
    )
    score_by_count: dict[int, Points] | None = Field(
        None,
        description=(
            "Number of right shapes -> marks, e.g. `{3: 0.5, 2: 0.25}`; counts not listed "
            "get the next lower listed count's marks, or 0. Default: proportional."
        ),
    )
    mistakes: list[ShapeMistake] = Field(
        default_factory=list, description="Known wrong shapes and their feedback."
    )

    def shape_forms(self) -> list[tuple[Loc, str]]:
        forms: list[tuple[Loc, str]] = [(("shapes", name), s) for name, s in self.shapes.items()]
        forms += [(("mistakes", i, "shape"), m.shape) for i, m in enumerate(self.mistakes)]
        return forms

    @model_validator(mode="after")
    def _table(self) -> ShapesCheck:
        top = _score_by_count_max(self.score_by_count)
        if top is not None and not _close(top, self.points):
            raise ValueError(
                f"score_by_count gives at most {top:g}, but the check is worth {self.points:g}"
            )
        if self.score_by_count and max(self.score_by_count) > len(self.shapes):
            raise ValueError("score_by_count counts more shapes than `shapes` lists")
        if self.quantity is not None and self.quantity not in self.shapes:
            raise ValueError(f"quantity {self.quantity!r} is not one of the names in `shapes`")
        return self


class ConceptsCheck(CheckSpec):
    """Free text graded by ideas and misconceptions (engine: ``grader.text``).
    With a ``reference`` and no ideas, the answer is graded by its similarity
    to the reference (calibrated, flagged for review when not clear-cut)."""

    kind: Literal["concepts"] = Field(..., description="`concepts`.")
    ideas: list[Idea] = Field(
        default_factory=list,
        description=(
            "The ideas that earn marks. None: graded by similarity to `reference` "
            "(a fallback a marker should confirm)."
        ),
    )
    misconceptions: list[Misconception] = Field(
        default_factory=list, description="Wrong ideas that cost marks."
    )
    score_by_count: dict[int, Points] | None = Field(
        None,
        description="Number of ideas found -> marks, e.g. `{3: 1, 2: 0.5}` (any 3 of 4: 1 mark).",
    )
    max_marks: float | None = Field(
        None, gt=0, description="Cap on the sum of per-idea `marks` (per-item marks with a cap)."
    )
    reference: str | None = Field(
        None,
        description=(
            "A model answer (never shown); required when there are no `ideas`, and then "
            "what the answer is compared with."
        ),
    )
    window: int = Field(
        2,
        ge=1,
        description=(
            "How many consecutive sentences one idea's `...` gaps may span "
            "(2: an idea stated over two adjacent sentences; 1: within one sentence)."
        ),
    )

    @model_validator(mode="after")
    def _marks(self) -> ConceptsCheck:
        _unique_ids(self.ideas, "idea")
        _unique_ids(self.misconceptions, "misconception")
        if not self.ideas:
            if not (self.reference or "").strip():
                raise ValueError("a concepts check needs `ideas` or a `reference` answer")
            if self.misconceptions or self.score_by_count is not None:
                raise ValueError(
                    "a reference-only concepts check (no `ideas`) cannot have "
                    "`misconceptions` or `score_by_count`"
                )
            if self.max_marks is not None and not _close(self.max_marks, self.points):
                raise ValueError(
                    f"max_marks is {self.max_marks:g}, but the check is worth {self.points:g}"
                )
            return self
        ids = {idea.id for idea in self.ideas}
        for mis in self.misconceptions:
            unknown = [c for c in mis.cancels if c not in ids]
            if unknown:
                raise ValueError(f"misconception {mis.id!r} cancels unknown ideas {unknown}")
            unknown = [c for c in mis.unless if c not in ids]
            if unknown:
                raise ValueError(f"misconception {mis.id!r}: unless names unknown ideas {unknown}")
        if self.score_by_count is not None:
            top = _score_by_count_max(self.score_by_count)
            if max(self.score_by_count) > len(self.ideas):
                raise ValueError("score_by_count counts more ideas than are listed")
        else:
            top = sum(i.marks for i in self.ideas)
            if self.max_marks is not None:
                top = min(top, self.max_marks)
        if top is not None and not _close(top, self.points):
            raise ValueError(
                f"the ideas give at most {top:g} marks, but the check is worth {self.points:g}"
            )
        return self


class CodeCheck(CheckSpec):
    """Student code run in a sandbox against reference models (engine:
    ``grader.numeric``; field names as in docs/code-checks.md)."""

    # The numeric engine owns the format of `tests` and any further options;
    # they are passed through to it unchanged.
    model_config = ConfigDict(extra="allow")

    kind: Literal["code"] = Field(..., description="`code`.")
    file: str = Field(..., min_length=1, description="The student's file, e.g. `linreg.py`.")
    function: str = Field(..., min_length=1, description="The function under test.")
    references: str | None = Field(
        None, description="Reference models + input generators, relative to the rubric file."
    )
    tests: list[dict[str, Any]] = Field(
        default_factory=list, description="The tests, in the numeric engine's format."
    )
    # The grader's, not the engine's: excluded from the mapping the engine reads.
    code_from_sheet: bool = Field(
        False,
        exclude=True,
        description="When the student hands in no `file`, grade the definitions in the "
        "sheet's fenced `python` code blocks as that file (a notebook's code cells are "
        "always used; docs/code-checks.md).",
    )

    def files(self) -> list[tuple[Loc, str]]:
        return [(("references",), self.references)] if self.references else []


class AnyOfCheck(CheckSpec):
    """Alternatives between checks of any kinds ("either this expression or a
    sentence saying so"): the answer earns the best of them, and the report
    says which gave the mark. An alternative that could not decide keeps the
    part's review flag unless another earns full marks."""

    kind: Literal["any_of"] = Field(..., description="`any_of`.")
    alternatives: list[Check] = Field(
        ...,
        min_length=2,
        description=(
            "The checks, each of any kind but `any_of` and `code`; an alternative's "
            "`points` default to this check's and may be fewer (a weaker form earns less)."
        ),
    )

    @model_validator(mode="before")
    @classmethod
    def _alternative_points(cls, data: Any) -> Any:
        # an alternative is worth the whole check unless it says otherwise
        if isinstance(data, dict) and isinstance(data.get("alternatives"), list):
            points = data.get("points")
            data = dict(data)
            data["alternatives"] = [
                {"points": points, **alt} if isinstance(alt, dict) and "points" not in alt else alt
                for alt in data["alternatives"]
            ]
        return data

    @model_validator(mode="after")
    def _alternatives(self) -> AnyOfCheck:
        _unique_ids(self.alternatives, "alternative")
        for alt in self.alternatives:
            if alt.kind in ("any_of", "code"):
                raise ValueError(
                    f"alternative {alt.id!r}: a {alt.kind!r} check cannot be an alternative"
                )
            if alt.points > self.points + POINTS_TOLERANCE:
                raise ValueError(
                    f"alternative {alt.id!r} is worth {alt.points:g}, more than the "
                    f"check's {self.points:g}"
                )
        if not any(_close(alt.points, self.points) for alt in self.alternatives):
            raise ValueError(
                f"no alternative is worth the check's {self.points:g} points: full marks "
                "could never be reached"
            )
        return self

    def math_forms(self) -> list[tuple[Loc, str, bool]]:
        return [
            (("alternatives", i, *loc), text, mistake)
            for i, alt in enumerate(self.alternatives)
            for loc, text, mistake in alt.math_forms()
        ]

    def shape_forms(self) -> list[tuple[Loc, str]]:
        return [
            (("alternatives", i, *loc), text)
            for i, alt in enumerate(self.alternatives)
            for loc, text in alt.shape_forms()
        ]

    def files(self) -> list[tuple[Loc, str]]:
        return [
            (("alternatives", i, *loc), path)
            for i, alt in enumerate(self.alternatives)
            for loc, path in alt.files()
        ]


# The registered kinds (``grader.checks.kinds`` registers them through
# ``use_check_kinds``): the union of their models, discriminated by `kind`,
# is the type of a part's checks; and the answer each kind reads.
_check_models: tuple[type[CheckSpec], ...] = ()
_answer_kind_of_check: dict[str, str] = {}


def check_kind_names() -> list[str]:
    """The kinds a rubric may use, in the registry's order."""
    return list(_answer_kind_of_check)


# --------------------------------------------------------------------------
# Examples: unit tests for a question


class Example(_Model):
    """An example answer to a part and what grading it must give; `grader
    validate` runs them like unit tests."""

    id: Identifier = Field(..., description="Names the example in `grader validate` output.")
    answer: str = Field("", description="The answer text, as it would appear on a sheet.")
    files: dict[str, str] = Field(
        default_factory=dict,
        description="Code files the example hands in: the name the check reads "
        "(`linreg.py`) -> a file relative to the rubric (`examples/linreg-slow.py`).",
    )
    score: float | None = Field(
        None, ge=0, description="The part score it must get (default: not checked)."
    )
    feedback: list[str] = Field(
        default_factory=list,
        description="Phrases that must appear in the feedback (case-insensitive).",
    )
    needs_review: bool | None = Field(
        None, description="Whether the part must (or must not) be flagged for review."
    )


# --------------------------------------------------------------------------
# Parts, questions, exam


class Part(_LaterFields, _Model):
    """One part of a question (`(b)`): its points, how to find its answer on a
    sheet, the checks that judge it, and examples that test the rubric."""

    LATER_FIELDS: ClassVar[tuple[str, ...]] = ("context",)

    id: Identifier = Field(..., description="Part id within its question, e.g. `b` (-> `q1.b`).")
    title: str = Field("", description="What the part asks, in a few words.")
    labels: list[Label] = Field(
        default_factory=list,
        description="How the part is labelled on sheets (`(b)`, `b)`, `2`); default: its id.",
    )
    answer_kind: Literal["math", "text", "code", "mixed"] | None = Field(
        None,
        description="What the answer is, for part finding (default: from the first check).",
    )
    keywords: list[str] = Field(
        default_factory=list,
        description="Words typical of an answer to this part (help find unlabelled answers).",
    )
    points: Points = Field(..., description="The part's marks; its checks' points add up to it.")
    visibility: Literal["hidden", "after_due_date", "after_published", "visible"] | None = Field(
        None,
        description="When students see this part's result on Gradescope (default: the "
        "export's, `visible`); `after_published` keeps it hidden until grades are released.",
    )
    checks: list[Check] = Field(..., min_length=1, description="How the answer is judged.")
    context: dict[str, Any] | None = Field(
        None,
        description=(
            "Math context entries for this part only, over its question's (a letter that "
            "means something else in this part; docs/math-context.md)."
        ),
    )
    reference: str | None = Field(
        None,
        description="A model answer; `grader validate` requires it to score full marks.",
    )
    examples: list[Example] = Field(
        default_factory=list,
        description="Example answers (typical mistakes) with the score and feedback they must get.",
    )

    @model_validator(mode="after")
    def _points(self) -> Part:
        _unique_ids(self.checks, "check")
        _unique_ids(self.examples, "example")
        total = sum(c.points for c in self.checks)
        if not _close(total, self.points):
            raise ValueError(
                f"check points add up to {total:g}, but the part is worth {self.points:g}"
            )
        return self

    @property
    def kind(self) -> str:
        """What the answer is: ``answer_kind``, else from the checks (``mixed`` when they differ)."""
        if self.answer_kind:
            return self.answer_kind
        kinds = {
            _answer_kind_of_check[leaf.kind]
            for c in self.checks
            for leaf in getattr(c, "alternatives", None) or [c]
        }
        return kinds.pop() if len(kinds) == 1 else "mixed"


class Question(_Model):
    """A question of the exam: its parts, and math context entries of its own."""

    id: Identifier = Field(..., description="Question id, e.g. `q1`.")
    title: str = Field("", description="The question's topic.")
    labels: list[Label] = Field(
        default_factory=list,
        description="How the question is headed on sheets (`Q1`, `1.`); default: from its id.",
    )
    points: Points | None = Field(
        None, description="The question's marks (checked against its parts' sum when given)."
    )
    context: dict[str, Any] | None = Field(
        None,
        description="Math context entries that override the exam's for this question.",
    )
    parts: list[Part] = Field(..., min_length=1, description="The question's parts, in order.")

    @model_validator(mode="after")
    def _points(self) -> Question:
        _unique_ids(self.parts, "part")
        problems = unknown_part_references(self)
        if problems:
            raise ValueError("; ".join(problems))
        total = sum(p.points for p in self.parts)
        if self.points is not None and not _close(total, self.points):
            raise ValueError(
                f"part points add up to {total:g}, but the question is worth {self.points:g}"
            )
        return self

    @property
    def max_score(self) -> float:
        return sum(p.points for p in self.parts)


class Rubric(_Model):
    """A whole exam's rubric."""

    id: Identifier = Field(..., description="Rubric id; goes into every report.")
    title: str = Field("", description="The exam's title.")
    total: Points | None = Field(
        None, description="Total marks (checked against the questions' sum when given)."
    )
    context: dict[str, Any] | str | None = Field(
        None,
        description=(
            "The exam's math context (symbols, functions, aliases, definitions, "
            "function_derivatives; docs/math-context.md), or a path to a YAML file with it, "
            "relative to the rubric."
        ),
    )
    time_limit: float = Field(
        5.0, gt=0, description="Default seconds per check; a check that runs out goes to review."
    )
    seed: int = Field(0, description="Seed for random-point evaluation (grading is deterministic).")
    questions: list[Question] = Field(
        ..., min_length=1, description="The exam's questions, in order."
    )

    # Where the rubric came from (set by the loader): reports carry the hash.
    _source_path: Path | None = PrivateAttr(None)
    _sha256: str = PrivateAttr("")
    _tree: Any = PrivateAttr(None)

    @property
    def path(self) -> Path | None:
        """The rubric file (None for a rubric built in Python)."""
        return self._source_path

    @property
    def sha256(self) -> str:
        """sha256 of the rubric file's bytes ("" for a rubric built in Python)."""
        return self._sha256

    @property
    def directory(self) -> Path:
        """Folder that relative paths in the rubric are resolved against."""
        return self._source_path.parent if self._source_path else Path.cwd()

    def line_of(self, loc: tuple) -> int | None:
        """Line in the rubric file of the item at a Pydantic-style ``loc`` path."""
        from grader.rubric.loader import line_of

        return line_of(self._tree, loc) if self._tree is not None else None

    def raw(self, *loc: Any) -> Any:
        """The YAML node at ``loc`` as loaded (None when absent or built in Python)."""
        node = self._tree
        for step in loc:
            try:
                node = node[step]
            except (KeyError, IndexError, TypeError):
                return None
        return node

    @field_validator("questions")
    @classmethod
    def _unique_questions(cls, questions: list[Question]) -> list[Question]:
        _unique_ids(questions, "question")
        return questions

    @model_validator(mode="after")
    def _total(self) -> Rubric:
        problems = [p for q in self.questions for p in unknown_part_references(q, self.questions)]
        if problems:
            raise ValueError("; ".join(problems))
        total = self.max_score
        if self.total is not None and not _close(total, self.total):
            raise ValueError(
                f"question points add up to {total:g}, but the rubric's total is {self.total:g}"
            )
        return self

    @property
    def max_score(self) -> float:
        return sum(q.max_score for q in self.questions)

    def iter_parts(self):
        """(question, part) pairs, in order."""
        for question in self.questions:
            for part in question.parts:
                yield question, part

    def part(self, part_id: str) -> tuple[Question, Part]:
        """The question and part for a full id like ``q1.b``."""
        for question, part in self.iter_parts():
            if f"{question.id}.{part.id}" == part_id:
                return question, part
        raise KeyError(part_id)


def use_check_kinds(kinds: Sequence[tuple[type[CheckSpec], str]]) -> None:
    """Make the rubric models accept these check kinds: (model, answer kind)
    pairs, each model with a ``kind`` literal. Called by the registry
    (``grader.checks.kinds``) whenever a kind is registered."""
    global Check, _check_models
    _check_models = tuple(model for model, _ in kinds)
    _answer_kind_of_check.clear()
    for model, answer_kind in kinds:
        for name in _kind_names(model):
            _answer_kind_of_check[name] = answer_kind
    Check = Annotated[Union[_check_models], Field(discriminator="kind")]  # noqa: UP007
    # a field's type, once resolved, stays: give `checks` the new union
    field = Part.model_fields["checks"]
    Part.model_fields["checks"] = FieldInfo.merge_field_infos(field, annotation=list[Check])
    field = AnyOfCheck.model_fields["alternatives"]
    AnyOfCheck.model_fields["alternatives"] = FieldInfo.merge_field_infos(
        field, annotation=list[Check]
    )
    for model in (AnyOfCheck, Part, Question, Rubric):
        model.model_rebuild(force=True)


def _kind_names(model: type[CheckSpec]) -> tuple[str, ...]:
    return get_args(model.model_fields["kind"].annotation)
