"""How well a block of sheet text fits a part: its keywords and expected kind.

Used by part finding only where labels are missing or do not fit. Keywords
are matched case-insensitively on a normalised text: LaTeX backslashes,
braces and font commands (``\\mathbf``, ``\\text``, ``\\left``) are dropped,
so ``X^T X`` matches ``\\mathbf{X}^T \\mathbf{X}``. A keyword made of words
matches whole words (with a plural or ``-ed``/``-ing`` ending allowed); a
keyword with symbols in it (``X^T X``, ``R^``) matches with all spaces
ignored, so ``X^TX`` counts too.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import lru_cache

from grader.submission.models import PartLayout

_FONT_COMMANDS = re.compile(
    r"\\(?:mathbf|boldsymbol|bm|mathrm|mathit|text|textbf|operatorname|left|right|quad|qquad|displaystyle)\b|\\[,;!: ]"
)
_BACKSLASH_BRACES = re.compile(r"[\\{}]")
_SPACES = re.compile(r"\s+")
_DISPLAY_MATH = re.compile(r"\$\$|\\\[|\\begin\{(?:equation|align|gather|multline|bmatrix)")
_INLINE_MATH = re.compile(r"\$[^$]*\$")
_WORD = re.compile(r"[A-Za-z]{3,}")
_CODE_HINT = re.compile(
    r"^\s*(?:```|~~~|def |import |from \w+ import |return\b|class )", re.MULTILINE
)


def normalise(text: str) -> str:
    """Lowercase, LaTeX font commands and ``\\{}`` dropped, spaces collapsed."""
    text = _FONT_COMMANDS.sub(" ", text)
    text = _BACKSLASH_BRACES.sub(" ", text.lower())
    return _SPACES.sub(" ", text).strip()


@lru_cache(maxsize=4096)
def _keyword_pattern(keyword: str) -> tuple[re.Pattern[str], bool] | None:
    """(pattern, compact): compact patterns are matched against text without spaces."""
    norm = normalise(keyword)
    if not norm:
        return None
    if re.fullmatch(r"[a-z0-9 ]+", norm):
        words = r"\s+".join(re.escape(w) for w in norm.split())
        return re.compile(rf"(?<![a-z0-9]){words}(?:s|es|ed|ing|d)?(?![a-z0-9])"), False
    compact = norm.replace(" ", "")
    return re.compile(re.escape(compact)), True


def keyword_hits(text: str, keywords: Sequence[str]) -> list[str]:
    """The keywords that occur in ``text``."""
    norm = normalise(text)
    compact = norm.replace(" ", "")
    hits = []
    for keyword in keywords:
        found = _keyword_pattern(keyword)
        if found is None:
            continue
        pattern, is_compact = found
        if pattern.search(compact if is_compact else norm):
            hits.append(keyword)
    return hits


def kind_fit(text: str, kind: str) -> float:
    """Does the block look like what the part expects? Small, so keywords decide."""
    has_display = bool(_DISPLAY_MATH.search(text))
    prose_words = len(_WORD.findall(_INLINE_MATH.sub(" ", _DISPLAY_MATH.sub(" ", text))))
    if has_display:
        # words inside display math are not prose
        prose_words = len(_WORD.findall(re.sub(r"\$\$.*?\$\$", " ", text, flags=re.DOTALL)))
    if kind == "math":
        return 0.5 if has_display else 0.0
    if kind == "text":
        if prose_words >= 5 and not has_display:
            return 0.5
        return -0.5 if has_display and prose_words < 3 else 0.0
    if kind == "code":
        return 1.0 if _CODE_HINT.search(text) else -1.0
    return 0.0


def fit(text: str, part: PartLayout) -> float:
    """Keyword hits (one point each) plus the kind fit."""
    if not text.strip():
        return 0.0
    return len(keyword_hits(text, part.keywords)) + kind_fit(text, part.kind)
