"""The class cache: what one class's sheets have in common is judged once.

In one class many students write the same lines. An equivalence verdict, a
derivation's step-by-step result, how a line reads, which ideas a paragraph
states: each is a pure function of (the rubric's math context, the check,
the exact input text), so a grading session (one per rubric per worker
process) keeps them in one bounded LRU table and the next sheet with the same
line gets the answer without calling the engine. Cost then grows slower than
the number of sheets, and memory stays flat (the table has a size cap).

Rules that keep the reports byte for byte the same with and without it:

- **Keys are exact inputs**: the text the engine read (not a normalised
  form: two spellings of one formula are two entries), the math context's
  ``fingerprint`` (its symbols, shapes, aliases and definitions, including the
  names a student defined elsewhere), the check (``id`` of the rubric's check
  object, which the session keeps alive), the time limit and the seed.
- **Line numbers are labels, not inputs.** An engine that numbers what it
  finds (derivation steps, concept evidence) is run with the lines labelled
  ``LABEL_BASE + offset`` (from the answer's first line) and its result relabelled to the sheet's numbers
  (``relabel``), so that the same derivation three lines lower on another
  sheet is a hit. Only answers whose text has no ``LABEL_DIGITS`` in it are
  labelled so (any other is graded directly and not kept): a label in the
  result can then only be a line number.
- **Results that depend on time are never kept.** A result computed while a
  time limit ran out (``grader.timelimit.ran_out_count`` changed: a timeout
  or a worker that died, in this process or inside a time-limit worker it
  called, such as the one a derivation is checked in) is returned to its
  caller and computed again for the next sheet, exactly as without a cache,
  whatever its verdict. A deterministic ``undetermined`` (a line that does
  not read, shapes that do not agree) is kept like any other verdict. (With the cache, a line judged
  ``equal`` on one sheet is ``equal`` on the next even if, on a loaded
  machine, a fresh computation would have run out of time: the cache can
  only turn a would-be timeout into the verdict the engine gave when it had
  time.)
- **Callers get copies**: ``ClassCache.get`` hands out what ``copy`` makes of
  the kept value (containers copied; SymPy expressions, strings and numbers
  are immutable and shared).

``GRADER_CLASS_CACHE=off`` (or ``0``) turns it off; a number sets the size
cap (entries, default ``DEFAULT_ENTRIES``). Set it where grading runs: the
local pool's workers inherit it, remote Dask workers need it in their own
environment.
"""

from __future__ import annotations

import os
import re
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from dataclasses import dataclass, fields, is_dataclass, replace
from typing import Any, TypeVar

from grader.timelimit import ran_out_count

T = TypeVar("T")

ENV_VAR = "GRADER_CLASS_CACHE"
# A derivation result is the largest entry (a few tens of KB with its steps);
# verdicts and readings are well under one. 4096 entries: tens of MB at most.
DEFAULT_ENTRIES = 4096

# Line labels given to an engine while its result is kept: LABEL_BASE + the
# line's index in the answer. Ten digits, starting with LABEL_DIGITS, which
# no answer that is labelled so contains.
LABEL_BASE = 8_264_000_000
LABEL_DIGITS = "8264"
_LABEL_SPAN = 1_000_000  # labels are LABEL_BASE .. LABEL_BASE + 999,999
_LABEL = re.compile(r"(?<!\d)8264(\d{6})(?!\d)")


def entries_from_environment(environ: dict[str, str] | None = None) -> int:
    """The size cap ``GRADER_CLASS_CACHE`` asks for (0: no cache)."""
    value = (environ if environ is not None else os.environ).get(ENV_VAR, "").strip().lower()
    if not value or value in ("on", "yes", "true", "1"):
        return DEFAULT_ENTRIES
    if value in ("off", "no", "false", "0", "none"):
        return 0
    try:
        return max(0, int(value))
    except ValueError:
        return DEFAULT_ENTRIES


@dataclass
class CacheStats:
    """Lookups answered from the table (``hits``) and computed (``misses``);
    ``not_kept``: computed results that were not kept (time-dependent);
    ``evicted``: entries dropped to stay under the cap."""

    hits: int = 0
    misses: int = 0
    not_kept: int = 0
    evicted: int = 0

    @property
    def lookups(self) -> int:
        return self.hits + self.misses

    def since(self, before: CacheStats) -> CacheStats:
        """What happened between ``before`` (a copy taken earlier) and now."""
        return CacheStats(
            self.hits - before.hits,
            self.misses - before.misses,
            self.not_kept - before.not_kept,
            self.evicted - before.evicted,
        )


class ClassCache:
    """A bounded LRU table of engine results, shared by every sheet a grading
    session grades (threads may share it: the table is locked while used)."""

    def __init__(self, max_entries: int = DEFAULT_ENTRIES) -> None:
        self.max_entries = max(0, int(max_entries))
        self.stats = CacheStats()
        self._table: OrderedDict[Hashable, Any] = OrderedDict()
        self._lock = threading.Lock()

    def __getstate__(self) -> dict[str, Any]:
        # a cache is a process's own: a copy sent to another process (a spawned
        # worker) starts empty, with the same size
        return {"max_entries": self.max_entries}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__init__(state["max_entries"])

    @property
    def enabled(self) -> bool:
        return self.max_entries > 0

    def __len__(self) -> int:
        return len(self._table)

    def get(
        self,
        key: Hashable,
        compute: Callable[[], T],
        *,
        keep: Callable[[T], bool] = lambda value: True,
        copy: Callable[[T], T] = lambda value: value,
    ) -> T:
        """``compute()``, or a copy of what it gave for ``key`` before.

        ``keep(value)`` says whether a fresh value may be kept (False for a
        time-dependent one); ``copy`` makes what a caller may change."""
        found, value = self.lookup(key)
        if found:
            return copy(value)
        before = ran_out_count()
        value = compute()
        if ran_out_count() != before:  # a time limit ran out on the way
            self.stats.not_kept += 1
            return value
        if self.store(key, value, keep=keep):
            return copy(value)
        return value

    def lookup(self, key: Hashable) -> tuple[bool, Any]:
        """(True, the kept value) or (False, None); counts a hit or a miss.
        The value is the table's own: copy it before handing it out."""
        if not self.enabled:
            return False, None
        with self._lock:
            try:
                value = self._table[key]
            except (KeyError, TypeError):  # TypeError: an unhashable key, never kept
                self.stats.misses += 1
                return False, None
            self._table.move_to_end(key)
            self.stats.hits += 1
            return True, value

    def store(
        self, key: Hashable, value: Any, *, keep: Callable[[Any], bool] = lambda v: True
    ) -> bool:
        """Keep ``value`` for ``key`` if ``keep(value)``; True when kept."""
        if not self.enabled:
            return False
        if not keep(value):
            self.stats.not_kept += 1
            return False
        with self._lock:
            try:
                self._table[key] = value
            except TypeError:
                return False
            self._table.move_to_end(key)
            while len(self._table) > self.max_entries:
                self._table.popitem(last=False)
                self.stats.evicted += 1
        return True

    def snapshot(self) -> CacheStats:
        """A copy of the counters (for ``CacheStats.since``)."""
        return replace(self.stats)


def context_key(math_context: Any) -> Hashable:
    """The identity of a math context in a key: its fingerprint (None: no context)."""
    return getattr(math_context, "fingerprint", None) if math_context is not None else None


# --------------------------------------------------------------------------
# line labels


def can_label(texts: list[str]) -> bool:
    """Whether an answer may be graded with labelled lines (none of its text
    could be mistaken for a label)."""
    return not any(LABEL_DIGITS in text for text in texts)


def labelled_lines(lines: list[tuple[int, str]]) -> list[tuple[int, str]] | None:
    """``lines`` numbered ``LABEL_BASE + (n - first n)`` (gaps kept: part
    finding may skip lines), or None when they cannot be (label digits in
    the text, lines out of order, an answer too long for the labels)."""
    if not lines:
        return None
    first = lines[0][0]
    offsets = [number - first for number, _ in lines]
    if (
        any(b <= a for a, b in zip(offsets, offsets[1:], strict=False))
        or offsets[-1] >= _LABEL_SPAN
    ):
        return None
    if not can_label([text for _, text in lines]):
        return None
    return [(LABEL_BASE + offset, text) for offset, (_, text) in zip(offsets, lines, strict=True)]


def relabel(value: Any, first_line: int) -> Any:
    """``value`` (an engine result) with every line label ``LABEL_BASE + k``
    replaced by ``first_line + k``, in every integer and string of it (no
    other integer or text of an answer that ``can_label`` is in the labels'
    range). Containers and dataclasses are rebuilt, so the result shares
    nothing mutable with ``value``."""

    def number(label: int) -> int:
        offset = label - LABEL_BASE
        return first_line + offset if 0 <= offset < _LABEL_SPAN else label

    def text(string: str) -> str:
        if LABEL_DIGITS not in string:
            return string
        return _LABEL.sub(lambda m: str(first_line + int(m.group(1))), string)

    return _rebuild(value, number, text)


def copied(value: Any) -> Any:
    """A copy of an engine result whose containers a caller may change
    (dataclasses, lists, dicts rebuilt; immutable leaves shared)."""
    return _rebuild(value, _same, _same)


def _same(value: Any) -> Any:
    return value


# Types that are rebuilt as they are (no labels, nothing mutable in them).
_LEAVES = (float, complex, bytes, type(None), bool)


def _rebuild(value: Any, number: Callable[[int], int], text: Callable[[str], str]) -> Any:
    """``value`` rebuilt: lists, tuples, dicts, sets and dataclasses copied,
    ``number`` applied to integers and ``text`` to strings; anything else
    (SymPy expressions, NumPy scalars) is immutable and shared."""
    memo: dict[int, Any] = {}  # id -> its copy: shared parts stay shared

    def walk(node: Any) -> Any:
        kind = type(node)
        if kind is str:
            return text(node)
        if kind is int:
            return number(node)
        if kind in _LEAVES:
            return node
        done = memo.get(id(node))
        if done is not None:
            return done
        if kind is list:
            out: Any = [walk(item) for item in node]
        elif kind is tuple:
            out = tuple(walk(item) for item in node)
        elif kind is dict:
            out = {walk(key): walk(item) for key, item in node.items()}
        elif kind is set or kind is frozenset:
            out = kind(walk(item) for item in node)
        elif is_dataclass(kind) and hasattr(node, "__dict__"):
            out = object.__new__(kind)
            out.__dict__.update({name: walk(item) for name, item in node.__dict__.items()})
        elif is_dataclass(kind):  # slots: through its __init__
            out = replace(
                node, **{f.name: walk(getattr(node, f.name)) for f in fields(node) if f.init}
            )
        else:
            return node  # immutable leaves (SymPy expressions, NumPy scalars)
        memo[id(node)] = out
        return out

    return walk(value)
