"""Meaning: sentence embeddings that find ideas the phrasings missed.

The encoder is ``grader.text.encoder`` (all-MiniLM-L6-v2, int8 ONNX, run by
onnxruntime on the CPU; installed with grader, nothing fetched at run time).
An idea's references are its ``description`` (when the rubric gives one) and
its phrasings read as plain words.

A proposal never changes a score (measured on the Mohler data: of the answers
whose keywords the rules miss but whose meaning is this close to the
reference, human graders gave full marks to 65%, against a base rate of 61%,
so neither the mark nor half of it is safe; docs/text.md). It is attached to
the result and flags the part for review. Embeddings cannot read negation or
swapped roles (DESIGN.md decision 6: a swapped LSTM gate scored 0.95 cosine
against the right description, a correct paraphrase 0.78), so an idea that
the rules found negated, or that a misconception cancelled, is never
proposed, and a sentence that carries a negation or a misconception is never
used as evidence.

``grade_concepts`` uses a shared ``EmbeddingProposer()`` by default when the
encoder is installed; ``proposer=None`` grades by the rules alone.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from typing import Any

from grader.text._normalize import tokenize
from grader.text.spec import ConceptSpec

__all__ = ["EmbeddingProposer", "available", "phrasing_to_sentence"]

DEFAULT_THRESHOLD = 0.65  # a sentence this close to an idea's reference may state it
# a sentence this close to an idea or its hint is about the question (measured on
# Mohler, bench/text_meaning.py: 84% of answers reach it against their own
# question's reference, 31% against another question's of the same assignment)
ON_TOPIC_THRESHOLD = 0.35
ON_TOPIC_MIN_WORDS = 6  # "substantial": a sentence of at least this many words

Encoder = Callable[[Sequence[str]], Any]  # texts -> array (n, d) of unit vectors


def available() -> bool:
    """True when the sentence encoder (onnxruntime and the packaged model) is installed."""
    from grader.text.encoder import available as encoder_available

    return encoder_available()


_GROUP_RE = re.compile(r"\(([^|)]*)[^)]*\)")


def phrasing_to_sentence(phrasing: str) -> str:
    """A phrasing as plain words to embed: gaps dropped, first alternative kept."""
    text = _GROUP_RE.sub(lambda m: m.group(1), phrasing)
    text = re.sub(r"(\w+)(?:/\w+)+", r"\1", text)
    text = text.replace("...", " ").replace("..", " ").replace("{", " ").replace("}", " ")
    return " ".join(text.split())


def _words(text: str) -> str:
    return " " + " ".join(re.findall(r"[a-z0-9]+", text.lower())) + " "


def _covers(sentence: str, evidence: Sequence[str]) -> bool:
    """Whether the sentence holds (the start of) one of the rules' evidence quotes."""
    words = _words(sentence)
    for quote in evidence:
        head = _words(quote.split(" / ")[0]).split()[:4]
        if head and " " + " ".join(head) + " " in words:
            return True
    return False


def _leftover(sentence: str, evidence: Sequence[str]) -> str:
    """The words of ``sentence`` outside the rules' evidence quotes in it: what
    the sentence says besides what was matched ("computing dL/dw [matched] for
    every weight by passing the error backwards through the layers")."""
    words = _words(sentence).split()
    for quote in evidence:
        for piece in quote.split(" / "):
            target = _words(piece).split()
            if not target:
                continue
            for start in range(len(words) - len(target) + 1):
                if words[start : start + len(target)] == target:
                    del words[start : start + len(target)]
                    break
    return " ".join(words)


class EmbeddingProposer:
    """Proposes ideas by cosine similarity of sentence embeddings.

    ``encode`` maps texts to unit-length vectors; by default the packaged
    all-MiniLM-L6-v2 (``grader.text.encoder``), loaded on first use.
    """

    def __init__(
        self,
        encode: Encoder | None = None,
        *,
        threshold: float = DEFAULT_THRESHOLD,
        on_topic: float = ON_TOPIC_THRESHOLD,
    ) -> None:
        self._encode = encode
        self.threshold = threshold
        self.on_topic = on_topic

    def encode(self, texts: Sequence[str]) -> Any:
        if self._encode is None:
            from grader.text.encoder import default_encoder

            encoder = default_encoder()
            if encoder is None:
                raise RuntimeError("the sentence encoder is not installed (onnxruntime, model)")
            self._encode = encoder.encode
        return self._encode(texts)

    @staticmethod
    def references(spec: ConceptSpec) -> list[tuple[str, str]]:
        """(idea id, text) pairs the answer's sentences are compared with."""
        out = []
        for idea in spec.ideas:
            if idea.description:
                out.append((idea.id, idea.description))
            out.extend((idea.id, phrasing_to_sentence(p)) for p in idea.phrasings)
        return out

    @staticmethod
    def topic_texts(spec: ConceptSpec) -> list[str]:
        """The rubric's hints: with the references, what "on the question" means."""
        return [idea.feedback for idea in spec.ideas if idea.feedback]

    def propose(
        self, text: str, spec: ConceptSpec, result: Any, *, first_line: int = 1
    ) -> list[dict[str, Any]]:
        """Ideas not credited that a sentence of ``text`` resembles, best first.

        Also sets ``result.unmatched_on_topic``: substantial sentences close in
        meaning to some idea that no rule matched (for the no-silent-charge flag).
        """
        import numpy as np

        from grader.text.encoder import split_sentences

        blocked = {m.id for m in result.negated} | set(result.cancelled)
        for misconception in result.misconceptions:
            blocked.update(misconception.cancels)
        credited = {m.id for m in result.matched}
        every = split_sentences(text, first_line)
        prototypes = self.references(spec)
        if not every or not prototypes:
            return []
        used = [m.text for m in result.matched] + [m.text for m in result.negated]
        wrong = [m.text for m in result.misconceptions]
        open_ideas = {idea.id for idea in spec.ideas} - credited - blocked
        # a sentence with a negation or a misconception is never evidence for an idea
        evidence = [
            i
            for i, (_, sentence) in enumerate(every)
            if open_ideas
            and not _covers(sentence, wrong)
            and not any(token.is_negation for token in tokenize(sentence))
        ]
        # on-topic text only matters when no misconception explains the loss; a
        # sentence that holds a matched idea counts by what it says besides it
        unexplained: dict[int, str] = {}
        for i, (_, sentence) in enumerate(every):
            if result.misconceptions or _covers(sentence, wrong):
                continue
            rest = _leftover(sentence, used) if _covers(sentence, used) else sentence
            if len(rest.split()) >= ON_TOPIC_MIN_WORDS:
                unexplained[i] = rest
        needed = sorted(set(evidence) | set(unexplained))  # only these are encoded
        if not needed:
            return []
        topic = self.topic_texts(spec)  # the rubric's hints: what the question is about
        leftovers = sorted(i for i in unexplained if unexplained[i] != every[i][1])
        vectors = np.asarray(
            self.encode(
                [every[i][1] for i in needed]
                + [unexplained[i] for i in leftovers]
                + [p for _, p in prototypes]
                + topic
            )
        )
        row_of = {i: row for row, i in enumerate(needed)}
        leftover_row = {i: len(needed) + row for row, i in enumerate(leftovers)}
        answer_count = len(needed) + len(leftovers)
        answer_vectors = vectors[: len(needed)]
        references = vectors[answer_count:]
        on_topic = (vectors[:answer_count] @ references.T).max(axis=1)

        def topic_similarity(i: int) -> float:
            return float(on_topic[leftover_row.get(i, row_of[i])])

        result.unmatched_on_topic = [
            {
                "line_no": every[i][0],
                "text": every[i][1],
                "similarity": round(topic_similarity(i), 3),
            }
            for i in sorted(unexplained)
            if topic_similarity(i) >= self.on_topic
        ]
        if not evidence:
            return []
        sentences = [every[i] for i in evidence]
        # unit vectors: cosine
        similarity = answer_vectors[[row_of[i] for i in evidence]] @ references[: len(prototypes)].T
        proposals: dict[str, dict[str, Any]] = {}
        for column, (idea_id, _) in enumerate(prototypes):
            if idea_id in credited or idea_id in blocked:
                continue
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
