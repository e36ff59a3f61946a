"""Loading an exam's reference file: trusted instructor code, run in the grader.

The references file (next to the rubric) holds reference implementations,
input generators and losses. It is the instructor's code, so the grader
imports it (never the student's). It is never copied into the sandbox, and
when the sandbox is isolated it does not exist there.
"""

from __future__ import annotations

import importlib.util
import threading
from pathlib import Path
from types import ModuleType
from typing import Any

from grader.errors import RubricError

__all__ = ["References", "load_references"]

_cache: dict[tuple[str, int], References] = {}
_cache_lock = threading.Lock()


class References:
    """The functions of one references file, looked up by name."""

    def __init__(self, path: Path, module: ModuleType):
        self.path = path
        self.module = module

    def function(self, name: str):
        value = getattr(self.module, name, None)
        if value is None or not callable(value):
            raise RubricError(f"{self.path}: no function named {name!r}")
        return value

    def call(self, name: str, *args: Any, **kwargs: Any) -> Any:
        function = self.function(name)
        try:
            return function(*args, **kwargs)
        except RubricError:
            raise
        except Exception as exc:
            raise RubricError(
                f"{self.path}: reference {name} failed: {type(exc).__name__}: {exc}"
            ) from exc


def load_references(path: str | Path) -> References:
    """Import a references file once per (path, modification time)."""
    path = Path(path).resolve()
    if not path.is_file():
        raise RubricError(f"{path}: references file not found")
    key = (str(path), path.stat().st_mtime_ns)
    with _cache_lock:
        if key in _cache:
            return _cache[key]
        name = "grader_references_" + "".join(c if c.isalnum() else "_" for c in path.stem)
        spec = importlib.util.spec_from_file_location(name, path)
        if spec is None or spec.loader is None:
            raise RubricError(f"{path}: cannot be loaded as Python")
        module = importlib.util.module_from_spec(spec)
        try:
            spec.loader.exec_module(module)
        except Exception as exc:
            raise RubricError(f"{path}: failed to load: {type(exc).__name__}: {exc}") from exc
        _cache[key] = References(path, module)
        return _cache[key]
