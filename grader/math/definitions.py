"""Names a student defines in an answer and uses elsewhere on the sheet.

A student who writes ``\\delta_2 := \\frac{\\partial L}{\\partial z_2} = a_2 - y``
in Q2(c) writes the update ``w_2 \\leftarrow w_2 - \\alpha \\delta_2 a_1`` in Q2(d).
:func:`definitions_in_answer` finds such definitions in an answer's text so
that a checker can read the name as the student defined it (a name the context
does not declare is otherwise ``undetermined``, DESIGN.md decision 8):

- ``name := Q = ...`` or ``name = Q = ...`` where ``Q`` is a named quantity
  (``dL/dz2``): the name is that quantity (its value, and so an error the
  student made in computing it, is judged where they computed it, once);
- ``name := expression``, ``name = expression``, ``name \\equiv expression``:
  the name is the expression.

Only names the context does not declare are taken, each once: a name defined
twice with different values is left out (and stays undetermined).
"""

from __future__ import annotations

from typing import Any

__all__ = ["definitions_in_answer"]


def definitions_in_answer(text: str, context: Any) -> dict[str, str]:
    """``{name: value as plain text}`` for the names ``text`` defines."""
    import sympy

    from grader.math._nodes import split_derivative_symbol
    from grader.math._updates import NEW_VALUE_NAMES
    from grader.math.lines import find_math_lines
    from grader.math.parse import MathParseError, parse_math, split_statements, to_plain_text

    found: dict[str, str] = {}
    clashes: set[str] = set()
    for source in find_math_lines(text):
        for statement in split_statements(source.text) or [source.text]:
            try:
                line = parse_math(statement, context)
            except (MathParseError, RecursionError, ValueError, TypeError):
                continue
            terms = list(line.terms)
            if line.kind not in ("equation", "chain") or line.continues_previous or len(terms) < 2:
                continue
            head = terms[0]
            if not isinstance(head, (sympy.Symbol, sympy.MatrixSymbol)):
                continue
            name = head.name
            if (
                split_derivative_symbol(head) is not None
                or NEW_VALUE_NAMES.match(name)
                or (context is not None and context.is_declared(name))
                or (line.update_of is not None and line.update_of != name)
            ):
                continue
            named = next((t for t in terms[1:] if split_derivative_symbol(t) is not None), None)
            value = named if named is not None else terms[1]
            if getattr(value, "has", None) is not None and value.has(head):
                continue  # w = w - alpha g is an update, not a definition
            text_value = to_plain_text(value)
            if name in found and found[name] != text_value:
                clashes.add(name)
            found.setdefault(name, text_value)
    return {name: value for name, value in found.items() if name not in clashes}
