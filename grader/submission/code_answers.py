"""Code answers that are not a ``.py`` file: a notebook's code cells, a sheet's
```` ```python ```` blocks.

The code check imports the student's module in the sandbox; a notebook's
cells would train a model, plot or read data files at import. So only
definitions are kept, found with ``ast`` (nothing is run here):

* ``import`` / ``from ... import`` (not inside ``try`` blocks: those are kept whole
  only when they hold nothing but imports);
* ``def``, ``async def``, ``class`` (with their decorators);
* simple constants: ``NAME = <literal>``, arithmetic on literals and names,
  ``np.pi``-style attributes, containers of those (``EPS = 1e-8``,
  ``SIZES = [4, 8]``, ``TAU = 2 * np.pi``).

Everything else at top level (calls, loops, ``if``, magics such as ``%matplotlib``
and ``!pip``) is left out and listed in ``left_out`` with its cell and line,
so a function that depends on it fails its tests with a reason a person can
check. A cell that is not valid Python is a ``problem``: its definitions are
unknown, and the part goes to review rather than being charged silently.
Later definitions win, as when a notebook is run top to bottom.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Sequence

from grader.submission.models import ExtractedCode

# IPython lines that are not Python: magics, shell escapes, help.
_IPYTHON_LINE = re.compile(r"^\s*(?:%|!|\?)|^\s*\w[\w.]*\?\??\s*$")

_SIMPLE_NODES = (
    ast.Constant,
    ast.Name,
    ast.Attribute,
    ast.BinOp,
    ast.UnaryOp,
    ast.Tuple,
    ast.List,
    ast.Set,
    ast.Dict,
    ast.Load,
    ast.operator,
    ast.unaryop,
)

CodeChunk = tuple[str, str]  # (where, e.g. "cell 3", source)


def extract_definitions(chunks: Sequence[CodeChunk], *, origin: str) -> ExtractedCode:
    """One module of the definitions in ``chunks`` (rules in the module docstring)."""
    kept: list[str] = []
    left_out: list[str] = []
    problems: list[str] = []
    for where, source in chunks:
        cleaned = _without_ipython(source)
        try:
            tree = ast.parse(cleaned)
        except SyntaxError as error:
            problems.append(
                f"{where}: not valid Python ({error.msg}, line {error.lineno}): "
                "its definitions could not be read"
            )
            continue
        lines = cleaned.split("\n")
        pieces = []
        for node in tree.body:
            first = min([node.lineno, *(d.lineno for d in _decorators(node))])
            text = "\n".join(lines[first - 1 : node.end_lineno])
            if isinstance(node, (ast.Import, ast.ImportFrom)) and node.col_offset == 0:
                pieces.append(_guarded_import(text))
            elif _is_definition(node):
                pieces.append(text)
            else:
                shown = text.strip().split("\n", 1)[0]
                shown = shown if len(shown) <= 60 else shown[:57] + "..."
                left_out.append(f"{where}, line {node.lineno} (`{shown}`)")
        if pieces:
            kept.append(f"# {where}\n" + "\n\n".join(pieces))
    source = "\n\n\n".join(kept)
    return ExtractedCode(
        source=source + "\n" if source else "",
        origin=origin,
        left_out=left_out,
        problems=problems,
    )


def _guarded_import(text: str) -> str:
    # A notebook imports what it plots with (matplotlib, pandas, seaborn); where
    # the code runs they may not be installed. The import failing must not fail
    # the module: a function that uses the name then fails its own test.
    body = "\n".join("    " + line for line in text.split("\n"))
    return f"try:\n{body}\nexcept ImportError:\n    pass"


def _without_ipython(source: str) -> str:
    # Blanked rather than removed, so that line numbers stay the cell's own.
    return "\n".join("" if _IPYTHON_LINE.match(line) else line for line in source.split("\n"))


def _decorators(node: ast.stmt) -> list[ast.expr]:
    return list(getattr(node, "decorator_list", []))


def _is_definition(node: ast.stmt) -> bool:
    if isinstance(node, (ast.Import, ast.ImportFrom, ast.FunctionDef, ast.AsyncFunctionDef)):
        return True
    if isinstance(node, ast.ClassDef):
        return True
    if isinstance(node, ast.Assign):
        return all(isinstance(t, ast.Name) for t in node.targets) and _is_simple(node.value)
    if isinstance(node, ast.AnnAssign):
        return (
            isinstance(node.target, ast.Name) and node.value is not None and _is_simple(node.value)
        )
    if isinstance(node, ast.Try):
        # try: import torch / except ImportError: ... : an import guard
        body = [*node.body, *(s for h in node.handlers for s in h.body), *node.orelse]
        return all(
            isinstance(s, (ast.Import, ast.ImportFrom, ast.Pass))
            or (isinstance(s, ast.Assign) and _is_simple(s.value))
            for s in body
        )
    if isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant):
        return isinstance(node.value.value, str)  # a docstring
    return False


def _is_simple(value: ast.expr) -> bool:
    """A constant expression: literals, names, attributes, arithmetic; no calls."""
    return all(isinstance(n, _SIMPLE_NODES) for n in ast.walk(value))


# ```python ... ``` blocks of a sheet (```py, ```python3, ```ipython too)
_FENCE_OPEN = re.compile(r"^\s*(?P<fence>```+|~~~+)\s*(?:python3?|py|ipython3?)\s*$", re.I)


def sheet_code_blocks(lines: Sequence[str]) -> list[tuple[int, str]]:
    """(first line number, code) of each fenced Python block of a sheet."""
    blocks: list[tuple[int, str]] = []
    index = 0
    while index < len(lines):
        match = _FENCE_OPEN.match(lines[index])
        if match is None:
            index += 1
            continue
        fence = match.group("fence")
        body: list[str] = []
        index += 1
        start = index + 1  # 1-based number of the block's first code line
        while index < len(lines) and not lines[index].strip().startswith(fence):
            body.append(lines[index])
            index += 1
        blocks.append((start, "\n".join(body)))
        index += 1
    return blocks


def sheet_code(lines: Sequence[str], *, name: str) -> ExtractedCode | None:
    """The definitions in a sheet's ```python blocks; None when it has none."""
    blocks = sheet_code_blocks(lines)
    if not blocks:
        return None
    chunks = [(f"the block at line {start}", code) for start, code in blocks]
    return extract_definitions(chunks, origin=f"the ```python blocks of {name}")
