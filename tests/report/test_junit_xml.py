"""JUnit XML: parses, one test case per part, failures where marks were lost,
skipped where a person must review, an error case for an ungraded sheet."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from grader.report import junit
from grader.report.models import GradeReport

FILES = Path(__file__).parent / "files" / "batch"


def load(name: str) -> GradeReport:
    return GradeReport.model_validate_json((FILES / f"{name}.json").read_text())


def cases(root: ET.Element, suite: str) -> dict[str, ET.Element]:
    (element,) = [s for s in root.iter("testsuite") if s.get("name") == suite]
    return {case.get("name").split(":")[0]: case for case in element.iter("testcase")}


def test_parses_with_one_case_per_part():
    reports = [load("alice"), load("bob")]
    root = ET.fromstring(junit.render(reports, failed={"carol": "took longer than 300 s"}))
    assert root.tag == "testsuites"
    for report in reports:
        assert list(cases(root, report.submission.id)) == [p.id for p in report.parts]
    assert root.get("tests") == "7"
    assert (root.get("failures"), root.get("skipped"), root.get("errors")) == ("2", "1", "1")


@pytest.mark.parametrize(
    ("part", "outcome", "message"),
    [
        ("q1.a", "failure", "1 of 2"),
        ("q1.b", "failure", "2.5 of 3.5"),
        ("q2.c", "skipped", "needs review: OCR repair: 'f' read as 1/2 on line 20"),
    ],
    ids=["partial-text", "partial-math", "needs-review"],
)
def test_case_outcomes(part, outcome, message):
    root = ET.fromstring(junit.render(load("bob")))
    case = cases(root, "bob")[part]
    (element,) = [child for child in case if child.tag in ("failure", "skipped", "error")]
    assert element.tag == outcome
    assert element.get("message") == message
    properties = {p.get("name"): p.get("value") for p in case.iter("property")}
    assert set(properties) == {"score", "max_score"}


def test_full_marks_pass_and_suite_has_totals():
    root = ET.fromstring(junit.render(load("alice")))
    for case in cases(root, "alice").values():
        assert not [c for c in case if c.tag in ("failure", "skipped", "error")]
    suite = root.find("testsuite")
    totals = {p.get("name"): p.get("value") for p in suite.find("properties")}
    assert totals["score"] == "9.5" and totals["max_score"] == "9.5"


def test_ungraded_sheet_is_an_error_case():
    root = ET.fromstring(junit.render([], failed={"carol <&>": "worker died"}))
    (case,) = root.iter("testcase")
    assert case.get("name") == "grading"
    assert case.find("error").get("message") == "worker died"
    assert root.find("testsuite").get("name") == "carol <&>"
