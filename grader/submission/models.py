"""Plain dataclasses of answer-sheet reading: what was read, what the layout
expects, and where each part's answer was found.

Line numbers are 1-based and inclusive everywhere, counted in the sheet as
read (after CRLF/CR line endings were turned into LF), so feedback can point
at the lines a student wrote.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

PartKind = Literal["math", "text", "code", "mixed"]

HowFound = Literal[
    "label",  # the part's own label, e.g. "(b)" for q1.b
    "label_other_form",  # a label of another family with the right number, e.g. ④ for (d)
    "label_by_position",  # a label that does not fit the sequence, where the part should start
    "position",  # no label: the text where the part must be (e.g. right after the question label)
    "content",  # no label: a block whose content fits the part (keywords, kind)
    "answer_file",  # a YAML/JSON answer file named the part
    "marker",  # a notebook's question marker (Otter, nbgrader) named the part
    "missing",  # not found
]

_CIRCLED = "①②③④⑤⑥⑦⑧⑨⑩⑪⑫⑬⑭⑮⑯⑰⑱⑲⑳"
_ROMAN = ["i", "ii", "iii", "iv", "v", "vi", "vii", "viii", "ix", "x", "xi", "xii"]


@dataclass
class Sheet:
    """An answer sheet's text as lines (no line endings). ``lines[0]`` is line 1."""

    lines: list[str]
    path: Path | None = None
    encoding: str = "utf-8"
    # Where each line came from when the sheet was put together from another
    # format (a notebook's cells, a PDF's pages); None: the file's own lines.
    origins: LineOrigins | None = None
    # line number -> why a person must read it (an OCR low-confidence mark, PDF
    # math the text layer does not name): the parts holding it go to review.
    flags: dict[int, str] = field(default_factory=dict)

    @classmethod
    def from_text(cls, text: str, *, path: Path | None = None) -> Sheet:
        """A sheet from a string; CRLF and CR line endings count as one line break."""
        text = text.replace("\r\n", "\n").replace("\r", "\n")
        lines = text.split("\n")
        if lines and lines[-1] == "":
            lines.pop()  # a final newline ends the last line; it does not start a new one
        return cls(lines=lines, path=path)

    @property
    def text(self) -> str:
        return "\n".join(self.lines)

    def line(self, number: int) -> str:
        """Line ``number`` (1-based)."""
        return self.lines[number - 1]

    @property
    def is_blank(self) -> bool:
        return not any(line.strip() for line in self.lines)


@dataclass
class Submission:
    """One student's submission: a sheet, an answer file, code files, or a mix.

    ``answers`` is set for YAML/JSON answer files only: part id -> answer text,
    with ``answer_spans`` giving each answer's lines in that file.
    """

    id: str
    path: Path
    sheet: Sheet | None = None
    code_files: dict[str, Path] = field(default_factory=dict)
    answers: dict[str, str] | None = None
    answer_spans: dict[str, tuple[int, int]] = field(default_factory=dict)
    answers_path: Path | None = None
    warnings: list[str] = field(default_factory=list)
    # Code answers taken from a notebook's code cells or a sheet's ```python
    # blocks (definitions only: nothing at top level runs), by where they came from.
    notebook_code: ExtractedCode | None = None
    sheet_code: ExtractedCode | None = None
    # Sections a notebook's question markers (Otter, nbgrader) named, in sheet lines.
    sections: list[MarkedSection] = field(default_factory=list)


@dataclass
class ExtractedCode:
    """A module made of the definitions in a notebook's code cells or a sheet's
    code blocks: imports, functions, classes and constants; ``left_out`` says
    what top-level code was not kept (it would train, plot or read files)."""

    source: str
    origin: str  # "hw.ipynb code cells" / "the sheet's python blocks"
    left_out: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)  # cells that are not valid Python


@dataclass
class MarkedSection:
    """Sheet lines a question marker assigned to a name (``q1``, ``q1a``)."""

    name: str
    start_line: int
    end_line: int


@dataclass
class LineOrigins:
    """Where each sheet line came from: ``(unit number, line in unit)`` per
    line (``None`` for a line the reader added), ``unit`` naming what is
    counted (``cell``, ``page``)."""

    unit: str
    places: list[tuple[int, int] | None]

    def place(self, line: int) -> tuple[int, int] | None:
        return self.places[line - 1] if 0 < line <= len(self.places) else None


def _number_in(text: str) -> int | None:
    match = re.search(r"\d+", text)
    return int(match.group()) if match else None


@dataclass
class PartLayout:
    """What a part of a question looks like on a sheet.

    ``labels`` default from the id's last piece: ``q1.b`` -> ``["b", "ii",
    "②", "2"]`` (letter, roman, circled and plain number of its position);
    part finding matches labels of any of these families. ``keywords`` (case
    insensitive; LaTeX backslashes and braces are ignored on both sides) and
    ``kind`` are used where labels are missing or repeated: a block that
    mentions the part's keywords and has the expected kind (display math for
    ``math``, prose for ``text``, a code block for ``code``) is taken for it.
    """

    id: str
    labels: list[str] = field(default_factory=list)
    kind: PartKind = "mixed"
    keywords: list[str] = field(default_factory=list)

    @property
    def letter(self) -> str:
        return self.id.rsplit(".", 1)[-1]


@dataclass
class QuestionLayout:
    """A question: its id (``q3``), labels (default ``["3", "Q3"]``) and parts in order."""

    id: str
    labels: list[str] = field(default_factory=list)
    parts: list[PartLayout] = field(default_factory=list)

    def __post_init__(self) -> None:
        number = _number_in(self.id)
        if not self.labels and number is not None:
            self.labels = [str(number), f"Q{number}"]
        if not self.parts:
            # A question without parts is answered as one piece: one part, the question itself.
            self.parts = [PartLayout(id=self.id, labels=[])]
        for position, part in enumerate(self.parts, start=1):
            if not part.labels and part.id != self.id:
                part.labels = default_part_labels(position, part.letter)

    @property
    def number(self) -> int | None:
        """The question's number, read from its labels or id (``q3`` -> 3)."""
        for label in [*self.labels, self.id]:
            number = _number_in(label)
            if number is not None:
                return number
        return None


def default_part_labels(position: int, letter: str | None = None) -> list[str]:
    """Labels a part at ``position`` (1-based) may carry: ``b``, ``ii``, ``②``, ``2``."""
    # the id's own letter ("b", "ii", "2") when it reads as a label; a word id ("proof") is
    # not one, or any line starting with that word would be taken for the part
    plain = letter if letter and re.fullmatch(r"[a-z]|[ivx]+|\d+", letter.lower()) else None
    labels = [plain or chr(ord("a") + position - 1)]
    if position <= len(_ROMAN):
        labels.append(_ROMAN[position - 1])
    if position <= len(_CIRCLED):
        labels.append(_CIRCLED[position - 1])
    labels.append(str(position))
    return labels


@dataclass
class PartAnswer:
    """Where a part's answer is on the sheet, and its text.

    ``lines`` are ``(line_no, text)`` pairs with the part's label taken off
    the first line (math delimiters around it are kept), so they can be passed
    straight to the math and text engines. ``spans`` lists the line ranges
    (several only when a part was answered in two places); ``start_line`` and
    ``end_line`` are the first span's start and the last span's end. A part not
    found has ``how_found == "missing"``, no lines, and a problem unless it is a
    code part (answered in a code file, not on the sheet).
    """

    part_id: str
    text: str = ""
    start_line: int | None = None
    end_line: int | None = None
    how_found: HowFound = "missing"
    problems: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    label: str | None = None
    spans: list[tuple[int, int]] = field(default_factory=list)
    lines: list[tuple[int, str]] = field(default_factory=list)

    @property
    def found(self) -> bool:
        return self.how_found != "missing"

    @property
    def needs_review(self) -> bool:
        return bool(self.problems)


@dataclass
class UnassignedSpan:
    """Sheet text that no part claimed, with why (nothing is dropped silently)."""

    start_line: int
    end_line: int
    text: str
    reason: str


@dataclass
class QuestionSpan:
    """Where a question's answers are: from its label to the next question's."""

    question_id: str
    start_line: int | None
    end_line: int | None
    label: str | None = None
    how_found: HowFound = "missing"


@dataclass
class PartFinding:
    """The result of part finding: one ``PartAnswer`` per layout part (in layout order)."""

    parts: dict[str, PartAnswer]
    questions: dict[str, QuestionSpan] = field(default_factory=dict)
    unassigned: list[UnassignedSpan] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    def __getitem__(self, part_id: str) -> PartAnswer:
        return self.parts[part_id]

    @property
    def missing(self) -> list[str]:
        return [part_id for part_id, answer in self.parts.items() if not answer.found]
