"""What OCR'd Markdown carries besides the answer: Mathpix Markdown line
breaks and OCR confidence marks.

**Mathpix Markdown** (``.mmd``, or ``.md`` from Mathpix, Marker and similar
tools) is read like any sheet: ``\\( \\)`` and ``\\[ \\]`` are math delimiters,
``\\operatorname{tr}`` an operator name. A ``<br>`` (also ``<br/>``, ``<br />``)
is a line break the tool kept inside one line of the file; it starts a new
sheet line, so each hand-written line of a derivation is checked as a line.
Feedback still names the file's lines (``line 64``), through the sheet's
origins.

**Confidence marks** (the convention this grader reads, docs/answer-sheets.md):
an HTML comment anywhere on a line,

    <!-- low-confidence -->            the OCR was not sure of this line
    <!-- confidence: 0.42 -->          its confidence, 0..1; below 0.8 is low

is taken off the line, and a low one flags the line: the part whose answer
holds it goes to review (``line 12: the OCR marked this line as uncertain
(confidence 0.42)``), never a silent charge. A wrapper around an OCR tool
that reports confidences (Mathpix's line data, Tesseract's word confidences)
writes them this way.
"""

from __future__ import annotations

import re

from grader.submission.models import LineOrigins

LOW_CONFIDENCE = 0.8

_BREAK = re.compile(r"<br\s*/?>", re.I)
_MARK = re.compile(
    r"\s*<!--\s*(?:ocr[-_ ]?)?(?:(?P<low>low[-_ ]confidence)|confidence\s*[:=]\s*(?P<value>[0-9]*\.?[0-9]+))"
    r"\s*-->",
    re.I,
)


def split_line_breaks(lines: list[str]) -> tuple[list[str], LineOrigins | None]:
    """Lines with each ``<br>`` starting a new line, and where each came from
    (None when there was no ``<br>``: the file's lines are the sheet's)."""
    if not any("<br" in line.lower() for line in lines):
        return lines, None
    out: list[str] = []
    places: list[tuple[int, int] | None] = []
    for number, line in enumerate(lines, start=1):
        for piece_number, piece in enumerate(_BREAK.split(line), start=1):
            out.append(piece)
            places.append((number, piece_number))
    return out, LineOrigins("line", places)


def take_confidence_marks(lines: list[str]) -> dict[int, str]:
    """Take the confidence marks off ``lines`` (in place); the low ones, by line number."""
    flags: dict[int, str] = {}
    for index, line in enumerate(lines):
        if "<!--" not in line:
            continue
        low: str | None = None
        for match in _MARK.finditer(line):
            if match.group("low"):
                low = "the OCR marked this line as uncertain"
            elif float(match.group("value")) < LOW_CONFIDENCE:
                low = f"the OCR marked this line as uncertain (confidence {match.group('value')})"
        stripped = _MARK.sub("", line)
        if stripped != line:
            lines[index] = stripped
        if low is not None:
            flags[index + 1] = low + ": read it on the paper"
    return flags
