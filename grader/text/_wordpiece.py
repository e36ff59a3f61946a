"""BERT's uncased WordPiece tokenizer, in plain Python, for the sentence encoder.

The vocabulary (``data/minilm-vocab.txt``, 30,522 pieces) is the one
all-MiniLM-L6-v2 was trained with (bert-base-uncased's), copied from the
model's own distribution; the `tokenizers` package is not needed for a few
hundred words a sheet. Steps as in BERT: lower-case, strip accents, split on
white space and punctuation, then greedy longest-match pieces ("##" inside a
word), ``[UNK]`` for a word no pieces cover.
"""

from __future__ import annotations

import unicodedata
from functools import lru_cache
from pathlib import Path

__all__ = ["WordPiece"]

VOCAB_PATH = Path(__file__).parent / "data" / "minilm-vocab.txt"
MAX_WORD_CHARS = 100


def _is_punctuation(char: str) -> bool:
    code = ord(char)
    if 33 <= code <= 47 or 58 <= code <= 64 or 91 <= code <= 96 or 123 <= code <= 126:
        return True
    return unicodedata.category(char).startswith("P")


def _is_cjk(code: int) -> bool:
    return (
        0x4E00 <= code <= 0x9FFF
        or 0x3400 <= code <= 0x4DBF
        or 0x20000 <= code <= 0x2A6DF
        or 0xF900 <= code <= 0xFAFF
    )


def _basic_words(text: str) -> list[str]:
    """Lower-cased, accent-free words and punctuation marks."""
    text = unicodedata.normalize("NFD", text.lower())
    out: list[str] = []
    current: list[str] = []
    for char in text:
        category = unicodedata.category(char)
        if category == "Mn":
            continue  # an accent
        if char.isspace() or category in ("Cc", "Cf") or char == "\ufffd":
            if current:
                out.append("".join(current))
                current = []
        elif _is_punctuation(char) or _is_cjk(ord(char)):
            if current:
                out.append("".join(current))
                current = []
            out.append(char)
        else:
            current.append(char)
    if current:
        out.append("".join(current))
    return out


class WordPiece:
    def __init__(self, vocab_path: Path = VOCAB_PATH) -> None:
        words = vocab_path.read_text(encoding="utf-8").split("\n")
        self.ids = {word: i for i, word in enumerate(words) if word}
        self.cls = self.ids["[CLS]"]
        self.sep = self.ids["[SEP]"]
        self.unk = self.ids["[UNK]"]
        self._word_ids = lru_cache(maxsize=65536)(self._pieces)

    def _pieces(self, word: str) -> tuple[int, ...]:
        if len(word) > MAX_WORD_CHARS:
            return (self.unk,)
        pieces: list[int] = []
        start = 0
        while start < len(word):
            end = len(word)
            found = None
            while start < end:
                piece = word[start:end] if start == 0 else "##" + word[start:end]
                found = self.ids.get(piece)
                if found is not None:
                    break
                end -= 1
            if found is None:
                return (self.unk,)
            pieces.append(found)
            start = end
        return tuple(pieces)

    def encode(self, text: str, max_length: int = 128) -> list[int]:
        """Token ids with [CLS] and [SEP], cut to ``max_length``."""
        ids = [self.cls]
        for word in _basic_words(text):
            ids.extend(self._word_ids(word))
        return ids[: max_length - 1] + [self.sep]
