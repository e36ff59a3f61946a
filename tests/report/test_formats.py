"""The one format registry: every format of ``grader.report.formats`` is a
``grader grade --format`` choice, a service ``?format=`` and (with an
``out_folder``) an ``--out`` file per student; a format added once to the
registry shows up in all three."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from grader import api
from grader.cli import main
from grader.report.formats import FORMATS, RenderOptions, ReportFormat, get_format

ROOT = Path(__file__).resolve().parents[2]
RUBRIC = ROOT / "tests" / "files" / "mini-rubric.yaml"
SHEET = "## Q1\n\n(a) Linear regression is supervised learning.\n"
TOKEN = "formats-token"


def _plain(report, options: RenderOptions) -> str:
    return f"{report.submission.id}: {report.score:g} of {report.max_score:g}\n"


PLAIN = ReportFormat("plain", ".txt", "text/plain", "one line", _plain, out_folder="plain")


@pytest.fixture
def sheets(tmp_path):
    folder = tmp_path / "sheets"
    folder.mkdir()
    (folder / "ann.md").write_text(SHEET)
    (folder / "bob.md").write_text(SHEET.replace("supervised", "continuous"))
    return folder


@pytest.fixture(scope="module")
def client():
    pytest.importorskip("fastapi")
    from fastapi.testclient import TestClient

    from grader.service.app import ServiceSettings, create_app

    settings = ServiceSettings(
        rubrics={"mini": RUBRIC}, instructor_token=TOKEN, workers=1, rate_per_minute=0
    )
    with TestClient(create_app(settings)) as test_client:
        yield test_client


@pytest.mark.parametrize("name", list(FORMATS))
def test_every_format_is_a_cli_choice_and_a_service_format(name, sheets, client):
    result = CliRunner().invoke(
        main, ["grade", str(sheets / "ann.md"), "--rubric", str(RUBRIC), "--format", name]
    )
    assert result.exit_code == 0, result.output
    report = api.grade(sheets / "ann.md", RUBRIC, strict=True)
    expected = get_format(name).render_one(report).rstrip("\n") + "\n"
    # (the CSV's CRLF rows reach the terminal as the platform's line ends)
    assert result.stdout.replace("\r\n", "\n") == expected.replace("\r\n", "\n")
    response = client.post(
        f"/api/exams/mini/grade?format={name}",
        json={"sheet": SHEET},
        headers={"Authorization": f"Bearer {TOKEN}"},
    )
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith(FORMATS[name].media_type)


def test_an_unknown_format_is_refused_everywhere(sheets, client):
    result = CliRunner().invoke(
        main, ["grade", str(sheets), "--rubric", str(RUBRIC), "--format", "nope"]
    )
    assert result.exit_code == 2
    response = client.post(
        "/api/exams/mini/grade?format=nope",
        json={"sheet": SHEET},
        headers={"Authorization": f"Bearer {TOKEN}"},
    )
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "unknown_format"


def test_a_format_added_once_shows_in_grade_out_and_http(monkeypatch, sheets, client, tmp_path):
    monkeypatch.setitem(FORMATS, "plain", PLAIN)
    # grader grade --format plain (one sheet; several need a many-report renderer)
    result = CliRunner().invoke(
        main, ["grade", str(sheets / "ann.md"), "--rubric", str(RUBRIC), "--format", "plain"]
    )
    assert result.exit_code == 0, result.output
    assert result.stdout == "ann: 1 of 2\n"
    # --out: one file per student in the format's folder
    out = tmp_path / "out"
    result = CliRunner().invoke(
        main, ["grade", str(sheets), "--rubric", str(RUBRIC), "--out", str(out)]
    )
    assert result.exit_code == 0, result.output
    assert (out / "plain" / "ann.txt").read_text() == "ann: 1 of 2\n"
    assert (out / "plain" / "bob.txt").read_text() == "bob: 1 of 2\n"
    assert "plain/" in result.stdout
    # HTTP
    response = client.post(
        "/api/exams/mini/grade?format=plain",
        json={"sheet": SHEET},
        headers={"Authorization": f"Bearer {TOKEN}"},
    )
    assert response.status_code == 200, response.text
    assert response.text == "submission: 1 of 2\n"


def test_many_reports_are_the_one_report_outputs_joined_where_a_format_says_so(sheets):
    reports = [api.grade(sheets / name, RUBRIC, strict=True) for name in ("ann.md", "bob.md")]
    for fmt in FORMATS.values():
        if fmt.separator is None:
            continue
        many = fmt.render_many(reports)
        if fmt.name == "json":
            assert [json.loads(line)["submission"]["id"] for line in many.splitlines()] == [
                "ann",
                "bob",
            ]
        else:
            parts = [fmt.render_one(r).rstrip("\n") for r in reports]
            assert many == fmt.separator.join(parts)
    with pytest.raises(Exception, match="prints one submission"):
        FORMATS["html"].render_many(reports)
