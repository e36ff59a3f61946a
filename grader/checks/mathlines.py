"""Math lines of an answer: the candidates an expression or shapes check reads.

A sheet line may hold display math (``$$...$$``), inline math (``$...$``)
or, on a typed sheet, plain math (``beta = (X^T X)^{-1} X^T y``). Display
math with ``\\\\`` line breaks is split into its rows. Prose lines are passed
to the parser too: it classifies them as ``text`` and they are skipped.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

_DISPLAY = re.compile(r"\$\$(.+?)\$\$", re.S)
_INLINE = re.compile(r"(?<!\$)\$([^$]+?)\$(?!\$)")
_ROW_BREAK = re.compile(r"\\\\")
# A plain line is worth parsing as math when it has an operator or relation.
_MATHY = re.compile(r"[=^_\\]|\b(?:in|R\^)\b")


# Signs that an answer holds math (an operator, a relation, a script, a math
# symbol): when none of its lines can be read as math, a person should look.
_MATH_SIGNS = re.compile(
    r"[=^_\\*/+<>|]|\w\s+-\s+\w"  # operators and relations, "w - lr g"
    r"|[\u2190-\u21ff\u2200-\u22ff\u0370-\u03ff]"  # arrows, math symbols, Greek
    r"|[\u00b2\u00b3\u00b9\u2070-\u209f\u1d40]"  # super- and subscripts
)
NO_MATH_READ = "no math could be read from the answer"


def prose_math_lines(lines: list[tuple[int, str]]) -> list[int]:
    """Line numbers of lines with math written outside ``$...$`` around inline
    formulas ("new $w_1$ = old $w_1$ − lr × ∂L/∂w_1"): the formulas alone are
    only names, and the statement they belong to may be what the answer says."""
    found = []
    for line_no, line in lines:
        if "$" not in line or _DISPLAY.search(line):
            continue
        if _MATH_SIGNS.search(_INLINE.sub(" ", line)):
            found.append(line_no)
    return found


def has_math_signs(text: str) -> bool:
    """Whether ``text`` has what math is written with (``=``, ``^``, ``/``,
    ``a - b``, ``∂``, ``β``...), unlike a sentence such as "I don't know."."""
    return bool(_MATH_SIGNS.search(text or ""))


@dataclass
class MathCandidate:
    line_no: int
    source: str
    parsed: Any = None  # grader.math.MathLine
    error: str | None = None
    in_prose: bool = False  # an inline formula inside a sentence
    # the text that was parsed into ``parsed``, when it is not ``source``
    # (another reading of the line): what the class cache keys it by. A
    # candidate whose ``parsed`` is not ``parse_math(read_from)`` (a part of
    # a chain) must give a ``reading`` of its own.
    reading: str | None = None

    @property
    def read_from(self) -> str:
        return self.source if self.reading is None else self.reading


def math_segments(lines: list[tuple[int, str]]) -> list[tuple[int, str, bool]]:
    """(line number, math text) for every math statement in the answer's lines.

    Uses the math engine's ``find_math_lines`` (display blocks over several
    lines, side notes, labels) when it is there; a simple scan otherwise.
    """
    if not lines:
        return []
    try:
        from grader.math.lines import find_math_lines
    except ImportError:
        return [(n, t, False) for n, t in _scan_segments(lines)]
    # Part finding may skip lines (a part answered in two places): number each
    # line as on the sheet by running the finder line group by line group.
    segments: list[tuple[int, str, bool]] = []
    for first, text in _contiguous(lines):
        segments += [
            (s.line_no, s.text, s.in_prose) for s in find_math_lines(text, first_line=first)
        ]
    return segments


def _contiguous(lines: list[tuple[int, str]]) -> list[tuple[int, str]]:
    groups: list[tuple[int, list[str]]] = []
    previous = None
    for line_no, text in lines:
        if previous is not None and line_no == previous + 1:
            groups[-1][1].append(text)
        else:
            groups.append((line_no, [text]))
        previous = line_no
    return [(first, "\n".join(texts)) for first, texts in groups]


def _scan_segments(lines: list[tuple[int, str]]) -> list[tuple[int, str]]:
    segments: list[tuple[int, str]] = []
    for line_no, text in lines:
        if "$" in text:
            found = [m.group(1) for m in _DISPLAY.finditer(text)]
            rest = _DISPLAY.sub(" ", text)
            found += [m.group(1) for m in _INLINE.finditer(rest)]
            for chunk in found:
                for row in _ROW_BREAK.split(chunk):
                    if row.strip():
                        segments.append((line_no, row.strip()))
        elif text.strip() and _MATHY.search(text):
            segments.append((line_no, text.strip()))
    return segments


def answer_candidates(answer: Any, context: Any, cache: Any = None) -> list[MathCandidate]:
    """``parse_candidates`` for a part's answer, once for all of the part's
    checks, and once for the class when the same lines are on another sheet
    (``cache``: the session's ``grader.checks.cache.ClassCache``)."""
    key = ("candidates", id(context))
    if key not in answer.cache:
        answer.cache[key] = _class_candidates(answer.lines, context, cache)
    return list(answer.cache[key])


def _class_candidates(
    lines: list[tuple[int, str]], context: Any, cache: Any
) -> list[MathCandidate]:
    from grader.checks.cache import context_key, labelled_lines, relabel

    labelled = labelled_lines(lines) if cache is not None and cache.enabled else None
    if labelled is None:
        return parse_candidates(lines, context)
    first = lines[0][0]
    key = ("candidates", context_key(context), tuple((n, t) for n, t in labelled))
    kept = cache.get(key, lambda: parse_candidates(labelled, context))
    return relabel(kept, first)


def parse_candidates(lines: list[tuple[int, str]], context: Any) -> list[MathCandidate]:
    """Parse every math segment; prose is dropped, unreadable math kept with its error."""
    from grader.math import MathParseError, parse_math

    candidates = []
    for line_no, source, in_prose in math_segments(lines):
        try:
            parsed = parse_math(source, context)
        except MathParseError as error:
            if not in_prose:  # a formula in a sentence that does not parse is prose
                reason = getattr(error, "reason", None) or str(error)
                candidates.append(MathCandidate(line_no, source, None, reason, in_prose))
            continue
        if getattr(parsed, "kind", "") == "text" and not getattr(parsed, "approximations", None):
            continue
        candidates.append(MathCandidate(line_no, source, parsed, None, in_prose))
    return candidates


def read_as_text(parsed: Any) -> str:
    """How a parsed line reads, for the student's view (``3 x^2 - 2``, not SymPy's ``3*x**2``)."""
    try:
        from grader.math import to_plain_text
    except ImportError:  # pragma: no cover - the parser and its printer come together
        to_plain_text = str
    terms = getattr(parsed, "terms", None)
    approximations = getattr(parsed, "approximations", None) or []
    subject = getattr(parsed, "approximate_of", None)
    if terms or approximations:
        relation = f" {getattr(parsed, 'relation', '=') or '='} "
        text = relation.join(to_plain_text(t) for t in terms)
        if subject is not None:
            text = to_plain_text(subject)
        if approximations:
            text = " ≈ ".join([text, *(_decimal(t) for t in approximations)]).strip()
        return ("= " + text) if getattr(parsed, "continues_previous", False) else text
    return str(parsed)


def _decimal(term: Any) -> str:
    # an approximation as written (1.33), not as the exact fraction it reads as
    try:
        return f"{float(term):g}"
    except (TypeError, ValueError):
        return str(term)
