"""What a concepts check asks for: ideas, misconceptions, and how they score.

``Idea`` and ``Misconception`` are Pydantic models, the one schema of them:
a rubric's concepts check embeds them as they are (``grader.rubric.models``),
so a bad idea is a rubric error at its own line. ``ConceptSpec`` gathers them
for one check; ``ConceptSpec.from_mapping`` reads the same YAML shape outside
a rubric and raises ``RubricError`` naming the bad field. Phrasings are
parsed once, when an item is built, so a broken phrasing is an error where it
is written rather than a surprise while grading.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Annotated, Any, TypeVar

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    PrivateAttr,
    ValidationError,
    model_serializer,
)

from grader.errors import RubricError
from grader.fields import Identifier, Points
from grader.text._phrasing import Phrasing, PhrasingError, parse_phrasing

__all__ = ["ConceptSpec", "Idea", "Misconception", "Reason"]


def _parses(text: str) -> str:
    # A phrasing that does not parse is an error where the spec is written
    # (a rubric's line), not a surprise while grading.
    try:
        parse_phrasing(text)
    except PhrasingError as error:
        raise ValueError(f"phrasing {text!r} does not parse: {error}") from None
    return text


PhrasingText = Annotated[str, AfterValidator(_parses)]


class _Item(BaseModel):
    # A misspelt field name is an error, not a silently ignored key.
    model_config = ConfigDict(extra="forbid")

    # the phrasings, parsed once when the item is built
    _compiled: tuple[Phrasing, ...] = PrivateAttr(())

    def __init__(self, *args: Any, **fields: Any) -> None:
        # ``Idea("forget", ["forget gate"], marks=0.5)``, as engine callers write it
        if len(args) > 2:
            raise TypeError(f"{type(self).__name__}(id, phrasings, **fields)")
        fields.update(zip(("id", "phrasings"), args, strict=False))
        super().__init__(**fields)

    def model_post_init(self, context: Any, /) -> None:
        self._compiled = tuple(parse_phrasing(text) for text in self.phrasings)

    @property
    def compiled(self) -> tuple[Phrasing, ...]:
        return self._compiled


class Reason(BaseModel):
    """The reason an idea must be given with (an idea's ``because``): "an idea
    with a wrong reason earns nothing"."""

    model_config = ConfigDict(extra="forbid")

    phrasings: list[PhrasingText] = Field(
        ..., min_length=1, description="Ways students state the right reason."
    )
    wrong: list[PhrasingText] = Field(
        default_factory=list,
        description="Known wrong reasons: the idea given with one of them earns nothing.",
    )
    feedback: str = Field("", description="Feedback when the reason is missing or wrong.")

    _compiled: tuple[Phrasing, ...] = PrivateAttr(())
    _compiled_wrong: tuple[Phrasing, ...] = PrivateAttr(())

    def model_post_init(self, context: Any, /) -> None:
        self._compiled = tuple(parse_phrasing(text) for text in self.phrasings)
        self._compiled_wrong = tuple(parse_phrasing(text) for text in self.wrong)

    @property
    def compiled(self) -> tuple[Phrasing, ...]:
        return self._compiled

    @property
    def compiled_wrong(self) -> tuple[Phrasing, ...]:
        return self._compiled_wrong


class Idea(_Item):
    """One idea a free-text answer should contain (engine: ``grader.text.Idea``)."""

    id: Identifier
    phrasings: list[PhrasingText] = Field(
        ...,
        min_length=1,
        description="Ways students say it; matched with stemming and OCR tolerance.",
    )
    marks: Points = Field(1.0, description="Marks for the idea (with `max_marks`).")
    feedback: str = Field("", description="Feedback when the idea is missing.")
    description: str = Field(
        "",
        description=(
            "The idea in one plain sentence, as a good answer would state it; the meaning "
            "matcher compares answer sentences with it and with the phrasings."
        ),
    )
    because: Reason | None = Field(
        None,
        description=(
            "The reason the idea must come with: found without it, or with a known "
            "wrong reason, the idea earns nothing; a reason that is neither goes to review."
        ),
    )

    @model_serializer(mode="wrap")
    def _without_unset(self, handler: Any) -> Any:
        # an idea without a reason serializes (and hashes) as before reasons existed
        data = handler(self)
        if isinstance(data, dict) and self.because is None:
            data.pop("because", None)
        return data


class Misconception(_Item):
    """A wrong idea that costs marks (engine: ``grader.text.Misconception``).

    ``unless``: ideas whose presence keeps it from applying, for statements
    wrong only on their own ("exploding gradients" with no vanishing
    gradients named)."""

    id: Identifier
    phrasings: list[PhrasingText] = Field(..., min_length=1, description="Ways students say it.")
    penalty: float = Field(0.0, ge=0, description="Marks it costs besides the ideas it cancels.")
    cancels: list[str] = Field(
        default_factory=list, description="Ids of the ideas it contradicts (they earn nothing)."
    )
    feedback: str = Field("", description="What is wrong, for the student.")
    unless: list[str] = Field(
        default_factory=list,
        description=(
            "Ids of ideas that keep it from applying: a statement wrong only on its own "
            '("exploding gradients" with no vanishing gradients named).'
        ),
    )


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
    window: int = 2  # sentences an idea's "..." gaps may span (a heading joins its text anyway)

    def __post_init__(self) -> None:
        if isinstance(self.window, bool) or not isinstance(self.window, int) or self.window < 1:
            raise RubricError(
                f"window: expected a whole number of sentences >= 1, got {self.window!r}"
            )
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
    "window",
}
_IDEA_FIELDS = {"id", "phrasings", "marks", "feedback", "description", "because"}
_MISCONCEPTION_FIELDS = {"id", "phrasings", "penalty", "cancels", "feedback", "unless"}


ItemModel = TypeVar("ItemModel", Idea, Misconception)


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

    def build(self, model: type[ItemModel], where: str, **fields: Any) -> ItemModel:
        try:
            return model(**fields)
        except ValidationError as error:
            first = error.errors()[0]
            place = ".".join(str(step) for step in first["loc"])
            raise self.fail(f"{where}.{place}" if place else where, first["msg"]) from None

    def idea(self, value: Any, where: str) -> Idea:
        data = self.mapping(value, where)
        self.unknown(data, _IDEA_FIELDS, where)
        if "id" not in data:
            raise self.fail(f"{where}.id", "missing")
        if "phrasings" not in data:
            raise self.fail(f"{where}.phrasings", "missing")
        return self.build(
            Idea,
            where,
            id=self.identifier(data["id"], f"{where}.id"),
            phrasings=self.phrasings(data["phrasings"], f"{where}.phrasings"),
            marks=self.number(data.get("marks", 1.0), f"{where}.marks"),
            feedback=self.text(data.get("feedback", ""), f"{where}.feedback"),
            description=self.text(data.get("description", ""), f"{where}.description"),
            because=data.get("because"),
        )

    def misconception(self, value: Any, where: str) -> Misconception:
        data = self.mapping(value, where)
        self.unknown(data, _MISCONCEPTION_FIELDS, where)
        if "id" not in data:
            raise self.fail(f"{where}.id", "missing")
        if "phrasings" not in data:
            raise self.fail(f"{where}.phrasings", "missing")
        return self.build(
            Misconception,
            where,
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
        window = data.get("window", 2)
        if isinstance(window, bool) or not isinstance(window, int) or window < 1:
            raise self.fail("window", f"expected a whole number of sentences >= 1, got {window!r}")
        return ConceptSpec(
            ideas=ideas,
            misconceptions=misconceptions,
            score_by_count=score_by_count,
            max_marks=max_marks,
            reference=reference,
            window=window,
        )
