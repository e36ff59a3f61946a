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
_DISPLAY_BLOCK = re.compile(r"\$\$.*?\$\$|\\\[.*?\\\]", re.DOTALL)
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


class Block:
    """A block of text with what fitting needs precomputed (each block is scored for several parts)."""

    __slots__ = ("code", "compact", "has_display", "norm", "prose_words", "text")

    def __init__(self, text: str):
        self.text = text
        self.norm = normalise(text)
        self.compact = self.norm.replace(" ", "")
        self.has_display = bool(_DISPLAY_MATH.search(text))
        outside = _DISPLAY_BLOCK.sub(" ", text) if self.has_display else text
        self.prose_words = len(_WORD.findall(_INLINE_MATH.sub(" ", outside)))
        self.code = bool(_CODE_HINT.search(text))


def keyword_hits(text: str | Block, keywords: Sequence[str]) -> list[str]:
    """The keywords that occur in ``text``."""
    block = text if isinstance(text, Block) else Block(text)
    hits = []
    for keyword in keywords:
        found = _keyword_pattern(keyword)
        if found is None:
            continue
        pattern, is_compact = found
        if pattern.search(block.compact if is_compact else block.norm):
            hits.append(keyword)
    return hits


def kind_fit(text: str | Block, kind: str) -> float:
    """Does the block look like what the part expects? Small, so keywords decide."""
    block = text if isinstance(text, Block) else Block(text)
    if kind == "math":
        return 0.5 if block.has_display else 0.0
    if kind == "text":
        if block.prose_words >= 5 and not block.has_display:
            return 0.5
        return -0.5 if block.has_display and block.prose_words < 3 else 0.0
    if kind == "code":
        return 1.0 if block.code else -1.0
    return 0.0


def fit(text: str | Block, part: PartLayout) -> float:
    """Keyword hits (one point each) plus the kind fit."""
    block = text if isinstance(text, Block) else Block(text)
    if not block.norm:
        return 0.0
    return len(keyword_hits(block, part.keywords)) + kind_fit(block, part.kind)
