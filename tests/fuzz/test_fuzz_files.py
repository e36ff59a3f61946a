"""Fuzzing the file inputs: answer sheets, answer files (YAML/JSON), rubrics,
math contexts and expressions. A seeded corpus of hostile inputs
(tests/files/hostile/, written by make_corpus.py) and hypothesis-generated
ones; each ends in a report or one clear error, never a traceback. Sheets go
through the batch runner, whose per-sheet deadline is their bound."""

from __future__ import annotations

import json
import re

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from grader import api, equivalent
from grader.cli import main
from grader.errors import GraderError
from grader.math.context import load_context
from tests.fuzz.conftest import (
    HOSTILE,
    MINI_RUBRIC,
    ML_RUBRIC,
    assert_report_or_one_clear_error,
    corpus,
)

FUZZ = settings(
    max_examples=25,
    deadline=None,
    database=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)

# Pieces a hostile or careless sheet is made of.
MATH_PIECES = [
    "x",
    "y",
    "a_2",
    "z_2",
    "X^T",
    "X",
    "\\beta",
    "1",
    "0",
    "10",
    "-",
    "+",
    "*",
    "/",
    "=",
    "^{",
    "_{",
    "{",
    "}",
    "(",
    ")",
    "\\frac{",
    "}{",
    "\\sqrt{",
    "\\exp(",
    "\\log(",
    "e^{-800}",
    "x^{5000}",
    "10^{10^{10}}",
    "\\partial",
    "\\sum_{i=1}^{n}",
    "\\begin{pmatrix}",
    "&",
    "\\\\",
    "\\end{pmatrix}",
    "|",
    "\\|",
    "\\infty",
    "1/0",
    "\\ud800",
    "\u202e",
    "\x00",
    "$",
    "$$",
]
TEXT_PIECES = ["## Q1", "## Q2", "(a)", "(b)", "(c)", "Linear regression", "supervised", "\n", " "]


@st.composite
def sheets(draw) -> str:
    lines = []
    for _ in range(draw(st.integers(1, 4))):
        if draw(st.booleans()):
            lines.append("".join(draw(st.lists(st.sampled_from(TEXT_PIECES), max_size=6))))
        else:
            body = "".join(draw(st.lists(st.sampled_from(MATH_PIECES), max_size=10)))
            lines.append(f"$${body}$$")
    return "## Q1\n\n(b)\n" + "\n".join(lines) + "\n"


expressions = st.lists(st.sampled_from(MATH_PIECES), max_size=12).map("".join)


def _write(path, data: str | bytes) -> None:
    path.write_bytes(data if isinstance(data, bytes) else data.encode("utf-8", "surrogatepass"))


# ---- sheets


def test_hostile_sheets_end_in_a_report_or_a_reason(tmp_path):
    """The whole corpus as one class: each sheet gets a row (graded, or failed
    with a one-line reason; a sheet past the deadline is stopped)."""
    out = tmp_path / "out"
    result = CliRunner().invoke(
        main,
        [
            "grade",
            str(HOSTILE / "sheets"),
            "--rubric",
            str(ML_RUBRIC),
            "--out",
            str(out),
            "--jobs",
            "2",
            "--sheet-time-limit",
            "4",
            "--time-limit",
            "1",
        ],
    )
    assert_report_or_one_clear_error(result, where="grade --out")
    rows = {path.stem: json.loads(path.read_text()) for path in (out / "results").glob("*.json")}
    assert set(rows) == {path.stem for path in corpus("sheets")}
    for name, record in rows.items():
        assert record["status"] in ("graded", "failed"), name
        if record["status"] == "failed":
            assert record["reason"] and "\n" not in record["reason"].strip(), name
            assert "Traceback" not in record["reason"], name


@FUZZ
@given(sheet=sheets())
def test_generated_sheets_end_in_a_report_or_one_clear_error(sheet, tmp_path_factory):
    path = tmp_path_factory.mktemp("sheet") / "sheet.md"
    _write(path, sheet)
    try:
        report = api.check(path, _session(), strict=True, time_limit=1.0)
    except GraderError as error:
        assert "\n" not in error.format().strip()
    else:
        assert 0 <= report.score <= report.max_score


_SESSIONS: list = []


def _session():
    if not _SESSIONS:
        _SESSIONS.append(api.GradingSession(api.load_rubric(ML_RUBRIC)))
    return _SESSIONS[0]


# ---- answer files


@pytest.mark.parametrize("path", corpus("answers"), ids=lambda p: p.name)
def test_hostile_answer_files(path):
    result = CliRunner().invoke(main, ["check", str(path), "--rubric", str(ML_RUBRIC)])
    assert_report_or_one_clear_error(result, where=path.name)


yaml_scalars = st.one_of(
    st.text(max_size=30),
    st.integers(),
    st.floats(),
    st.sampled_from(["&a x", "*a", "!!python/object:x {}", "!t x", "? [a]", "<<: *a", "~", "|"]),
)


@FUZZ
@given(
    entries=st.lists(
        st.tuples(st.sampled_from(["q1.a", "q1.b", "q2.c", "x", "", "- q1.a"]), yaml_scalars),
        max_size=5,
    ),
    suffix=st.sampled_from([".yaml", ".json"]),
)
def test_generated_answer_files(entries, suffix, tmp_path_factory):
    path = tmp_path_factory.mktemp("answers") / f"answers{suffix}"
    if suffix == ".json":
        _write(path, json.dumps({key: value for key, value in entries}, allow_nan=True))
    else:
        _write(path, "".join(f"{key}: {value}\n" for key, value in entries))
    try:
        report = api.check(path, _session(), strict=True, time_limit=1.0)
    except GraderError as error:
        assert "\n" not in error.format().strip()
    else:
        assert 0 <= report.score <= report.max_score


# ---- rubrics


@pytest.mark.parametrize("path", corpus("rubrics"), ids=lambda p: p.name)
def test_hostile_rubrics(path):
    result = CliRunner().invoke(main, ["validate", str(path)])
    assert_report_or_one_clear_error(result, where=path.name)
    assert result.exit_code == 2, f"{path.name} was accepted: {result.output}"
    # no file outside the rubric's folder is quoted (its first line, say)
    assert "root:" not in result.output


RUBRIC_LINES = MINI_RUBRIC.read_text().splitlines()


@FUZZ
@given(
    cut=st.integers(0, len(RUBRIC_LINES)),
    insert=st.sampled_from(
        [
            "  - &a x",
            "    points: -1",
            "    points: 1e999",
            "context: /etc/passwd",
            "id: !!int x",
            "questions: *a",
            "\t",
            "    kind: nope",
            "  " * 60 + "- x",
            "total: " + "9" * 5000,
        ]
    ),
)
def test_generated_rubrics(cut, insert, tmp_path_factory):
    path = tmp_path_factory.mktemp("rubric") / "rubric.yaml"
    _write(path, "\n".join([*RUBRIC_LINES[:cut], insert, *RUBRIC_LINES[cut:]]) + "\n")
    try:
        api.load_rubric(path)
    except GraderError as error:
        assert re.match(r"^\S+", error.format())


# ---- contexts


@pytest.mark.parametrize("path", corpus("contexts"), ids=lambda p: p.name)
def test_hostile_contexts(path):
    result = CliRunner().invoke(main, ["equiv", "x", "x", "--context", str(path)])
    assert_report_or_one_clear_error(result, where=path.name)


@FUZZ
@given(
    symbols=st.dictionaries(
        st.text(min_size=1, max_size=6),
        st.one_of(st.text(max_size=12), st.sampled_from(["n x 1", "n x p", "function", "0 x 0"])),
        max_size=5,
    ),
    aliases=st.dictionaries(st.text(min_size=1, max_size=4), st.text(max_size=4), max_size=5),
)
def test_generated_contexts(symbols, aliases, tmp_path_factory):
    path = tmp_path_factory.mktemp("context") / "context.json"
    _write(path, json.dumps({"symbols": symbols, "aliases": aliases}))
    try:
        load_context(path)
    except GraderError as error:
        assert "\n" not in error.format().strip()


# ---- expressions


def test_hostile_expressions_through_the_command_line():
    result = CliRunner().invoke(
        main, ["equiv", "--batch", str(HOSTILE / "expressions.jsonl"), "--time-limit", "1"]
    )
    assert_report_or_one_clear_error(result, where="equiv --batch")
    verdicts = [json.loads(line) for line in result.stdout.splitlines() if line.strip()]
    pairs = (HOSTILE / "expressions.jsonl").read_text().splitlines()
    assert len(verdicts) == len(pairs)
    assert {v["verdict"] for v in verdicts} <= {"equal", "not_equal", "undetermined"}
    # lost precision is never agreement (decision 8)
    by_a = {json.loads(pair)["a"]: verdict for pair, verdict in zip(pairs, verdicts, strict=True)}
    for a in ("y + e^{-800}", "y + \\exp(-10^4)", "y + x^{5000}", "1/0"):
        assert by_a[a]["verdict"] != "equal", (a, by_a[a])


@FUZZ
@given(a=expressions, b=expressions)
def test_generated_expressions(a, b):
    result = equivalent(a, b, time_limit=1.0)
    assert result.verdict in ("equal", "not_equal", "undetermined")
    assert result.reason


@settings(max_examples=10, deadline=None, database=None, derandomize=True)
@given(a=expressions, b=expressions)
def test_generated_expressions_through_the_command_line(a, b):
    result = CliRunner().invoke(main, ["equiv", a or "x", b or "x", "--json", "--time-limit", "1"])
    assert_report_or_one_clear_error(result, where=f"{a!r} vs {b!r}")
