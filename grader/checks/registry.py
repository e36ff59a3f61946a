"""The check kinds: one entry per kind, the only place a kind is described.

An entry says everything the rest of the grader needs to know about a kind:
its rubric model (what a check of this kind holds, validated on load), its
adapter (which engine judges it), its scorer (the rubric's marking rule for
the engine's outcome), what kind of answer it reads on a sheet, and whether
it needs the question's math context. The rubric models, the pipeline and
scoring read these entries; nothing else lists kinds.

Adding a kind: write one module with a model (a ``CheckSpec`` with a
``kind: Literal["name"]`` field), an ``Adapter`` (``grade(check, answer,
context) -> CheckOutcome``) and a scorer (``(check, outcome) -> (score,
feedback, review reasons)``), and add its ``CheckKind`` to ``BUILTIN_KINDS``
(or ``register`` it). Adapters are named by module and imported on first use,
because engines are heavy (``grader --help`` must not import SymPy).
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Literal

from grader.checks.base import CheckAdapter, UnavailableAdapter
from grader.rubric.models import (
    AnyOfCheck,
    CheckSpec,
    CodeCheck,
    ConceptsCheck,
    DerivationCheck,
    ExpressionCheck,
    ShapesCheck,
    use_check_kinds,
)
from grader.scoring.rules import (
    Scorer,
    score_any_of,
    score_code,
    score_concepts,
    score_derivation,
    score_expression,
    score_shapes,
)

# "mixed": a kind whose checks read several (``any_of``: its alternatives')
AnswerKind = Literal["math", "text", "code", "mixed"]


@dataclass(frozen=True)
class CheckKind:
    """One check kind, described once."""

    name: str
    # the rubric model of a check of this kind (its `kind` literal is `name`)
    model: type[CheckSpec]
    # the module whose ``Adapter`` judges it (imported on first use), or a
    # factory (tests, plug-ins)
    adapter: str | Callable[[], CheckAdapter]
    # the marking rule: (check, outcome) -> (score, feedback, review reasons)
    scorer: Scorer
    # what it reads on a sheet (for part finding: a part's answer kind)
    answer_kind: AnswerKind
    # reads the answer in the question's math context
    needs_math: bool = False
    # reads the definitions in its own lines, not those of the question's
    # other answers (derivations)
    reads_own_definitions: bool = False
    # judges the student's code files, not the sheet: graded when no answer
    # is found on the sheet; ``file`` names the file it reads
    reads_code_files: bool = False
    # a found answer with math signs of which it read no math line goes to
    # review (the expression adapter flags that case itself)
    flags_unread_math: bool = False


BUILTIN_KINDS: tuple[CheckKind, ...] = (
    CheckKind(
        "expression",
        model=ExpressionCheck,
        adapter="grader.checks.expression",
        scorer=score_expression,
        answer_kind="math",
        needs_math=True,
    ),
    CheckKind(
        "derivation",
        model=DerivationCheck,
        adapter="grader.checks.derivation",
        scorer=score_derivation,
        answer_kind="math",
        needs_math=True,
        reads_own_definitions=True,
        flags_unread_math=True,
    ),
    CheckKind(
        "shapes",
        model=ShapesCheck,
        adapter="grader.checks.shapes",
        scorer=score_shapes,
        answer_kind="math",
        needs_math=True,
    ),
    CheckKind(
        "concepts",
        model=ConceptsCheck,
        adapter="grader.checks.concepts",
        scorer=score_concepts,
        answer_kind="text",
    ),
    CheckKind(
        "code",
        model=CodeCheck,
        adapter="grader.checks.code",
        scorer=score_code,
        answer_kind="code",
        reads_code_files=True,
    ),
    CheckKind(
        "any_of",
        model=AnyOfCheck,
        adapter="grader.checks.any_of",
        scorer=score_any_of,
        answer_kind="mixed",
        # its alternatives may read math; they see the question's names
        needs_math=True,
    ),
)

KINDS: dict[str, CheckKind] = {}


def register(kind: CheckKind) -> CheckKind:
    """Add (or replace) a kind; rubrics loaded from now on accept it."""
    KINDS[kind.name] = kind
    _tell_the_rubric_models()
    return kind


def unregister(name: str) -> None:
    """Remove a kind (tests that registered one)."""
    KINDS.pop(name, None)
    _tell_the_rubric_models()


@contextmanager
def registered(kind: CheckKind) -> Iterator[CheckKind]:
    """``kind`` registered for the duration of a ``with`` block (tests)."""
    previous = KINDS.get(kind.name)
    register(kind)
    try:
        yield kind
    finally:
        if previous is None:
            unregister(kind.name)
        else:
            register(previous)


def _tell_the_rubric_models() -> None:
    use_check_kinds([(kind.model, kind.answer_kind) for kind in KINDS.values()])


def kind_of(name: str) -> CheckKind:
    """The entry of a kind; ``KeyError`` for a kind nobody registered."""
    return KINDS[name]


def load_adapter(name: str) -> CheckAdapter:
    """The adapter for a kind, or an ``UnavailableAdapter`` saying why not
    (unknown kind, or its engine missing or broken: the part goes to review
    with the reason instead of silently scoring 0)."""
    kind = KINDS.get(name)
    if kind is None:
        return UnavailableAdapter(name, "unknown check kind")
    try:
        if callable(kind.adapter):
            return kind.adapter()
        module = importlib.import_module(kind.adapter)
    except Exception as error:  # noqa: BLE001 - the engine is not built yet, or broken
        return UnavailableAdapter(name, f"{type(error).__name__}: {error}")
    return module.Adapter()


def default_adapters() -> dict[str, CheckAdapter]:
    """Every registered kind's adapter (importing every engine)."""
    return {name: load_adapter(name) for name in KINDS}


for _kind in BUILTIN_KINDS:
    KINDS[_kind.name] = _kind
_tell_the_rubric_models()
