"""Reading shape statements written in words or plain text.

``parse_math`` reads the LaTeX forms (``y \\in \\mathbb{R}^{n \\times 1}``,
``x = R^{n \\times d+1}``, a bmatrix column). Students also type shapes in
words, and this module reads those::

    y is n x 1          y: n x 1           y is n×1          y is an n by 1 vector
    y ∈ R^(n x 1)       y in R^{n x 1}     y (n x 1)         y has shape (n, 1)
    X is n x d+1        beta is a (d+1)-dimensional column vector
    y, X and beta are ...   (several statements per line: ',', ';', 'and')

Reading rules (the same as the LaTeX reader's):

- ``x``, ``×``, ``\\times`` and ``by`` separate rows from columns and bind
  looser than ``+``: ``n x d+1`` is ``n x (d+1)``.
- A vector with one dimension (``R^k``, ``R^{d+1}``, ``k-dimensional``,
  ``(k,)``, ``a vector of length k``) is a column, ``k x 1``, unless the
  statement says ``row`` (then ``1 x k``).
- ``scalar`` is ``1 x 1``.
- Names are read as the parser reads them (``\\beta``, ``β`` and ``beta``
  are ``beta``; ``\\mathbf{X}`` is ``X``; ``w_1`` is ``w1``) and go through
  the context's aliases (``B`` -> ``beta``).
- A dimension is a number, a one-letter name (optionally subscripted or with
  digits: ``n``, ``d``, ``p``, ``n_1``), a dimension of the context, or a
  sum/difference/product of those (``d+1``, ``2n``, ``(d + 1)``).
- A statement may be anywhere in a sentence, and sentences are read one by
  one (``C is d x d. It is symmetric``). A subject that is a pronoun is
  resolved: ``which`` is the last symbol named before it in the sentence;
  ``it``/``this``/``its shape`` are that symbol, else the caller's ``it``
  (the part's quantity), else the symbol a previous sentence was about
  (``C is symmetric. It is d x d``); with none, the statement is unreadable
  (a caller asks for review). ``C = X^T X / n is a d x d matrix``: the
  shape after the ``is`` is ``C``'s. A clause is a statement of its own
  (``C is d x d since X is n x d``); one that starts with ``is``/``has``
  (``C, the covariance, is d x d``) or is a bare shape after ``and`` (``C is
  symmetric and d x d``) is about the symbol the sentence named last.

Text that looks like a shape statement (it names a symbol or has shape words
such as ``dimensional``, ``shape``, ``R^``, ``n x 1``) but does not read is
returned in :attr:`ShapeReading.unreadable` with a reason, so that a caller
can ask for review instead of scoring it as absent.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from grader.math._names import GREEK, canonical_name
from grader.math.normalize import normalize_ocr

if TYPE_CHECKING:
    from grader.math.context import MathContext

__all__ = ["ShapeReading", "ShapeStatement", "UnreadShape", "read_shape_statements"]


@dataclass(frozen=True)
class ShapeStatement:
    """``name`` (canonical) has ``shape`` = (rows, cols), stated on ``line_no``."""

    name: str
    shape: tuple[Any, Any]
    line_no: int
    text: str  # the statement as written (after OCR normalisation)
    written: str = ""  # the name as written


@dataclass(frozen=True)
class UnreadShape:
    """Text that looks like a shape statement but could not be read."""

    line_no: int
    text: str
    reason: str
    names: tuple[str, ...] = ()  # canonical names the text mentions, if any


@dataclass
class ShapeReading:
    statements: list[ShapeStatement] = field(default_factory=list)
    unreadable: list[UnreadShape] = field(default_factory=list)

    @property
    def shapes(self) -> dict[str, tuple[Any, Any]]:
        """``{name: (rows, cols)}``; a name stated twice keeps its last statement."""
        return {statement.name: statement.shape for statement in self.statements}


# ------------------------------------------------------------------ LaTeX -> plain

_FONT = re.compile(
    r"\\(?:mathbf|boldsymbol|bm|mathit|mathrm|mathsf|mathnormal|pmb|vec|operatorname|text|textbf|textit|mbox)"
    r"\s*\{([^{}]*)\}"
)
_FONT_BARE = re.compile(r"\\(?:boldsymbol|bm|mathbf|vec|pmb)\s*(?=\\?[A-Za-z])")
_REALS = re.compile(
    r"\\mathbb\s*\{?\s*R\s*\}?|\\mathbf\s*\{\s*R\s*\}|\\R(?![A-Za-z])|\\Re(?![A-Za-z])"
)
_R_POWER_BRACES = re.compile(r"\bR\s*\^\s*\{((?:[^{}]|\{[^{}]*\})*)\}")
_SPACING = re.compile(r"\\q?quad(?![A-Za-z])|\\\\")
_SMALL_SPACE = re.compile(r"\\[,;:! ]|~")
_COMMAND = re.compile(r"\\([A-Za-z]+)")
_LEFT_RIGHT = re.compile(r"\\(?:left|right|big|Big|bigg|Bigg)(?![A-Za-z])\s*")
_ENVIRONMENT = re.compile(r"\\(?:begin|end)\s*\{[^{}]*\}")


def _plain(text: str) -> str:
    """LaTeX-ish text as plain words: ``\\beta \\in \\mathbb{R}^{d+1}`` -> ``beta in R^(d+1)``."""
    text = text.replace("$", " ")
    text = _ENVIRONMENT.sub(" ", text)
    text = _SPACING.sub(" ; ", text)
    text = _REALS.sub("R", text)
    text = _LEFT_RIGHT.sub("", text)
    for _ in range(2):
        text = _FONT.sub(r"\1", text)
    text = _FONT_BARE.sub("", text)
    text = _R_POWER_BRACES.sub(lambda m: f"R^({m.group(1)})", text)
    text = _SMALL_SPACE.sub(" ", text)

    def command(match: re.Match[str]) -> str:
        word = match.group(1)
        if word in ("times", "cross"):
            return " x "
        if word == "in":
            return " in "
        if word in GREEK or canonical_name("\\" + word) in GREEK:
            return canonical_name("\\" + word)
        if word in ("mid", "colon"):
            return " : "
        if word in ("top", "intercal"):
            return "T"
        return " "

    text = _COMMAND.sub(command, text)
    text = text.replace("{", "(").replace("}", ")")
    text = _ATTRIBUTE_SHAPE.sub(" shape", text)  # y.shape = (n, 1): NumPy's way
    return re.sub(r"[ \t]+", " ", text).strip()


_ATTRIBUTE_SHAPE = re.compile(r"(?<=[A-Za-z0-9_)])\.(?:shape|size)(?![A-Za-z])")


# ------------------------------------------------------------------ splitting


def _split_top_level(text: str) -> list[tuple[str, str]]:
    """Statements of a line, each with the separator before it: split at
    ``;``, ``,`` and `` and `` outside brackets."""
    pieces: list[tuple[str, str]] = []
    depth = 0
    start = 0
    index = 0
    before = ";"
    while index < len(text):
        char = text[index]
        if char in "([":
            depth += 1
        elif char in ")]":
            depth = max(depth - 1, 0)
        elif depth == 0:
            if char in ";,":
                pieces.append((text[start:index], before))
                before = char
                start = index + 1
            else:
                match = _AND.match(text, index)
                if match:
                    pieces.append((text[start:index], before))
                    before = ","
                    start = index = match.end()
                    continue
        index += 1
    pieces.append((text[start:], before))
    return [(piece.strip(), sep) for piece, sep in pieces if piece.strip()]


# "and" joins statements; so do the words that start a reason or a
# consequence: "C is d x d since X is n x d"
_AND = re.compile(r"\s+(?:and|&|since|because|whereas|while|hence|thus|so)\s+", re.I)

# ------------------------------------------------------------------ statements

_NAME = r"[A-Za-z][A-Za-z0-9]*(?:_\(?[A-Za-z0-9]+\)?)?(?:hat|bar)?'*"
_NAME_RE = re.compile(_NAME)
_SHAPE_WORD = r"(?:shape|size|dimensions?|dims?|order)"
_VERB = re.compile(
    r"\s*(?:"
    r"(?:is|are)\s+(?:(?:of|with)\s+)?(?:(?:the|a|an)\s+)?(?:"
    + _SHAPE_WORD
    + r"\s*(?:of\s+)?(?:[:=]\s*)?)?"
    r"|(?:has|have)\s+(?:(?:the\s+|a\s+)?" + _SHAPE_WORD + r"\s*(?:of\s+)?(?:[:=]\s*)?)?"
    r"|(?:of|with)\s+" + _SHAPE_WORD + r"\s*(?:[:=]\s*)?"
    r"|" + _SHAPE_WORD + r"\s*(?:[:=]\s*)?"
    r"|:=?\s*|=\s*|in\s+|~\s*"
    r"|(?=[(\[])"
    r")",
    re.I,
)
# "the shape of y is", "dim(y) ="
_SHAPE_OF = re.compile(
    r"^(?:the\s+)?" + _SHAPE_WORD + r"\s*(?:of\s+|\(\s*)(" + _NAME + r")\s*\)?\s*(?:is|=|:)\s*",
    re.I,
)
_NAME_LIST = re.compile(
    r"^\s*(?:the\s+)?(?:(?:vector|matrix|column vector|design matrix)\s+)?("
    + _NAME
    + r"(?:\s*(?:,|and|&)\s*"
    + _NAME
    + r")*)"
)
# a shape written as a subscript: X_{n x (d+1)}
_SUBSCRIPT_SHAPE = re.compile(r"^\s*([A-Za-z][A-Za-z0-9]*)_\((.+)\)\s*$")

_LEADING = re.compile(
    r"^(?:(?:a|an|the)\s+)?(?:(?:real|column|row|square|diagonal|symmetric)\s+)*"
    r"(?:(?:vector|matrix|array|identity(?:\s+matrix)?)\s+)?"
    r"(?:(?:of|with)\s+)?(?:(?:length|size|dimensions?|dim|shape|order)\s*(?:of\s+)?(?:[:=]\s*)?)?",
    re.I,
)
_FILLER_END = re.compile(
    r"(?:\s*[.,;:]|\s+(?:real|real-valued|valued|column|row|vector|matrix|array|identity|"
    r"square|diagonal|symmetric|"
    r"of\s+reals?|of\s+real\s+numbers|in\s+size|in\s+shape|(?:dimension|dimensional)\s+vector))+$",
    re.I,
)
# "[y_1, y_2, ..., y_n]^T", "(beta_0, ..., beta_d)^T": the entries give the length
_ENTRIES = re.compile(
    r"[\[(]\s*(?P<base>[A-Za-z]+)_?\(?(?P<first>[0-9]|[a-z])\)?\s*,?.*?,?\s*"
    r"(?P=base)_?\(?(?P<last>[A-Za-z0-9+\-]{1,12})\)?\s*[\])]\s*"
    r"(?P<transposed>\^\s*\(?T\)?|')?"
)
_DIMENSIONAL = re.compile(
    r"^(.+?)\s*-?\s*(?:dim|dimensional|dimension|elements?|entry|entries|components?|vector)$", re.I
)
_SEPARATOR = re.compile(
    r"\s+(?:x|X|by)\s+|\s*×\s*|(?<=[\d)])\s*[xX]\s*(?=[\d(A-Za-z])|(?<=[A-Za-z])[xX](?=[\d(])"
)
_DIMENSION_CHARS = re.compile(r"^[A-Za-z0-9_+\-*() ]+$")
_DIMENSION_NAME = re.compile(r"[A-Za-z][A-Za-z0-9_]*")
_ONE_LETTER_DIMENSION = re.compile(r"^[A-Za-z](?:_?[0-9]+|_[A-Za-z])?$")
# Signs that a statement is about a shape (when it does not read).
_SHAPE_SIGNS = re.compile(
    r"\b(?:dimensional|dimensions?|dims?|shape|size|rows?|columns?|length)\b|R\s*\^|\bin\s+R\b"
    r"|\w\s+(?:x|by)\s+\w|\w\s*×\s*\w|-dim",
    re.I,
)
_STRONG_SHAPE_SIGNS = re.compile(
    r"R\^|\bin\s+R\b|\b\w+\)?\s+(?:x|by)\s+\(?\w+\b|\w\s*×\s*\w|-dim", re.I
)
_NOT_NAMES = frozenset(
    """a an the is are it this that its of in on and or to be has have with shape size dim
    dimension dimensions vector matrix column row where so then thus hence we each which
    all both these those""".split()
)


@dataclass
class _Subjects:
    """What a pronoun subject stands for, as the answer is read."""

    it: str | None = None  # the caller's quantity (the part's)
    # "the gradient has shape p x 1": words that name the caller's quantity
    described: re.Pattern[str] | None = None
    first: str | None = None  # the first known symbol this sentence names: its subject
    last: str | None = None  # the last known symbol named so far in this sentence
    previous: str | None = None  # the symbol the last sentence was about

    def resolve(self, pronoun: str) -> str | None:
        if pronoun.lower() == "which":
            return self.last  # "We get C, which is d x d"
        return self.first or self.it or self.previous

    def mention(self, name: str) -> None:
        self.first = self.first or name
        self.last = name

    def next_sentence(self, shaped: set[str]) -> None:
        # "C is symmetric. It is d x d": it is C; but after "X is n x d." an
        # "It is d x d" is not X restated: no guess, the statement is unread
        self.previous = self.first if self.first not in shaped else None
        self.first = self.last = None


def read_shape_statements(
    text: str | Iterable[tuple[int, str]],
    context: MathContext | None = None,
    *,
    first_line: int = 1,
    names: Iterable[str] = (),
    it: str | None = None,
    it_words: Iterable[str] = (),
) -> ShapeReading:
    """Shape statements in ``text`` (a block, or ``(line number, text)`` pairs).

    ``names``: canonical names the caller expects (besides the context's
    symbols): read as names even when they are longer than one letter and
    not in the context. ``it``: the canonical name a pronoun subject (``It
    is a d x d matrix``) stands for when the sentence names no symbol;
    ``it_words``: words that also stand for it (``the gradient``).
    """
    if isinstance(text, str):
        lines = [(first_line + i, line) for i, line in enumerate(text.splitlines())]
    else:
        lines = list(text)
    expected = set(names)
    if context is not None:
        expected |= {name for name in context.shapes}
    reading = ShapeReading()
    words = [re.escape(w.strip()) for w in it_words if w.strip()]
    described = (
        re.compile(r"^(?:the|this|our)\s+(?:" + "|".join(words) + r")\s+(?=(?:is|has)\b)", re.I)
        if it and words
        else None
    )
    subjects = _Subjects(it=it, described=described)
    for line_no, line in lines:
        _read_line(line_no, line, context, expected, reading, subjects)
    return reading


def _read_line(
    line_no: int,
    line: str,
    context: MathContext | None,
    expected: set[str],
    reading: ShapeReading,
    subjects: _Subjects | None = None,
) -> None:
    if not line.strip():
        return
    subjects = subjects or _Subjects()
    from grader.math.lines import strip_label

    line, _ = strip_label(line)  # "(c) y is n x 1", "- X: n x p"
    plain = _plain(normalize_ocr(line).text)
    plain = re.sub(r"\s*\^\s*", "^", plain)
    # "n rows and d+1 columns" before "and" splits statements
    plain = re.sub(
        r"(?<!\S)(\S{1,20})\s+rows?\s*(?:,|and|by|x)\s*(\S{1,20})\s+col(?:umn)?s?\b",
        r"\1 x \2",
        plain,
        flags=re.I,
    )
    for sentence in _SENTENCE_END.split(plain):
        before = len(reading.statements)
        _read_sentence(line_no, sentence, context, expected, reading, subjects)
        subjects.next_sentence({s.name for s in reading.statements[before:]})


# a full stop, then a capital: "C is d x d. It is symmetric" (not "0.5", "X.T")
_SENTENCE_END = re.compile(r"(?<=[A-Za-z0-9)\]])\.\s+(?=[A-Z])")
_PRONOUN = re.compile(
    r"^(?:(?P<its>its\s+(?=" + _SHAPE_WORD + r"))|(?P<word>it|this|that|which)\s+(?=(?:is|has)\b))",
    re.I,
)


def _read_sentence(
    line_no: int,
    plain: str,
    context: MathContext | None,
    expected: set[str],
    reading: ShapeReading,
    subjects: _Subjects,
) -> None:
    pending: list[str] = []  # names listed before their shape: "y, X in R^n"
    for piece, separator in _split_top_level(plain):
        if separator == ";":
            pending = []
        described = subjects.described.match(piece) if subjects.described else None
        if described is not None:
            piece = f"{subjects.it} " + piece[described.end() :]
        pronoun = _PRONOUN.match(piece)
        if pronoun is not None:
            word = pronoun.group("word") or "its"
            name = subjects.resolve(word)
            if name is None:
                if _looks_like_shape(piece, ("?",)):
                    reading.unreadable.append(
                        UnreadShape(line_no, piece, f"{word!r} does not say which symbol")
                    )
                continue
            subject = f"the shape of {name} is " if pronoun.group("its") else f"{name} "
            rest = piece[pronoun.end() :]
            if pronoun.group("its"):
                rest = re.sub(r"^" + _SHAPE_WORD + r"\s*(?:is|=|:)?\s*", "", rest, flags=re.I)
            piece = subject + rest
        elif subjects.last is not None and (
            _VERB_FIRST.match(piece) or (separator == "," and _is_bare_shape(piece))
        ):
            # "C, the covariance, is d x d"; "C is symmetric and d x d": the
            # subject is the symbol the sentence named last
            piece = f"{subjects.last} " + ("" if _VERB_FIRST.match(piece) else "is ") + piece
        _note_mentions(piece, context, expected, subjects)
        names_only = _NAME_LIST.match(piece)
        if (
            names_only
            and names_only.end() == len(piece.rstrip(" ."))
            and _all_names(names_only.group(1), context, expected)
        ):
            pending.append(names_only.group(1))
            continue
        if pending:
            piece = ", ".join(pending) + ", " + piece
            pending = []
        _read_statement(line_no, piece, context, expected, reading)


_VERB_FIRST = re.compile(r"^(?:is|has)\s", re.I)


def _is_bare_shape(piece: str) -> bool:
    """A piece that is only a shape (``d x d``, ``a d x d matrix``)."""
    return bool(_SEPARATOR.search(piece) or re.search(r"R\^", piece)) and isinstance(
        _read_shape(piece), tuple
    )


def _note_mentions(
    piece: str, context: MathContext | None, expected: set[str], subjects: _Subjects
) -> None:
    """The last symbol with a shape that ``piece`` names ("We get C, which ...")."""
    for match in _NAME_RE.finditer(piece):
        if match.start() and piece[match.start() - 1] in "^_":
            continue  # X^T: T is no name
        name = _resolve(match.group(0), context, expected)
        if name is not None and name in expected:
            subjects.mention(name)


def _all_names(listed: str, context: MathContext | None, expected: set[str]) -> bool:
    written = [w for w in re.split(r"\s*(?:,|\band\b|&)\s*", listed) if w]
    return bool(written) and all(_resolve(w, context, expected) is not None for w in written)


def _resolve(written: str, context: MathContext | None, expected: set[str]) -> str | None:
    """The canonical name for a written subject, or None when it is not a name."""
    if written.lower() in _NOT_NAMES:
        return None
    name = canonical_name(written.replace("(", "{").replace(")", "}"))
    if context is not None:
        name = context.resolve_alias(name)
        if context.is_declared(name):
            return name
    if name in expected:
        return name
    base = re.sub(r"[0-9_'].*$", "", name)
    return name if len(base) == 1 or base in GREEK else None


def _read_statement(
    line_no: int,
    statement: str,
    context: MathContext | None,
    expected: set[str],
    reading: ShapeReading,
) -> None:
    if len(statement) > _LONGEST_STATEMENT:
        return
    defined = _DEFINED_THEN_SHAPED.match(statement)
    if defined is not None and _resolve(defined.group("name"), context, expected) is not None:
        # "So C = X^T X / n is a d x d matrix": C's shape
        statement = defined.group("name") + " " + defined.group("rest")
    written, names, rest = _subject(statement, context, expected)
    shape = _read_shape(rest) if rest and names and len(names) == len(written) else None
    if isinstance(shape, str):
        reading.unreadable.append(UnreadShape(line_no, statement, shape, names))
        return
    if shape is None:
        # "The design matrix X has n rows ...": up to four words before a known name
        for count in range(1, 5):
            skipped = re.match(rf"(?:[A-Za-z][a-z]*\s+){{{count}}}", statement)
            if skipped is None:
                break
            tail = statement[skipped.end() :]
            found = _subject(tail, context, expected)
            if found[1] and all(_is_known(n, context, expected) for n in found[1]):
                tail_shape = _read_shape(found[2]) if found[2] else None
                if isinstance(tail_shape, tuple) and len(found[1]) == len(found[0]):
                    written, names, rest, shape = (*found, tail_shape)
                    break
    if shape is not None:
        for written_name, name in zip(written, names, strict=True):
            reading.statements.append(ShapeStatement(name, shape, line_no, statement, written_name))
        return
    if _looks_like_shape(statement, names):
        reading.unreadable.append(
            UnreadShape(line_no, statement, _why_unread(written, names, rest), names)
        )


# "[So] C = <its definition> is|has <shape>": up to three words before the name
_DEFINED_THEN_SHAPED = re.compile(
    r"^(?:[A-Za-z]+\s+){0,3}?(?P<name>" + _NAME + r")\s*=[^=]*?\s(?P<rest>(?:is|has)\s.*)$"
)


def _is_known(name: str, context: MathContext | None, expected: set[str]) -> bool:
    return name in expected or (context is not None and context.is_declared(name))


def _subject(
    statement: str, context: MathContext | None, expected: set[str]
) -> tuple[list[str], tuple[str, ...], str]:
    """(names as written, canonical names, the text after the verb)."""
    shape_of = _SHAPE_OF.match(statement)
    subscript = _SUBSCRIPT_SHAPE.match(statement)
    listed = _NAME_LIST.match(statement)
    written: list[str] = []
    rest = ""
    if shape_of:
        written = [shape_of.group(1)]
        rest = statement[shape_of.end() :]
    elif subscript and _SEPARATOR.search(subscript.group(2)):
        written = [subscript.group(1)]
        rest = subscript.group(2)
    elif listed:
        verb = _VERB.match(statement, listed.end())
        written = [w for w in re.split(r"\s*(?:,|\band\b|&)\s*", listed.group(1), flags=re.I) if w]
        rest = statement[verb.end() :] if verb and verb.end() > listed.end() else ""
        if verb and verb.end() == listed.end() and statement[listed.end() :].lstrip()[:1] in "([":
            rest = statement[listed.end() :]
        if not rest:  # "X^T X is ...": the statement is not about the name
            written = []
    resolved = [_resolve(w, context, expected) for w in written]
    return written, tuple(n for n in resolved if n is not None), rest


def _why_unread(written: list[str], names: tuple[str, ...], rest: str) -> str:
    if not written or not names:
        return "no symbol name before the shape"
    if not rest:
        return "no shape after the name (write e.g. 'y is n x 1')"
    return f"cannot read the shape {rest.strip()!r} (write e.g. 'n x 1' or 'R^(n x 1)')"


def _looks_like_shape(statement: str, names: tuple[str, ...]) -> bool:
    """A statement about a named symbol with a shape word, or one with a
    written shape (``R^``, ``n x d``, ``k-dimensional``) about anything."""
    if not _SHAPE_SIGNS.search(statement):
        return False
    return bool(names) or bool(_STRONG_SHAPE_SIGNS.search(statement))


_NO_ORIENTATION = "a list of entries without ^T does not say whether it is a row or a column"


def _read_shape(text: str) -> tuple[Any, Any] | str | None:
    """(rows, cols) for the shape part of a statement; a reason (str) when it
    is a shape that cannot be decided; None when it does not read."""
    text = text.strip()
    row = bool(re.search(r"\brow\b", text, re.I))
    vector = bool(re.search(r"\bvector\b", text, re.I))
    text = _FILLER_END.sub("", text).strip()
    text = _LEADING.sub("", text, count=1).strip()
    text = _FILLER_END.sub("", text).strip()
    if not text:
        return None
    if text == "R" or re.fullmatch(r"(?:real\s+)?(?:scalar|number|real number|real)", text, re.I):
        return _dims("1", "1")
    power = re.fullmatch(r"R\^(?:\((.*)\)|([A-Za-z0-9]+))", text)
    if power:
        return _pair_or_vector(power.group(1) or power.group(2), row)
    entries = _ENTRIES.fullmatch(text)
    if entries:  # [y_1, ..., y_n]^T: a column of n entries
        count = _dimension(f"({entries['last']})-({entries['first']})+1")
        if count is None:
            return None
        if not entries["transposed"]:
            return _NO_ORIENTATION
        return (count, 1)
    if text.startswith(("(", "[")) and _closing(text) == len(text) - 1:
        return _pair_or_vector(text[1:-1], row, tuple_ok=True)
    dimensional = _DIMENSIONAL.match(text)
    if dimensional and not _SEPARATOR.search(text):
        dim = _dimension(dimensional.group(1))
        if dim is None:
            return None
        return (1, dim) if row else (dim, 1)
    pair = _pair(text)
    if pair is None and vector:  # "a d+1 vector", "a vector of length n"
        dim = _dimension(text)
        if dim is not None:
            return (1, dim) if row else (dim, 1)
    return pair


def _closing(text: str) -> int:
    depth = 0
    for index, char in enumerate(text):
        if char in "([":
            depth += 1
        elif char in ")]":
            depth -= 1
            if depth == 0:
                return index
    return -1


def _pair_or_vector(inner: str, row: bool, tuple_ok: bool = False) -> tuple[Any, Any] | None:
    inner = inner.strip()
    if tuple_ok and "," in inner:
        first, _, second = inner.partition(",")
        rows = _dimension(first)
        cols = _dimension(second) if second.strip() else 1  # (n,) is a vector
        return (rows, cols) if rows is not None and cols is not None else None
    pair = _pair(inner)
    if pair is not None:
        return pair
    dim = _dimension(inner)
    if dim is None:
        return None
    return (1, dim) if row else (dim, 1)


def _pair(text: str) -> tuple[Any, Any] | None:
    parts = _split_separator(text)
    if len(parts) != 2:
        return None
    return _dims(*parts)


def _split_separator(text: str) -> list[str]:
    """Split at the row/column separators outside brackets."""
    parts: list[str] = []
    depth = 0
    start = 0
    index = 0
    while index < len(text):
        char = text[index]
        if char in "([":
            depth += 1
        elif char in ")]":
            depth -= 1
        elif depth == 0:
            match = _SEPARATOR.match(text, index)
            if match and match.end() > index:
                parts.append(text[start:index])
                start = index = match.end()
                continue
        index += 1
    parts.append(text[start:])
    return parts


def _dims(rows: str, cols: str) -> tuple[Any, Any] | None:
    a, b = _dimension(rows), _dimension(cols)
    return (a, b) if a is not None and b is not None else None


_LONGEST_DIMENSION = 40  # "(n_1 + n_2 - 1)"; longer is not a dimension
_LONGEST_STATEMENT = 300  # a shape statement is short; longer text is prose


def _dimension(text: str) -> Any:
    """``d+1`` -> ``d + 1`` (positive-integer symbols), or None."""
    from grader.math.context import parse_shape

    text = text.strip().strip("[]").strip()
    if not text or len(text) > _LONGEST_DIMENSION or not _DIMENSION_CHARS.match(text):
        return None
    for word in _DIMENSION_NAME.findall(text):
        if not _ONE_LETTER_DIMENSION.match(word):
            return None
    try:
        rows, _ = parse_shape(re.sub(r"\s+", "", text))
    except ValueError:
        return None
    return rows
