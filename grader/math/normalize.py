"""OCR clean-up before parsing: a pipeline of small steps, each ``str -> str``.

OCR'd answer sheets carry annotations that are not mathematics: strokes that
cross a term out (``\\cancel{...}``), deleted words (``~~...~~``), insertions
written above the line (``<sup>...</sup>``), part labels (``(b).``, ``Q3.``,
``④``), list bullets, ``$``/``$$`` delimiters, and unicode look-alikes (``−``
for ``-``, ``β`` for ``\\beta``). Each step removes one kind, and the pipeline
records what it changed, so a report can show the student how the line was
read (DESIGN.md decision 4: what is repaired is shown, never hidden).

A step is an ``(name, function, cosmetic)`` triple; ``function(text)`` returns
the new text and a list of human-readable notes about what it repaired.
Cosmetic steps (delimiters, ``\\displaystyle``) change how a line is typed,
not what it says; their repairs are recorded with ``cosmetic=True`` and are
left out of ``MathLine.repairs``.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

__all__ = [
    "NormalizedText",
    "Repair",
    "Step",
    "DEFAULT_STEPS",
    "normalize_ocr",
    "strip_delimiters",
    "strip_cancel",
    "strip_deleted",
    "keep_insertions",
    "strip_labels",
    "strip_styles",
    "strip_alignment",
    "strip_decorations",
    "replace_unicode",
    "find_closing_brace",
]


@dataclass(frozen=True)
class Repair:
    """One change made by a normalisation step."""

    step: str
    message: str
    cosmetic: bool = False

    def __str__(self) -> str:
        return self.message


@dataclass
class NormalizedText:
    """The text after normalisation and the repairs that produced it."""

    original: str
    text: str
    repairs: list[Repair] = field(default_factory=list)

    @property
    def messages(self) -> list[str]:
        """Messages of the non-cosmetic repairs (what changed the meaning)."""
        return [r.message for r in self.repairs if not r.cosmetic]


StepFunction = Callable[[str], "tuple[str, list[str]]"]


@dataclass(frozen=True)
class Step:
    """A named normalisation step."""

    name: str
    function: StepFunction
    cosmetic: bool = False


def find_closing_brace(text: str, open_index: int) -> int:
    """Index of the ``}`` matching the ``{`` at ``open_index``, or -1.

    Escaped braces (``\\{``, ``\\}``) do not count.
    """
    depth = 0
    i = open_index
    length = len(text)
    while i < length:
        ch = text[i]
        if ch == "\\":
            i += 2
            continue
        if ch == "{":
            depth += 1
        elif ch == "}":
            depth -= 1
            if depth == 0:
                return i
        i += 1
    return -1


def _short(text: str, limit: int = 40) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 3] + "..."


# ---------------------------------------------------------------- the steps

_DELIMITERS = re.compile(r"\$\$|\$|\\\[|\\\]|\\\(|\\\)")


def strip_delimiters(text: str) -> tuple[str, list[str]]:
    """Remove ``$$``, ``$``, ``\\[ \\]`` and ``\\( \\)`` math delimiters."""
    if not _DELIMITERS.search(text):
        return text, []
    new = _DELIMITERS.sub(" ", text)
    return new, ["removed math delimiters"]


_CANCEL = re.compile(r"\\(?:cancel|bcancel|xcancel|sout|cancelto\{[^{}]*\})\s*(?=\{)")


def strip_cancel(text: str) -> tuple[str, list[str]]:
    """``\\cancel{a}`` -> ``a``: the strokes are the student's annotation
    (terms that cancel), not a deletion."""
    notes: list[str] = []
    while True:
        match = _CANCEL.search(text)
        if match is None:
            break
        open_index = match.end()
        close = find_closing_brace(text, open_index)
        if close < 0:
            # Unbalanced: drop the command, keep the rest for the parser to report.
            text = text[: match.start()] + text[match.end() :]
            notes.append("removed an unbalanced \\cancel")
            continue
        inner = text[open_index + 1 : close]
        command = match.group(0).split("{")[0].strip()
        notes.append(f"removed {command} strokes, kept '{_short(inner)}'")
        text = text[: match.start()] + "{" + inner + "}" + text[close + 1 :]
    return text, notes


_DECORATION = re.compile(
    r"\\(?:boxed|fbox|underline|overline\b(?=\s*\{\s*\{)|underbrace|overbrace|textcolor\s*\{[^{}]*\}"
    r"|colorbox\s*\{[^{}]*\}|phantom|hphantom|vphantom)\s*(?=\{)"
)
_COLOR = re.compile(r"\\color\s*\{[^{}]*\}")


def _top_level_relation(text: str) -> bool:
    depth = 0
    for ch in text:
        if ch == "{":
            depth += 1
        elif ch == "}":
            depth -= 1
        elif ch == "=" and depth == 0:
            return True
    return False


def strip_decorations(text: str) -> tuple[str, list[str]]:
    """``\\boxed{a}``, ``\\underline``, ``\\textcolor{red}{a}``, ``\\underbrace{a}_{note}``
    -> ``a``; ``\\color{red}`` and ``\\phantom{..}`` are dropped. Emphasis, not math.
    A boxed equation loses its braces (``\\boxed{\\beta = ...}`` is a statement)."""
    notes: list[str] = []
    text, colors = _COLOR.subn(" ", text)
    if colors:
        notes.append("removed \\color")
    while True:
        match = _DECORATION.search(text)
        if match is None:
            break
        command = match.group(0).split("{")[0].strip()
        open_index = match.end()
        close = find_closing_brace(text, open_index)
        if close < 0:
            text = text[: match.start()] + text[match.end() :]
            continue
        inner = text[open_index + 1 : close]
        after = close + 1
        if command in ("\\underbrace", "\\overbrace"):
            # the brace's label: _{...} or ^{...}
            label = re.match(r"\s*[_^]\s*\{", text[after:])
            if label:
                label_close = find_closing_brace(text, after + label.end() - 1)
                if label_close > 0:
                    after = label_close + 1
        if "phantom" in command:
            replacement = " "
        elif _top_level_relation(inner):
            replacement = " " + inner + " "
        else:
            replacement = "{" + inner + "}"
        notes.append(f"removed {command}")
        text = text[: match.start()] + replacement + text[after:]
    return text, notes


_DELETED = re.compile(r"~~(.*?)~~", re.DOTALL)


def strip_deleted(text: str) -> tuple[str, list[str]]:
    """Remove ``~~struck out~~`` text: the student deleted it."""
    notes = [f"removed deleted text '{_short(m.group(1))}'" for m in _DELETED.finditer(text)]
    if not notes:
        return text, []
    return _DELETED.sub(" ", text), notes


_INSERTED = re.compile(r"<(sup|sub|ins)>(.*?)</\1>", re.DOTALL | re.IGNORECASE)


def keep_insertions(text: str) -> tuple[str, list[str]]:
    """``<sup>inserted</sup>`` -> ``inserted``: a word written above the line
    belongs in the line."""
    notes = [f"kept inserted text '{_short(m.group(2))}' inline" for m in _INSERTED.finditer(text)]
    if not notes:
        return text, []
    return _INSERTED.sub(lambda m: " " + m.group(2) + " ", text), notes


# Part labels and bullets at the start of a line: "(b).", "(ii).", "1.", "Q3.",
# "④", "- \*", "-", "*". A label needs its closing punctuation (or a circled
# digit) so that "(y - XB)^T" or "2 x" are never taken for labels.
_LABEL = re.compile(
    r"""^(?P<lead>\s*)
    (?P<label>
        (?:[-*]\s+(?:\\\*\s*)?|\\\*\s+)*                 # list bullets "- \*"
        (?:
            \((?:[a-hA-H]|[ivxIVX]{1,4}|\d{1,2}|Q\d{1,2})\)\s*[.:]   # (b). (ii). (3):
          | \((?:[a-hA-H]|[ivxIVX]{1,4})\)(?=\s+[A-Za-z\\])          # (b) J = ...
          | Q\d{1,2}[.:)]?(?=\s)                          # Q3. Q3
          | \d{1,2}[.)](?=\s)                             # 1. 2)
          | [a-h]\)(?=\s)                                 # b)
          | [\u2460-\u2473\u2776-\u277f]                  # circled digits
        )
        \s*[.:]?
    )""",
    re.VERBOSE,
)
_BULLET_ONLY = re.compile(r"^(?P<lead>\s*)(?P<label>(?:[-*]\s+(?:\\\*\s*)?|\\\*\s+)+)")


def strip_labels(text: str) -> tuple[str, list[str]]:
    """Remove part labels and list bullets at the start of each line."""
    notes: list[str] = []
    lines = text.split("\n")
    for index, line in enumerate(lines):
        match = _LABEL.match(line) or _BULLET_ONLY.match(line)
        if match is None or not match.group("label").strip():
            continue
        label = match.group("label").strip()
        lines[index] = match.group("lead") + line[match.end() :].lstrip()
        notes.append(f"removed label '{label}'")
    if not notes:
        return text, []
    return "\n".join(lines), notes


_STYLES = re.compile(
    r"\\(?:displaystyle|textstyle|scriptstyle|nonumber|notag)\b\s*|\\(?:tag\*?|label)\s*\{[^{}]*\}"
)


def strip_styles(text: str) -> tuple[str, list[str]]:
    """Remove ``\\displaystyle``, ``\\tag{1}``, ``\\label{..}`` and similar typesetting."""
    if not _STYLES.search(text):
        return text, []
    return _STYLES.sub(" ", text), ["removed typesetting commands (\\displaystyle, \\tag, ...)"]


ALIGNMENT_ENVIRONMENTS = (
    "aligned", "align", "align*", "alignat", "alignat*", "gather", "gather*", "gathered",
    "split", "eqnarray", "eqnarray*", "multline", "multline*", "equation", "equation*",
)  # fmt: skip
_ALIGNMENT = re.compile(
    r"\\(?:begin|end)\s*\{(?:"
    + "|".join(re.escape(name) for name in ALIGNMENT_ENVIRONMENTS)
    + r")\}(?:\s*\{\d+\})?"
)
_MATRIX_ENV = re.compile(r"\\(begin|end)\s*\{[A-Za-z]*matrix\*?\}|\\(begin|end)\s*\{array\}")


def strip_alignment(text: str) -> tuple[str, list[str]]:
    """``\\begin{aligned} a &= b \\\\ &= c \\end{aligned}`` -> ``a = b \\\\ = c``: the
    alignment environment and its ``&`` markers only place the lines; the
    ``\\\\`` line breaks stay for :func:`grader.math.split_statements`.
    ``&`` inside a matrix (``bmatrix``, ``array``) is a column separator and stays."""
    if "&" not in text and not _ALIGNMENT.search(text):
        return text, []
    text, environments = _ALIGNMENT.subn(" ", text)
    out = []
    depth = 0
    last = 0
    changed = environments > 0
    for match in _MATRIX_ENV.finditer(text):
        segment = text[last : match.start()]
        if depth == 0 and "&" in segment:
            segment = segment.replace("&", " ")
            changed = True
        out.append(segment)
        out.append(match.group(0))
        depth += 1 if (match.group(1) or match.group(2)) == "begin" else -1
        depth = max(depth, 0)
        last = match.end()
    tail = text[last:]
    if depth == 0 and "&" in tail:
        tail = tail.replace("&", " ")
        changed = True
    out.append(tail)
    return "".join(out), ["removed alignment markup"] if changed else []


_UNICODE: dict[str, str] = {
    "\u2212": "-",  # minus sign
    "\u2013": "-",  # en dash
    "\u2014": "-",  # em dash
    "\u00d7": r" \times ",
    "\u00b7": r" \cdot ",
    "\u22c5": r" \cdot ",
    "\u2219": r" \cdot ",
    "\u2217": "*",
    "\u00f7": "/",
    "\u2192": r" \to ",
    "\u27f6": r" \to ",
    "\u21d2": r" \Rightarrow ",
    "\u27f9": r" \Rightarrow ",
    "\u2190": r" \leftarrow ",
    "\u2234": r" \therefore ",
    "\u2264": r" \le ",
    "\u2265": r" \ge ",
    "\u2260": r" \ne ",
    "\u2248": r" \approx ",
    "\u2208": r" \in ",
    "\u211d": r" \mathbb{R} ",
    "\u2207": r" \nabla ",
    "\u221a": r" \sqrt ",
    "\u2211": r" \sum ",
    "\u220f": r" \prod ",
    "\u2225": r" \| ",
    "\u2016": r" \| ",
    "\u22ee": r" \vdots ",
    "\u2026": r" \ldots ",
    "\u22ef": r" \cdots ",
    "\u221e": r" \infty ",
    "\u00bd": r" \frac{1}{2} ",
    "\u2153": r" \frac{1}{3} ",
    "\u2154": r" \frac{2}{3} ",
    "\u00bc": r" \frac{1}{4} ",
    "\u00be": r" \frac{3}{4} ",
    "\u21d0": r" \leftarrow ",
    "\u27f5": r" \leftarrow ",
    "\u2254": " = ",  # := as an assignment
    "\u2202": r" \partial ",
    "\u2032": "'",
    "\u00a0": " ",
    "\u2009": " ",
    "\u200b": "",
}
_GREEK_UNICODE = {
    "α": "alpha", "β": "beta", "γ": "gamma", "δ": "delta", "ε": "epsilon",
    "ζ": "zeta", "η": "eta", "θ": "theta", "ι": "iota", "κ": "kappa",
    "λ": "lambda", "μ": "mu", "ν": "nu", "ξ": "xi", "π": "pi", "ρ": "rho",
    "σ": "sigma", "τ": "tau", "υ": "upsilon", "φ": "phi", "ϕ": "phi",
    "χ": "chi", "ψ": "psi", "ω": "omega", "Γ": "Gamma", "Δ": "Delta",
    "Θ": "Theta", "Λ": "Lambda", "Σ": "Sigma", "Φ": "Phi", "Ψ": "Psi",
    "Ω": "Omega", "ℓ": "ell",
}  # fmt: skip
for _char, _name in _GREEK_UNICODE.items():
    _UNICODE[_char] = f" \\{_name} "
_UNICODE_PATTERN = re.compile(
    "|".join(re.escape(k) for k in sorted(_UNICODE, key=len, reverse=True))
)


# Combining accents over a letter (p̂ typed as p + U+0302, or the precomposed
# ŵ, ȳ) -> \hat{p}, \bar{y}: estimators and means are written this way.
_COMBINING_ACCENTS = {
    "\u0302": "hat",
    "\u0303": "tilde",
    "\u0304": "bar",
    "\u0305": "bar",
    "\u0307": "dot",
}
_ACCENTED = re.compile(
    "([A-Za-z" + "".join(_GREEK_UNICODE) + "])([" + "".join(_COMBINING_ACCENTS) + "])"
)


def _decomposed(char: str) -> str:
    """A letter with one accent as letter + combining accent; anything else as is."""
    if char.isascii():
        return char
    parts = unicodedata.normalize("NFD", char)
    if len(parts) == 2 and parts[1] in _COMBINING_ACCENTS:
        return parts
    return char


def _replace_accents(text: str, found: dict[str, str]) -> str:
    if text.isascii():
        return text
    decomposed = "".join(_decomposed(char) for char in text)

    def swap(match: re.Match[str]) -> str:
        latex = f"\\{_COMBINING_ACCENTS[match.group(2)]}{{{match.group(1)}}}"
        found[unicodedata.normalize("NFC", match.group(0))] = latex
        return latex

    new = _ACCENTED.sub(swap, decomposed)
    return new if found else text


# Unicode superscripts and subscripts: a run of them is one script (``x⁻¹`` ->
# ``x^{-1}``, ``w₁₂`` -> ``w_{12}``), so ``w₁`` reads like ``w_1`` and ``Xᵀ``
# like ``X^T``.
_SUPERSCRIPTS = dict(zip("⁰¹²³⁴⁵⁶⁷⁸⁹⁺⁻⁼⁽⁾ⁿⁱᵀ", "0123456789+-=()niT", strict=True))
_SUBSCRIPTS = dict(
    zip("₀₁₂₃₄₅₆₇₈₉₊₋₌₍₎ₐₑₒₓₕₖₗₘₙₚₛₜᵢⱼ", "0123456789+-=()aeoxhklmnpstij", strict=True)
)
_SCRIPT_RUN = re.compile(f"[{''.join(_SUPERSCRIPTS)}]+|[{''.join(_SUBSCRIPTS)}]+")


def _replace_scripts(text: str, found: dict[str, str]) -> str:
    def swap(match: re.Match[str]) -> str:
        run = match.group(0)
        table, mark = (_SUPERSCRIPTS, "^") if run[0] in _SUPERSCRIPTS else (_SUBSCRIPTS, "_")
        plain = "".join(table[ch] for ch in run)
        latex = f"{mark}{plain}" if len(plain) == 1 else f"{mark}{{{plain}}}"
        found[run] = latex
        return latex

    return _SCRIPT_RUN.sub(swap, text)


def replace_unicode(text: str) -> tuple[str, list[str]]:
    """Unicode look-alikes -> LaTeX/ASCII (``−`` -> ``-``, ``β`` -> ``\\beta``,
    ``w₁`` -> ``w_1``, ``Xᵀ`` -> ``X^T``, ``½`` -> ``\\frac{1}{2}``)."""
    accents: dict[str, str] = {}
    text = _replace_accents(text, accents)
    text = _replace_scripts(text, accents)
    found: dict[str, None] = {}

    def swap(match: re.Match[str]) -> str:
        found[match.group(0)] = None
        return _UNICODE[match.group(0)]

    new = _UNICODE_PATTERN.sub(swap, text)
    accent_notes = [f"read '{ch}' as '{latex}'" for ch, latex in accents.items()]
    if not found:
        return text, accent_notes
    notes = [f"read '{ch}' as '{_UNICODE[ch].strip()}'" for ch in found if _UNICODE[ch].strip()]
    return new, accent_notes + (notes or ["removed invisible characters"])


DEFAULT_STEPS: tuple[Step, ...] = (
    Step("delimiters", strip_delimiters, cosmetic=True),
    Step("styles", strip_styles, cosmetic=True),
    Step("alignment", strip_alignment, cosmetic=True),
    Step("decorations", strip_decorations, cosmetic=True),
    Step("inserted", keep_insertions),
    Step("deleted", strip_deleted),
    Step("labels", strip_labels),
    Step("cancel", strip_cancel),
    Step("unicode", replace_unicode),
)


def normalize_ocr(text: str, steps: Sequence[Step] = DEFAULT_STEPS) -> NormalizedText:
    """Run the normalisation pipeline over ``text`` (one line or a block).

    Returns the cleaned text, stripped of surrounding whitespace, and every
    repair made, in order.
    """
    result = NormalizedText(original=text, text=text)
    current = text
    for step in steps:
        current, notes = step.function(current)
        result.repairs.extend(Repair(step.name, note, step.cosmetic) for note in notes)
    result.text = current.strip()
    return result
