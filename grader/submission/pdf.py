"""Typed PDFs (made from LaTeX, a word processor) as answer sheets: the text
layer, read with pdfminer.six, with the math kept as well as it allows.

A PDF's text layer has characters and where they sit, not Markdown or LaTeX.
Each page's characters are put into rows, top to bottom, and each row becomes
one sheet line (a blank line where a gap says a paragraph ends):

* a character smaller than the row's text and raised is a superscript
  (``x^{2}``), lowered a subscript (``\\nabla_{\\beta}``);
* a fraction bar (a thin rule) with a line just above and one just below it
  becomes ``\\frac{above}{below}`` in the row it sits in;
* symbols are written as LaTeX (``β`` -> ``\\beta``, ``−`` -> ``-``,
  ``≤`` -> ``\\le``, ``∥`` -> ``\\|``), ligatures as letters (``ﬁ`` -> ``fi``);
* a row that is all math (after a label such as ``(a)``) is display math,
  ``$$...$$``; math within prose is put in ``$...$``. Math is told from prose
  by its fonts (LaTeX's math fonts) and its symbols, superscripts, operators.

What the layer cannot give is flagged, never guessed: glyphs it does not name
(``(cid:12)``, private-use characters) are read as ``\ufffd`` and flag their
line, and so do pieces of stacked math left over (limits of a sum, a matrix)
and roots (what ``√`` covers is not in the layer). A flagged line sends the
part holding it to review (``page 1, line 7: ...``).

A PDF with no text at all is a scan: reading it is refused with one message
that points at ``--ocr`` (``grader.submission.ocr``); a page without text in a
typed PDF is a flagged line of its own.
"""

from __future__ import annotations

import re
import statistics
from dataclasses import dataclass, field
from pathlib import Path

from grader.errors import SubmissionError
from grader.regular_files import NotARegularFile, read_regular_file
from grader.submission.models import LineOrigins, Sheet

MAX_PDF_BYTES = 20 * 1024 * 1024

_MATH_FONT = re.compile(
    r"CMMI|CMSY|CMEX|CMBSY|CMMIB|MSAM|MSBM|EUFM|EUSM|RSFS|Math|Symbol|STIX|LMMath|rsfs|esint",
    re.I,
)
_GREEK = {
    "α": "alpha", "β": "beta", "γ": "gamma", "δ": "delta", "ε": "epsilon", "ϵ": "epsilon",
    "ζ": "zeta", "η": "eta", "θ": "theta", "ϑ": "vartheta", "ι": "iota", "κ": "kappa",
    "λ": "lambda", "μ": "mu", "ν": "nu", "ξ": "xi", "π": "pi", "ρ": "rho", "σ": "sigma",
    "τ": "tau", "υ": "upsilon", "φ": "phi", "ϕ": "phi", "χ": "chi", "ψ": "psi", "ω": "omega",
    "Γ": "Gamma", "Δ": "Delta", "Θ": "Theta", "Λ": "Lambda", "Ξ": "Xi", "Π": "Pi",
    "Σ": "Sigma", "Φ": "Phi", "Ψ": "Psi", "Ω": "Omega",
}  # fmt: skip
_SYMBOLS = {
    "−": "-", "∗": "*", "×": "\\times", "·": "\\cdot", "⋅": "\\cdot", "∇": "\\nabla",
    "∂": "\\partial", "∥": "\\|", "‖": "\\|", "≤": "\\le", "≥": "\\ge", "≠": "\\ne",
    "≈": "\\approx", "∈": "\\in", "∉": "\\notin", "→": "\\to", "←": "\\leftarrow",
    "⇒": "\\Rightarrow", "⇔": "\\Leftrightarrow", "∞": "\\infty", "±": "\\pm",
    "∑": "\\sum", "∏": "\\prod", "∫": "\\int", "⊤": "\\top", "∘": "\\circ",
    "⊂": "\\subset", "⊆": "\\subseteq", "∪": "\\cup", "∩": "\\cap", "∀": "\\forall",
    "∃": "\\exists", "ℝ": "\\mathbb{R}", "√": "\\sqrt", "⟨": "\\langle", "⟩": "\\rangle",
    "′": "'", "ˆ": "\\hat{}", "¯": "\\bar{}",
}  # fmt: skip
_TEXT_FORMS = {
    "ﬁ": "fi", "ﬂ": "fl", "ﬀ": "ff", "ﬃ": "ffi", "ﬄ": "ffl", "’": "'", "‘": "'",
    "“": '"', "”": '"', "–": "-", "—": "-", "\u00a0": " ",
}  # fmt: skip
_OPERATORS = set("=+-<>/^_*") | set(_SYMBOLS) | set(_GREEK)
_FUNCTIONS = {"sin", "cos", "tan", "log", "exp", "ln", "max", "min", "arg", "det", "tr", "lim"}
_CID = re.compile(r"\(cid:\d+\)")


@dataclass
class _Glyph:
    text: str
    x0: float
    x1: float
    y0: float
    y1: float
    size: float
    math: bool = False  # a math font, a math symbol, or a built fraction
    unread: bool = False  # the layer does not name it
    built: bool = False  # a fraction made here: its text is LaTeX already


@dataclass
class _Line:
    glyphs: list[_Glyph]
    flags: list[str] = field(default_factory=list)

    @property
    def y0(self) -> float:
        return min(g.y0 for g in self.glyphs)

    @property
    def y1(self) -> float:
        return max(g.y1 for g in self.glyphs)

    @property
    def size(self) -> float:
        return statistics.mode(round(g.size, 1) for g in self.glyphs)

    @property
    def centre(self) -> float:
        normal = [g for g in self.glyphs if g.size >= 0.9 * self.size] or self.glyphs
        return statistics.median((g.y0 + g.y1) / 2 for g in normal)


def read_pdf(path: Path, warnings: list[str]) -> Sheet:
    """A typed PDF's text layer as a sheet (module docstring); a scan is refused."""
    pages = _pages(path)
    if not any(pages):
        from grader.submission.ocr import needs_ocr_message

        raise SubmissionError(
            needs_ocr_message(f"{path.name} is a scanned PDF (no text layer)"),
            path=str(path),
        )
    lines: list[str] = []
    places: list[tuple[int, int] | None] = []
    flags: dict[int, str] = {}
    for page_number, page_lines in enumerate(pages, start=1):
        if not page_lines:
            lines.append(f"[page {page_number}: no text layer]")
            places.append((page_number, 1))
            flags[len(lines)] = (
                "this page has no text layer (a scanned page?): read it on the paper"
            )
            warnings.append(f"{path.name}: page {page_number} has no text layer (a scanned page?)")
            continue
        previous: _Line | None = None
        for row_number, row in enumerate(page_lines, start=1):
            if previous is not None and previous.y0 - row.y1 > 0.5 * row.size and lines:
                lines.append("")  # a gap: the paragraph (or display) ends
                places.append(None)
            lines.append(_row_text(row))
            places.append((page_number, row_number))
            if row.flags:
                flags[len(lines)] = "; ".join(dict.fromkeys(row.flags)) + ": read it on the paper"
            previous = row
    sheet = Sheet(lines=lines, path=path, origins=LineOrigins("page", places), flags=flags)
    return sheet


# --------------------------------------------------------------------------- layout


def _pages(path: Path) -> list[list[_Line]]:
    try:
        from pdfminer.high_level import extract_pages
        from pdfminer.layout import LAParams
    except ImportError:
        raise SubmissionError(
            "reading a PDF needs pdfminer.six: pip install 'grader[intake]'", path=str(path)
        ) from None
    import io

    try:
        data = read_regular_file(path, limit=MAX_PDF_BYTES)
    except NotARegularFile as error:
        raise SubmissionError(f"{error.what}, not a plain file: not read", path=str(path)) from None
    except OSError as error:
        raise SubmissionError(f"cannot read: {error.strerror}", path=str(path)) from None
    if len(data) > MAX_PDF_BYTES:
        raise SubmissionError(
            f"PDF over the {MAX_PDF_BYTES // (1024 * 1024)} MB limit", path=str(path)
        )
    try:
        layouts = list(extract_pages(io.BytesIO(data), laparams=LAParams()))
    except Exception as error:  # pdfminer raises many kinds for a broken or encrypted file
        detail = str(error).strip().split("\n", 1)[0][:120] or type(error).__name__
        raise SubmissionError(f"not a readable PDF ({detail})", path=str(path)) from None
    return [_page_rows(layout) for layout in layouts]


def _walk(item):
    yield item
    if hasattr(item, "__iter__") and not isinstance(item, str):
        for child in item:
            yield from _walk(child)


def _page_rows(layout) -> list[_Line]:
    from pdfminer.layout import LTChar, LTCurve, LTTextLine

    lines: list[_Line] = []
    rules: list[tuple[float, float, float]] = []  # (x0, x1, y) of thin horizontal rules
    for item in _walk(layout):
        if isinstance(item, LTTextLine):
            glyphs = [_glyph(c) for c in item if isinstance(c, LTChar)]
            if not any(g.text.strip() for g in glyphs):
                continue
            if glyphs:
                lines.append(_Line(glyphs))
        elif isinstance(item, LTCurve) and item.height <= 1.5 and item.width >= 2:
            rules.append((item.x0, item.x1, (item.y0 + item.y1) / 2))
    lines = _build_fractions(lines, sorted(rules, key=lambda r: r[1] - r[0]))
    rows = _rows(lines)
    _flag_stacked_pieces(rows)
    return rows


def _glyph(char) -> _Glyph:
    text = char.get_text()
    unread = bool(_CID.fullmatch(text)) or any(
        0xE000 <= ord(c) <= 0xF8FF or c == "\ufffd" for c in text
    )
    font = char.fontname.split("+")[-1]
    math = bool(_MATH_FONT.search(font)) or any(c in _SYMBOLS or c in _GREEK for c in text)
    return _Glyph(
        "\ufffd" if unread else text,
        char.x0,
        char.x1,
        char.y0,
        char.y1,
        char.size,
        math=math,
        unread=unread,
    )


def _build_fractions(lines: list[_Line], rules: list[tuple[float, float, float]]) -> list[_Line]:
    """A rule with text just above and just below it, within its span:
    ``\\frac{above}{below}`` (what lies beside, such as a comma, stays where it is)."""
    for x0, x1, y in rules:

        def within(line: _Line, x0: float = x0, x1: float = x1) -> list[_Glyph]:
            return [g for g in line.glyphs if x0 - 1 <= (g.x0 + g.x1) / 2 <= x1 + 1]

        above = [
            ln
            for ln in lines
            if within(ln) and 0 <= min(g.y0 for g in within(ln)) - y + 1 < 1.3 * ln.size
        ]
        below = [
            ln
            for ln in lines
            if within(ln) and 0 <= y - max(g.y1 for g in within(ln)) + 1 < 1.3 * ln.size
        ]
        if not above or not below:
            continue
        top = min(above, key=lambda ln: min(g.y0 for g in within(ln)) - y)
        bottom = min(below, key=lambda ln: y - max(g.y1 for g in within(ln)))
        if top is bottom:
            continue
        numerator, denominator = _Line(within(top)), _Line(within(bottom))
        size = numerator.size
        text = f"\\frac{{{_latex(numerator)}}}{{{_latex(denominator)}}}"
        built = _Glyph(text, x0, x1, y - 0.45 * size, y + 0.45 * size, size, math=True, built=True)
        built.unread = any(g.unread for g in [*numerator.glyphs, *denominator.glyphs])
        kept = []
        for line in lines:
            if line is top or line is bottom:
                inside = numerator.glyphs if line is top else denominator.glyphs
                rest = [g for g in line.glyphs if g not in inside]
                if rest:
                    kept.append(_Line(rest, list(line.flags)))
            else:
                kept.append(line)
        lines = [*kept, _Line([built], flags=[*top.flags, *bottom.flags])]
    return lines


def _rows(lines: list[_Line]) -> list[_Line]:
    """Lines at the same height (split by pdfminer at wide gaps) joined, top to bottom."""
    rows: list[_Line] = []
    for line in sorted(lines, key=lambda ln: -ln.centre):
        for row in rows:
            if abs(row.centre - line.centre) < 0.45 * max(row.size, line.size):
                row.glyphs.extend(line.glyphs)
                row.flags.extend(line.flags)
                break
        else:
            rows.append(_Line(list(line.glyphs), list(line.flags)))
    for row in rows:
        row.glyphs.sort(key=lambda g: g.x0)
        row.glyphs = _with_accents(row.glyphs)
        if any(g.unread for g in row.glyphs):
            count = sum(g.unread for g in row.glyphs) or 1
            row.flags.append(
                f"{count} glyph(s) that the PDF's text layer does not name (math it cannot "
                "turn into text), read as \ufffd"
            )
        if any("√" in g.text for g in row.glyphs):
            row.flags.append("a root whose extent the PDF's text layer does not keep")
    rows.sort(key=lambda r: -r.centre)
    return rows


_ACCENTS = {"ˆ": "hat", "˜": "tilde", "¯": "bar", "˙": "dot", "ˇ": "check", "⃗": "vec"}


def _with_accents(glyphs: list[_Glyph]) -> list[_Glyph]:
    """An accent drawn over a letter (``β`` under ``ˆ``) becomes ``\\hat{\\beta}``."""
    out: list[_Glyph] = []
    for index, glyph in enumerate(glyphs):
        accent = _ACCENTS.get(glyph.text)
        if accent is None:
            out.append(glyph)
            continue
        near = [
            g for g in glyphs[max(0, index - 1) : index + 2] if g is not glyph and g.text.strip()
        ]
        base = max(near, key=lambda g: min(g.x1, glyph.x1) - max(g.x0, glyph.x0), default=None)
        if base is None or min(base.x1, glyph.x1) - max(base.x0, glyph.x0) <= 0:
            out.append(glyph)
            continue
        base.text = f"\\{accent}{{{_char_latex(base).strip()}}}"
        base.built = base.math = True
    return out


def _flag_stacked_pieces(rows: list[_Line]) -> None:
    """A few math glyphs on a row of their own, next to a math row: pieces of
    stacked math (limits, an index, a matrix) the layer does not place."""
    for index, row in enumerate(rows):
        text = "".join(g.text for g in row.glyphs)
        if len(text) > 3 or any(g.built for g in row.glyphs) or re.search(r"[A-Za-z]{2}", text):
            continue
        near = rows[max(0, index - 1) : index] + rows[index + 1 : index + 2]
        if any(
            any(g.math for g in other.glyphs)
            and min(abs(other.y0 - row.y1), abs(row.y0 - other.y1)) < 0.8 * other.size
            for other in near
        ):
            row.flags.append(
                "pieces of stacked math (a limit, an index, a matrix?) that the PDF's text "
                "layer does not place"
            )
    # the math beside a piece or an unnamed glyph is incomplete (a sum without its
    # sign, a fraction without its bar): it is flagged too, never read as whole
    broken = [row for row in rows if row.flags]
    for row in rows:
        if row.flags or not _all_math(row):
            continue
        if any(
            min(abs(other.y0 - row.y1), abs(row.y0 - other.y1)) < 0.8 * row.size
            or other.y0 <= row.centre <= other.y1
            for other in broken
        ):
            row.flags.append("math next to pieces the PDF's text layer does not place")


def _all_math(row: _Line) -> bool:
    """A row of math only (a display), as ``_row_text`` decides it."""
    kinds = [_token_kind(t, math) for t, math in _tokens(_pieces(row))]
    return "math" in kinds and "prose" not in kinds


# --------------------------------------------------------------------------- text


def _latex(line: _Line) -> str:
    """A line's glyphs as LaTeX (scripts, symbols), no delimiters."""
    return "".join(piece for piece, _ in _pieces(line)).strip()


def _pieces(line: _Line) -> list[tuple[str, bool]]:
    """(text, is math) per glyph run: scripts as ``^{...}``/``_{...}``, spaces from gaps."""
    glyphs = line.glyphs
    if not glyphs:
        return []
    size = line.size
    normal = [g for g in glyphs if g.size >= 0.9 * size and not g.built] or glyphs
    baseline = statistics.median(g.y0 for g in normal)
    out: list[tuple[str, bool]] = []
    previous: _Glyph | None = None
    script: str | None = None
    for glyph in glyphs:
        if not glyph.text.strip():  # a space the PDF draws as a character
            if script:
                out.append(("}", True))
                script = None
            out.append((" ", False))
            previous = glyph
            continue
        if previous is not None and glyph.x0 - previous.x1 > 0.15 * size:
            if script:
                out.append(("}", True))
                script = None
            out.append((" ", False))
        kind = None
        if glyph.size < 0.85 * size and not glyph.built:
            if glyph.y0 > baseline + 0.15 * size:
                kind = "^"
            elif glyph.y0 < baseline - 0.05 * size:
                kind = "_"
        if kind != script:
            if script:
                out.append(("}", True))
            if kind:
                out.append((kind + "{", True))
            script = kind
        out.append((_char_latex(glyph), glyph.math or kind is not None))
        previous = glyph
    if script:
        out.append(("}", True))
    return out


def _char_latex(glyph: _Glyph) -> str:
    if glyph.built:
        return glyph.text
    text = "".join(_TEXT_FORMS.get(c, c) for c in glyph.text)
    if text in _GREEK:
        return f"\\{_GREEK[text]} "
    if text in _SYMBOLS:
        latex = _SYMBOLS[text]
        return latex + " " if latex.startswith("\\") and latex[-1].isalpha() else latex
    return text


def _row_text(row: _Line) -> str:
    """The row as a sheet line: display math, prose with inline math, or prose."""
    pieces = _pieces(row)
    text = "".join(p for p, _ in pieces)
    tokens = _tokens(pieces)
    label = ""
    if tokens and re.fullmatch(r"\(?[a-z0-9ivx]{1,4}[).]|Q\d+[.:]?", tokens[0][0]):
        label = tokens.pop(0)[0]
    kinds = [_token_kind(t, math) for t, math in tokens]
    if "prose" not in kinds and "math" in kinds:
        body = _tidy(" ".join(t for t, _ in tokens))
        return f"{label} $${body}$$".strip()
    if "math" not in kinds:
        return _tidy_prose(text)
    return " ".join(filter(None, [label, _inline(tokens, kinds)]))


def _tokens(pieces: list[tuple[str, bool]]) -> list[tuple[str, bool]]:
    """Space-separated tokens, each with whether any of it is math."""
    tokens: list[tuple[str, bool]] = []
    current, math = "", False
    for text, is_math in pieces:
        if text == " ":
            if current:
                tokens.append((current, math))
            current, math = "", False
            continue
        for part in re.split(r"( )", text):
            if part == " ":
                if current:
                    tokens.append((current, math))
                current, math = "", False
            elif part:
                current += part
                math = math or (is_math and part.strip() != "")
    if current:
        tokens.append((current, math))
    return tokens


def _token_kind(token: str, math: bool) -> str:
    """math (strong evidence), neutral (a number, one letter, an operator) or prose."""
    bare = token.strip(".,;:")
    if math or any(c in _OPERATORS for c in bare) or re.search(r"\d[A-Za-z]|\\|[{}^_]", bare):
        return "math"
    if re.fullmatch(r"[\d.()\[\]]+|[A-Za-z]|\(?[A-Za-z]\)?", bare) or bare.lower() in _FUNCTIONS:
        return "neutral"
    return "prose"


def _inline(tokens: list[tuple[str, bool]], kinds: list[str]) -> str:
    """Prose with each run of math tokens in ``$...$`` (neutral tokens join a run)."""
    out: list[str] = []
    index = 0
    while index < len(tokens):
        if kinds[index] != "math":
            out.append(_tidy_prose(tokens[index][0]))
            index += 1
            continue
        end = index
        while end + 1 < len(tokens) and kinds[end + 1] != "prose":
            end += 1
        while end > index and kinds[end] == "neutral" and not _is_number(tokens[end][0]):
            end -= 1
        run = " ".join(t for t, _ in tokens[index : end + 1])
        trail = re.search(r"[.,;:]+$", run)
        tail = trail.group() if trail else ""
        run = run[: len(run) - len(tail)]
        out.append(f"${_tidy(run)}${tail}")
        index = end + 1
    return " ".join(out)


def _is_number(token: str) -> bool:
    return bool(re.fullmatch(r"[\d.]+[.,;:]?", token))


def _tidy(latex: str) -> str:
    latex = re.sub(r"\s+", " ", latex).strip()
    latex = re.sub(r"\s+([\^_)}\]])", r"\1", latex)
    latex = re.sub(r"([({\[])\s+", r"\1", latex)
    return latex


def _tidy_prose(text: str) -> str:
    text = "".join(_TEXT_FORMS.get(c, c) for c in text)
    return re.sub(r"\s+", " ", text).strip()
