"""Definitions made inside an answer: ``\\delta_2 w_2 a_1 (1 - a_1), where
\\delta_2 = a_2 - y``; ``Let e = a_2 - y. Then e a_1``; ``g w_2 \\sigma'(z_1) x,
\\quad g \\equiv a_2 - y``; chains ``\\delta_2 := \\frac{\\partial L}{\\partial z_2}
= a_2 - y``.

:func:`split_local_definitions` finds them in one line of text and returns the
main statement and the definitions (name, value text); the parser reads the
values and puts them in place of the names (``grader.math.parse``), so the
statement is judged on what the student said the names are.

Only plain forms are taken: a definition is a single name, a defining sign
(``=``, ``:=``, ``\\equiv``, ``\\coloneqq``, ``\\triangleq``) and a value; a
chain's last member is the value (the student's own explicit form). Without a
keyword ("where", "with", "let") only ``:=``, ``\\equiv`` and friends define.
"""

from __future__ import annotations

import re

from grader.math.lines import top_level_breaks, top_level_matches

__all__ = ["LocalDefinition", "split_local_definitions"]

LocalDefinition = tuple[str, str]  # (name as written, value text)

_WORDS = r"where|with|let|then|and|so|hence"
# \text{ where }, \mathrm{where}, \quad\text{and}\quad -> the bare word
_TEXT_KEYWORD = re.compile(
    r"\\(?:text|mathrm|textrm|textit|mbox|operatorname)\s*\{\s*((?:" + _WORDS + r")[\s,.;:]*)\}",
    re.IGNORECASE,
)
_KEYWORD = re.compile(r"(?<![\\A-Za-z])(" + _WORDS + r")(?![A-Za-z])", re.IGNORECASE)
_NAME = (
    r"\s*(?:\\(?:mathbf|boldsymbol|vec|bm)\s*)?\{?\s*\\?[A-Za-z]+\s*\}?"
    r"(?:_\s*(?:\{[^{}=]*\}|\\?[A-Za-z0-9]+))?\s*"
)
_DEFINING_SIGN = r"(?::=|\\coloneqq|\\equiv|\\triangleq|\\stackrel\{[^{}]*\}\{=\}|=)"
_DEFINITION = re.compile(
    r"^(?P<name>" + _NAME + r")(?P<sign>" + _DEFINING_SIGN + r")(?P<value>.+)$"
)
_STRONG_SIGNS = (":=", "\\coloneqq", "\\equiv", "\\triangleq")
_SPACING = re.compile(
    r"^(?:\s|\\q?quad(?![A-Za-z])|\\[,;:! ]|~|[,;:.])+|(?:\s|\\q?quad(?![A-Za-z])|\\[,;:! ]|~|[,;.])+$"
)


def _top_level_split(text: str, separators: str = ",;") -> list[str]:
    """Split at separators outside brackets and braces (``\\,`` and ``\\;`` are spacing)."""
    pattern = re.compile("[" + re.escape(separators) + "]")
    return [text[start:end] for start, end in top_level_breaks(text, pattern)]


def _clean(piece: str) -> str:
    return _SPACING.sub("", piece.strip()).strip()


def _definition(piece: str, keyword: bool) -> LocalDefinition | None:
    piece = _clean(piece)
    match = _DEFINITION.match(piece)
    if match is None:
        return None
    if not keyword and match.group("sign") not in _STRONG_SIGNS:
        return None
    value = match.group("value")
    # a chain: \delta_2 := \frac{\partial L}{\partial z_2} = a_2 - y -> its last member
    members = [m for m in _top_level_split(value, "=") if m.strip()]
    value = _clean(members[-1]) if members else ""
    name = match.group("name").strip()
    if not value or "=" in name:
        return None
    return name, value


def _definitions(text: str, keyword: bool) -> list[LocalDefinition] | None:
    """Every piece of ``text`` (split at , ; and "and") a definition, else None."""
    pieces: list[str] = []
    for piece in _top_level_split(text):
        pieces.extend(re.split(r"(?<![A-Za-z\\])and(?![A-Za-z])", piece))
    found = []
    for piece in pieces:
        if not _clean(piece):
            continue
        definition = _definition(piece, keyword)
        if definition is None:
            return None
        found.append(definition)
    return found or None


def split_local_definitions(text: str) -> tuple[str, list[LocalDefinition]] | None:
    """``(main statement, [(name, value), ...])``, or None when the line
    defines nothing."""
    plain = _TEXT_KEYWORD.sub(lambda m: f" {m.group(1).strip(' ,.;:')} ", text)
    keywords = top_level_matches(plain, _KEYWORD)
    first = keywords[0] if keywords else None
    if first is not None and first.group(1).lower() == "let" and not _clean(plain[: first.start()]):
        # let DEFINITIONS (then|. |;) MAIN
        rest = plain[first.end() :]
        then = next(
            (m for m in keywords[1:] if m.group(1).lower() in ("then", "so", "hence")), None
        )
        if then is not None:
            head, main = plain[first.end() : then.start()], plain[then.end() :]
        else:
            pieces = _top_level_split(rest, ";")
            if len(pieces) < 2:
                return None
            head, main = pieces[0], ";".join(pieces[1:])
        definitions = _definitions(head.rstrip(" ."), keyword=True)
        main = _clean(main)
        return (main, definitions) if definitions and main else None
    for match in keywords:
        if match.group(1).lower() not in ("where", "with"):
            continue
        main = _clean(plain[: match.start()])
        definitions = _definitions(plain[match.end() :], keyword=True)
        if definitions and main:
            return main, definitions
    # MAIN, \quad g \equiv a_2 - y  /  MAIN, u := ...: a strong sign defines without a keyword
    pieces = _top_level_split(plain, ",;")
    if len(pieces) < 2:
        return None
    for cut in range(1, len(pieces)):
        definitions = _definitions(",".join(pieces[cut:]), keyword=False)
        main = _clean(",".join(pieces[:cut]))
        if definitions and main:
            return main, definitions
    return None
