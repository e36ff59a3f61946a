"""Loading a rubric from YAML, with line numbers for every error.

A ``SafeLoader`` subclass records where each mapping, each key and each list
item starts; a Pydantic error's ``loc`` path (``questions, 0, parts, 1,
checks, 0, points``) is then walked through that tree to the line to blame, so
errors read ``rubrics/ml-exam.yaml:42: questions[q1].parts[b].checks[gradient]:
points: Input should be a number``.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from grader.errors import RubricError

MAX_RUBRIC_BYTES = 5_000_000


class LineDict(dict):
    """A mapping that remembers its own line and each key's line (1-based)."""

    line: int = 0
    key_lines: dict[Any, int]


class LineList(list):
    """A sequence that remembers its own line and each item's line (1-based)."""

    line: int = 0
    item_lines: list[int]


# The C parser (libyaml) when PyYAML has it: the ML exam's rubric loads 5x faster.
_BaseLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _LineLoader(_BaseLoader):
    """SafeLoader that builds LineDict / LineList and refuses duplicate keys."""


def _construct_mapping(loader: _LineLoader, node: yaml.MappingNode) -> LineDict:
    loader.flatten_mapping(node)
    result = LineDict()
    result.line = node.start_mark.line + 1
    result.key_lines = {}
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        try:
            hash(key)
        except TypeError:
            raise yaml.constructor.ConstructorError(
                None, None, "a mapping key must be a plain value", key_node.start_mark
            ) from None
        if key in result:
            raise yaml.constructor.ConstructorError(
                None, None, f"duplicate key {key!r}", key_node.start_mark
            )
        result[key] = loader.construct_object(value_node, deep=True)
        result.key_lines[key] = key_node.start_mark.line + 1
    return result


def _construct_sequence(loader: _LineLoader, node: yaml.SequenceNode) -> LineList:
    result = LineList(loader.construct_object(child, deep=True) for child in node.value)
    result.line = node.start_mark.line + 1
    result.item_lines = [child.start_mark.line + 1 for child in node.value]
    return result


_LineLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)
_LineLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_SEQUENCE_TAG, _construct_sequence)


def parse_yaml(text: str, *, path: str) -> Any:
    """YAML text -> LineDict/LineList tree; syntax errors as ``RubricError`` with a line."""
    try:
        return yaml.load(text, Loader=_LineLoader)  # noqa: S506 - a SafeLoader subclass
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        line = mark.line + 1 if mark else None
        problem = error.problem or error.context or "invalid YAML"
        raise RubricError(f"YAML: {problem}", path=path, line=line) from None
    except yaml.YAMLError as error:
        raise RubricError(f"YAML: {error}", path=path) from None
    except (ValueError, TypeError) as error:  # `!!int x`, an integer of 5,000 digits
        reason = str(error).splitlines()[0][:200]
        raise RubricError(f"YAML: a value cannot be read ({reason})", path=path) from None
    except RecursionError:
        raise RubricError("YAML: nested too deeply", path=path) from None


# --------------------------------------------------------------------------
# loc path -> line


def line_of(tree: Any, loc: Sequence[Any]) -> int | None:
    """The line of the deepest node on ``loc`` found in ``tree``.

    Elements of ``loc`` that are not keys or indexes (a discriminated union's
    tag, ``function-after[...]``) are skipped.
    """
    node = tree
    line = getattr(tree, "line", None)
    for step in loc:
        if isinstance(node, LineDict) and step in node:
            line = node.key_lines.get(step, line)
            node = node[step]
        elif isinstance(node, LineList) and isinstance(step, int) and 0 <= step < len(node):
            line = node.item_lines[step]
            node = node[step]
        elif isinstance(node, dict) and step in node:
            node = node[step]
        elif isinstance(node, list) and isinstance(step, int) and 0 <= step < len(node):
            node = node[step]
        # else: a union tag or validator name in the loc: stay on this node
    return line


def describe_loc(tree: Any, loc: Sequence[Any]) -> str:
    """``questions[q1].parts[b].checks[gradient].points`` for a loc path (ids, not indexes)."""
    words: list[str] = []
    node = tree
    for step in loc:
        if isinstance(node, dict) and step in node:
            words.append(str(step))
            node = node[step]
        elif isinstance(node, list) and isinstance(step, int) and 0 <= step < len(node):
            item = node[step]
            name = item.get("id") if isinstance(item, dict) else None
            label = str(name) if isinstance(name, (str, int)) else str(step)
            if words:
                words[-1] = f"{words[-1]}[{label}]"
            else:
                words.append(f"[{label}]")
            node = item
        elif isinstance(step, str) and not (step.startswith("function-") or "[" in step):
            # a key that is missing (e.g. a required field) or a union tag
            from grader.rubric.models import check_kind_names

            if isinstance(node, dict) and step not in check_kind_names():
                words.append(step)
    return ".".join(words)


@dataclass(frozen=True)
class RubricProblem:
    """One error in a rubric file, at a line."""

    path: str
    line: int | None
    message: str

    def format(self) -> str:
        if self.line:
            return f"{self.path}:{self.line}: {self.message}"
        return f"{self.path}: {self.message}"


def _pydantic_message(error: dict[str, Any]) -> str:
    kind = error.get("type", "")
    ctx = error.get("ctx") or {}
    if kind == "union_tag_invalid":
        expected = ctx.get("expected_tags", "")
        return f"unknown check kind {ctx.get('tag')!r} (expected one of {expected})"
    if kind == "union_tag_not_found":
        from grader.rubric.models import check_kind_names

        return f"a check needs a `kind` ({', '.join(check_kind_names())})"
    if kind == "extra_forbidden":
        return "unknown field (misspelt?)"
    message = str(error.get("msg", "invalid value"))
    if message.startswith("Value error, "):
        message = message[len("Value error, ") :]
    if kind == "string_type" and isinstance(error.get("input"), bool):
        # the likely cause: YAML 1.1 reads a bare off/on/no/yes as a truth value
        message += f" (YAML read {error['input']!r} here: quote words such as off, no, yes)"
    return message


def problems_from_validation_error(error: Any, tree: Any, *, path: str) -> list[RubricProblem]:
    """Pydantic ``ValidationError`` -> one ``RubricProblem`` per error, with lines."""
    problems = []
    for item in error.errors():
        loc = item.get("loc", ())
        message = _pydantic_message(item)
        loc = _named_item(tree, loc, message)
        where = describe_loc(tree, loc)
        if item.get("type") == "extra_forbidden" and loc:
            message = f"unknown field {loc[-1]!r} (misspelt?)"
        text = f"{where}: {message}" if where else message
        problems.append(RubricProblem(path, line_of(tree, loc), text))
    return problems


# "alternative 'f' is worth 2 ...": a model's error about one of its items, by id
_NAMED = re.compile(
    r"^(?:alternative|milestone|mistake|idea|misconception|check|part|question|example) "
    r"'([^']+)'"
)


def _named_item(tree: Any, loc: Sequence[Any], message: str) -> tuple[Any, ...]:
    """``loc`` made to point at the item a model's error names (``alternative
    'f' ...`` raised by the check is at the line of alternative ``f``)."""
    loc = tuple(loc)
    match = _NAMED.match(message)
    if match is None:
        return loc
    node = tree
    for step in loc:
        if isinstance(node, dict) and step in node:
            node = node[step]
        elif isinstance(node, list) and isinstance(step, int) and 0 <= step < len(node):
            node = node[step]
    if not isinstance(node, dict):
        return loc
    for key, value in node.items():
        if not isinstance(value, list):
            continue
        for index, item in enumerate(value):
            if isinstance(item, dict) and str(item.get("id")) == match.group(1):
                return (*loc, key, index)
    return loc


def raise_problems(problems: Iterable[RubricProblem]) -> None:
    """Raise the first problem as a ``RubricError`` carrying all of them."""
    problems = list(problems)
    if not problems:
        return
    first = problems[0]
    error = RubricError(first.message, path=first.path, line=first.line)
    error.problems = problems  # type: ignore[attr-defined]
    raise error


# --------------------------------------------------------------------------
# file -> Rubric


def read_rubric_bytes(path: str | Path) -> bytes:
    path = Path(path)
    if not path.exists():
        raise RubricError("no such rubric file", path=str(path))
    if path.is_dir():
        raise RubricError("is a folder, not a rubric file", path=str(path))
    size = path.stat().st_size
    if size > MAX_RUBRIC_BYTES:
        raise RubricError(f"rubric file is too large ({size} bytes)", path=str(path))
    return path.read_bytes()


def load_rubric(path: str | Path, *, allow_outside_folder: bool = False):
    """Read, parse and validate a rubric file -> ``Rubric`` (with ``path``,
    ``sha256`` and the line tree for later messages). Raises ``RubricError``
    (``file:line: message``; all problems on ``error.problems``).
    ``allow_outside_folder``: the instructor allows the rubric's context and
    references files outside its folder (``--allow-outside-rubric-dir``)."""
    from pydantic import ValidationError

    from grader.rubric.models import Rubric

    data = read_rubric_bytes(path)
    name = str(path)
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        raise RubricError("not UTF-8 text", path=name, line=line) from None
    tree = parse_yaml(text, path=name)
    if not isinstance(tree, dict):
        raise RubricError("a rubric is a YAML mapping (id, questions, ...)", path=name, line=1)
    try:
        rubric = Rubric.model_validate(tree)
    except ValidationError as error:
        raise_problems(problems_from_validation_error(error, tree, path=name))
        raise  # unreachable: raise_problems raised
    rubric._source_path = Path(path)
    rubric._sha256 = hashlib.sha256(data).hexdigest()
    rubric._tree = tree
    if not allow_outside_folder:
        raise_problems(_files_outside(rubric, tree, name))
    return rubric


def _files_outside(rubric, tree: Any, name: str) -> list[RubricProblem]:
    """Files a rubric names (its context file, code checks' references) must
    be in its own folder or below: a rubric never reads, or quotes in an
    error, a file elsewhere on the machine (``../../etc/passwd``)."""
    folder = Path(name).parent.resolve()
    named: list[tuple[tuple, str]] = []
    if isinstance(rubric.context, str):
        named.append((("context",), rubric.context))
    for qi, question in enumerate(rubric.questions):
        for pi, part in enumerate(question.parts):
            for ci, check in enumerate(part.checks):
                base = ("questions", qi, "parts", pi, "checks", ci)
                named += [((*base, *loc), file) for loc, file in check.files()]
            for ei, example in enumerate(part.examples):
                base = ("questions", qi, "parts", pi, "examples", ei, "files")
                named += [((*base, key), file) for key, file in example.files.items()]
    problems = []
    for loc, file in named:
        target = (folder / file).resolve()
        if target != folder and folder not in target.parents:
            problems.append(
                RubricProblem(
                    name,
                    line_of(tree, loc),
                    f"{file!r} is outside the rubric's folder: put the file next to the "
                    "rubric (a rubric reads files from its own folder only)",
                )
            )
    return problems
