"""Grading folders of blind sheets against their hand marks (marks.yaml), for
the sheet benches (notation_sheets.py, text_sheets.py): parts that agree,
over-marks (a false credit), silent under-marks (marks lost with no review
flag) and flagged under-marks."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent


def grade_against_hand_marks(
    sheets: Path,
    *,
    tolerance: float = 0.0,
    parts: Iterable[str] | None = None,
    rubric_path: Path = ROOT / "rubrics" / "ml-exam.yaml",
) -> tuple[Counter, list[str]]:
    """(counts, one line per disagreeing part) for the sheets in ``sheets``
    (``NAME.md``, or a folder ``sheets/NAME/`` with code files) graded with
    ``rubric_path``; ``parts``: only these (default: every part marks.yaml marks)."""
    from grader import api

    rubric = api.load_rubric(rubric_path)
    marks = yaml.safe_load((sheets / "marks.yaml").read_text(encoding="utf-8"))
    wanted = set(parts) if parts is not None else None
    counts: Counter = Counter()
    lines = []
    for sheet in sorted(marks):
        single = sheets / f"{sheet}.md"
        report = api.grade(single if single.exists() else sheets / "sheets" / sheet, rubric)
        by_id = {part.id: part for part in report.parts}
        for part_id, hand in marks[sheet].items():
            if not isinstance(hand, dict) or "mark" not in hand:
                continue
            if wanted is not None and part_id not in wanted:
                continue
            expected = float(hand["mark"])
            part = by_id[part_id]
            counts["parts"] += 1
            if abs(part.score - expected) <= tolerance + 1e-9:
                counts["right"] += 1
                continue
            if part.score > expected:
                kind = "over-mark"
            elif part.needs_review:
                kind = "flagged under-mark"
            else:
                kind = "silent under-mark"
            counts[kind] += 1
            lines.append(
                f"{sheet} {part_id}: hand {expected:g}, graded {part.score:g} ({kind}); "
                f"hand: {hand.get('why', '')}"
            )
    return counts, lines


def print_figures(counts: Counter, lines: list[str], *, agreeing: str, show_parts: bool) -> None:
    share = 100 * counts["right"] / counts["parts"]
    print(f"{agreeing}: {counts['right']}/{counts['parts']} ({share:.0f}%)")
    print(f"over-marks (false credit): {counts['over-mark']}")
    print(f"silent under-marks: {counts['silent under-mark']}")
    print(f"flagged under-marks (review): {counts['flagged under-mark']}")
    if show_parts:
        print("\n".join(lines))
