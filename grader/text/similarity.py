"""Fallback for a part with only a reference answer: similarity calibrated to marks.

A handful of features compare the answer with the reference (on normalised,
stemmed content words, the same pipeline as concept matching): keyword
recall and precision, bigram recall, a TF cosine, the answer's length. Words that the
question itself uses are discounted when the question is given (repeating
the question is not an answer). A linear map fit by least squares turns the
features into a fraction of the marks; the shipped coefficients
(``grader/text/_calibration.py``) were fit on the whole Mohler data set by
``bench/text_mohler.py --write-calibration`` (the bench itself measures with
coefficients fit on training folds only).

The result is marked ``needs_review`` unless the prediction is clearly near
full marks or clearly near zero: similarity is a proposal for a marker, not
a verdict.
"""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import asdict, dataclass, field
from typing import Any

from grader.text._normalize import Token, tokenize
from grader.text._phrasing import AnswerIndex

__all__ = ["SimilarityResult", "similarity_grade", "similarity_features", "FEATURE_NAMES"]

FEATURE_NAMES = (
    "bias",
    "recall",
    "precision",
    "bigram_recall",
    "cosine",
    "log_length",
)
# with the sentence encoder installed: meaning, not words (grader.text.encoder)
SEMANTIC_FEATURES = (
    "semantic",
    "semantic_best_sentence",
    "semantic_recall",
    # meaning times the keywords found: fit negative, so meaning counts most where
    # the reference's words are missing, standing in for them in a paraphrase
    # (Mohler LOAO r 0.587 -> 0.600)
    "recall_x_semantic",
    "recall_x_semantic_best_sentence",
    "recall_x_semantic_recall",
)
ALL_FEATURES = (*FEATURE_NAMES, *SEMANTIC_FEATURES)


# Confidence band: outside it the prediction is clear enough to stand alone.
CONFIDENT_HIGH = 0.85
CONFIDENT_LOW = 0.15


@dataclass
class SimilarityResult:
    score: float
    max_score: float
    similarity: float  # predicted fraction of the marks, 0..1
    features: dict[str, float]
    needs_review: bool
    review_reasons: list[str] = field(default_factory=list)
    feedback: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    def as_concepts(self):  # -> ConceptResult (imported late: concepts imports us)
        from grader.text.concepts import ConceptResult

        return ConceptResult(
            score=self.score,
            max_score=self.max_score,
            matched=[],
            missing=[],
            misconceptions=[],
            feedback=list(self.feedback),
            needs_review=self.needs_review,
            review_reasons=list(self.review_reasons),
            method="similarity",
        )


def _content(tokens: list[Token]) -> list[str]:
    return [t.stem for t in tokens if not t.is_negation]


def semantic_features(answer: str, reference: str) -> dict[str, float] | None:
    """Cosine of the answer's and the reference's sentence vectors (whole answer, and
    its best sentence against the whole reference); None without the encoder."""
    from grader.text.encoder import default_encoder, split_sentences

    encoder = default_encoder()
    if encoder is None:
        return None
    sentences = [s for _, s in split_sentences(answer)] or [answer]
    whole = " ".join(answer.split())
    points = [s for _, s in split_sentences(reference)] or [reference]
    vectors = encoder.encode([" ".join(reference.split()), whole, *sentences, *points])
    answer_vectors = vectors[1 : 2 + len(sentences)]
    similarities = answer_vectors @ vectors[0]
    # how much of the reference is said: each reference sentence's best match
    coverage = (answer_vectors @ vectors[2 + len(sentences) :].T).max(axis=0)
    return {
        "semantic": float(similarities[0]),
        "semantic_best_sentence": float(similarities[1:].max()),
        "semantic_recall": float(coverage.mean()),
    }


def similarity_features(
    answer: str, reference: str, *, question: str | None = None, semantic: bool = True
) -> dict[str, float]:
    """The calibration features of an answer against a reference (all in 0..1 or small);
    with ``semantic`` and the encoder installed, ``SEMANTIC_FEATURES`` too."""
    answer_tokens = tokenize(answer)
    reference_tokens = tokenize(reference)
    answer_stems = _content(answer_tokens)
    reference_stems = _content(reference_tokens)
    question_stems = set(_content(tokenize(question))) if question else set()

    # keywords: reference words the question does not already give away
    keywords = [s for s in dict.fromkeys(reference_stems) if s not in question_stems]
    if not keywords:
        keywords = list(dict.fromkeys(reference_stems))
    index = AnswerIndex(answer_tokens, answer.split("\n"), 1)
    by_stem = {t.stem: t.word for t in reference_tokens}
    found = [k for k in keywords if index.word_positions(by_stem.get(k, k))]
    recall = len(found) / len(keywords) if keywords else 0.0

    answer_set = set(answer_stems)
    reference_set = set(reference_stems)
    useful = [s for s in answer_set if s not in question_stems] or list(answer_set)
    precision = sum(1 for s in useful if s in reference_set) / len(useful) if useful else 0.0

    reference_bigrams = set(zip(reference_stems, reference_stems[1:], strict=False))
    answer_bigrams = set(zip(answer_stems, answer_stems[1:], strict=False))
    answer_bigrams |= {(b, a) for a, b in answer_bigrams}
    bigram_recall = (
        len(reference_bigrams & answer_bigrams) / len(reference_bigrams)
        if reference_bigrams
        else recall
    )

    # TF cosine with question words discounted to a quarter weight
    def weights(stems: list[str]) -> dict[str, float]:
        counts = Counter(stems)
        return {
            s: (1 + math.log(c)) * (0.25 if s in question_stems else 1.0) for s, c in counts.items()
        }

    wa, wr = weights(answer_stems), weights(reference_stems)
    dot = sum(v * wr.get(s, 0.0) for s, v in wa.items())
    norm = math.sqrt(sum(v * v for v in wa.values())) * math.sqrt(sum(v * v for v in wr.values()))
    cosine = dot / norm if norm else 0.0

    # longer answers tend to say more (a length ratio to the reference added nothing)
    n_answer = len(answer_stems)
    log_length = math.log1p(n_answer) / math.log1p(100)
    features = {
        "bias": 1.0,
        "recall": recall,
        "precision": precision,
        "bigram_recall": bigram_recall,
        "cosine": cosine,
        "log_length": log_length,
    }
    meaning = semantic_features(answer, reference) if semantic else None
    if meaning is not None:
        features.update(meaning)
        for name, value in meaning.items():
            features[f"recall_x_{name}"] = recall * value
    return features


def predict_fraction(features: dict[str, float], coefficients: dict[str, float]) -> float:
    value = sum(coefficients.get(name, 0.0) * features.get(name, 0.0) for name in ALL_FEATURES)
    return min(1.0, max(0.0, value))


def similarity_grade(
    answer: str,
    reference: str,
    *,
    max_marks: float,
    question: str | None = None,
    coefficients: dict[str, float] | None = None,
) -> SimilarityResult:
    """Marks for ``answer`` by its similarity to ``reference`` (calibrated, reviewable)."""
    if not answer.strip():
        return SimilarityResult(
            0.0,
            max_marks,
            0.0,
            {},
            needs_review=False,
            feedback=["No answer was given."],
        )
    features = similarity_features(answer, reference, question=question)
    if coefficients is None:
        from grader.text import _calibration

        semantic = all(name in features for name in SEMANTIC_FEATURES)
        coefficients = (
            getattr(_calibration, "COEFFICIENTS_SEMANTIC", None) if semantic else None
        ) or _calibration.COEFFICIENTS
    fraction = predict_fraction(features, coefficients)
    # quarter-mark steps, as markers give
    score = round(fraction * max_marks * 4) / 4
    reasons: list[str] = []
    if CONFIDENT_LOW < fraction < CONFIDENT_HIGH:
        reasons.append(
            f"graded by similarity to the reference answer only ({fraction:.0%} predicted); "
            "a marker should confirm"
        )
    feedback = []
    if score < max_marks:
        feedback.append(
            "Parts of the expected answer seem to be missing; compare your answer with the "
            "question's key points."
        )
    return SimilarityResult(
        score=score,
        max_score=max_marks,
        similarity=fraction,
        features=features,
        needs_review=bool(reasons),
        review_reasons=reasons,
        feedback=feedback,
    )
