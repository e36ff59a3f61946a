"""Reading the answer: math lines, statements, claims, gradient nodes."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

import sympy as sp

from grader.math.calculus import plain
from grader.math.derivation._checker import ParsedStatement
from grader.math.lines import MathSource, find_math_lines

_CLAIM_RE = re.compile(r"=\s*\\text\s*\{([^{}]*)\}\s*\.?\s*$")
THEREFORE_RE = re.compile(r"^\s*(\\therefore|∴)")


# a relation in an inline formula: "Let $\delta_2 := ...$", "Normal equation: $X^TX\beta = X^Ty$"
_STATED = re.compile(r"(?<![<>!\\])=|:=|\\(?:leftarrow|gets|equiv|coloneqq)(?![A-Za-z])")


def _mentioned_only(source: MathSource) -> bool:
    """An inline formula in prose that states nothing (``the $a_2(1-a_2)$ from
    the sigmoid``) is a mention, not a step; one with a relation is a statement."""
    return source.origin == "inline" and source.in_prose and not _STATED.search(source.text)


def math_sources(lines: str | Sequence[tuple[int, str]], first_line: int) -> list[MathSource]:
    if isinstance(lines, str):
        found = find_math_lines(lines, first_line)
        return [s for s in found if not _mentioned_only(s)]
    numbered = list(lines)
    if not numbered:
        return []
    text = "\n".join(text for _, text in numbered)
    found = find_math_lines(text, 0)
    numbers = [number for number, _ in numbered]
    return [
        MathSource(
            line_no=numbers[min(s.line_no, len(numbers) - 1)],
            text=s.text,
            origin=s.origin,
            role=s.role,
            column=s.column,
            in_prose=s.in_prose,
            marker=s.marker,
        )
        for s in found
        if not _mentioned_only(s)
    ]


def read_statements(source: MathSource, context: Any) -> list[ParsedStatement]:
    """Parse one statement (or the several the parser splits it into: ``A = 0
    \\Rightarrow B = C``); a trailing ``= \text{...}`` claim is kept aside."""
    from grader.math.parse import MathParseError, parse_math, split_statements_detailed

    text = source.text
    claim = None
    match = _CLAIM_RE.search(text)
    if match:
        claim = match.group(1).strip()
        text = text[: match.start()].rstrip()
    pieces = split_statements_detailed(text) if text else []
    if len(pieces) == 1:
        # the splitter's text, without the separators around it (an align row's
        # trailing \\ would otherwise be parsed and make the row unreadable)
        pieces_list = [(pieces[0].text, source.role, 0)]
    elif not pieces:
        pieces_list = [(text, source.role, 0)]
    else:
        pieces_list = [(p.text, p.role, p.offset) for p in pieces]
    statements = []
    for index, (piece, role, offset) in enumerate(pieces_list):
        sub = source
        if len(pieces_list) > 1:
            sub = MathSource(
                line_no=source.line_no,
                text=piece,
                origin=source.origin,
                role="side_note" if "side_note" in (role, source.role) else "main",
                column=source.column + offset,
                in_prose=source.in_prose,
                marker=source.marker,
            )
        piece_claim = claim if index == len(pieces_list) - 1 else None
        try:
            statements.append(ParsedStatement(sub, parse_math(piece, context), claim=piece_claim))
        except MathParseError as error:
            statements.append(ParsedStatement(sub, None, error=error, claim=piece_claim))
    return statements


def read_as_text(line: Any) -> str | None:
    if line is None:
        return None
    terms = [plain(t) for t in getattr(line, "terms", [])]
    if not terms:
        return getattr(line, "source", None)
    joined = " = ".join(terms)
    if getattr(line, "continues_previous", False):
        joined = "= " + joined
    if getattr(line, "relation", "=") == "=>":
        joined = "=> " + joined
    return joined


def is_zero(expr: Any) -> bool:
    if isinstance(expr, sp.matrices.expressions.ZeroMatrix):
        return True
    try:
        return bool(expr == 0) or (isinstance(expr, sp.Basic) and expr.is_zero is True)
    except TypeError:
        return False


def gradient_node(expr: Any) -> tuple[Any, Any] | None:
    """(inner, wrt) of a ``grader.math`` Gradient node."""
    try:
        from grader.math._nodes import Gradient
    except ImportError:  # pragma: no cover - the parser is part of the package
        return None
    if isinstance(expr, Gradient):
        return expr.expr, expr.wrt
    return None


def with_gradient_wrt(expr: Any, wrt: Any) -> Any:
    """Fill in the variable of ``\\nabla (...)`` written without one."""
    from grader.math._nodes import Gradient

    def fill(node: Any) -> Any:
        return Gradient(node.expr, wrt) if node.wrt is None else node

    if not isinstance(expr, sp.Basic) or wrt is None:
        return expr
    return expr.replace(lambda n: isinstance(n, Gradient) and n.wrt is None, fill)
