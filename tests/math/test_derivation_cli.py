"""``grader derivation FILE [--context CONTEXT.yaml] [--json]``."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from grader.cli import main

FILES = Path(__file__).resolve().parent / "files"


def _run(*args: str):
    return CliRunner().invoke(main, ["derivation", *args])


def test_table_with_line_numbers() -> None:
    result = _run(str(FILES / "q1-typed-mistakes.md"), "--context", str(FILES / "q1-context.yaml"))
    assert result.exit_code == 0, result.output
    rows = result.output.splitlines()
    assert rows[0].split() == ["line", "kind", "status", "read", "as", "note"]
    by_line = {row.split()[0]: row for row in rows[1:] if row[:1].isdigit()}
    assert "WRONG (matrix_division)" in by_line["11"]
    assert "WRONG (shape_mismatch)" in by_line["13"] and "not square" in by_line["13"]


def test_json_output() -> None:
    result = _run(
        str(FILES / "q2-typed-mistakes.md"), "--context", str(FILES / "q2-context.yaml"), "--json"
    )
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    steps = [s for s in data["steps"] if s["kind"] != "text"]
    assert [s["line_no"] for s in steps] == [3, 5, 7, 9, 11, 13]
    assert steps[0]["diagnosis"] == "sign_flip" and steps[0]["status"] == "wrong"
    assert steps[1]["status"] == "carried_forward"
    assert data["needs_review"] is False


def test_without_context() -> None:
    result = _run(str(FILES / "q1-typed-perfect.md"), "--json")
    assert result.exit_code == 0
    assert json.loads(result.output)["steps"]


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda tmp: (str(tmp / "missing.md"),), "no such file"),
        (lambda tmp: (str(tmp),), "is a folder"),
        (lambda tmp: (_write(tmp / "b.md", b"\x00\x01binary"),), "binary"),
        (lambda tmp: (_write(tmp / "l.md", "caf\xe9".encode("latin-1")),), "not UTF-8"),
        (
            lambda tmp: (
                _write(tmp / "a.md", b"$$x = 1$$"),
                "--context",
                _write(tmp / "c.yaml", b"symbols:\n  X: n by\n"),
            ),
            "c.yaml:2:",
        ),
        (
            lambda tmp: (_write(tmp / "a.md", b"$$x = 1$$"), "--context", str(tmp / "none.yaml")),
            "none.yaml",
        ),
    ],
    ids=["missing", "folder", "binary", "latin-1", "bad-context", "missing-context"],
)
def test_bad_input_is_one_error_line_exit_2(tmp_path: Path, make, message: str) -> None:
    result = _run(*make(tmp_path))
    assert result.exit_code == 2
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and message in lines[0], result.output


def _write(path: Path, data: bytes) -> str:
    path.write_bytes(data)
    return str(path)
