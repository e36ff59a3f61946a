"""One pass over a sheet's lines: label lines, block starts, blank lines."""

from __future__ import annotations

from dataclasses import dataclass

from grader.submission.labels import LabelLine, parse_heading_question, parse_label_line
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
        for number, line in enumerate(sheet.lines, start=1):
            stripped = line.strip()
            blank[number] = not stripped
            if not stripped:
                previous_blank = True
                continue
            opens_fence = stripped.startswith(("```", "~~~"))
            inside = in_fence or in_display
            if not inside:
                parsed = parse_label_line(number, line) or parse_heading_question(number, line)
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
