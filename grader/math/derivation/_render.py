"""The text table of a derivation result (``grader derivation``)."""

from __future__ import annotations

from grader.math.derivation._results import DerivationResult

_STATUS_MARK = {
    "correct": "ok",
    "carried_forward": "ecf",
    "wrong": "WRONG",
    "review": "REVIEW",
    "undetermined": "?",
    "unchecked": "-",
}


def format_derivation(result: DerivationResult) -> str:
    """A text table: one row per step (line, kind, verdict, read as, note), then milestones."""
    rows = [("line", "kind", "status", "read as", "note")]
    for step in result.steps:
        if step.kind == "text" and step.status == "unchecked":
            continue
        status = _STATUS_MARK.get(step.status, step.status)
        if step.diagnosis and step.status in ("wrong", "carried_forward"):
            status += f" ({step.diagnosis})"
        kind = step.kind if step.role == "main" else f"{step.kind}*"
        read_as = step.read_as or step.source
        if len(read_as) > 48:
            read_as = read_as[:45] + "..."
        rows.append((str(step.line_no), kind, status, read_as, step.message))
    widths = [max(len(row[i]) for row in rows) for i in range(4)]
    lines = [
        "  ".join(cell.ljust(width) for cell, width in zip(row[:4], widths, strict=True))
        + ("  " + row[4] if row[4] else "")
        for row in rows
    ]
    lines = [line.rstrip() for line in lines]
    if any(step.role != "main" for step in result.steps):
        lines.append("(* a side note set apart in the line)")
    if result.milestones:
        lines.append("")
        lines.append("milestones:")
        for milestone in result.milestones:
            where = ""
            if milestone.lines:
                where = " (line" + ("s " if len(milestone.lines) > 1 else " ")
                where += ", ".join(str(n) for n in milestone.lines) + ")"
            elif milestone.line_no:
                where = f" (line {milestone.line_no})"
            diagnosis = f" [{milestone.diagnosis}]" if milestone.diagnosis else ""
            note = f": {milestone.message}" if milestone.message else ""
            lines.append(f"  {milestone.id}: {milestone.status}{diagnosis}{where}{note}")
    for reason in result.review_reasons:
        lines.append(f"review: {reason}")
    return "\n".join(lines)
