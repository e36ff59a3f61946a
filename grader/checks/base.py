"""The extension point for check kinds: one adapter per kind, one method.

An adapter calls its engine and translates the engine's verdict into a
``CheckOutcome``: what was found, item by item, with line numbers, in the
engine's own terms. It never decides points: ``grader.scoring`` maps outcomes
to marks with the rubric's policy (slip deductions, ECF, known mistakes).
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, Protocol

if TYPE_CHECKING:  # pragma: no cover
    from grader.checks.cache import ClassCache
    from grader.math import MathContext
    from grader.rubric.models import CheckSpec

OutcomeStatus = Literal["graded", "no_answer", "unavailable", "error"]
# What adapters learn about a rubric's own forms, kept across sheets (keys
# carry the math context's id); held by ``grader.pipeline.GradingSession``.
Memo = dict[Hashable, Any]


@dataclass
class AnswerInput:
    """The answer to one part, as found on the sheet (or in the code files)."""

    part_id: str
    text: str = ""
    first_line: int = 1
    found: bool = True
    submission_dir: Path | None = None
    code_files: dict[str, Path] = field(default_factory=dict)
    # Code answers that are not files (``grader.submission.ExtractedCode``): a
    # notebook's code cells ("notebook"), a sheet's ```python blocks ("sheet").
    extracted_code: dict[str, Any] = field(default_factory=dict)
    # (line number, text) pairs as part finding gave them (label taken off);
    # when None, ``text`` numbered from ``first_line``.
    source_lines: list[tuple[int, str]] | None = None
    # What checks of the same part share (its math lines, parsed once).
    cache: dict[Any, Any] = field(default_factory=dict, repr=False, compare=False)

    @property
    def lines(self) -> list[tuple[int, str]]:
        """(line number, text) pairs, numbered as on the sheet."""
        if self.source_lines is not None:
            return list(self.source_lines)
        return [(self.first_line + i, line) for i, line in enumerate(self.text.splitlines())]

    @property
    def last_line(self) -> int:
        lines = self.lines
        return lines[-1][0] if lines else self.first_line


@dataclass
class SheetAnswers:
    """The other parts' answers on the same sheet, for a check whose marks
    depend on an earlier answer (error carried forward from part (b))."""

    # full part id (``q2.b``) -> its answer as found (``found`` False when not)
    answers: dict[str, AnswerInput] = field(default_factory=dict)
    # full part id -> the math context its question reads answers in (None:
    # no math engine); called only for the parts a check names
    math_context_of: Callable[[str], MathContext | None] | None = None

    def math_context(self, part_id: str) -> MathContext | None:
        return self.math_context_of(part_id) if self.math_context_of is not None else None


@dataclass
class GradingContext:
    """What every adapter may use besides the check and the answer."""

    math_context: MathContext | None = None  # merged for the question
    rubric_dir: Path = field(default_factory=Path.cwd)
    time_limit: float = 5.0
    seed: int = 0
    # Results about the rubric's own forms (how a reference reads), kept per
    # rubric across sheets: keys carry the math context's id.
    memo: Memo = field(default_factory=dict)
    # What the adapter's ``start`` returned for this check and answer, if the
    # pipeline started it before grading the sheet's parts (see pipeline.py).
    started: object = None
    # The sheet's other answers (None: grading one answer on its own, such as
    # a rubric example): read by checks that carry an error forward.
    sheet: SheetAnswers | None = None
    # Engine results shared by the sheets of a class (grader.checks.cache),
    # kept by the grading session; None: every result is computed.
    cache: ClassCache | None = None

    def cached(
        self,
        key: Hashable,
        compute: Any,
        *,
        keep: Any = None,
        copy: Any = None,
    ) -> Any:
        """``compute()`` once per ``key`` for the whole class (see
        ``grader.checks.cache.ClassCache.get``); computed every time without a cache."""
        if self.cache is None or not self.cache.enabled:
            return compute()
        options = {}
        if keep is not None:
            options["keep"] = keep
        if copy is not None:
            options["copy"] = copy
        return self.cache.get(key, compute, **options)

    def remember(self, kind: str, text: str, compute: Any) -> Any:
        """``compute()`` once per (kind, text, math context)."""
        # the context's fingerprint, not its id: a context with a student's
        # definitions is made per sheet, and a later one may get the same id
        from grader.checks.cache import context_key

        key = (kind, text, context_key(self.math_context))
        if key not in self.memo:
            self.memo[key] = compute()
        return self.memo[key]


@dataclass
class ItemOutcome:
    """One judged item of a check: a milestone, an idea, a test, a shape, the answer.

    ``status`` is in the engine's terms (``correct``, ``corrected_slip``,
    ``carried_forward``, ``wrong``, ``missing``, ``ocr_suspect``,
    ``undetermined`` for milestones and answers; ``matched``/``missing`` for
    ideas; ``passed``/``failed`` for tests).
    """

    id: str
    status: str
    line_no: int | None = None
    message: str = ""
    mistake: str | None = None  # id of the known mistake it matched
    diagnosis: str | None = None  # engine's diagnosis (sign_flip, shape_mismatch, ...)
    fraction: float | None = None  # engine-given share (code tests)
    weight: float | None = None  # engine-given weight of the item (code tests)


@dataclass
class CheckOutcome:
    """An engine's verdict on one check, before points."""

    status: OutcomeStatus = "graded"
    items: list[ItemOutcome] = field(default_factory=list)
    # For engines that score themselves (concepts): score out of max in the
    # check's own units; scoring rescales to the check's points.
    engine_score: float | None = None
    engine_max: float | None = None
    feedback: list[str] = field(default_factory=list)
    review_reasons: list[str] = field(default_factory=list)
    read_as: list[str] = field(default_factory=list)
    repairs: list[str] = field(default_factory=list)
    evidence: list[dict[str, Any]] = field(default_factory=list)
    details: dict[str, Any] = field(default_factory=dict)
    message: str = ""
    undetermined: bool = False  # the engine could not decide (timeout, unreadable)
    # an ``any_of`` check's alternatives' outcomes, in the rubric's order
    alternatives: list[CheckOutcome] = field(default_factory=list)


class CheckAdapter(Protocol):
    """Grades one kind of check. ``kind`` names it (as in the rubric)."""

    kind: str

    def grade(self, check: CheckSpec, answer: AnswerInput, context: GradingContext) -> CheckOutcome:
        """Judge ``answer`` against ``check`` (the rubric model of this kind)."""
        ...


class EngineUnavailable(Exception):
    """The engine behind a check kind cannot be imported (not built or broken)."""


@dataclass
class UnavailableAdapter:
    """Stands in for a kind whose engine is missing: every check goes to review."""

    kind: str
    reason: str

    def grade(self, check: CheckSpec, answer: AnswerInput, context: GradingContext) -> CheckOutcome:
        return CheckOutcome(
            status="unavailable",
            review_reasons=[f"no engine for check kind {self.kind!r}: {self.reason}"],
            message="not graded: no engine for this check kind",
        )
