"""Find the math in an answer (Markdown, LaTeX or plain text), line by line.

``find_math_lines(text, first_line=1)`` returns one ``MathSource`` per math
statement, with the line number of the file it starts on:

- display blocks ``$$...$$`` and ``\\[...\\]`` (also spread over several lines,
  and ``aligned``/``align``/``gather``/``split`` environments inside them),
  split on ``\\\\`` (outside matrices and braces) into one statement each;
- inside a statement, side notes are split off: what follows ``\\leftarrow``
  (and its long/double forms) or a ``\\quad : \\quad`` colon is a side note
  (``role="side_note"``); two statements set apart by ``\\quad`` alone are two
  main statements;
- inline ``$...$`` formulas (``origin="inline"``); ``in_prose`` says whether
  the line has words around the formula (then it is an aside in a sentence,
  not a derivation step);
- plain-text math lines (typed answers without ``$``): a line with a relation
  (``=``, ``=>``, ``\\Rightarrow``) or LaTeX math commands and at most one
  ordinary word.

Leading part labels (``(b).``, ``Q1.``, ``2.``, a circled digit) and Markdown
list markers are removed from a statement; ``column`` is where the statement
starts in its file line (0-based), so parse positions can be reported.
Nothing here knows about symbols; the parser reads the statements.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

__all__ = ["MathSource", "find_math_lines", "split_statement", "strip_label"]


@dataclass(frozen=True)
class MathSource:
    """One math statement found in an answer."""

    line_no: int
    text: str
    origin: str  # "display" | "inline" | "plain"
    role: str = "main"  # "main" | "side_note"
    column: int = 0
    in_prose: bool = False
    marker: str | None = None  # what set a side note apart ("\\leftarrow", ":")


# Environments whose rows are statements (split on \\) versus those whose
# rows belong to one object (a matrix): only the first kind is unwrapped.
_STATEMENT_ENVS = ("aligned", "align", "align*", "gather", "gather*", "split", "eqnarray")
_ENV_RE = re.compile(r"\\(begin|end)\{([a-zA-Z*]+)\}")

_LABEL_RE = re.compile(
    r"""^\s*(?:
        [-*+]\s+                                   # Markdown list marker
      | \\?\*\s*                                   # OCR bullet "\*"
      | [\u2460-\u2473\u24b6-\u24e9]\s*             # circled digit or letter
      | \(\s*(?:[a-hA-HQ]|[ivx]{1,4}|\d{1,2})\s*\)\s*[.:]?\s+   # (b). (ii) (3)
      | (?:Q|q)?\d{1,2}\s*[.)]\s+                   # 2. Q1. 3)
      | (?:[a-h]|[ivx]{1,4})\s*[.)]\s+(?=\S)        # b. ii)
    )""",
    re.VERBOSE,
)
# Side-note separators, longest first.
_SIDE_MARKERS = (
    r"\longleftarrow",
    r"\Longleftarrow",
    r"\leftarrow",
    r"\Leftarrow",
    r"\gets",
)
_UPDATE_ARROWS = (r"\leftarrow", r"\gets")
# "w_1", "\\beta", "\\mathbf{W}^{[1]}": a single name, the target of an update rule
ASSIGNED_NAME = re.compile(
    r"^\s*(?:(?:\\[,;:!]|~)\s*)*(?:\\[A-Za-z]+\s*)?\{?\s*\\?[A-Za-z]+[0-9]*\s*\}?(?:_\s*(?:\{[^{}=]*\}|\\?[A-Za-z0-9]+))?"
    r"(?:\^\s*(?:\{[^{}=]*\}|\\?[A-Za-z0-9*]+))?'*\s*$"
)
_QUAD_COLON_RE = re.compile(r"\\q?quad\s*[:;]\s*\\q?quad|\\q?quad\s*[:;](?=\s)")
_QUAD_RE = re.compile(r"\\q?quad\b|\\hspace\{[^}]*\}")

_MATH_COMMANDS = re.compile(
    r"\\(frac|partial|nabla|sum|prod|sqrt|sigma|alpha|beta|theta|cdot|times|left|right|"
    r"Rightarrow|implies|therefore|top|mathbf|boldsymbol|hat|log|exp|ln|in|mathbb)\b"
)
_WORD_RE = re.compile(r"(?<![\\A-Za-z_^])[A-Za-z]{3,}")
_NOT_WORDS = {
    "log",
    "exp",
    "sin",
    "cos",
    "tan",
    "tanh",
    "sqrt",
    "sigma",
    "alpha",
    "beta",
    "theta",
    "eta",
    "lambda",
    "grad",
    "nabla",
    "det",
    "max",
    "min",
    "sum",
    "ln",
    "frac",
    "partial",
    "cdot",
    "times",
    "mathbb",
    "mathbf",
    "left",
    "right",
    "top",
    "hat",
    "bar",
    "text",
    "quad",
    "cancel",
    "begin",
    "end",
    "bmatrix",
    "pmatrix",
    "vdots",
}


def strip_label(text: str) -> tuple[str, int]:
    """Remove a leading part label or list marker; return (rest, chars removed)."""
    removed = 0
    for _ in range(3):  # "- (b). x" has two
        match = _LABEL_RE.match(text)
        if not match or match.end() == 0 or match.end() >= len(text.rstrip()):
            break
        removed += match.end()
        text = text[match.end() :]
    return text, removed


def _top_level_splits(text: str, separator: str) -> list[tuple[int, int]]:
    """(start, end) spans of ``text`` between top-level ``separator``s.

    Top level: outside braces and outside non-statement environments (a
    bmatrix's rows stay together).
    """
    spans: list[tuple[int, int]] = []
    depth = 0
    env_depth = 0
    start = 0
    i = 0
    while i < len(text):
        env = _ENV_RE.match(text, i)
        if env:
            if env.group(2) not in _STATEMENT_ENVS:
                env_depth += 1 if env.group(1) == "begin" else -1
            i = env.end()
            continue
        char = text[i]
        if char == "\\" and text.startswith(separator, i) and depth == 0 and env_depth <= 0:
            spans.append((start, i))
            i += len(separator)
            start = i
            continue
        if char == "\\":
            i += 2  # an escaped char (\{, \\ handled above) never opens a group
            continue
        if char == "{":
            depth += 1
        elif char == "}":
            depth = max(0, depth - 1)
        i += 1
    spans.append((start, len(text)))
    return spans


def _unwrap_statement_env(text: str) -> str:
    """Blank out ``\\begin{aligned}`` / ``\\end{aligned}`` and ``&``, keeping offsets."""

    def blank(match: re.Match[str]) -> str:
        return " " * len(match.group(0))

    text = re.sub(
        r"\\(?:begin|end)\{(?:" + "|".join(re.escape(e) for e in _STATEMENT_ENVS) + r")\}",
        blank,
        text,
    )
    # alignment marks outside matrices; a matrix's & are kept (they separate cells)
    out = list(text)
    env_depth = 0
    i = 0
    while i < len(text):
        env = _ENV_RE.match(text, i)
        if env:
            env_depth += 1 if env.group(1) == "begin" else -1
            i = env.end()
            continue
        if text[i] == "&" and env_depth <= 0 and (i == 0 or text[i - 1] != "\\"):
            out[i] = " "
        i += 1
    return "".join(out)


def split_statement(text: str) -> list[tuple[int, str, str, str | None]]:
    """Split one display statement into (offset, text, role, marker) pieces.

    ``\\leftarrow`` and ``\\quad : \\quad`` start a side note (to the end of the
    statement); ``\\quad`` alone separates two main statements.
    """
    pieces: list[tuple[int, str, str, str | None]] = []
    # side note first: everything after the first marker
    cut = None
    marker = None
    for candidate in _SIDE_MARKERS:
        for match in re.finditer(re.escape(candidate) + r"(?![A-Za-z])", text):
            before = text[: match.start()].replace("&", " ")
            if candidate in _UPDATE_ARROWS and ASSIGNED_NAME.match(before):
                continue  # w_1 &\leftarrow w_1 - \eta g: an update rule, the statement itself
            if cut is None or match.start() < cut[0]:
                cut = (match.start(), match.end())
                marker = candidate
    colon = _QUAD_COLON_RE.search(text)
    if colon and (cut is None or colon.start() < cut[0]):
        cut = (colon.start(), colon.end())
        marker = ":"
    main_text = text if cut is None else text[: cut[0]]
    side_parts: list[tuple[int, str]] = []
    if cut is not None:
        side_parts.append((cut[1], text[cut[1] :]))
    offset = 0
    for start, end in _top_level_quad_splits(main_text):
        pieces.append((offset + start, main_text[start:end], "main", None))
    for start, side in side_parts:
        for s, e in _top_level_quad_splits(side):
            pieces.append((start + s, side[s:e], "side_note", marker))
    return [
        (off + (len(piece) - len(piece.lstrip())), piece.strip(), role, mark)
        for off, piece, role, mark in pieces
        if piece.strip()
    ]


def _top_level_quad_splits(text: str) -> list[tuple[int, int]]:
    spans = []
    start = 0
    for match in _QUAD_RE.finditer(text):
        # a \quad inside braces (\text{a \quad b}) does not separate statements
        if text[: match.start()].count("{") != text[: match.start()].count("}"):
            continue
        spans.append((start, match.start()))
        start = match.end()
    spans.append((start, len(text)))
    return spans


def _line_starts(text: str) -> list[int]:
    starts = [0]
    for i, char in enumerate(text):
        if char == "\n":
            starts.append(i + 1)
    return starts


def _locate(starts: list[int], offset: int) -> tuple[int, int]:
    """(0-based line index, column) of an absolute offset."""
    low, high = 0, len(starts) - 1
    while low < high:
        mid = (low + high + 1) // 2
        if starts[mid] <= offset:
            low = mid
        else:
            high = mid - 1
    return low, offset - starts[low]


def _looks_like_math(line: str) -> bool:
    """A plain-text line that is a formula rather than a sentence."""
    stripped = line.strip()
    if not stripped or stripped.startswith(("#", "|", ">", "```")):
        return False
    has_relation = bool(
        re.search(
            r"=|\\Rightarrow|\\implies|\\therefore|=>|->|<-|\u2190|\\leftarrow|\\gets"
            r"|\u2248|\\approx(?![A-Za-z])",
            stripped,
        )
    )
    has_math = bool(_MATH_COMMANDS.search(stripped)) or bool(re.search(r"[\^_]", stripped))
    if not (has_relation or has_math):
        return False
    code = _CODE_NAME.sub(" X ", _CODE_COMMENT.sub("", stripped))
    words = [w for w in _WORD_RE.findall(code) if w.lower() not in _NOT_WORDS]
    return len(words) <= 1


# Code-like math (NumPy): a trailing "# comment" is not the formula's words, nor
# are dotted names (np.linalg.inv, X.T) or code functions (inv(, sigmoid().
_CODE_COMMENT = re.compile(r"\s#.*$")
_CODE_NAME = re.compile(
    r"\b[A-Za-z_]\w*(?:\.[A-Za-z_]\w*)+"
    r"|\b(?:inv|inverse|pinv|transpose|dot|matmul|multiply|outer|inner|trace|norm|solve|"
    r"mean|sigmoid|expit|softplus|logit)(?=\()"
)


_RELATION_RE = re.compile(r"=|<-|\u2190|\\leftarrow(?![A-Za-z])|\\gets(?![A-Za-z])")
# Where a typed line may hold several statements: ", " and "; " between two
# relations (w1 = w1 - a g, b1 = b1 - a h); in prose also ": " and ". "
# (setting it to zero: X^T X b = X^T y).
_LIST_BREAK = re.compile(r"[,;]\s+")
_PROSE_BREAK = re.compile(r"[,;:]\s+|\.(?:\s+|\s*$)")


def top_level_matches(text: str, pattern: re.Pattern[str]) -> list[re.Match[str]]:
    """The matches of ``pattern`` outside brackets and braces, not escaped
    (``\\,`` is spacing, not a comma)."""
    depth = []
    level = 0
    for char in text:
        depth.append(level)
        if char in "([{":
            level += 1
        elif char in ")]}":
            level = max(level - 1, 0)
    return [
        match
        for match in pattern.finditer(text)
        if depth[match.start()] == 0 and text[match.start() - 1 : match.start()] != "\\"
    ]


def top_level_breaks(text: str, pattern: re.Pattern[str]) -> list[tuple[int, int]]:
    """(start, end) spans of ``text`` between matches of ``pattern`` outside brackets."""
    spans = []
    start = 0
    for match in top_level_matches(text, pattern):
        spans.append((start, match.start()))
        start = match.end()
    spans.append((start, len(text)))
    return spans


def _statement_rows(body: str) -> list[tuple[int, int]]:
    """A typed math line's statements: rows split on a top-level ``\\\\``, and a
    row listing statements with a relation each split at its commas."""
    rows = []
    for row_start, row_end in _top_level_splits(body, "\\\\"):
        row = body[row_start:row_end]
        pieces = top_level_breaks(row, _LIST_BREAK)
        if len(pieces) > 1 and all(_RELATION_RE.search(row[a:b]) for a, b in pieces):
            rows += [(row_start + a, row_start + b) for a, b in pieces]
        else:
            rows.append((row_start, row_end))
    return rows


# "$w_1$ becomes $w_1 - \alpha g$", "$J$ equals $\frac12 r^T r$": two formulas
# joined by a relation in words are one statement
_WORDED_RELATION = re.compile(
    r"^\s*(?:(?P<update>becomes|is updated to|is replaced by|is set to|gets)"
    r"|(?P<equal>equals|is equal to))\s*$",
    re.IGNORECASE,
)


def _join_worded_relations(line: str, matches: list[re.Match]) -> list[tuple[re.Match, str]]:
    r"""Inline formulas of a line, with ``$A$ becomes $B$`` read as ``A \leftarrow B``."""
    joined: list[tuple[re.Match, str]] = []
    index = 0
    while index < len(matches):
        match = matches[index]
        content = match.group(1)
        if index + 1 < len(matches):
            following = matches[index + 1]
            relation = _WORDED_RELATION.match(line[match.end() : following.start()])
            if relation is not None:
                sign = r" \leftarrow " if relation.group("update") else " = "
                joined.append((match, content.rstrip() + sign + following.group(1).strip()))
                index += 2
                continue
        joined.append((match, content))
        index += 1
    return joined


def _math_in_prose(line: str) -> list[tuple[int, str]]:
    """(column, text) of the statements written in plain text inside a prose line.

    A piece between top-level commas, colons, semicolons or full stops is
    math when it has a relation, no ordinary word, and reads as an equation
    (``setting it to zero: X^T X b = X^T y``; ``w1 = w1 - a g, b1 = ...``).
    """
    if not _RELATION_RE.search(line) or line.lstrip().startswith(("#", "|", ">", "```")):
        return []
    from grader.math.parse import MathParseError, parse_math  # parse imports this module

    body, removed = strip_label(line)
    found = []
    for start, end in top_level_breaks(body, _PROSE_BREAK):
        piece, cut = strip_label(body[start:end])
        text = piece.strip()
        if not _RELATION_RE.search(text):
            continue
        if [w for w in _WORD_RE.findall(text) if w.lower() not in _NOT_WORDS]:
            continue
        try:
            parsed = parse_math(text)
        except MathParseError:
            continue
        if parsed.kind not in ("equation", "chain") or parsed.continues_previous:
            continue
        column = removed + start + cut + (len(piece) - len(piece.lstrip()))
        found.append((column, text))
    return found


_BARE_ENV_RE = re.compile(
    r"\\begin\{("
    + "|".join(re.escape(e) for e in _STATEMENT_ENVS + ("equation", "equation*"))
    + r")\}(.+?)\\end\{\1\}",
    re.DOTALL,
)


def _display_spans(text: str) -> list[tuple[int, int, int, int]]:
    """(block_start, block_end, content_start, content_end) of display math:
    ``$$...$$``, ``\\[...\\]`` and a statement environment typed without
    delimiters (``\\begin{align} ... \\end{align}``)."""
    spans = []
    pattern = re.compile(r"\$\$(.+?)\$\$|\\\[(.+?)\\\]", re.DOTALL)
    for match in pattern.finditer(text):
        group = 1 if match.group(1) is not None else 2
        spans.append((match.start(), match.end(), match.start(group), match.end(group)))
    for match in _BARE_ENV_RE.finditer(text):
        if any(start <= match.start() < end for start, end, _, _ in spans):
            continue  # an aligned inside $$: already read with its block
        spans.append((match.start(), match.end(), match.start(2), match.end(2)))
    spans.sort()
    return spans


def find_math_lines(text: str, first_line: int = 1) -> list[MathSource]:
    """All math statements of ``text``, in reading order, with file line numbers.

    ``first_line`` is the file line number of ``text``'s first line (a part's
    answer cut out of a sheet keeps the sheet's numbering).
    """
    starts = _line_starts(text)
    found: list[tuple[int, MathSource]] = []  # (absolute offset, source) for ordering
    covered = [False] * (len(starts) + 1)

    for block_start, block_end, content_start, content_end in _display_spans(text):
        first_idx, _ = _locate(starts, block_start)
        last_idx, _ = _locate(starts, max(block_start, block_end - 1))
        for idx in range(first_idx, last_idx + 1):
            covered[idx] = True
        content = _unwrap_statement_env(text[content_start:content_end])
        for row_start, row_end in _top_level_splits(content, "\\\\"):
            row = content[row_start:row_end]
            for offset, piece, role, marker in split_statement(row):
                absolute = content_start + row_start + offset
                piece, removed = strip_label(piece)
                absolute += removed
                line_idx, column = _locate(starts, absolute)
                source = MathSource(
                    line_no=first_line + line_idx,
                    text=piece.strip(),
                    origin="display",
                    role=role,
                    column=column,
                    marker=marker,
                )
                if source.text:
                    found.append((absolute, source))

    inline = re.compile(r"(?<![\\$])\$(?!\$)(.+?)(?<![\\$])\$(?!\$)")
    for idx, line_start in enumerate(starts):
        if covered[idx]:
            continue
        line_end = starts[idx + 1] - 1 if idx + 1 < len(starts) else len(text)
        line = text[line_start:line_end]
        matches = list(inline.finditer(line))
        if matches:
            prose = inline.sub(" ", line)
            prose_words = [w for w in _WORD_RE.findall(prose) if w.lower() not in _NOT_WORDS]
            label_free, _ = strip_label(prose)
            in_prose = bool(prose_words) or bool(re.search(r"[A-Za-z]{2,}", label_free))
            for match, content in _join_worded_relations(line, matches):
                lead = len(content) - len(content.lstrip())
                found.append(
                    (
                        line_start + match.start(1),
                        MathSource(
                            line_no=first_line + idx,
                            text=content.strip(),
                            origin="inline",
                            column=match.start(1) + lead,
                            in_prose=in_prose,
                        ),
                    )
                )
            continue
        if _looks_like_math(line):
            body, removed = strip_label(line)
            # an align row typed outside its environment: '&' and a trailing '\\'
            # are layout, not math (offsets kept)
            body = _unwrap_statement_env(body)
            for row_start, row_end in _statement_rows(body):
                row = body[row_start:row_end]
                for offset, piece, role, marker in split_statement(row):
                    column = removed + row_start + offset
                    found.append(
                        (
                            line_start + column,
                            MathSource(
                                line_no=first_line + idx,
                                text=piece,
                                origin="plain",
                                role=role,
                                column=column,
                                marker=marker,
                            ),
                        )
                    )
            continue
        for column, piece in _math_in_prose(line):
            found.append(
                (
                    line_start + column,
                    MathSource(
                        line_no=first_line + idx,
                        text=piece,
                        origin="plain",
                        column=column,
                        in_prose=True,
                    ),
                )
            )
    found.sort(key=lambda item: item[0])
    return [source for _, source in found]
