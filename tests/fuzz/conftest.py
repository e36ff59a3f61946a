"""Shared by the fuzz suite: where the hostile corpus is, and what "ends in a
report or one clear error" means for the command line."""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
HOSTILE = ROOT / "tests" / "files" / "hostile"
ML_RUBRIC = ROOT / "rubrics" / "ml-exam.yaml"
MINI_RUBRIC = ROOT / "tests" / "files" / "mini-rubric.yaml"


def corpus(folder: str) -> list[Path]:
    """The corpus files of one kind, sorted (ids are their names)."""
    files = sorted((HOSTILE / folder).iterdir())
    assert files, f"no corpus in {folder}"
    return files


def assert_report_or_one_clear_error(result, *, where: str = "") -> None:
    """A click run ended well: exit 0 or 1 (a report), or 2 with one-line
    ``error:`` messages; never a traceback or an unhandled exception."""
    output = result.output
    assert "Traceback" not in output, output[-2000:]
    assert result.exception is None or isinstance(result.exception, SystemExit), (
        f"{where}: {type(result.exception).__name__}: {result.exception}"
    )
    assert result.exit_code in (0, 1, 2), (result.exit_code, output[-500:])
    if result.exit_code == 2:
        # `error: ...` on stderr, or `file:line: message` lines (validate)
        errors = [line for line in output.splitlines() if line.strip()]
        assert errors, f"{where}: exit 2 without a message"
        for line in errors:
            assert len(line) < 2000, f"{where}: not one clear line: {line[:200]}..."
