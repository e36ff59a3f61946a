"""docs/walkthrough.md, "7. Grades back to Canvas and Gradescope": the
notebook class of section 6 graded into quiz-results/ as that section does,
then every command of this section run as written, printing what the page
shows."""

from __future__ import annotations

import json
import re
import shlex
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from grader.cli import main

ROOT = Path(__file__).resolve().parents[2]
DOC = ROOT / "docs" / "walkthrough.md"
SECTION = "## 7. Grades back to Canvas and Gradescope"
GRADE = (
    "grader grade examples/notebook-quiz/class --rubric examples/notebook-quiz/rubric.yaml "
    "--out quiz-results"
)


def _section(text: str) -> str:
    start = text.index(SECTION)
    end = text.index("\n## ", start + len(SECTION))
    return text[start:end]


def _sessions(section: str) -> list[tuple[str, list[str]]]:
    """(command, the lines it prints) for each `$ ` line of the section's code blocks."""
    found: list[tuple[str, list[str]]] = []
    for block in re.findall(r"```\n(.*?)```", section, re.S):
        for line in block.splitlines():
            if line.startswith("$ "):
                found.append((line[2:], []))
            elif line.strip() and found:
                found[-1][1].append(line)
    return found


def _run(command: str):
    args = shlex.split(command)
    assert args[0] == "grader"
    result = CliRunner().invoke(main, args[1:])
    assert result.exit_code == 0, (command, result.output)
    return result


@pytest.fixture
def graded_notebooks(tmp_path, monkeypatch) -> Path:
    """quiz-results/ as section 6 makes it (its command is on the page)."""
    text = DOC.read_text(encoding="utf-8")
    assert f"$ {GRADE}" in text
    shutil.copytree(ROOT / "examples" / "notebook-quiz", tmp_path / "examples" / "notebook-quiz")
    monkeypatch.chdir(tmp_path)
    _run(GRADE)
    roster = dict(_sessions(_section(text)))["cat roster.csv"]
    (tmp_path / "roster.csv").write_text("\n".join(roster) + "\n")
    return tmp_path


def test_every_command_of_grades_back_prints_what_the_page_shows(graded_notebooks):
    sessions = _sessions(_section(DOC.read_text(encoding="utf-8")))
    commands = [command for command, _ in sessions]
    assert any(c.startswith("grader export quiz-results --to canvas") for c in commands)
    assert any(c.startswith("grader export quiz-results --to gradescope") for c in commands)
    for command, expected in sessions:
        if command.startswith("cat "):
            assert (graded_notebooks / command[4:]).read_text().splitlines() == expected
            continue
        assert _run(command).stdout.splitlines() == expected, command
    # the Gradescope files the last command wrote carry the leaderboard
    bob = json.loads((graded_notebooks / "quiz-results" / "leaderboard" / "bob.json").read_text())
    assert [(e["name"], e["value"]) for e in bob["leaderboard"]] == [
        ("Score", 1.5),
        ("q1.c: Code: mean squared error", 0.0),
    ], bob["leaderboard"]
