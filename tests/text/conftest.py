"""Fixtures for the text engine's tests: the exam's concept specs."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from grader.text import ConceptSpec

FILES = Path(__file__).parent / "files"


@pytest.fixture(scope="session")
def exam_specs() -> dict[str, list[tuple[str, ConceptSpec]]]:
    """Part id -> [(check id, spec)] from tests/text/files/ml-exam-concepts.yaml."""
    data = yaml.safe_load((FILES / "ml-exam-concepts.yaml").read_text(encoding="utf-8"))
    return {
        part: [(check["id"], ConceptSpec.from_mapping(check)) for check in checks]
        for part, checks in data.items()
    }
