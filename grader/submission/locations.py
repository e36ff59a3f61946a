"""Saying where a line is in the file the student handed in.

A notebook or a PDF is read as one sheet of lines, and a Mathpix ``<br>``
starts a new sheet line (docs/answer-sheets.md);
feedback and review reasons name sheet lines (``line 7: ...``). For such a
sheet, ``relocate`` rewrites those mentions into the places a person can find:
``cell 4, line 2``, ``page 2, lines 3-5``. A sheet read from a text file has no
origins and is left as it is.
"""

from __future__ import annotations

import re

from grader.submission.models import LineOrigins

# "line 7", "lines 7-9", "lines 7–9": how the engines and scoring name sheet lines
_MENTION = re.compile(r"\b(?P<word>[Ll]ines?) (?P<first>\d+)(?:\s*[-\u2013]\s*(?P<last>\d+))?\b")


def describe_lines(origins: LineOrigins, first: int, last: int | None = None) -> str | None:
    """``cell 4, line 2`` (or ``cells 4-5``) for sheet lines ``first..last``;
    None when a line is one the reader added (a separator)."""
    last = first if last is None else last
    # a range may start or end on a blank line the reader put between cells
    while first < last and origins.place(first) is None:
        first += 1
    while last > first and origins.place(last) is None:
        last -= 1
    start, end = origins.place(first), origins.place(last)
    if start is None or end is None:
        return None
    unit = origins.unit
    if unit == "line":  # lines split at <br>: the file's own line numbers
        return f"line {start[0]}" if start[0] == end[0] else f"lines {start[0]}-{end[0]}"
    if start[0] == end[0]:
        if start[1] == end[1]:
            return f"{unit} {start[0]}, line {start[1]}"
        return f"{unit} {start[0]}, lines {start[1]}-{end[1]}"
    return f"{unit}s {start[0]}-{end[0]}"


def relocate(text: str, origins: LineOrigins | None) -> str:
    """``text`` with every ``line N`` / ``lines N-M`` said as a place in the file."""
    if origins is None or "ine" not in text:
        return text

    def replace(match: re.Match[str]) -> str:
        first = int(match.group("first"))
        last = int(match.group("last")) if match.group("last") else None
        said = describe_lines(origins, first, last)
        if said is None:
            return match.group(0)
        return said[0].upper() + said[1:] if match.group("word")[0] == "L" else said

    return _MENTION.sub(replace, text)
