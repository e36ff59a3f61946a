"""JUnit XML for CI systems: one ``<testsuite>`` per submission, one
``<testcase>`` per rubric part.

How a part maps to a test case (documented in docs/integrations.md):

- full marks: the case passes;
- fewer than full marks: ``<failure>``, message ``"<score> of <max>"`` and the
  part's feedback and lines as text;
- flagged ``needs_review`` (the grader could not decide: a timeout, an OCR
  repair, an unreadable line): ``<skipped>`` with the reasons, whatever the
  provisional score, because a machine verdict a person still has to confirm
  must neither pass nor fail a build;
- a sheet that could not be graded at all: one ``<testcase name="grading">``
  with ``<error>`` and the reason (``render_failure``).

Each case carries ``score`` and ``max_score`` as ``<properties>``, and each
suite the totals, so no information is lost to the pass/fail view.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Iterable

from grader.report._common import (
    format_score,
    format_spans,
    full_marks,
    part_spans,
    review_reasons,
)
from grader.report.models import GradeReport


def _properties(parent: ET.Element, values: dict[str, str]) -> None:
    properties = ET.SubElement(parent, "properties")
    for name, value in values.items():
        ET.SubElement(properties, "property", name=name, value=value)


def testsuite(report: GradeReport, *, time: float = 0.0) -> ET.Element:
    """The ``<testsuite>`` element for one graded submission."""
    suite = ET.Element("testsuite", name=report.submission.id)
    _properties(
        suite,
        {
            "score": format_score(report.score),
            "max_score": format_score(report.max_score),
            "rubric": report.rubric.id,
            "rubric_sha256": report.rubric.sha256,
            "needs_review": str(report.needs_review).lower(),
        },
    )
    failures = skipped = 0
    for part in report.parts:
        name = f"{part.id}: {part.title}" if part.title else part.id
        case = ET.SubElement(
            suite,
            "testcase",
            classname=f"{report.submission.id}.{part.question_id}",
            name=name,
            time="0",
        )
        _properties(
            case,
            {"score": format_score(part.score), "max_score": format_score(part.max_score)},
        )
        detail = [*part.feedback]
        spans = part_spans(part)
        if spans:
            detail.append(f"Refers to {format_spans(spans)}.")
        if part.needs_review:
            skipped += 1
            reasons = review_reasons(part) or ["flagged for review"]
            element = ET.SubElement(case, "skipped", message="needs review: " + "; ".join(reasons))
            element.text = "\n".join(detail) or None
        elif not full_marks(part.score, part.max_score):
            failures += 1
            element = ET.SubElement(
                case,
                "failure",
                message=f"{format_score(part.score)} of {format_score(part.max_score)}",
                type="marks_lost",
            )
            element.text = "\n".join(detail) or None
    suite.set("tests", str(len(report.parts)))
    suite.set("failures", str(failures))
    suite.set("errors", "0")
    suite.set("skipped", str(skipped))
    suite.set("time", f"{time:.3f}")
    return suite


def failure_testsuite(submission_id: str, reason: str, *, time: float = 0.0) -> ET.Element:
    """A suite for a sheet that could not be graded: one case with ``<error>``."""
    suite = ET.Element(
        "testsuite",
        name=submission_id,
        tests="1",
        failures="0",
        errors="1",
        skipped="0",
        time=f"{time:.3f}",
    )
    case = ET.SubElement(suite, "testcase", classname=submission_id, name="grading", time="0")
    error = ET.SubElement(case, "error", message=reason, type="not_graded")
    error.text = reason
    return suite


def _document(suites: list[ET.Element]) -> str:
    root = ET.Element("testsuites", name="grader")
    for attribute in ("tests", "failures", "errors", "skipped"):
        root.set(attribute, str(sum(int(s.get(attribute, "0")) for s in suites)))
    root.set("time", f"{sum(float(s.get('time', '0')) for s in suites):.3f}")
    root.extend(suites)
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"


def render(
    reports: GradeReport | Iterable[GradeReport], *, failed: dict[str, str] | None = None
) -> str:
    """JUnit XML for one report or many, plus an error suite for each
    ``failed`` submission id -> reason."""
    if isinstance(reports, GradeReport):
        reports = [reports]
    suites = [testsuite(report) for report in reports]
    suites += [failure_testsuite(sid, reason) for sid, reason in (failed or {}).items()]
    return _document(suites)


def render_suites(suites: Iterable[ET.Element]) -> str:
    """JUnit XML from suites built one at a time (the batch streams them)."""
    return _document(list(suites))
