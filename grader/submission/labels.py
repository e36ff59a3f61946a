"""Reading the labels a line starts with: ``1.``, ``Q3.``, ``### Q3``,
``Question 3``, ``(a).``, ``a)``, ``(ii)``, ``①``, ``1(a)``, ``Q1.b``,
``## Q1 (a)``, ``\\section*{Question 1}``, ``(b) and (c)``.

A label is read, not judged: ``(i)`` reads as letter 9 *and* roman 1, ``(Q)``
as letter 17; which reading (if any) names a part is decided by part finding
(``grader.submission.finding``), which knows the layout and the sequence.

Each token has a family (``letter``, ``roman``, ``number``, ``circled``) and an
ordinal (its position: ``b`` -> 2, ``ii`` -> 2, ``②`` -> 2). Markdown and LaTeX
decoration before a label (headings, bullets, ``>``, ``**``, ``$$``, ``\\[``,
``\\item``, ``\\section*{``) is skipped and remembered as the line's prefix
style, because a question's part labels usually share it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

Reading = tuple[str, int]  # (family, ordinal)

_CIRCLED_RANGES = [
    (0x2460, 0x2473),  # ① .. ⑳
    (0x2776, 0x277F),  # ❶ .. ❿
    (0x2780, 0x2789),  # ➀ .. ➉
    (0x278A, 0x2793),  # ➊ .. ➓
    (0x24F5, 0x24FE),  # ⓵ .. ⓾
]
_CIRCLED_CHARS = "".join(chr(c) for low, high in _CIRCLED_RANGES for c in range(low, high + 1))

_ROMAN_VALUES = {
    "i": 1,
    "ii": 2,
    "iii": 3,
    "iv": 4,
    "v": 5,
    "vi": 6,
    "vii": 7,
    "viii": 8,
    "ix": 9,
    "x": 10,
    "xi": 11,
    "xii": 12,
}

# Decoration that may come before a label; (regex, style). "math" prefixes are
# kept when the label is taken off the line, the rest are dropped.
_DECORATIONS: list[tuple[re.Pattern[str], str]] = [
    (re.compile(r"#{1,6}[ \t]*"), "heading"),
    (re.compile(r"\\(?:sub)*section\*?\{[ \t]*"), "heading"),
    (re.compile(r"\\paragraph\*?\{[ \t]*"), "heading"),
    (re.compile(r"\\item(?:\[|[ \t]+|(?=\())[ \t]*"), "bullet"),
    (re.compile(r"[-*+•·▪◦][ \t]+"), "bullet"),
    (re.compile(r">[ \t]*"), "quote"),
    (re.compile(r"\$\$[ \t]*"), "math"),
    (re.compile(r"\\\[[ \t]*"), "math"),
    (re.compile(r"(?:\*\*|__)[ \t]*"), "emphasis"),
    (re.compile(r"[*_](?=[(\w①-⑳])"), "emphasis"),
    (re.compile(r"\\textbf\{[ \t]*"), "emphasis"),
    (re.compile(r"\\noindent[ \t]*"), "plain"),
]

_QUESTION_WORD = re.compile(
    r"(?:question|problem|exercise|task|answer|aufgabe|frage|ques|ans|qu|q)[ \t]*[.\-#]?[ \t]*(?P<n>\d{1,2})(?![\d.,]\d)",
    re.IGNORECASE,
)
# A bare number: "3." "3)" "3:" or "3" directly followed by a part ("3(a)", "3a)", "3.b").
_NUMBER = re.compile(r"(?P<n>\d{1,2})(?P<term>[.):](?![\d])|(?=\(|[a-z][).]))")
_PAREN_PART = re.compile(r"\([ \t]*(?P<v>[A-Za-z]|(?i:[ivx]{1,4})|\d{1,2})[ \t]*\)(?P<term>[.:])?")
# "[a]": square brackets, as some answer templates print them
_BRACKET_PART = re.compile(r"\[[ \t]*(?P<v>[A-Za-z]|(?i:[ivx]{1,4}))[ \t]*\](?P<term>[.:])?")
_CLOSE_PART = re.compile(r"(?P<v>[A-Za-z]|(?i:[ivx]{1,4}))\)(?P<term>[.:])?")
# "b." "b:" and capitals "B." "II." (not "B:", which reads as a speaker, "A: ...")
_DOT_PART = re.compile(r"(?:(?P<v>[a-z]|[ivx]{1,4})[.:]|(?P<upper>[A-Z]|[IVX]{1,4})\.)(?=[ \t]|$)")
_ATTACHED_PART = re.compile(r"(?P<v>[a-z]|[ivx]{1,4})(?P<term>[.):])?(?=[^A-Za-z0-9]|$)")
_WORD_PART = re.compile(
    r"part[ \t]+(?:\([ \t]*(?P<paren>[a-z]|[ivx]{1,4}|\d{1,2})[ \t]*\)|(?P<v>[a-z]|[ivx]{1,4}|\d{1,2})\b)\.?",
    re.IGNORECASE,
)
_CIRCLED = re.compile(f"[{_CIRCLED_CHARS}]")
_JOINER = re.compile(r"[ \t]*(?:and|&|,|/|\+|-|–)[ \t]*", re.IGNORECASE)
_AFTER_LABEL = re.compile(r"[ \t]*(?:[:.\-–—][ \t]+)?[ \t]*[}\]]?[ \t]*")


@dataclass(frozen=True)
class LabelToken:
    """One label at the start of a line.

    ``kind``: ``question`` (``Q3``, ``Question 3``), ``number`` (a bare
    ``3.``: a question or a numbered part) or ``part``. ``members`` holds the
    readings of each part a token names: one, or several for ``(b) and (c)``.
    ``style`` is the bracket shape (``(x)``, ``(x).``, ``x)``, ``x.``, ``x``,
    ``circled``), used to tell a question's part labels from sub-points.
    """

    kind: str
    raw: str
    members: tuple[tuple[Reading, ...], ...]
    style: str

    @property
    def readings(self) -> tuple[Reading, ...]:
        return self.members[0]

    @property
    def number(self) -> int | None:
        """The number of a question or bare-number token."""
        for family, ordinal in self.readings:
            if family == "number":
                return ordinal
        return None


@dataclass(frozen=True)
class LabelLine:
    """The labels a line starts with and the line's text without them."""

    line_no: int
    prefix: str  # heading | bullet | quote | math | emphasis | plain
    tokens: tuple[LabelToken, ...]
    ends: tuple[int, ...]  # column after each token (and the spaces after it)
    keep: str  # decoration to keep in front of the text (math delimiters)
    indent: int = 0  # leading spaces (a tab counts 4): sub-points are often indented

    def text_without(self, line: str, count: int) -> str:
        """``line`` with its first ``count`` labels (and decoration) taken off."""
        if count <= 0:
            return line
        return self.keep + line[self.ends[count - 1] :]


def _letter_readings(value: str) -> tuple[Reading, ...]:
    """``b`` -> letter 2; ``i`` -> letter 9 and roman 1; ``ii`` -> roman 2; ``3`` -> number 3."""
    if value.isdigit():
        return (("number", int(value)),)
    lowered = value.lower()
    readings: list[Reading] = []
    if len(lowered) == 1:
        readings.append(("letter", ord(lowered) - ord("a") + 1))
    if lowered in _ROMAN_VALUES:
        readings.append(("roman", _ROMAN_VALUES[lowered]))
    return tuple(readings)


def _circled_ordinal(char: str) -> int:
    code = ord(char)
    for low, high in _CIRCLED_RANGES:
        if low <= code <= high:
            return code - low + 1
    raise ValueError(char)  # pragma: no cover - the regex only matches these


def _match_part(text: str, pos: int) -> tuple[tuple[Reading, ...], str, int] | None:
    """A part label at ``pos``: (readings, style, end) or None."""
    match = _CIRCLED.match(text, pos)
    if match:
        return (("circled", _circled_ordinal(match.group())),), "circled", match.end()
    match = _PAREN_PART.match(text, pos)
    if match:
        style = "(x)." if match.group("term") else "(x)"
        return _letter_readings(match.group("v")), style, match.end()
    match = _BRACKET_PART.match(text, pos)
    if match:
        return _letter_readings(match.group("v")), "[x]", match.end()
    match = _CLOSE_PART.match(text, pos)
    if match:
        return _letter_readings(match.group("v")), "x)", match.end()
    match = _WORD_PART.match(text, pos)
    if match:
        value = match.group("paren") or match.group("v")
        return _letter_readings(value), "part x", match.end()
    match = _DOT_PART.match(text, pos)
    if match:
        return _letter_readings(match.group("v") or match.group("upper")), "x.", match.end()
    return None


def _question_or_number(line: str, pos: int) -> tuple[LabelToken, int] | None:
    """A question label (``Q3``, ``Question 3``) or a bare number (``3.``) at ``pos``."""
    match = _QUESTION_WORD.match(line, pos)
    if match:
        end = match.end()
        if end < len(line) and line[end] in ".:)":
            end += 1
        readings = (("number", int(match.group("n"))),)
        return LabelToken("question", line[pos:end], (readings,), "Q"), end
    match = _NUMBER.match(line, pos)
    if match:
        term = match.group("term") or ""
        readings = (("number", int(match.group("n"))),)
        return LabelToken("number", line[pos : match.end()], (readings,), f"x{term}"), match.end()
    return None


def _skip_after_label(line: str, pos: int) -> int:
    """Past the spaces, ``:``/``-`` and closing ``**``/``}``/``]`` after a label."""
    while True:
        after = _AFTER_LABEL.match(line, pos)
        if after:
            pos = after.end()
        if line.startswith(("**", "__"), pos):
            pos += 2
            continue
        if line.startswith(("*", "_"), pos) and (
            pos + 1 == len(line) or not line[pos + 1].isalnum()
        ):
            pos += 1
            continue
        return pos


def _skip_decoration(line: str) -> tuple[int, str, str, int]:
    """(position after decoration, prefix style, decoration to keep, indent)."""
    pos = 0
    length = len(line)
    indent = 0
    while pos < length and line[pos] in " \t":
        indent += 4 if line[pos] == "\t" else 1
        pos += 1
    prefix = "plain"
    keep = ""
    for _ in range(4):  # a few decorations may stack: "- **(a)**", "## **Q1**"
        for pattern, style in _DECORATIONS:
            match = pattern.match(line, pos)
            if match and match.end() > pos:
                if prefix in ("plain", "emphasis"):
                    prefix = style
                if style == "math":
                    keep = line[pos : match.end()]
                pos = match.end()
                break
        else:
            break
    return pos, prefix, keep, indent


def parse_custom_label(line_no: int, line: str, labels: dict[str, int]) -> LabelLine | None:
    """A label the layout names itself (``Task 2.1``, ``Part A``) at the start of ``line``.

    ``labels`` maps each label (lowercase) to the ordinal it stands for; the
    token's family is ``custom``.
    """
    pos, prefix, keep, indent = _skip_decoration(line)
    rest = line[pos:].lower()
    for label in sorted(labels, key=len, reverse=True):
        if rest.startswith(label) and (len(rest) == len(label) or not rest[len(label)].isalnum()):
            end = pos + len(label)
            token = LabelToken("part", line[pos:end], ((("custom", labels[label]),),), "custom")
            after = end + 1 if line[end : end + 1] in (".", ":", ")") else end
            return LabelLine(
                line_no, prefix, (token,), (_skip_after_label(line, after),), keep, indent
            )
    return None


# A cheap first look: most prose lines start with a word followed by a space and
# another word, which no label does. Lines that pass get the full parse.
_MAYBE_LABEL = re.compile(
    r"[ \t]*(?:[^A-Za-z \t]|[A-Za-z]{1,4}[).:]|[A-Za-z]{1,9}[ \t]*[.\-#]?[ \t]*\d|part[ \t])",
    re.IGNORECASE,
)


def parse_label_line(line_no: int, line: str) -> LabelLine | None:
    """The labels ``line`` starts with, or None when it starts with none."""
    if not _MAYBE_LABEL.match(line):
        return None
    length = len(line)
    pos, prefix, keep, indent = _skip_decoration(line)
    tokens: list[LabelToken] = []
    ends: list[int] = []
    first = _question_or_number(line, pos)
    if first is not None:
        token, pos = first
        tokens.append(token)
        # A part written right after the number, without a space: "Q1b", "Q1.b", "1.b", "1b)".
        attached = _ATTACHED_PART.match(line, pos)
        if attached and attached.group("v") and attached.end() > pos:
            pos = _skip_after_label(line, pos)
            ends.append(pos)
            readings = _letter_readings(attached.group("v"))
            tokens.append(
                LabelToken("part", line[attached.start() : attached.end()], (readings,), "x")
            )
            pos = _skip_after_label(line, attached.end())
        else:
            pos = _skip_after_label(line, pos)
        ends.append(pos)
    while pos < length and len(tokens) < 3:
        found = _match_part(line, pos)
        if found is None:
            break
        readings, style, end = found
        members = [readings]
        # "(b) and (c)", "(b),(c)", "b/c": one answer claimed for several parts.
        while True:
            joiner = _JOINER.match(line, end)
            if not joiner:
                break
            more = _match_part(line, joiner.end())
            if more is None or more[1] != style:
                break
            members.append(more[0])
            end = more[2]
        tokens.append(LabelToken("part", line[pos:end], tuple(members), style))
        pos = _skip_after_label(line, end)
        ends.append(pos)
    if not tokens:
        return None
    first = tokens[0]
    if (
        len(tokens) > 1
        and prefix in ("plain", "heading", "emphasis")
        and first.kind == "part"
        and first.style == "(x)"
        and first.readings == (("number", first.number),)
        and tokens[1].raw.startswith("(")
        and f"{first.raw}{tokens[1].raw}" in line  # written together: "(2)(c)"
        and all(family != "number" for family, _ in tokens[1].readings)
    ):
        # "(2)(c)": a question number in brackets with its part, read as "2(c)";
        # "(1) (a)." (apart) stays a numbered part with a sub-point, as Q3 of the
        # sample sheet numbers its parts
        tokens[0] = LabelToken("number", first.raw, first.members, "x")
    return LabelLine(line_no, prefix, tuple(tokens), tuple(ends), keep, indent)


_HEADING = re.compile(r"[ \t]*(?:#{1,6}[ \t]|\\(?:sub)*section\*?\{)")
_QUESTION_IN_HEADING = re.compile(
    r"\b(?:question|problem|exercise|task)[ \t]*[.\-#]?[ \t]*(?P<n>\d{1,2})\b", re.IGNORECASE
)


def parse_heading_question(line_no: int, line: str) -> LabelLine | None:
    """A heading naming a question anywhere in it: ``## Answer to Question 2``.

    The whole heading counts as the label (its text is a title, not an answer).
    """
    if not _HEADING.match(line):
        return None
    match = _QUESTION_IN_HEADING.search(line)
    if match is None:
        return None
    readings = (("number", int(match.group("n"))),)
    token = LabelToken("question", match.group().strip(), (readings,), "Q")
    return LabelLine(line_no, "heading", (token,), (len(line),), "")
