"""Reading YAML or JSON text into Python data, with the line of any syntax
error, for the several kinds of files the grader reads (math contexts, answer
files). Each caller says which ``GraderError`` to raise."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from grader.errors import GraderError


def parse_yaml_or_json(text: str, path: Path, *, error: type[GraderError]) -> Any:
    """JSON when the file ends in ``.json``, YAML otherwise; a syntax error
    raises ``error`` with ``path`` and the 1-based line."""
    if path.suffix.lower() == ".json":
        try:
            return json.loads(text)
        except json.JSONDecodeError as problem:
            raise error(
                f"invalid JSON: {problem.msg}", path=str(path), line=problem.lineno
            ) from None
    import yaml

    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as problem:
        mark = getattr(problem, "problem_mark", None)
        reason = getattr(problem, "problem", None) or "cannot parse"
        raise error(
            f"invalid YAML: {reason}", path=str(path), line=mark.line + 1 if mark else None
        ) from None
