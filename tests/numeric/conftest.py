"""Fixtures for the numeric engine: one sandbox (zygote) per test module."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml

from grader.numeric import CodeCheckSpec, Sandbox

REPO = Path(__file__).resolve().parents[2]
FILES = Path(__file__).parent / "files"
REFERENCES = REPO / "rubrics" / "ml-exam-references.py"
EXAM_CHECKS = FILES / "ml-exam-code-checks.yaml"


@pytest.fixture(scope="module")
def sandbox():
    with Sandbox() as box:
        yield box


@pytest.fixture(scope="module")
def isolated_sandbox(sandbox):
    if not sandbox.info.get("isolated"):
        pytest.skip(f"sandbox isolation unavailable here: {sandbox.info.get('notes')}")
    return sandbox


@pytest.fixture(scope="module")
def fallback_sandbox():
    with Sandbox(isolate=False) as box:
        yield box


def exam_checks() -> dict[str, list[CodeCheckSpec]]:
    data = yaml.safe_load(EXAM_CHECKS.read_text())
    return {
        part: [CodeCheckSpec.from_mapping(c, source=str(EXAM_CHECKS)) for c in checks]
        for part, checks in data.items()
    }


def submission_with(tmp_path: Path, source: Path | str, name: str) -> Path:
    """A submission folder holding one file called ``name``."""
    folder = tmp_path / f"submission-{name}"
    folder.mkdir(exist_ok=True)
    if isinstance(source, Path):
        shutil.copy(source, folder / name)
    else:
        (folder / name).write_text(source)
    return folder
