"""Tokenizer for the math parser: one regular expression, one pass.

Tokens carry their 0-based column in the (normalised) text and whether
whitespace came before them (``w1`` is one name, ``w 1`` is ``w`` times 1).
Spacing commands (``\\,``, ``\\quad``, ``~``) and sizing commands (``\\left``,
``\\right``, ``\\big``) leave no token: they only set ``space_before``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from grader.errors import GraderError
from grader.math._names import CODE_FUNCTIONS, CODE_MODULES
from grader.math.normalize import find_closing_brace

__all__ = ["MathParseError", "Token", "tokenize", "MAX_INPUT_LENGTH"]

MAX_INPUT_LENGTH = 20_000


class MathParseError(GraderError):
    """Text the math parser cannot read.

    ``position`` is the 0-based column in the normalised text ``text``;
    ``source`` is the text as given; ``source_position`` the same column in
    ``source`` when normalisation only trimmed around the statement (``$$``,
    a label), else ``None``; ``reason`` is one line, e.g. ``unexpected '}'
    at column 14``.
    """

    def __init__(
        self, reason: str, *, position: int = 0, text: str = "", source: str | None = None
    ):
        self.reason = reason
        self.position = position
        self.text = text
        self.source = source if source is not None else text
        self.source_position: int | None = position if self.source == text else None
        super().__init__(reason)

    def locate_in(self, source: str) -> None:
        """Record ``source`` and, when ``text`` appears in it verbatim, the column there."""
        self.source = source
        start = source.find(self.text) if self.text else -1
        self.source_position = start + self.position if start >= 0 else None


@dataclass
class Token:
    kind: str  # NUM, IDENT, CMD, SYM, TEXT, BEGIN, ENDENV, END
    text: str  # NUM: digits; IDENT: letters(+digits); CMD: name without "\"; SYM: the character(s)
    pos: int
    space_before: bool = False
    verbatim: bool = False  # an IDENT from \mathrm{...}/\operatorname{...}: never split

    def __repr__(self) -> str:  # compact in test failure output
        return f"{self.kind}:{self.text}@{self.pos}"


_TOKEN = re.compile(
    r"""
    (?P<space>\s+|~)
  | (?P<cmd>\\(?:[A-Za-z]+|.))
  | (?P<num>\d+(?:\.\d+)?[eE][-+]?\d+(?![A-Za-z(])|\d+(?:\.\d+)?|\.\d+)
  | (?P<ident>[A-Za-z]+)
  | (?P<sym>\*\*|\|\||:=|=>|\.\*|[-+*/^_()\[\]{}|=,'!<>:&;.@⊙∘])
    """,
    re.VERBOSE | re.DOTALL,
)

# Commands that only change spacing or sizing: they produce no token.
_SPACING = frozenset(
    {
        ",",
        ";",
        "!",
        ":",
        " ",
        "quad",
        "qquad",
        "enspace",
        "thinspace",
        "medspace",
        "thickspace",
        "negthinspace",
        "hfill",
        "mkern",
        "hspace",
    }
)
_TEXT_COMMANDS = frozenset(
    {"text", "textrm", "textit", "textbf", "mbox", "textnormal", "texttt", "hbox", "textsf"}
)
_WORD_COMMANDS = frozenset({"mathrm", "operatorname", "mathit"})
_WORD = re.compile(r"\{(?:\s|~|\\[,;! ])*([A-Za-z]+)(?:\s|~|\\[,;! ])*\}")
_ENV = re.compile(r"\s*\{\s*([A-Za-z*]+)\s*\}")
_SIZING = frozenset(
    """left right big Big bigg Bigg bigl bigr Bigl Bigr biggl biggr Biggl Biggr middle""".split()
)


def tokenize(text: str) -> list[Token]:
    """Split ``text`` into tokens; raises :class:`MathParseError` on a
    character no token can start with, or on unbalanced braces."""
    if len(text) > MAX_INPUT_LENGTH:
        raise MathParseError(
            f"input longer than {MAX_INPUT_LENGTH} characters",
            position=MAX_INPUT_LENGTH,
            text=text[:200],
        )
    tokens: list[Token] = []
    pos = 0
    length = len(text)
    space = False
    match_at = _TOKEN.match
    while pos < length:
        if text[pos] == "#" and tokens:
            # a Python comment after code-like math (X.T @ y  # the gradient): a note
            tokens.append(Token("TEXT", text[pos + 1 :].strip(), pos, True))
            break
        match = match_at(text, pos)
        if match is None:
            raise MathParseError(
                f"unexpected {text[pos]!r} at column {pos}", position=pos, text=text
            )
        kind = match.lastgroup
        value = match.group(kind)
        start = pos
        pos = match.end()
        if kind == "space":
            space = True
            continue
        if kind == "cmd":
            name = value[1:]
            if name in _SPACING:
                if name in ("hspace", "mkern") and pos < length and text[pos] == "{":
                    close = text.find("}", pos)
                    pos = close + 1 if close > 0 else pos
                space = True
                continue
            if name in _SIZING:
                # \left. and \right. are invisible delimiters.
                while pos < length and text[pos] == " ":
                    pos += 1
                if pos < length and text[pos] == ".":
                    pos += 1
                    space = True
                # otherwise invisible: J\left(\beta\right) is J(\beta), not J (\beta)
                continue
            if name in _TEXT_COMMANDS:
                while pos < length and text[pos] == " ":
                    pos += 1
            if name in _TEXT_COMMANDS and pos < length and text[pos] == "{":
                close = find_closing_brace(text, pos)
                if close < 0:
                    raise MathParseError(f"unclosed '{{' at column {pos}", position=pos, text=text)
                tokens.append(Token("TEXT", text[pos + 1 : close], start, space))
                pos = close + 1
                space = False
                continue
            if name in _WORD_COMMANDS:
                word = _WORD.match(text, pos + len(text[pos:]) - len(text[pos:].lstrip(" ")))
                if word is not None:
                    tokens.append(Token("IDENT", word.group(1), start, space, verbatim=True))
                    pos = word.end()
                    space = False
                    continue
            if name in ("begin", "end"):
                env = _ENV.match(text, pos)
                if env is None:
                    raise MathParseError(
                        f"\\{name} needs an environment name at column {start}",
                        position=start,
                        text=text,
                    )
                tokens.append(
                    Token("BEGIN" if name == "begin" else "ENDENV", env.group(1), start, space)
                )
                pos = env.end()
                space = False
                continue
            tokens.append(Token("CMD", name, start, space))
        elif kind == "sym" and value == "=>":  # typed \Rightarrow (grad J = 0 => X^T X b = X^T y)
            tokens.append(Token("CMD", "Rightarrow", start, space))
        elif kind == "num":
            tokens.append(Token("NUM", value, start, space))
        elif kind == "ident":
            tokens.append(Token("IDENT", value, start, space))
        else:
            # "**" (Python's power) stays "**": the grammar reads it as "^", and
            # in a NumPy line as the entrywise power of a matrix
            tokens.append(Token("SYM", value, start, space))
        space = False
    _check_braces(tokens, text)
    _mark_code_words(tokens)
    tokens.append(Token("END", "", length, space))
    return tokens


def _touching(first: Token, second: Token) -> bool:
    """``first`` and ``second`` are written without a space between them."""
    return not second.space_before


def _mark_code_words(tokens: list[Token]) -> None:
    """Words of code-like math are whole words, never letters of a product:
    a method or attribute after a dot (``X.T``, ``X.dot(y)``), a module
    prefix before one (``np.linalg``), and a code function before its ``(``
    (``inv(X^T X)``), even in a LaTeX line where ``inv`` would be ``i n v``."""
    count = len(tokens)
    for index, token in enumerate(tokens):
        if token.kind != "IDENT" or token.verbatim:
            continue
        before = tokens[index - 1] if index else None
        after = tokens[index + 1] if index + 1 < count else None
        after_dot = (
            before is not None
            and before.kind == "SYM"
            and before.text == "."
            and _touching(before, token)
            and index >= 2
            and (tokens[index - 2].kind == "IDENT" or tokens[index - 2].text in (")", "]"))
            and _touching(tokens[index - 2], before)
        )
        module = (
            token.text in CODE_MODULES
            and after is not None
            and after.kind == "SYM"
            and after.text == "."
            and _touching(token, after)
            and index + 2 < count
            and tokens[index + 2].kind == "IDENT"
            and _touching(after, tokens[index + 2])
        )
        call = (
            token.text in CODE_FUNCTIONS
            and after is not None
            and after.kind == "SYM"
            and after.text == "("
            and _touching(token, after)
        )
        if after_dot or module or call:
            tokens[index] = Token("IDENT", token.text, token.pos, token.space_before, verbatim=True)


def _check_braces(tokens: list[Token], text: str) -> None:
    """Report the first unbalanced ``{``/``}`` with its column."""
    stack: list[Token] = []
    for token in tokens:
        if token.kind != "SYM":
            continue
        if token.text == "{":
            stack.append(token)
        elif token.text == "}":
            if not stack:
                raise MathParseError(
                    f"unexpected '}}' at column {token.pos}", position=token.pos, text=text
                )
            stack.pop()
    if stack:
        token = stack[-1]
        raise MathParseError(f"unclosed '{{' at column {token.pos}", position=token.pos, text=text)
