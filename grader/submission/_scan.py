"""One pass over a sheet's lines: label lines, block starts, blank lines."""

from __future__ import annotations

import re
from dataclasses import dataclass

from grader.submission.labels import (
    LabelLine,
    LabelToken,
    parse_heading_question,
    parse_label_line,
)
from grader.submission.models import Sheet


@dataclass
class Scan:
    """What part finding needs to know about each line, computed once."""

    sheet: Sheet
    labels: dict[int, LabelLine]
    block_start: list[bool]  # index 0 unused; True where a block begins
    blank: list[bool]

    @classmethod
    def of(cls, sheet: Sheet) -> Scan:
        labels: dict[int, LabelLine] = {}
        count = len(sheet.lines)
        block_start = [False] * (count + 2)
        blank = [True] * (count + 2)
        in_fence = False
        in_display = False
        previous_blank = True
        previous_display_end = False
        lists: list[_LatexList] = []  # open \begin{enumerate} environments, innermost last
        for number, line in enumerate(sheet.lines, start=1):
            stripped = line.strip()
            blank[number] = not stripped
            if not stripped:
                previous_blank = True
                continue
            opens_fence = stripped.startswith(("```", "~~~"))
            inside = in_fence or in_display
            if not inside:
                _track_lists(stripped, lists)
                parsed = parse_label_line(number, line) or parse_heading_question(number, line)
                if parsed is None and lists:
                    parsed = lists[-1].item_label(number, line)
                if parsed is not None:
                    labels[number] = parsed
                starts_math = stripped.startswith(("$$", "\\[", "\\begin"))
                block_start[number] = (
                    previous_blank
                    or parsed is not None
                    or starts_math
                    or opens_fence
                    or previous_display_end
                )
            previous_display_end = False
            if opens_fence:
                in_fence = not in_fence
            elif not in_fence:
                # an odd number of $$ on a line opens or closes a display block
                if (stripped.count("$$") % 2) == 1:
                    in_display = not in_display
                    previous_display_end = not in_display
                elif stripped.startswith("\\[") and not stripped.endswith("\\]"):
                    in_display = True
                elif in_display and stripped.endswith("\\]"):
                    in_display = False
                    previous_display_end = True
                elif stripped.startswith("$$") and stripped.endswith("$$"):
                    previous_display_end = True
            previous_blank = False
        return cls(sheet=sheet, labels=labels, block_start=block_start, blank=blank)

    def nonblank_span(self, start: int, end: int) -> tuple[int, int] | None:
        """``start..end`` without blank lines at either end (None if all blank)."""
        while start <= end and self.blank[start]:
            start += 1
        while end >= start and self.blank[end]:
            end -= 1
        return (start, end) if start <= end else None


_BEGIN_LIST = re.compile(r"\\begin\{enumerate\}(?:\[(?P<option>[^\]]*)\])?")
_END_LIST = re.compile(r"\\end\{enumerate\}")
_ITEM = re.compile(r"[ \t]*\\item(?![A-Za-z\[])[ \t]*")


@dataclass
class _LatexList:
    """An open LaTeX enumerate: its bare ``\\item`` lines number themselves (a, b, c ...)."""

    family: str  # letter | roman | number
    outermost: bool
    count: int = 0

    @classmethod
    def opened(cls, option: str | None, depth: int) -> _LatexList:
        option = option or ""
        outermost = depth == 0
        if re.search(r"\\alph|\\Alph|(?<![\\A-Za-z])[aA](?![A-Za-z])", option):
            return cls("letter", outermost)
        if re.search(r"\\roman|\\Roman|(?<![\\A-Za-z])[iI](?![A-Za-z])", option):
            return cls("roman", outermost)
        if option:
            return cls("number", outermost)
        return cls("number" if outermost else "letter", outermost)  # LaTeX: 1. then (a)

    def item_label(self, line_no: int, line: str) -> LabelLine | None:
        """The label LaTeX would print for a bare ``\\item`` line."""
        match = _ITEM.match(line)
        if match is None:
            return None
        self.count += 1
        # an outermost numbered list may number the questions ("1." as on paper);
        # part finding decides, as for a bulleted "1."
        kind = "number" if self.outermost and self.family == "number" else "part"
        token = LabelToken(kind, "\\item", (((self.family, self.count),),), "item")
        return LabelLine(line_no, "bullet", (token,), (match.end(),), "")


def _track_lists(stripped: str, lists: list[_LatexList]) -> None:
    """Open and close enumerate environments named on this line."""
    for match in _BEGIN_LIST.finditer(stripped):
        lists.append(_LatexList.opened(match.group("option"), len(lists)))
    for _ in _END_LIST.finditer(stripped):
        if lists:
            lists.pop()
