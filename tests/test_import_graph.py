"""The arrows point one way (docs/architecture.md): read from the source with
``ast``, every import, including those inside functions and under
``TYPE_CHECKING``."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "grader"


def _module_name(path: Path, root: Path = PACKAGE) -> str:
    parts = path.relative_to(root.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports_of(path: Path, root: Path = PACKAGE) -> set[str]:
    """Every module ``path`` imports (absolute names, relative ones resolved)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    name = _module_name(path, root)
    package = name if path.name == "__init__.py" else name.rsplit(".", 1)[0]
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            found.add(base)
            found.update(f"{base}.{alias.name}" for alias in node.names)
    return found


def _files(area: str) -> list[Path]:
    root = PACKAGE / area
    return sorted(root.rglob("*.py")) if root.is_dir() else [PACKAGE / f"{area}.py"]


def _reaches(imported: str, target: str) -> bool:
    return imported == target or imported.startswith(target + ".")


RULES = [
    # (area, modules it must never import, why)
    ("rubric", ["grader.api", "grader.pipeline", "grader.cli"], "rubric is data; the API runs it"),
    *[
        (
            engine,
            [
                "grader.rubric",
                "grader.scoring",
                "grader.report",
                "grader.cli",
                "grader.pipeline",
                "grader.api",
                "grader.checks",
            ],
            "engines know nothing of rubrics",
        )
        for engine in ("math", "numeric", "text")
    ],
    ("scoring", ["grader.pipeline", "grader.api", "grader.cli"], "scoring is below the pipeline"),
    ("checks", ["grader.pipeline", "grader.api", "grader.cli"], "adapters are below the pipeline"),
    (
        "pipeline",
        ["grader.api", "grader.cli", "grader.batch", "grader.service"],
        "the pipeline grades one sheet",
    ),
]


@pytest.mark.parametrize(
    ("area", "forbidden", "why"), RULES, ids=[f"{area}-{i}" for i, (area, _, _) in enumerate(RULES)]
)
def test_imports_point_one_way(area, forbidden, why):
    bad = [
        f"{_module_name(path)} imports {name}"
        for path in _files(area)
        for name in sorted(imports_of(path))
        if any(_reaches(name, target) for target in forbidden)
    ]
    assert not bad, f"{why}: {bad}"


def test_the_checker_sees_imports_inside_functions(tmp_path):
    module = PACKAGE / "rubric" / "models.py"
    assert "pydantic" in imports_of(module)
    # ``Rubric.line_of`` imports the loader inside the method
    assert "grader.rubric.loader" in imports_of(module)


@pytest.mark.parametrize(
    "source",
    ["def f():\n    from grader import api\n", "import grader.api\n", "from .. import api\n"],
    ids=["inside a function", "plain import", "relative import"],
)
def test_a_forbidden_import_is_caught(tmp_path, source):
    root = tmp_path / "grader"
    sneaky = root / "rubric" / "sneaky.py"
    sneaky.parent.mkdir(parents=True)
    sneaky.write_text(source, encoding="utf-8")
    assert any(_reaches(name, "grader.api") for name in imports_of(sneaky, root))
