"""What a concepts check asks for: ideas, misconceptions, and how they score.

Plain dataclasses; ``ConceptSpec.from_mapping`` reads the rubric's YAML shape
(the same field names) and raises ``RubricError`` naming the bad field.
Phrasings are parsed once, when the spec is built, so a broken phrasing is a
rubric error rather than a surprise while grading.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from grader.errors import RubricError
from grader.text._phrasing import Phrasing, PhrasingError, parse_phrasing

__all__ = ["ConceptSpec", "Idea", "Misconception"]


def _compile(phrasings: Sequence[str], where: str) -> tuple[Phrasing, ...]:
    compiled = []
    for i, text in enumerate(phrasings):
        try:
            compiled.append(parse_phrasing(text))
        except PhrasingError as error:
            raise RubricError(f"{where}.phrasings[{i}]: {error}") from None
    return tuple(compiled)


@dataclass
class Idea:
    """A point the answer should make, in the words students may use for it."""

    id: str
    phrasings: list[str]
    marks: float = 1.0
    feedback: str = ""
    compiled: tuple[Phrasing, ...] = field(default=(), init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if not self.phrasings:
            raise RubricError(f"idea {self.id!r}: phrasings: at least one phrasing is needed")
        self.compiled = _compile(self.phrasings, f"idea {self.id!r}")


@dataclass
class Misconception:
    """A wrong statement: it cancels the ideas it contradicts and may cost marks.

    ``unless``: ideas whose presence keeps it from applying, for statements
    wrong only on their own ("exploding gradients" with no vanishing
    gradients named).
    """

    id: str
    phrasings: list[str]
    penalty: float = 0.0
    cancels: list[str] = field(default_factory=list)
    feedback: str = ""
    unless: list[str] = field(default_factory=list)
    compiled: tuple[Phrasing, ...] = field(default=(), init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if not self.phrasings:
            raise RubricError(
                f"misconception {self.id!r}: phrasings: at least one phrasing is needed"
            )
        self.compiled = _compile(self.phrasings, f"misconception {self.id!r}")


@dataclass
class ConceptSpec:
    """A concepts check.

    Scoring: with ``score_by_count`` ({3: 1, 2: 0.5}: "any 3 ideas: 1 mark,
    2: 0.5") the number of ideas credited picks the marks; otherwise the
    credited ideas' ``marks`` add up, capped at ``max_marks``. Misconception
    penalties come off after that, never below 0. With no ideas at all, the
    ``reference`` answer is used by the similarity fallback (``max_marks``
    then says what it is out of).
    """

    ideas: list[Idea] = field(default_factory=list)
    misconceptions: list[Misconception] = field(default_factory=list)
    score_by_count: dict[int, float] | None = None
    max_marks: float | None = None
    reference: str | None = None

    def __post_init__(self) -> None:
        seen: set[str] = set()
        for idea in self.ideas:
            if idea.id in seen:
                raise RubricError(f"ideas: duplicate idea id {idea.id!r}")
            seen.add(idea.id)
        for misconception in self.misconceptions:
            for cancelled in misconception.cancels:
                if cancelled not in seen:
                    raise RubricError(
                        f"misconception {misconception.id!r}: cancels: no idea {cancelled!r}"
                    )
            for required in misconception.unless:
                if required not in seen:
                    raise RubricError(
                        f"misconception {misconception.id!r}: unless: no idea {required!r}"
                    )
        if not self.ideas and not self.reference:
            raise RubricError("ideas: a concepts check needs ideas or a reference answer")
        if not self.ideas and self.max_marks is None:
            raise RubricError("max_marks: a reference-only concepts check needs max_marks")

    @property
    def max_score(self) -> float:
        if self.score_by_count:
            best = max(self.score_by_count.values())
            return min(best, self.max_marks) if self.max_marks is not None else best
        if not self.ideas:
            return float(self.max_marks or 0.0)
        total = sum(idea.marks for idea in self.ideas)
        return min(total, self.max_marks) if self.max_marks is not None else total

    @classmethod
    def from_mapping(cls, data: Mapping[str, Any], *, source: str | None = None) -> ConceptSpec:
        """Build a spec from the rubric's YAML shape.

        ``kind``, ``id`` and ``points`` (the rubric's own fields) are accepted;
        ``points`` stands in for ``max_marks`` when that is not given. Bad
        fields raise ``RubricError`` with the field's path.
        """
        return _SpecReader(source).read(data)


_SPEC_FIELDS = {
    "kind",
    "id",
    "points",
    "ideas",
    "misconceptions",
    "score_by_count",
    "max_marks",
    "reference",
}
_IDEA_FIELDS = {"id", "phrasings", "marks", "feedback"}
_MISCONCEPTION_FIELDS = {"id", "phrasings", "penalty", "cancels", "feedback", "unless"}


class _SpecReader:
    def __init__(self, source: str | None) -> None:
        self.source = source

    def fail(self, where: str, message: str) -> RubricError:
        return RubricError(f"{where}: {message}" if where else message, path=self.source)

    def mapping(self, value: Any, where: str) -> Mapping[str, Any]:
        if not isinstance(value, Mapping):
            raise self.fail(where, f"expected a mapping, got {type(value).__name__}")
        return value

    def number(self, value: Any, where: str, *, minimum: float = 0.0) -> float:
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise self.fail(where, f"expected a number, got {value!r}")
        if value < minimum:
            raise self.fail(where, f"must be at least {minimum:g}, got {value!r}")
        return float(value)

    def text(self, value: Any, where: str) -> str:
        if not isinstance(value, str):
            raise self.fail(where, f"expected a string, got {value!r}")
        return value

    def identifier(self, value: Any, where: str) -> str:
        text = self.text(value, where)
        if not text.strip():
            raise self.fail(where, "must not be empty")
        return text

    def strings(self, value: Any, where: str) -> list[str]:
        if isinstance(value, str) or not isinstance(value, Sequence):
            raise self.fail(where, f"expected a list of strings, got {value!r}")
        return [self.text(item, f"{where}[{i}]") for i, item in enumerate(value)]

    def unknown(self, data: Mapping[str, Any], allowed: set[str], where: str) -> None:
        for key in data:
            if key not in allowed:
                prefix = f"{where}.{key}" if where else str(key)
                raise self.fail(
                    prefix, f"unknown field (expected one of {', '.join(sorted(allowed))})"
                )

    def phrasings(self, value: Any, where: str) -> list[str]:
        phrasings = self.strings(value, where)
        if not phrasings:
            raise self.fail(where, "at least one phrasing is needed")
        for i, phrasing in enumerate(phrasings):
            try:
                parse_phrasing(phrasing)
            except PhrasingError as error:
                raise self.fail(f"{where}[{i}]", str(error)) from None
        return phrasings

    def idea(self, value: Any, where: str) -> Idea:
        data = self.mapping(value, where)
        self.unknown(data, _IDEA_FIELDS, where)
        if "id" not in data:
            raise self.fail(f"{where}.id", "missing")
        if "phrasings" not in data:
            raise self.fail(f"{where}.phrasings", "missing")
        return Idea(
            id=self.identifier(data["id"], f"{where}.id"),
            phrasings=self.phrasings(data["phrasings"], f"{where}.phrasings"),
            marks=self.number(data.get("marks", 1.0), f"{where}.marks"),
            feedback=self.text(data.get("feedback", ""), f"{where}.feedback"),
        )

    def misconception(self, value: Any, where: str) -> Misconception:
        data = self.mapping(value, where)
        self.unknown(data, _MISCONCEPTION_FIELDS, where)
        if "id" not in data:
            raise self.fail(f"{where}.id", "missing")
        if "phrasings" not in data:
            raise self.fail(f"{where}.phrasings", "missing")
        return Misconception(
            id=self.identifier(data["id"], f"{where}.id"),
            phrasings=self.phrasings(data["phrasings"], f"{where}.phrasings"),
            penalty=self.number(data.get("penalty", 0.0), f"{where}.penalty"),
            cancels=self.strings(data.get("cancels", []), f"{where}.cancels"),
            feedback=self.text(data.get("feedback", ""), f"{where}.feedback"),
            unless=self.strings(data.get("unless", []), f"{where}.unless"),
        )

    def score_by_count(self, value: Any, where: str) -> dict[int, float]:
        data = self.mapping(value, where)
        if not data:
            raise self.fail(where, "must list at least one count")
        table: dict[int, float] = {}
        for key, marks in data.items():
            try:
                count = int(str(key).strip())
            except ValueError:
                raise self.fail(f"{where}.{key}", "keys must be idea counts (integers)") from None
            if count < 1:
                raise self.fail(f"{where}.{key}", "counts start at 1")
            table[count] = self.number(marks, f"{where}.{key}")
        return table

    def read(self, value: Any) -> ConceptSpec:
        data = self.mapping(value, "")
        self.unknown(data, _SPEC_FIELDS, "")
        ideas_data = data.get("ideas", [])
        if isinstance(ideas_data, str) or not isinstance(ideas_data, Sequence):
            raise self.fail("ideas", "expected a list of ideas")
        ideas = [self.idea(item, f"ideas[{i}]") for i, item in enumerate(ideas_data)]
        misconceptions_data = data.get("misconceptions", [])
        if isinstance(misconceptions_data, str) or not isinstance(misconceptions_data, Sequence):
            raise self.fail("misconceptions", "expected a list of misconceptions")
        misconceptions = [
            self.misconception(item, f"misconceptions[{i}]")
            for i, item in enumerate(misconceptions_data)
        ]
        idea_ids = [idea.id for idea in ideas]
        if len(set(idea_ids)) != len(idea_ids):
            duplicate = next(i for i in idea_ids if idea_ids.count(i) > 1)
            raise self.fail("ideas", f"duplicate idea id {duplicate!r}")
        for i, misconception in enumerate(misconceptions):
            for j, cancelled in enumerate(misconception.cancels):
                if cancelled not in idea_ids:
                    raise self.fail(f"misconceptions[{i}].cancels[{j}]", f"no idea {cancelled!r}")
            for j, required in enumerate(misconception.unless):
                if required not in idea_ids:
                    raise self.fail(f"misconceptions[{i}].unless[{j}]", f"no idea {required!r}")
        score_by_count = None
        if data.get("score_by_count") is not None:
            score_by_count = self.score_by_count(data["score_by_count"], "score_by_count")
            if max(score_by_count) > len(ideas):
                raise self.fail(
                    "score_by_count",
                    f"asks for {max(score_by_count)} ideas but only {len(ideas)} are listed",
                )
        max_marks = None
        if data.get("max_marks") is not None:
            max_marks = self.number(data["max_marks"], "max_marks")
        elif data.get("points") is not None:
            max_marks = self.number(data["points"], "points")
        reference = None
        if data.get("reference") is not None:
            reference = self.text(data["reference"], "reference")
        if not ideas and not reference:
            raise self.fail("ideas", "a concepts check needs ideas or a reference answer")
        if not ideas and max_marks is None:
            raise self.fail(
                "max_marks", "a reference-only concepts check needs max_marks or points"
            )
        return ConceptSpec(
            ideas=ideas,
            misconceptions=misconceptions,
            score_by_count=score_by_count,
            max_marks=max_marks,
            reference=reference,
        )
