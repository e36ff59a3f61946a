"""Reading one line of mathematics (LaTeX as OCR produces it, or plain text)
into SymPy objects, driven by a :class:`~grader.math.context.MathContext`.

    >>> line = parse_math(r"X^T X \\beta = X^T y", ctx)      # doctest: +SKIP
    >>> line.kind, line.terms
    ('equation', [X.T*X*beta, X.T*y])

The grammar and the context format are documented in docs/math-context.md.
Our own parser, not sympy's ``parse_latex``/``parse_expr``: those lose the
order of matrix products, read ``a_1(1-a_1)`` as a call and cancel
``\\frac{\\partial L}{\\partial w_1}`` (DESIGN.md decision 1). Nothing here
evaluates student text as Python.
"""

from __future__ import annotations

import re
import threading
from collections import OrderedDict
from dataclasses import dataclass, field, replace
from typing import Any

import sympy
from sympy.matrices.expressions.matexpr import MatrixExpr
from sympy.printing.str import StrPrinter

from grader.math._derivatives import GRADIENT_WORDS
from grader.math._differentials import gradient_from_differentials
from grader.math._grammar import Parser, ShapeOnly, Space
from grader.math._lexer import MathParseError, Token, tokenize
from grader.math._local_definitions import split_local_definitions
from grader.math._names import BUILTIN_FUNCTIONS, GREEK, canonical_name, is_valid_name
from grader.math._nodes import Gradient, derivative_symbol, split_derivative_symbol
from grader.math._syntax import APPROXIMATE_RELATIONS, LEADING_IMPLICATIONS
from grader.math._updates import find_update
from grader.math.context import MathContext
from grader.math.lines import ASSIGNED_NAME, top_level_breaks
from grader.math.normalize import normalize_ocr

__all__ = [
    "MathLine",
    "MathParseError",
    "Statement",
    "parse_math",
    "split_statements",
    "split_statements_detailed",
    "to_plain_text",
    "product_divisor_reading",
]

KINDS = ("expression", "equation", "chain", "shape_statement", "text")


@dataclass
class MathLine:
    """One parsed statement.

    ``kind``: "expression" (one term), "equation" (two sides, counting a
    missing left side when the line starts with ``=``), "chain" (``A = B =
    C``), "shape_statement" (``x \\in \\mathbb{R}^{n \\times d}``) or "text".
    ``terms``: the SymPy values in order; ``relation``: "=" or "=>" (the line
    began with ``\\Rightarrow``/``\\therefore``/...); ``continues_previous``:
    the line began with ``=``; ``shapes``: ``{name: (rows, cols)}`` declared
    by a shape statement (``None`` for a scalar); ``repairs``: OCR repairs
    applied; ``unknown_names``: names not in the context; ``aliases_used``:
    ``{written: canonical}``; ``approximations``: the values after an
    ``\\approx`` (``p = 4/3 \\approx 1.33``: ``terms`` holds ``p, 4/3`` and
    ``approximations`` ``1.33``; an approximation is never an exact term, so
    no exact check reads it); ``approximate_of``: the name a line ``p
    \\approx 1.33`` gives a value for (such a line is of kind ``text``: it
    states nothing exact); ``text_notes``: ``\\text{...}`` members (a
    chain ending ``= \\text{scalar}``); ``shape_problems``: shape errors in
    the student's expression (the line still parses); ``rest``: further
    statements on the same line (split off, not parsed); ``notes``: readings
    worth showing (``read J(beta) as J``).
    """

    kind: str
    terms: list[Any]
    source: str
    relation: str = "="
    continues_previous: bool = False
    shapes: dict[str, tuple[Any, Any] | None] = field(default_factory=dict)
    repairs: list[str] = field(default_factory=list)
    unknown_names: list[str] = field(default_factory=list)
    aliases_used: dict[str, str] = field(default_factory=dict)
    text_notes: list[str] = field(default_factory=list)
    shape_problems: list[str] = field(default_factory=list)
    rest: list[str] = field(default_factory=list)
    normalized: str = ""
    notes: list[str] = field(default_factory=list)
    update_of: str | None = None
    approximations: list[Any] = field(default_factory=list)
    approximate_of: Any = None

    @property
    def expr(self) -> Any:
        """The single term of an expression line (``None`` otherwise)."""
        return self.terms[0] if self.kind == "expression" and len(self.terms) == 1 else None

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready summary: how the line was read, in plain text."""
        return {
            "kind": self.kind,
            "read_as": [to_plain_text(term) for term in self.terms],
            "relation": self.relation,
            "continues_previous": self.continues_previous,
            "shapes": {
                name: None if shape is None else [sympy.sstr(dim) for dim in shape]
                for name, shape in self.shapes.items()
            },
            "repairs": list(self.repairs),
            "unknown_names": list(self.unknown_names),
            "aliases_used": dict(self.aliases_used),
            "text_notes": list(self.text_notes),
            "shape_problems": list(self.shape_problems),
            "notes": list(self.notes),
            "update_of": self.update_of,
            "rest": list(self.rest),
            **(
                {"approximations": [to_plain_text(term) for term in self.approximations]}
                if self.approximations
                else {}
            ),
            "source": self.source,
        }

    def __str__(self) -> str:
        joiner = " = "
        if self.update_of is not None:
            joiner = " := "
        body = joiner.join(sympy.sstr(term) for term in self.terms)
        if self.continues_previous:
            body = "= " + body
        if self.relation == "=>":
            body = "=> " + body
        return body


# ------------------------------------------------------------------ statements


@dataclass(frozen=True)
class Statement:
    """A piece of a display block: ``role`` is "main" or "side_note"."""

    text: str
    role: str
    offset: int


_SPLIT_TOKEN = re.compile(
    r"\\begin\s*\{[^{}]*\}|\\end\s*\{[^{}]*\}|\\\\|\\(?:leftarrow|longleftarrow|Leftarrow|Longleftarrow|gets)(?![A-Za-z])"
    r"|\\(?:Rightarrow|implies|Longrightarrow|therefore)(?![A-Za-z])|\\q?quad(?![A-Za-z])|\\[A-Za-z]+|\\.|:=|=>|[{}:;\n]"
)
_EDGE_SPACING_START = re.compile(r"^(?:\s|\\q?quad(?![A-Za-z])|\\[,;!: ]|~)+")
_EDGE_SPACING_END = re.compile(r"(?:\s|\\q?quad(?![A-Za-z])|\\[,;! ]|~)+$")
_ALIGNMENT_ENV = re.compile(
    r"\{(?:aligned|align\*?|alignat\*?|gather\*?|gathered|split|eqnarray\*?|multline\*?|equation\*?)\}"
)
_RELATION = re.compile(r"(?<![<>!:])=|\\in(?![A-Za-z])")


def split_statements_detailed(text: str) -> list[Statement]:
    """Split a display block into statements, with their roles.

    Split points, outside braces and ``\\begin...\\end``: ``\\\\`` (a line
    break), ``\\leftarrow`` (what follows is a side note, until the next
    ``\\\\``), a ``:`` or ``;`` separator (``\\quad : \\quad z_2 = ...``: the
    rest is a side note), a ``\\quad`` between two statements that each have
    a relation (a new line in a block is treated the same: ``a = b`` and
    ``c = d`` on two lines are two statements, ``a = b`` then ``+ c`` one),
    and a ``\\Rightarrow``/``\\implies``/``\\therefore`` after
    some content (kept at the start of the next statement, which then has
    relation "=>").
    """
    cuts: list[tuple[int, int, str]] = []  # (cut start, next piece start, role of next piece)
    depth = 0
    environments = 0
    for match in _SPLIT_TOKEN.finditer(text):
        token = match.group(0)
        if token == "{":
            depth += 1
            continue
        if token == "}":
            depth = max(depth - 1, 0)
            continue
        if token.startswith("\\begin") or token.startswith("\\end"):
            if _ALIGNMENT_ENV.search(token):
                continue  # aligned/align/gather: transparent, its \\ split lines
            environments += 1 if token.startswith("\\begin") else -1
            environments = max(environments, 0)
            continue
        if depth or environments:
            continue
        if token == "\\\\":
            cuts.append((match.start(), match.end(), "main"))
        elif token in (":", ";"):
            cuts.append((match.start(), match.end(), "side_note"))
        elif token[1:] in ("leftarrow", "longleftarrow", "Leftarrow", "Longleftarrow", "gets"):
            piece_start = cuts[-1][1] if cuts else 0
            before = text[piece_start : match.start()]
            if token[1:] in ("leftarrow", "gets") and ASSIGNED_NAME.match(before):
                continue  # w_1 \leftarrow w_1 - \eta g: an update rule, read as "="
            cuts.append((match.start(), match.end(), "side_note"))
        elif token == "=>" or token[1:] in ("Rightarrow", "implies", "Longrightarrow", "therefore"):
            cuts.append((match.start(), match.start(), "main"))
        elif token in ("\\quad", "\\qquad", "\n"):
            # like a \quad, a new line separates only two statements with relations
            cuts.append((match.start(), match.end(), "quad"))
    statements: list[Statement] = []
    start = 0
    role = "main"
    pending_side = False
    pieces: list[tuple[int, int, str]] = []
    for cut_start, next_start, next_role in cuts:
        pieces.append((start, cut_start, role))
        if next_role == "side_note":
            pending_side = True
            role = "side_note"
        elif next_role == "main" and text[cut_start:next_start] == "\\\\":
            pending_side = False
            role = "main"
        elif next_role == "quad":
            role = "quad:" + ("side_note" if pending_side else "main")
        else:
            role = "side_note" if pending_side else "main"
        start = next_start
    pieces.append((start, len(text), role))
    # A \quad only separates when both neighbours hold a relation.
    merged: list[tuple[int, int, str]] = []
    for piece in pieces:
        begin, end, piece_role = piece
        if piece_role.startswith("quad:"):
            previous = merged[-1] if merged else None
            body = text[begin:end]
            if previous is None or not (
                _RELATION.search(text[previous[0] : previous[1]]) and _RELATION.search(body)
            ):
                if previous is not None:
                    merged[-1] = (previous[0], end, previous[2])
                    continue
            piece_role = piece_role[5:]
        merged.append((begin, end, piece_role))
    for begin, end, piece_role in merged:
        body = text[begin:end]
        leading = _EDGE_SPACING_START.match(body)
        if leading:
            begin += leading.end()
            body = body[leading.end() :]
        body = _EDGE_SPACING_END.sub("", body)
        stripped = body.strip()
        if not stripped or stripped in ("$$", "$"):
            continue
        offset = begin + (len(body) - len(body.lstrip()))
        statements.append(Statement(stripped, piece_role, offset))
    return statements


def split_statements(text: str) -> list[str]:
    """The statements of a display block, in order (see
    :func:`split_statements_detailed` for the split rules)."""
    return [statement.text for statement in split_statements_detailed(text)]


_DIVISOR_END = frozenset("+-=,;")
_ONE_FACTOR = re.compile(r"^(?:\\?[A-Za-z]+[0-9]*|[0-9.]+)(?:_\{?[A-Za-z0-9]+\}?)?'*$")


def product_divisor_reading(text: str) -> str | None:
    """``A / B C`` with the whole product after the slash as the divisor:
    ``A / (B C)``; None when no divisor changes.

    The parser reads ``X^T y / X^T X`` left to right, ``(X^T y / X^T) X``, as
    LaTeX and calculators do; a student writing a division by a matrix
    usually means the other reading. Checks try it as a second reading of a
    line that divides by a matrix, to recognise the mistake it is.
    """
    out: list[str] = []
    changed = False
    i = 0
    length = len(text)
    while i < length:
        char = text[i]
        if char != "/" or text.startswith("//", i):
            out.append(char)
            i += 1
            continue
        # the divisor: up to the next +, -, =, ',' or ';' at this level, or a
        # closing bracket of an enclosing group, or a line break \\
        j = i + 1
        level = 0
        while j < length:
            ahead = text[j]
            if ahead in "([{":
                level += 1
            elif ahead in ")]}":
                if level == 0:
                    break
                level -= 1
            elif level == 0 and (
                ahead in _DIVISOR_END and text[i + 1 : j].strip() or text.startswith("\\\\", j)
            ):
                break
            j += 1
        divisor = text[i + 1 : j]
        core = divisor.strip()
        wrapped = core.startswith("(") and _closing_paren(core, 0) == len(core) - 1
        # one factor (a name, a number) or a number first (1/2 x: a coefficient)
        # keeps its reading
        if core and not wrapped and not _ONE_FACTOR.match(core) and not core[0].isdigit():
            out.append(f"/({core})")
            if divisor.endswith(" "):
                out.append(" ")
            changed = True
        else:
            out.append("/" + divisor)
        i = j
    return "".join(out) if changed else None


def _closing_paren(text: str, start: int) -> int:
    depth = 0
    for index in range(start, len(text)):
        if text[index] == "(":
            depth += 1
        elif text[index] == ")":
            depth -= 1
            if depth == 0:
                return index
    return -1


# ------------------------------------------------------------------ parsing

_ENGLISH = frozenset(
    "the a an is are of to and for in on with we it that this by as be so then hence where "
    "which since because if our let from into using thus therefore".split()
)
_LATEX_SIGNS = re.compile(r"[\\{}]")
_CACHE: OrderedDict[tuple, MathLine] = OrderedDict()
_CACHE_SIZE = 4096
_CACHE_LOCK = threading.Lock()  # the grader may parse from several threads


def parse_math(text: str, context: MathContext | None = None) -> MathLine:
    """Read one logical line of math (LaTeX or plain text) into a :class:`MathLine`.

    Raises :class:`MathParseError` (with ``position`` and ``reason``) for
    what cannot be read. A display block with several statements is read up
    to the first split point; the others are returned in ``MathLine.rest``
    (use :func:`split_statements` to iterate them).
    """
    if not isinstance(text, str):
        raise TypeError(f"parse_math expects text, got {type(text).__name__}")
    key = (text, context.fingerprint if context is not None else None)
    with _CACHE_LOCK:
        cached = _CACHE.get(key)
        if cached is not None:
            _CACHE.move_to_end(key)
    if cached is not None:
        return _copy(cached)
    line = _parse_uncached(text, context)
    with _CACHE_LOCK:
        _CACHE[key] = line
        while len(_CACHE) > _CACHE_SIZE:
            _CACHE.popitem(last=False)
    return _copy(line)


def _copy(line: MathLine) -> MathLine:
    return replace(
        line,
        terms=list(line.terms),
        shapes=dict(line.shapes),
        repairs=list(line.repairs),
        unknown_names=list(line.unknown_names),
        aliases_used=dict(line.aliases_used),
        text_notes=list(line.text_notes),
        shape_problems=list(line.shape_problems),
        rest=list(line.rest),
        notes=list(line.notes),
        approximations=list(line.approximations),
    )


def _parse_uncached(text: str, context: MathContext | None) -> MathLine:
    if len(text) > 20_000:
        raise MathParseError(
            "input longer than 20000 characters",
            position=20_000,
            text=text[:200],
            source=text[:200],
        )
    normalized = normalize_ocr(text)
    clean = normalized.text
    clean = _BECOMES.sub(r" \\leftarrow ", clean)
    alternatives = _alternatives(clean, context)
    if alternatives is not None:
        alternatives.source = text
        alternatives.normalized = clean
        alternatives.repairs = normalized.messages
        return alternatives
    local = split_local_definitions(clean)
    if local is not None:
        try:
            line = _parse_with_local_definitions(*local, context)
        except MathParseError as error:
            error.locate_in(text)
            raise
        line.source = text
        line.normalized = clean
        line.repairs = normalized.messages
        return line
    statements = split_statements_detailed(clean)
    rest: list[str] = []
    if len(statements) > 1:
        first = statements[0]
        rest = [statement.text for statement in statements[1:]]
        clean = first.text
    try:
        line = _parse_statement(clean, context)
    except MathParseError as error:
        error.locate_in(text)
        raise
    except RecursionError:
        raise MathParseError(
            "expression nested too deeply", position=0, text=clean, source=text
        ) from None
    except (
        TypeError,
        ValueError,
        AttributeError,
        IndexError,
        KeyError,
        ArithmeticError,
        NotImplementedError,
    ) as error:
        # A SymPy constructor refused what the grammar accepted: report the
        # line as unreadable rather than crash a whole grading run.
        reason = f"internal error reading this line ({type(error).__name__}: {error})"
        raise MathParseError(reason.splitlines()[0], position=0, text=clean, source=text) from error
    line.source = text
    line.normalized = clean
    line.repairs = normalized.messages
    line.rest = rest
    return line


# "x = 2 or x = -2": the solutions of one equation, listed
_OR = re.compile(r"\\text\s*\{\s*or\s*\}|\\(?:lor|vee)(?![A-Za-z])|(?<![A-Za-z\\])or(?![A-Za-z])")


def _alternatives(text: str, context: MathContext | None) -> MathLine | None:
    """``x = 2 \\text{ or } x = -2``: equations joined by "or" hold together where
    one of them holds, the equation ``(x - 2)(x + 2) = 0`` (scalar equations
    only; anything else is read as before)."""
    spans = top_level_breaks(text, _OR)
    if len(spans) < 2:
        return None
    pieces = [text[start:end] for start, end in spans]
    residuals = []
    for piece in pieces:
        piece = piece.strip().strip(",;")
        try:
            line = _parse_statement(piece, context)
        except (MathParseError, RecursionError, TypeError, ValueError, ArithmeticError):
            return None  # read as before, with its own error
        if (
            line.kind != "equation"
            or line.update_of is not None
            or line.continues_previous
            or any(isinstance(term, MatrixExpr) for term in line.terms)
        ):
            return None
        residuals.append(line.terms[0] - line.terms[1])
    product = sympy.Mul(*residuals)
    shown = " or ".join(piece.strip() for piece in pieces)
    return MathLine(
        kind="equation",
        terms=[product, sympy.Integer(0)],
        source=text,
        notes=[f"read '{shown}' as one equation: {to_plain_text(product)} = 0"],
    )


# "w becomes w - alpha g", "w is updated to ...": an update arrow in words
_BECOMES = re.compile(
    r"\\(?:text|mathrm|textrm|mbox)\s*\{\s*(?:becomes|is updated to|is replaced by|is set to)\s*\}"
    r"|(?<![A-Za-z\\])(?:becomes|is updated to|is replaced by|is set to)(?![A-Za-z])"
)


def _parse_with_local_definitions(
    main: str, definitions: list[tuple[str, str]], context: MathContext | None
) -> MathLine:
    """A statement with definitions made in the answer (``..., where \\delta_2 =
    a_2 - y``): the names are read as the values the student gave them."""
    names = [canonical_name(written) for written, _ in definitions]
    for (written, _), name in zip(definitions, names, strict=True):
        if not is_valid_name(name):
            raise MathParseError(
                f"cannot read {written!r} as a name to define", position=0, text=main
            )
    if len(set(names)) != len(names):
        raise MathParseError("a name is defined twice on one line", position=0, text=main)
    shapes: dict[str, tuple[Any, Any] | None] = dict.fromkeys(names)
    for _ in range(2):  # once as scalars, again with the shapes the values have
        local_context = _with_local_names(context, shapes)
        value_lines = [_parse_statement(value, local_context) for _, value in definitions]
        for (written, _), line in zip(definitions, value_lines, strict=True):
            if line.kind != "expression":
                raise MathParseError(
                    f"the definition of {written} is not one expression", position=0, text=main
                )
        found = {
            name: (line.expr.shape if isinstance(line.expr, MatrixExpr) else None)
            for name, line in zip(names, value_lines, strict=True)
        }
        if found == shapes:
            break
        shapes = found
    line = _parse_statement(main, local_context)
    symbols = {
        (
            local_context.symbol(name)
            if local_context is not None
            else sympy.Symbol(name, real=True)
        ): value_line.expr
        for name, value_line in zip(names, value_lines, strict=True)
    }
    terms = list(line.terms)
    for _ in range(len(symbols)):  # a value may use a name defined beside it
        terms = [term.xreplace(symbols) if hasattr(term, "xreplace") else term for term in terms]
    line.terms = terms
    local = set(names)
    unknown = dict.fromkeys(line.unknown_names)
    for value_line in value_lines:
        unknown.update(dict.fromkeys(value_line.unknown_names))
        line.shape_problems.extend(value_line.shape_problems)
        line.notes.extend(note for note in value_line.notes if note not in line.notes)
    line.unknown_names = [name for name in unknown if canonical_name(name) not in local]
    for written, value in definitions:
        line.notes.append(f"read {written} as {value} (defined in the answer)")
    return line


def _with_local_names(
    context: MathContext | None, shapes: dict[str, tuple[Any, Any] | None]
) -> MathContext | None:
    """``context`` with the answer's own names declared (scalars or shaped)."""
    if context is None and all(shape is None for shape in shapes.values()):
        return None
    declared = {
        name: "scalar" if shape is None else f"({shape[0]}) x ({shape[1]})"
        for name, shape in shapes.items()
    }
    local = MathContext.from_mapping({"symbols": declared})
    return context.merged(local) if context is not None else local


# Greek names of four letters or more read whole even without their backslash
# in LaTeX (``lambda I`` is lambda times I, not l a m b d a I: nobody writes a
# product of six letters); short ones (``xi``, ``mu``, ``pi``) need the
# backslash or a declaration, since ``x i`` is a plausible product.
_LONG_GREEK = frozenset(name for name in GREEK if len(name) >= 4)
_NO_CONTEXT_LATEX_WORDS = frozenset(BUILTIN_FUNCTIONS) | _LONG_GREEK


def _plain_words(context: MathContext | None) -> frozenset[str]:
    """Words read whole in plain text: context names, built-ins, Greek names."""
    return context.known_names if context is not None else (GREEK | BUILTIN_FUNCTIONS)


def _latex_words(context: MathContext | None) -> frozenset[str]:
    """Words read whole in LaTeX: as in plain text, but a short Greek name needs
    its backslash unless the context declares it (``xi`` is ``x i`` in TeX)."""
    if context is None:
        return _NO_CONTEXT_LATEX_WORDS
    cached = context._cache.get("latex_words")
    if cached is None:
        cached = frozenset(
            name
            for name in context.known_names
            if name not in GREEK or name in _LONG_GREEK or context.is_declared(name)
        )
        context._cache["latex_words"] = cached
    return cached


def _prepare_tokens(tokens: list[Token], context: MathContext | None, latex: bool) -> list[Token]:
    """Attach digits to names (``w1``) and split letter runs into names.

    A run of letters that is a known name stays whole (``beta``, ``sigma``,
    ``exp``, a context name). Otherwise LaTeX reads one letter per name
    (``XB`` is ``X B``), but a run fully made of known names is split into
    them in plain text too (``Xbeta``); any other plain-text word is one name
    (``yhat``) and is reported as unknown.
    """
    known = _latex_words(context) if latex else _plain_words(context)
    result: list[Token] = []
    index = 0
    count = len(tokens)
    while index < count:
        token = tokens[index]
        if token.kind == "IDENT" and not token.verbatim:
            word = token.text
            following = tokens[index + 1] if index + 1 < count else None
            if (
                following is not None
                and following.kind == "NUM"
                and not following.space_before
                and following.text.isdigit()
            ):
                word += following.text
                index += 1
            result.extend(_split_word(word, token, known, latex))
        else:
            result.append(token)
        index += 1
    return result


# "2ax", "ax = ay" in plain text: two unknown letters are a product, as in algebra
# (a longer unknown word, "yhat", "lr", stays one name)
_TWO_LETTER_PRODUCT = re.compile(r"^[a-km-z][a-km-z]$")
_TWO_LETTER_WORDS = frozenset(
    "am an as at be by do go he if in is it me my no of on or so to up us we".split()
)


def _is_two_letter_product(word: str) -> bool:
    return bool(_TWO_LETTER_PRODUCT.match(word)) and word not in _TWO_LETTER_WORDS


def _split_word(word: str, token: Token, known: frozenset[str], latex: bool) -> list[Token]:
    if word in known or len(word) == 1:
        return [Token("IDENT", word, token.pos, token.space_before)]
    letters = word.rstrip("0123456789")
    digits = word[len(letters) :]
    if letters in known and not digits:
        return [Token("IDENT", word, token.pos, token.space_before)]
    pieces: list[str] = []
    all_known = True
    i = 0
    while i < len(letters):
        for j in range(len(letters), i, -1):
            if letters[i:j] in known:
                pieces.append(letters[i:j])
                i = j
                break
        else:
            pieces.append(letters[i])
            all_known = False
            i += 1
    if not latex and not all_known and not _is_two_letter_product(word):
        return [Token("IDENT", word, token.pos, token.space_before)]
    if digits:
        pieces[-1] += digits
    result = []
    offset = 0
    for number, piece in enumerate(pieces):
        result.append(
            Token("IDENT", piece, token.pos + offset, token.space_before if number == 0 else False)
        )
        offset += len(piece)
    return result


def _gradient_phrase(tokens: list[Token], index: int) -> bool:
    """``grad`` / ``gradient`` and the ``of`` in ``gradient of J``: math words."""
    if tokens[index].text in GRADIENT_WORDS:
        return True
    previous = tokens[index - 1] if index else None
    return tokens[index].text == "of" and previous is not None and previous.text == "gradient"


def _looks_like_prose(tokens: list[Token], known: frozenset[str], latex: bool) -> bool:
    """Words, not math: at least two unknown words, one of them a common
    English word (``the``, ``is``, ``so``...). In LaTeX, where letters run
    together as products, it takes three unknown words of three letters or more
    (``\\alpha \\rightarrow controls the step size``)."""
    shortest = 3 if latex else 2
    words = [
        t.text
        for index, t in enumerate(tokens)
        if t.kind == "IDENT"
        and not t.verbatim
        and len(t.text) >= shortest
        and t.text not in known
        and not _gradient_phrase(tokens, index)
    ]
    enough = 3 if latex else 2
    return len(words) >= enough and any(word.lower() in _ENGLISH for word in words)


def _parse_statement(text: str, context: MathContext | None) -> MathLine:
    raw_tokens = tokenize(text)
    latex = bool(_LATEX_SIGNS.search(text))
    known = context.known_names if context is not None else (GREEK | BUILTIN_FUNCTIONS)
    if _looks_like_prose(raw_tokens, known, latex):
        return MathLine(kind="text", terms=[], source=text, text_notes=[text.strip()])
    tokens = _prepare_tokens(raw_tokens, context, latex)
    try:
        return _parse_tokens(text, tokens, context, latex, resolve_decorations=True)
    except _DecorationClash:
        # y and \hat y on one line are two quantities: no decoration is dropped
        return _parse_tokens(text, tokens, context, latex, resolve_decorations=False)


class _DecorationClash(Exception):
    pass


def _parse_tokens(
    text: str,
    tokens: list[Token],
    context: MathContext | None,
    latex: bool,
    *,
    resolve_decorations: bool,
) -> MathLine:
    parser = Parser(text, tokens, context, latex)
    state = parser.state
    state.resolve_decorations = resolve_decorations

    relation = "="
    continues = False
    token = parser.peek()
    if token.kind == "CMD" and token.text in LEADING_IMPLICATIONS:
        relation = "=>"
        parser.advance()
    # terms from this index on follow an \approx: values, not exact terms
    approximate_from: int | None = None
    if parser.at("SYM", "=") or parser.at("SYM", ":="):
        continues = True
        parser.advance()
    elif parser.peek().kind == "CMD" and parser.peek().text in APPROXIMATE_RELATIONS:
        continues = True  # "\approx 1.33" under a line that gave the exact value
        approximate_from = 0
        parser.advance()

    terms: list[Any] = []
    separators: list[str] = []
    assignment = False  # the first sign was :=, \leftarrow, \gets, <- (an update)
    while True:
        token = parser.peek()
        if token.kind == "TEXT":
            parser.advance()
            note = token.text.strip()
            if note:
                state.text_notes.append(note)
            continue
        if token.kind == "END":
            break
        if token.kind == "SYM" and token.text in (".", ","):
            # a full stop or comma closing the line
            if parser.peek(1).kind == "END":
                parser.advance()
                continue
        if terms and len(separators) < len(terms):
            if token.kind == "SYM" and token.text == ",":
                parser.advance()  # x, y \in \mathbb{R}: a list of names (shape statements only)
                separators.append(",")
                continue
            if token.kind == "SYM" and token.text in ("=", ":="):
                parser.advance()
                assignment = assignment or (token.text == ":=" and len(terms) == 1)
                separators.append("=")
                continue
            if token.kind == "CMD" and token.text == "in":
                parser.advance()
                separators.append("in")
                parser.after_in = True
                terms.append(parser.expression(0))
                parser.after_in = False
                continue
            if token.kind == "CMD" and token.text in APPROXIMATE_RELATIONS:
                parser.advance()
                if approximate_from is None:
                    approximate_from = len(terms)
                separators.append("=")
                continue
            if token.kind == "CMD" and token.text in ("equiv", "coloneqq", "leftarrow", "gets"):
                parser.advance()
                if token.text != "equiv" and len(terms) == 1:
                    assignment = True
                separators.append("=")
                continue
            following = parser.peek(1)
            if (
                token.kind == "SYM"
                and token.text == "<"
                and following.kind == "SYM"
                and following.text == "-"
                and not following.space_before
                and len(terms) == 1
            ):
                # w1 <- w1 - lr * g: a plain-text update arrow, read like \leftarrow
                parser.advance()
                parser.advance()
                assignment = True
                separators.append("=")
                continue
            raise parser.unexpected(token)
        if token.kind == "SYM" and token.text in ("=", ":=") and not terms and continues:
            raise parser.unexpected(token)
        terms.append(parser.expression(0))

    if len(separators) >= len(terms) and terms:
        if state.text_notes:
            separators = separators[: len(terms) - 1]
        else:
            raise parser.unexpected(parser.peek())
    approximations: list[Any] = []
    approximate_of = None
    if approximate_from is not None:
        terms, approximations = terms[:approximate_from], terms[approximate_from:]
        if any(isinstance(term, (Space, ShapeOnly)) for term in approximations):
            raise MathParseError(
                "a space like \\mathbb{R}^{n} cannot follow '\\approx'", position=0, text=text
            )
        if len(terms) == 1 and not continues and _is_name(terms[0]):
            # "p \approx 1.33": a value for p, nothing exact
            approximate_of, terms = terms[0], []
        if not approximations:
            raise parser.unexpected(parser.peek())
    if not terms and not state.text_notes and not approximations:
        if continues:
            raise MathParseError(
                f"nothing after '=' at column {len(text)}", position=len(text), text=text
            )
        raise MathParseError("empty line", position=0, text=text)

    shapes = _shapes(parser, terms, separators, context)
    if shapes is not None:
        terms = [term for term in terms if not isinstance(term, (Space, ShapeOnly))]
        kind = "shape_statement"
    else:
        for term in terms:
            if isinstance(term, (Space, ShapeOnly)):
                raise MathParseError(
                    "a space like \\mathbb{R}^{n \\times d} can only follow '=' or '\\in' after a name",
                    position=0,
                    text=text,
                )
        terms, differential_note = gradient_from_differentials(terms, context, continues=continues)
        if differential_note is not None:
            state.notes.append(differential_note)
        terms = _fill_gradient_variables(terms)
        terms = _gradient_variable_from_shape(terms, context)
        terms = _zero_matrices(terms)
        count = len(terms) + (1 if continues else 0)
        if not terms:
            kind = "text"
        elif count == 1:
            kind = "expression"
        elif count == 2:
            kind = "equation"
        else:
            kind = "chain"
    if state.decorated:
        if set(state.decorated.values()) & state.plain_names:
            raise _DecorationClash
        for written, base in state.decorated.items():
            note = f"read {written} as {base}"
            if note not in state.notes:
                state.notes.append(note)
    update = None
    if kind in ("equation", "chain") and not continues and relation == "=":
        update = find_update(terms[:2], assignment, _prime_is_derivative(context))
        if update is not None and kind == "chain" and not assignment:
            update = None  # w' = w - a g = ...: only an assignment sign starts a chain update
    if update is not None:
        terms = [terms[0], update.value, *terms[2:]]
        state.notes.extend(note for note in update.notes if note not in state.notes)
        for written in update.resolved_names:
            state.unknown_names.pop(written, None)
    return MathLine(
        kind=kind,
        terms=terms,
        source=text,
        relation=relation,
        continues_previous=continues,
        shapes=shapes or {},
        unknown_names=list(state.unknown_names),
        aliases_used=dict(state.aliases_used),
        text_notes=list(state.text_notes),
        shape_problems=list(state.shape_problems),
        notes=list(state.notes),
        update_of=update.target if update is not None else None,
        approximations=approximations,
        approximate_of=approximate_of,
    )


def _is_name(term: Any) -> bool:
    return isinstance(term, (sympy.Symbol, sympy.MatrixSymbol, sympy.Indexed)) or (
        isinstance(term, sympy.Function) and not isinstance(term, sympy.Derivative)
    )


def _prime_is_derivative(context: MathContext | None):
    """``f'`` of a function or ``J'`` of a defined quantity is a derivative."""
    if context is None:
        return lambda name: name in BUILTIN_FUNCTIONS
    return lambda name: context.is_function(name) or name in context.definition_sources


def _shapes(
    parser: Parser, terms: list[Any], separators: list[str], context: MathContext | None
) -> dict | None:
    """``x \\in \\mathbb{R}^{...}``, ``x = R^{...}``, ``Y = [y_1 ... y_n]``."""
    has_space = any(isinstance(term, (Space, ShapeOnly)) for term in terms)
    if not has_space and "in" not in separators:
        if "," in separators:
            raise MathParseError(
                "a list of expressions separated by ',' (only names before \\in may be listed)",
                position=0,
                text=parser.text,
            )
        return None
    if "in" in separators and not has_space:
        raise MathParseError(
            "'\\in' must be followed by a space like \\mathbb{R}^{n \\times d}",
            position=0,
            text=parser.text,
        )
    shapes: dict[str, Any] = {}
    names = []
    for term in terms:
        if isinstance(term, Space):
            shape = term.shape
        elif isinstance(term, ShapeOnly):
            shape = term.shape
        else:
            name = getattr(term, "name", None)
            if not isinstance(name, str):
                raise MathParseError(
                    f"only a name can have a shape, not {sympy.sstr(term)}",
                    position=0,
                    text=parser.text,
                )
            names.append(name)
            continue
        for name in names:
            shapes[name] = shape
        names = []
    if names:
        raise MathParseError(
            "a shape statement must end with the space or matrix", position=0, text=parser.text
        )
    return shapes


def _fill_gradient_variables(terms: list[Any]) -> list[Any]:
    """``\\nabla J(\\beta) = \\nabla(...)``: the right side's gradient is
    with respect to the variable the left side names."""
    wrt = None
    for term in terms:
        split = split_derivative_symbol(term)
        if split is not None:
            wrt = split[1]
        elif isinstance(term, Gradient) and term.wrt is not None:
            wrt = term.wrt
    if wrt is None:
        return terms
    lookup = {}
    for term in terms:
        for atom in term.atoms(sympy.Symbol, sympy.MatrixSymbol) if hasattr(term, "atoms") else ():
            lookup[atom.name] = atom
    variable = wrt if not isinstance(wrt, str) else lookup.get(wrt)
    if variable is None:
        return terms
    result = []
    for term in terms:
        if isinstance(term, Gradient) and term.wrt is None:
            term = term.with_wrt(variable)
        result.append(term)
    return result


_DEFINITION_NAME = re.compile(r"\\?[A-Za-z]+[0-9]*(?:_\{?[A-Za-z0-9]+\}?)?'*")


def _gradient_variable_from_shape(terms: list[Any], context: MathContext | None) -> list[Any]:
    """``\\nabla J = X^T X \\beta - X^T y`` (or ``grad J = ...``) names no variable:
    it is the one variable of J (its definition's, else the context's) shaped
    like the other side, when there is exactly one (beta, not X or y)."""
    if context is None:
        return terms
    shapes = {term.shape for term in terms if isinstance(term, MatrixExpr)}
    if len(shapes) != 1 or shapes == {(1, 1)}:
        return terms
    (shape,) = shapes
    result = []
    for term in terms:
        if isinstance(term, Gradient) and term.wrt is None and isinstance(term.expr, sympy.Symbol):
            of = term.expr.name
            source = context.definition_sources.get(of)
            if source is not None:
                names = {
                    context.resolve_alias(canonical_name(word))
                    for word in _DEFINITION_NAME.findall(source)
                }
            else:
                names = set(context.shapes)
            ties = getattr(context, "ties", {}) or {}  # x_i (a row of X) is no variable
            matching = sorted(n for n in names if context.shape_of(n) == shape and n not in ties)
            if len(matching) == 1:
                wrt = context.symbol(matching[0])
                term = derivative_symbol(of=term.expr, wrt=wrt, context=context)
        result.append(term)
    return result


def _zero_matrices(terms: list[Any]) -> list[Any]:
    """``X^T X \\beta - X^T y = 0``: the 0 is a zero matrix of the other side's shape."""
    shape = next((term.shape for term in terms if isinstance(term, MatrixExpr)), None)
    if shape is None or shape == (1, 1):
        return terms
    return [
        sympy.ZeroMatrix(*shape) if (not isinstance(term, MatrixExpr) and term == 0) else term
        for term in terms
    ]


# ------------------------------------------------------------------ printing


def _one_letter(name: str) -> bool:
    return len(name.rstrip("'").rstrip("0123456789")) == 1


class _PlainPrinter(StrPrinter):
    """Plain text that :func:`parse_math` reads back to the same expression."""

    printmethod = "_grader_plain"  # not _sympystr: Gradient prints itself for sstr

    def _atom(self, expr: Any) -> str:
        """``X`` as is, anything longer in parentheses (before ``^``)."""
        text = self._print(expr)
        if (
            isinstance(expr, (sympy.Symbol, sympy.MatrixSymbol))
            and split_derivative_symbol(expr) is None
        ):
            return text
        return f"({text})"

    def _print_Transpose(self, expr: Any) -> str:
        return f"{self._atom(expr.arg)}^T"

    def _print_Inverse(self, expr: Any) -> str:
        return f"{self._atom(expr.arg)}^(-1)"

    def _print_Symbol(self, expr: Any) -> str:
        split = split_derivative_symbol(expr)
        if split is not None:
            of, wrt = split
            if _one_letter(of) and _one_letter(wrt):
                return f"d{of}/d{wrt}"
            return f"(d {of}/d {wrt})"
        return expr.name

    _print_MatrixSymbol = _print_Symbol

    def _print_Exp1(self, expr: Any) -> str:
        return "e"

    def _print_ScalarGradient(self, expr: Any) -> str:
        if expr.wrt is None:
            return f"Gradient({self._print(expr.expr)})"  # no plain spelling without a variable
        return f"(d/d {self._print(expr.wrt)} ({self._print(expr.expr)}))"

    _print_MatrixGradient = _print_ScalarGradient

    def _print_MatMul(self, expr: Any) -> str:
        # SymPy's own asks each factor whether a minus sign can be taken out,
        # which evaluates matrix products (tens of milliseconds per line)
        coefficient, factors = expr.as_coeff_mmul()
        parts = [self._factor(f) for f in factors.args]
        text = "*".join(parts)
        if coefficient == -1:
            return f"-{text}"
        return text if coefficient == 1 else f"{self._factor(coefficient)}*{text}"

    def _print_MatAdd(self, expr: Any) -> str:
        text = ""
        for index, term in enumerate(expr.args):
            piece = self._print(term)
            if index == 0:
                text = piece
            else:
                text += f" - {piece[1:]}" if piece.startswith("-") else f" + {piece}"
        return text

    def _factor(self, expr: Any) -> str:
        text = self._print(expr)
        compound = isinstance(expr, (sympy.Add, sympy.MatAdd)) or (
            isinstance(expr, sympy.Rational) and expr.q != 1
        )
        return f"({text})" if compound or text.startswith("-") else text

    def _print_ElementwiseApplyFunction(self, expr: Any) -> str:
        # sigma applied to each entry of X*beta prints as sigma(X*beta)
        function = expr.function
        variable = function.variables[0] if hasattr(function, "variables") else None
        body = function.expr if hasattr(function, "expr") else None
        if variable is not None and body is not None and body.args == (variable,):
            return f"{self._print(body.func)}({self._print(expr.expr)})"
        derivative = self._derivative_of_function(body, variable)
        if derivative is not None:
            name, order = derivative
            return f"{name}{chr(39) * order}({self._print(expr.expr)})"
        return super()._print_ElementwiseApplyFunction(expr)

    @staticmethod
    def _derivative_of_function(body: Any, variable: Any) -> tuple[str, int] | None:
        """``Derivative(f(u), (u, k))`` -> ``("f", k)``."""
        if isinstance(body, sympy.Derivative) and body.expr.args == (variable,):
            order = sum(count for var, count in body.variable_count if var == variable)
            return getattr(body.expr.func, "__name__", None) or str(body.expr.func), order
        return None

    def _print_Subs(self, expr: Any) -> str:
        # sigma'(z): Subs(Derivative(sigma(u), u), u, z)
        body, variables, points = expr.args
        if len(variables) == 1:
            derivative = self._derivative_of_function(body, variables[0])
            if derivative is not None:
                name, order = derivative
                return f"{name}{chr(39) * order}({self._print(points[0])})"
        return super()._print_Subs(expr)

    def _print_Derivative(self, expr: Any) -> str:
        # sigma'(z) of a plain symbol z: Derivative(sigma(z), z)
        inner = expr.expr
        if len(expr.variable_count) == 1 and inner.args == (expr.variable_count[0][0],):
            name = getattr(inner.func, "__name__", None) or str(inner.func)
            order = expr.variable_count[0][1]
            return f"{name}{chr(39) * order}({self._print(inner.args[0])})"
        return super()._print_Derivative(expr)

    def _print_ImaginaryUnit(self, expr: Any) -> str:
        return "sqrt(-1)"

    def _print_Abs(self, expr: Any) -> str:
        return f"abs({self._print(expr.args[0])})"

    def _print_Trace(self, expr: Any) -> str:
        return f"tr({self._print(expr.arg)})"

    def _print_Determinant(self, expr: Any) -> str:
        return f"det({self._print(expr.arg)})"

    def _print_Max(self, expr: Any) -> str:
        return "max(" + ", ".join(self._print(a) for a in expr.args) + ")"

    def _print_Min(self, expr: Any) -> str:
        return "min(" + ", ".join(self._print(a) for a in expr.args) + ")"

    def _print_Pow(self, expr: Any, rational: bool = False) -> str:
        text = super()._print_Pow(expr, rational)
        return text.replace("**", "^")

    def _print_MatPow(self, expr: Any) -> str:
        return f"{self._atom(expr.base)}^({self._print(expr.exp)})"

    def _print_Identity(self, expr: Any) -> str:
        return "1" if expr.shape == (1, 1) else super()._print_Identity(expr)


def to_plain_text(expr: Any) -> str:
    """Print a parsed expression as plain text that parses back to it
    (``X^T*X*beta``, ``sqrt(2)/2``, ``exp(-z)``)."""
    text = _PlainPrinter({"order": "none"}).doprint(expr)
    return text.replace("**", "^")
