"""Accepted forms as proposed rubric changes, shown as a diff, never applied.

When a person accepts an answer's form "for good" (``grader decide
--accept``), the rubric should grade that form as decided next time. The
change that does it depends on the check (an alias, a phrasing, an accepted
expression), which a person chooses; what the grader can write for every
kind is the test of it: a worked example under the part, with the accepted
answer and the mark the person gave. ``grader validate`` runs the example,
so it fails until the rubric grades the form as decided, and passes for good
after.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable, Mapping
from pathlib import Path

from grader.report.models import GradeReport
from grader.review.store import Decision

__all__ = ["rubric_proposals"]


def _part_block(lines: list[str], tree: dict, question_id: str, part_id: str):
    """(first line, last line, key indent, examples line) of the part, 1-based."""
    questions = tree.get("questions") or []
    for q_index, question in enumerate(questions):
        if not isinstance(question, dict) or str(question.get("id")) != question_id:
            continue
        parts = question.get("parts") or []
        for p_index, part in enumerate(parts):
            if not isinstance(part, dict) or str(part.get("id")) != part_id:
                continue
            start = parts.item_lines[p_index]
            if p_index + 1 < len(parts):
                end = parts.item_lines[p_index + 1] - 1
            elif q_index + 1 < len(questions):
                end = questions.item_lines[q_index + 1] - 1
            else:
                end = len(lines)
            while end > start and not lines[end - 1].strip():
                end -= 1
            first_key = lines[start - 1]
            indent = len(first_key) - len(first_key.lstrip(" -"))
            examples_line = part.key_lines.get("examples")
            examples_end = None
            if examples_line is not None:
                later = sorted(line for line in part.key_lines.values() if line > examples_line)
                examples_end = (later[0] - 1) if later else end
                while examples_end > examples_line and not lines[examples_end - 1].strip():
                    examples_end -= 1
            return start, end, indent, examples_end
    return None


def _example_yaml(indent: int, example_id: str, answer: str, mark: float, note: str) -> list[str]:
    pad = " " * indent
    body = [f"{pad}  # {note}", f"{pad}  - id: {example_id}", f"{pad}    answer: |"]
    body += [f"{pad}      {line}" if line.strip() else "" for line in answer.strip().splitlines()]
    body.append(f"{pad}    score: {mark:g}")
    return body


def rubric_proposals(
    rubric_path: str | Path,
    reports: Iterable[GradeReport],
    decisions: Mapping[tuple[str, str], Decision],
) -> str:
    """A unified diff adding one worked example per accepted form (the same
    answer accepted for several students is proposed once); "" when no
    decision accepts a form."""
    from grader.rubric.loader import parse_yaml

    path = Path(rubric_path)
    text = path.read_text(encoding="utf-8")
    lines = text.splitlines()
    tree = parse_yaml(text, path=str(path))
    # one example per accepted group (or per answer, for a student's own decision)
    accepted: dict[tuple[str, str], tuple[Decision, str]] = {}
    for report in reports:
        for part in report.parts:
            decision = decisions.get((part.id, report.submission.id))
            if decision is None or not decision.accept_form or part.answer is None:
                continue
            answer = part.answer.text.strip()
            if answer:
                key = (part.id, decision.group_key or answer)
                accepted.setdefault(key, (decision, answer))
    by_part: dict[str, list[tuple[Decision, str]]] = {}
    for (part_id, _), found in sorted(accepted.items()):
        by_part.setdefault(part_id, []).append(found)
    inserts: dict[int, list[str]] = {}
    for part_id, forms in by_part.items():
        question_id, _, short = part_id.partition(".")
        block = _part_block(lines, tree, question_id, short)
        if block is None:
            continue
        _, end, indent, examples_end = block
        added = [] if examples_end is not None else [" " * indent + "examples:"]
        for decision, answer in forms:
            mark = decision.mark if decision.mark is not None else decision.grader_mark or 0.0
            slug = re.sub(
                r"[^a-z0-9]+", "-", (decision.group_key or decision.submission_id).lower()
            )
            note = (
                f"accepted by {decision.author} on {decision.decided_at[:10]}: make the rubric "
                "give this score (an alias, a phrasing, an accepted form), then grader validate"
            )
            added += _example_yaml(indent, f"accepted-{slug.strip('-')}", answer, mark, note)
        inserts.setdefault(examples_end if examples_end is not None else end, []).extend(added)
    if not inserts:
        return ""
    changed: list[str] = []
    for number, line in enumerate(lines, start=1):
        changed.append(line)
        changed.extend(inserts.get(number, []))
    return "".join(
        difflib.unified_diff(
            [line + "\n" for line in lines],
            [line + "\n" for line in changed],
            fromfile=str(path),
            tofile=f"{path} (proposed)",
        )
    )
