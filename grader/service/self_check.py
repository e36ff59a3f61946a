"""The student self-check's policy: a self-check that teaches, not leaks.

Three settings of ``grader serve`` (docs/service.md, "Self-check that teaches"):

- **hidden scores** (``--hide-scores``): a part answers with whether it is
  complete, what is still missing (the rubric's feedback, the engines'
  categorical diagnoses) and the ideas found; never a score, a fraction, a
  check's "1.5 of 2", a deduction "(-0.5)" or a code test's error size ("max
  absolute error 5.55e-02"). A near miss and a far miss of the same kind read
  the same, so the reference cannot be found by bisection.
- **a limit of checks per student per part** (``--checks-per-part N`` in a
  rolling ``--checks-window``): the student is the bearer token when the
  request has one (checked against ``--student-tokens`` when given), else the
  request's ``student`` field, else the client address. Over the limit: 429
  with the time it resets.
- **release dates per part** (``--release q2=2026-12-10T09:00Z``): before it,
  a part answers "not open yet" with when it opens.

Plain functions and small classes over the report dicts the worker pool
returns; the routes in ``grader.service.app`` apply them.
"""

from __future__ import annotations

import hashlib
import re
import threading
import time
from collections import deque
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

# ---- release dates


def parse_when(text: str) -> datetime:
    """An ISO 8601 date or time; without a zone it is UTC (a server's clock
    zone is a poor guess for a class)."""
    value = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    if value.tzinfo is None:
        value = value.replace(tzinfo=timezone.utc)
    return value


@dataclass
class ReleaseSchedule:
    """part or question id -> when it opens, per exam."""

    opens: dict[str, dict[str, datetime]] = field(default_factory=dict)

    def opens_at(self, exam_id: str, part_id: str) -> datetime | None:
        """When ``part_id`` (``q2.c``) opens: its own date, else its question's."""
        dates = self.opens.get(exam_id, {})
        return dates.get(part_id) or dates.get(part_id.split(".", 1)[0])

    def closed(
        self, exam_id: str, part_ids: Iterable[str], now: datetime | None = None
    ) -> dict[str, datetime]:
        """The parts among ``part_ids`` not open yet -> when they open."""
        now = now or datetime.now(timezone.utc)
        found = {}
        for part_id in part_ids:
            when = self.opens_at(exam_id, part_id)
            if when is not None and now < when:
                found[part_id] = when
        return found


def format_when(value: datetime) -> str:
    return value.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


# ---- checks per student per part

MAX_STUDENTS = 100_000  # (student, exam, part) entries kept at once


class CheckLimiter:
    """At most ``per_part`` checks of one part by one student in any
    ``window`` seconds (rolling); ``per_part=0`` turns it off."""

    def __init__(self, *, per_part: int, window: float):
        self.per_part = per_part
        self.window = window
        self._seen: dict[tuple[str, str, str], deque[float]] = {}
        self._lock = threading.Lock()

    def exhausted(
        self, student: str, exam_id: str, part_ids: Iterable[str], now: float | None = None
    ) -> dict[str, float]:
        """The parts this student may not check now -> seconds until one check frees up."""
        if self.per_part <= 0:
            return {}
        now = time.monotonic() if now is None else now
        found = {}
        with self._lock:
            for part_id in part_ids:
                times = self._recent((student, exam_id, part_id), now)
                if len(times) >= self.per_part:
                    found[part_id] = times[0] + self.window - now
        return found

    def count(
        self, student: str, exam_id: str, part_ids: Iterable[str], now: float | None = None
    ) -> dict[str, int]:
        """Record one check of each part; -> checks left per part in the window."""
        if self.per_part <= 0:
            return {}
        now = time.monotonic() if now is None else now
        left = {}
        with self._lock:
            if len(self._seen) >= MAX_STUDENTS:
                self._forget_idle(now)
            for part_id in part_ids:
                key = (student, exam_id, part_id)
                times = self._recent(key, now)
                times.append(now)
                self._seen[key] = times
                left[part_id] = max(0, self.per_part - len(times))
        return left

    def _recent(self, key: tuple[str, str, str], now: float) -> deque[float]:
        times = self._seen.get(key) or deque()
        while times and times[0] <= now - self.window:
            times.popleft()
        return times

    def _forget_idle(self, now: float) -> None:
        for key in [k for k, times in self._seen.items() if not self._recent(k, now)]:
            del self._seen[key]


def student_key(
    *,
    authorization: str | None,
    student: str | None,
    client: str,
    tokens: Mapping[str, str] | None = None,
) -> str | None:
    """Who is checking: the bearer token's student (``tokens``: token ->
    student id, when the service has a token list), else a hash of the token,
    else the ``student`` field, else the client address. None: a token that
    is not on the list."""
    token = None
    if authorization and authorization.lower().startswith("bearer "):
        token = authorization[7:].strip() or None
    if tokens is not None and token is not None:
        return f"student:{tokens[token]}" if token in tokens else None
    if token is not None:
        return "token:" + hashlib.sha256(token.encode("utf-8", "replace")).hexdigest()[:32]
    if student:
        return f"id:{student}"
    return f"address:{client}"


def read_student_tokens(path: str) -> dict[str, str]:
    """``--student-tokens FILE``: one ``TOKEN STUDENT-ID`` (or ``TOKEN,ID``) a line."""
    tokens: dict[str, str] = {}
    with open(path, encoding="utf-8") as handle:
        for line in handle:
            line = line.strip()
            if not line or line.startswith("#"):
                continue
            token, _, student = line.replace(",", " ").partition(" ")
            tokens[token] = student.strip() or token
    return tokens


# ---- hidden scores

# a deduction or a share of marks in a feedback line: "(-0.5)", "(+1)", "(0.5 of 1)"
_MARKS = re.compile(r"\s*\((?:[-+]\d+(?:\.\d+)?|\d+(?:\.\d+)? of \d+(?:\.\d+)?)\)")
_CODE_STATUS = {
    "failed": "does not give the expected result yet",
    "error": "raised an error or could not be imported",
    "timeout": "took too long",
    "over_limit": "went past a resource limit",
    "crashed": "stopped without a result",
    "not_run": "could not be run (is the function there?)",
    "sandbox_error": "could not be run by the grader (a person will look)",
}


def code_test_feedback(rubric: Any) -> dict[tuple[str, str], dict[str, str]]:
    """(part id, check id) -> {test id: the rubric's feedback for it}: what a
    failed code test may say in place of the engine's diagnostic."""
    found: dict[tuple[str, str], dict[str, str]] = {}
    for question, part in rubric.iter_parts():
        for check in part.checks:
            if check.kind == "code":
                found[(f"{question.id}.{part.id}", check.id)] = {
                    str(test.get("id")): str(test.get("feedback") or "") for test in check.tests
                }
    return found


_TEST_LINE = re.compile(r"^test (?P<id>[^:\s]+): ")


def _code_lines(check: dict, feedback: Mapping[str, str]) -> list[str]:
    """A code check's lines without the engine's diagnostics (which measure:
    "max absolute error 5.55e-02", "scaled by a factor of about 10"): per
    failed test its kind of failure and the rubric's own feedback."""
    found: dict[str, str] = {}
    for test in (check.get("details") or {}).get("tests", []):
        if not test.get("passed"):
            found[str(test.get("id"))] = _CODE_STATUS.get(test.get("status", ""), "")
    lines = []
    for line in check.get("feedback", []):
        match = _TEST_LINE.match(line)
        if match is None:
            lines.append(_MARKS.sub("", line))  # "linreg.py was not submitted"
        else:
            found.setdefault(match["id"], "")
    for test_id, status in found.items():
        hint = feedback.get(test_id, "")
        lines.append(
            f"test {test_id}: {status or 'does not give the expected result yet'}."
            + (f" {hint}" if hint else "")
        )
    return lines


def _complete(part: dict) -> bool:
    return part["score"] >= part["max_score"] - 1e-6 and not part.get("needs_review")


def hidden_part(part: dict, tests: Mapping[tuple[str, str], dict[str, str]]) -> dict:
    """One part of a student report without anything that measures distance."""
    lines: list[str] = []
    found: list[str] = []
    for check in part.get("checks", []):
        if check["kind"] == "code":
            lines += _code_lines(check, tests.get((part["id"], check["id"]), {}))
            continue
        lines += [_MARKS.sub("", line) for line in check.get("feedback", [])]
        if check["kind"] == "concepts":
            found += [evidence["text"] for evidence in check.get("evidence", [])]
    for line in part.get("feedback", []):
        # the part's own lines (no answer found, ...) that no check gave
        if not any(line in check.get("feedback", []) for check in part.get("checks", [])):
            lines.append(_MARKS.sub("", line))
    view = {
        "id": part["id"],
        "title": part.get("title", ""),
        "status": "complete" if _complete(part) else "not_yet",
        "feedback": list(dict.fromkeys(lines)),
        "found": found,
        "needs_review": part.get("needs_review", False),
        "review_reasons": [_MARKS.sub("", r) for r in part.get("review_reasons", [])],
    }
    if "answer" in part:
        view["answer"] = part["answer"]  # how the student's own answer was read
    return view


def hidden_report(report: dict, tests: Mapping[tuple[str, str], dict[str, str]]) -> dict:
    """A student report with hidden scores (see the module docstring)."""
    return {
        "schema": report.get("schema"),
        "scores_hidden": True,
        "exam": report.get("rubric", {}).get("id"),
        "parts": [hidden_part(part, tests) for part in report.get("parts", [])],
        "warnings": report.get("warnings", []),
    }
