"""docs/walkthrough.md, "A class of Jupyter notebooks": every `$ grader`
block of the section is run as written (from a copy of examples/notebook-quiz
in a scratch folder) and must print what the page shows."""

from __future__ import annotations

import re
import shlex
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

pytest.importorskip("nbformat")

from grader.cli import main  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]
PAGE = ROOT / "docs" / "walkthrough.md"
START = "## 6. A class of Jupyter notebooks"
END = "## 7. Grades back to Canvas and Gradescope"  # the next section runs in tests/report


def section_commands() -> list[tuple[str, str]]:
    """(command, expected output) of each ``$ grader`` block of the section."""
    text = PAGE.read_text(encoding="utf-8")
    section = text[text.index(START) : text.index(END)]
    found = []
    for block in re.findall(r"```\n(.*?)```", section, flags=re.S):
        first, _, output = block.partition("\n")
        if first.startswith("$ grader "):
            found.append((first[len("$ grader ") :], output.rstrip("\n")))
    return found


COMMANDS = section_commands()


def test_the_section_has_its_commands():
    assert [c.split()[0] for c, _ in COMMANDS] == ["validate", "grade", "check", "grade"]


@pytest.fixture(scope="module")
def scratch(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("walk")
    shutil.copytree(ROOT / "examples" / "notebook-quiz", folder / "examples" / "notebook-quiz")
    return folder


@pytest.mark.parametrize(
    "command, expected", COMMANDS, ids=[c.split(" --")[0] for c, _ in COMMANDS]
)
def test_each_command_prints_what_the_page_shows(scratch, monkeypatch, command, expected):
    monkeypatch.chdir(scratch)
    result = CliRunner().invoke(main, shlex.split(command))
    assert result.exit_code == 0, result.output
    assert result.stdout.rstrip("\n") == expected
    if "--out" in command:
        assert (scratch / "quiz-results" / "gradebook.csv").is_file()
