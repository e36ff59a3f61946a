"""Many pairs: ``equivalent_many`` (items) and ``equivalent_jsonl`` (``grader equiv --batch``)."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from grader.errors import GraderError
from grader.math.equivalence._compare import equivalent
from grader.math.equivalence._result import UNDETERMINED, Equivalence
from grader.math.equivalence._sides import as_context


def _context_for_item(item: Mapping[str, Any], base: Any) -> Any:
    symbols, aliases = item.get("symbols"), item.get("aliases")
    full = item.get("context")
    if not symbols and not aliases and not full:
        return base
    from grader.math.context import MathContext

    if full:  # a whole context (definitions, function derivatives, ...)
        base = (
            base.merged(MathContext.from_mapping(full))
            if base is not None
            else (MathContext.from_mapping(full))
        )
        if not symbols and not aliases:
            return base
    mapping: dict[str, Any] = {}
    if symbols:
        mapping["symbols"] = symbols
    if aliases:
        mapping["aliases"] = aliases
    own = MathContext.from_mapping(mapping)
    return base.merged(own) if base is not None else own


def equivalent_many(
    items: Iterable[Mapping[str, Any]],
    context: Any = None,
    *,
    time_limit: float = 2.0,
    seed: int = 0,
) -> Iterator[Equivalence]:
    """One verdict per item ``{"a", "b", "symbols"?, "aliases"?}``, in order.
    An item's own symbols and aliases are laid over ``context``. A bad item
    gives an ``undetermined`` verdict; the others are still answered."""
    base = as_context(context)
    for index, item in enumerate(items, start=1):
        yield _one_item(item, index, base, time_limit, seed)


def _one_item(
    item: Any,
    index: int,
    base: Any,
    time_limit: float,
    seed: int,
    contexts: dict[str, Any] | None = None,
) -> Equivalence:
    def bad(reason: str) -> Equivalence:
        return Equivalence(UNDETERMINED, f"item {index}: {reason}", method="none", bad_input=True)

    if not isinstance(item, Mapping):
        return bad(f"expected an object with 'a' and 'b', got {type(item).__name__}")
    missing = [key for key in ("a", "b") if key not in item]
    if missing:
        return bad(f"missing {' and '.join(repr(k) for k in missing)}")
    if not all(isinstance(item[key], str) for key in ("a", "b")):
        return bad("'a' and 'b' must be strings")
    for key in ("symbols", "aliases", "context"):
        if item.get(key) is not None and not isinstance(item[key], Mapping):
            return bad(f"{key!r} must be an object mapping names to values")
    key = None
    if contexts is not None:
        key = json.dumps([item.get(k) for k in ("symbols", "aliases", "context")], sort_keys=True)
    try:
        if key is not None and key in contexts:
            context = contexts[key]
        else:
            context = _context_for_item(item, base)
            if key is not None and len(contexts) < 1000:
                contexts[key] = context
    except GraderError as error:
        return bad(f"bad context: {error.message}")
    return equivalent(item["a"], item["b"], context, time_limit=time_limit, seed=seed)


def equivalent_jsonl(
    lines: Iterable[str], context: Any = None, *, time_limit: float = 2.0, seed: int = 0
) -> Iterator[dict[str, Any]]:
    """The ``grader equiv --batch`` loop: JSON lines in, one JSON-able verdict per
    non-blank line out, in order. An invalid line gives ``undetermined`` with
    ``line N: ...`` as the reason."""
    base = as_context(context)
    contexts: dict[str, Any] = {}  # the same symbols on many lines: build the context once
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            item = json.loads(line)
        except json.JSONDecodeError as error:
            result = Equivalence(
                UNDETERMINED, f"line {number}: invalid JSON: {error.msg}", method="none"
            )
        except RecursionError:
            result = Equivalence(
                UNDETERMINED, f"line {number}: invalid JSON: nested too deeply", method="none"
            )
        else:
            result = _one_item(item, number, base, time_limit, seed, contexts)
            if result.bad_input and result.reason.startswith(f"item {number}: "):
                result.reason = f"line {number}: " + result.reason[len(f"item {number}: ") :]
            elif result.bad_input:
                result.reason = f"line {number}: {result.reason}"
        yield {"line": number, **result.to_dict()}
