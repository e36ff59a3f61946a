"""The reference-only fallback: similarity calibrated to marks."""

from __future__ import annotations

import pytest

from grader.text import ConceptSpec, grade_concepts, similarity_grade
from grader.text.encoder import available as encoder_available
from grader.text.similarity import ALL_FEATURES, FEATURE_NAMES, similarity_features

REFERENCE = "To simulate the behaviour of portions of the desired software product."
QUESTION = "What is the role of a prototype program in problem solving?"

# (id, answer) in the order a marker would rank them (Mohler question 1.1)
RANKED = [
    (
        "paraphrase",
        "A prototype simulates the behavior of portions of the desired software product.",
    ),
    ("partial", "It is a quick program that shows part of what the software will do."),
    ("off-topic", "Loops repeat statements until a condition becomes false."),
]


def test_identical_answer_scores_near_full():
    result = similarity_grade(REFERENCE, REFERENCE, max_marks=5, question=QUESTION)
    assert result.score >= 4.5
    assert result.features["recall"] == 1.0


def test_ranking_follows_meaning():
    scores = [
        similarity_grade(text, REFERENCE, max_marks=5, question=QUESTION).similarity
        for _, text in RANKED
    ]
    assert scores == sorted(scores, reverse=True)
    assert scores[0] - scores[-1] > 0.2


def test_empty_answer_is_zero_and_certain():
    result = similarity_grade("   ", REFERENCE, max_marks=2)
    assert (result.score, result.needs_review) == (0.0, False)


def test_uncertain_prediction_needs_review():
    result = similarity_grade(RANKED[1][1], REFERENCE, max_marks=2, question=QUESTION)
    assert 0 < result.score < 2
    assert result.needs_review
    assert "similarity" in result.review_reasons[0]


def test_score_in_quarter_marks_and_bounded():
    for _, text in RANKED:
        result = similarity_grade(text, REFERENCE, max_marks=1.5, question=QUESTION)
        assert 0 <= result.score <= 1.5
        assert (result.score * 4) == int(result.score * 4)


def test_question_words_do_not_earn_recall():
    echo = "The role of a prototype program in problem solving."
    with_question = similarity_features(echo, REFERENCE + " prototype", question=QUESTION)
    without = similarity_features(echo, REFERENCE + " prototype")
    assert with_question["recall"] < without["recall"]


def test_features_are_the_calibrated_ones():
    features = similarity_features(RANKED[0][1], REFERENCE)
    assert tuple(features) == (ALL_FEATURES if encoder_available() else FEATURE_NAMES)
    assert tuple(similarity_features(RANKED[0][1], REFERENCE, semantic=False)) == FEATURE_NAMES


def test_feedback_does_not_quote_the_reference():
    result = similarity_grade(RANKED[2][1], REFERENCE, max_marks=2, question=QUESTION)
    for line in result.feedback:
        assert "simulate" not in line.lower() and "portions" not in line.lower()


def test_reference_only_spec_uses_the_fallback():
    spec = ConceptSpec.from_mapping({"kind": "concepts", "points": 2, "reference": REFERENCE})
    result = grade_concepts(RANKED[0][1], spec)
    assert result.method == "similarity"
    assert result.max_score == 2.0
    assert result.score == pytest.approx(
        similarity_grade(RANKED[0][1], REFERENCE, max_marks=2).score
    )
