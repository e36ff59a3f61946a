"""Copy the text engine's concept specs and the numeric engine's code checks
into rubrics/ml-exam.yaml, replacing the checks of the same kind in each part
(comments and everything else in the rubric are kept).

    python tests/rubric/files/sync_ml_exam_checks.py

tests/rubric/test_ml_exam_sources.py fails when the copies drift apart.
The edit works on text, relying on the rubric's layout: questions at indent
2 (``  - id: q1``), parts at 6, check items at 10.
"""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
RUBRIC = ROOT / "rubrics" / "ml-exam.yaml"
SOURCES = [
    ("concepts", "tests/text/files/ml-exam-concepts.yaml"),
    ("code", "tests/numeric/files/ml-exam-code-checks.yaml"),
]
# Deliberate edits of the copies, applied after copying (see the test).
EDITS = [
    (
        'feedback: "beta solves X^T X beta = X^T y and has one entry per column of X."',
        'feedback: "beta has one entry per column of X and minimises the squared error exactly."',
    ),
]
CHECK_ITEM = "          - kind:"
NOTE = "          # from "


def source_blocks(path: Path) -> dict[str, list[str]]:
    """part id -> the YAML list under its key (lines as written)."""
    blocks: dict[str, list[str]] = {}
    key = None
    for line in path.read_text(encoding="utf-8").splitlines():
        found = re.match(r"^(q\d+\.[a-z]):\s*$", line)
        if found:
            key = found.group(1)
            blocks[key] = []
        elif key is not None:
            blocks[key].append(line)
    for lines in blocks.values():
        while lines and not lines[-1].strip():
            lines.pop()
    return blocks


def part_range(lines: list[str], question: str, part: str) -> tuple[int, int]:
    q_start = lines.index(f"  - id: {question}")
    p_start = lines.index(f"      - id: {part}", q_start)
    ends = ("      - id: ", "  - id: ", "  # ---")
    end = next((i for i in range(p_start + 1, len(lines)) if lines[i].startswith(ends)), len(lines))
    return p_start, end


def replace_checks(lines: list[str], part_key: str, kind: str, new: list[str], source: str) -> None:
    question, part = part_key.split(".")
    start, end = part_range(lines, question, part)
    checks = lines.index("        checks:", start, end)
    items, i = [], checks + 1
    while i < end and (lines[i].startswith("          ") or not lines[i].strip()):
        if lines[i].startswith(CHECK_ITEM):
            items.append(i)
        i += 1
    checks_end = i
    bounds = list(zip(items, [*items[1:], checks_end], strict=True))
    kept: list[list[str]] = []
    position = None
    for first, after in bounds:
        if lines[first].strip() == f"- kind: {kind}":
            position = len(kept) if position is None else position
        else:
            kept.append([text for text in lines[first:after] if not text.startswith(NOTE)])
    position = len(kept) if position is None else position
    copied = [f"{NOTE}{source} ({part_key})"]
    copied += [("        " + text) if text.strip() else "" for text in new]
    block = [text for chunk in kept[:position] for text in chunk] + copied
    block += [text for chunk in kept[position:] for text in chunk]
    while block and not block[-1].strip():
        block.pop()
    lines[checks + 1 : checks_end] = [*block, ""]


def main() -> None:
    lines = RUBRIC.read_text(encoding="utf-8").splitlines()
    for kind, source in SOURCES:
        for part_key, new in source_blocks(ROOT / source).items():
            replace_checks(lines, part_key, kind, new, source)
    text = "\n".join(lines) + "\n"
    for old, new in EDITS:
        text = text.replace(old, new)
    RUBRIC.write_text(text, encoding="utf-8")


if __name__ == "__main__":
    main()
