"""Negation and misconceptions, with real sentences.

An idea mentioned under a negation earns nothing; a negated misconception
does not fire; a misconception cancels the ideas it contradicts and costs its
penalty; other ideas keep their marks.
"""

from __future__ import annotations

import pytest

from grader.text import ConceptSpec, Idea, Misconception, grade_concepts

VANISHING = Idea("vanishing", ["vanishing (gradient|gradients)", "{gradient vanish}"], marks=0.5)

# (id, idea phrasings, answer, credited?)
NEGATION = [
    ("does-not-solve", VANISHING, "An LSTM does not solve the vanishing gradient.", False),
    ("explode-never-vanish", VANISHING, "In RNNs the gradients explode, never vanish.", False),
    ("explode-rather-than", VANISHING, "The gradients explode rather than vanish.", False),
    ("doesnt-contraction", VANISHING, "It doesn't suffer from vanishing gradients.", False),
    ("cannot-contraction", VANISHING, "Gradients can't vanish in this network.", False),
    ("no-determiner", VANISHING, "There is no vanishing gradient in a feed-forward net.", False),
    ("unlike", VANISHING, "Unlike vanishing gradients, exploding ones can be clipped.", False),
    ("plain-statement", VANISHING, "RNNs struggle because of the vanishing gradient.", True),
    ("but-resets", VANISHING, "It is not overfitting but vanishing gradients.", True),
    ("other-clause", VANISHING, "It is not about overfitting, it is the vanishing gradient.", True),
    ("other-sentence", VANISHING, "Not overfitting. The gradients vanish.", True),
    (
        "negation-too-far",
        VANISHING,
        "Not only do long chains of small factors make gradients vanish.",
        True,
    ),
    ("negation-after", VANISHING, "Vanishing gradients, not overfitting, are the cause.", True),
    (
        "singular-negated",
        Idea("singular", ["singular"]),
        "X^T X is not singular, so no problem.",
        False,
    ),
    ("not-in-phrasing", Idea("singular", ["not invertible"]), "X^T X may not be invertible.", True),
    (
        "without-in-phrasing",
        Idea("no_inverse", ["not ... inverse"]),
        "GD works without a matrix inverse.",
        True,
    ),
    (
        "rather-than-in-phrasing",
        Idea("no_inverse", ["not ... inverse"]),
        "GD takes small steps rather than take inverse.",
        True,
    ),
    (
        "negation-inside-gap",
        Idea("cancel", ["positive ... negative ... cancel"]),
        "Positive and negative errors do not cancel.",
        False,
    ),
    (
        "negated-cancel-phrased",
        Idea("cancel", ["errors ... not ... cancel"]),
        "Positive and negative errors do not cancel.",
        True,
    ),
    ("no-memory", Idea("memory", ["memory"]), "A feed-forward ANN has no memory.", False),
    (
        "negated-verb-after",
        Idea("overfit", ["overfitting"]),
        "Overfitting is not the reason.",
        False,
    ),
    (
        "negated-contraction-after",
        Idea("overfit", ["overfitting"]),
        "Overfitting isn't the problem here.",
        False,
    ),
    ("not-after-without-verb", VANISHING, "Vanishing gradients not exploding gradients.", True),
    ("not-after-comma", VANISHING, "Vanishing gradients, not exploding ones.", True),
    ("never-negative", Idea("sign", ["non negative"]), "Squares are never negative.", True),
    ("cannot-be-negative", Idea("sign", ["nonnegative"]), "A square cannot be negative.", True),
    (
        "retracted-later",
        Idea("smooth", ["differentiable"]),
        "Some say squaring makes the loss differentiable, but that is not the reason.",
        False,
    ),
    (
        "retracted-contraction",
        VANISHING,
        "People blame vanishing gradients, however that's wrong here.",
        False,
    ),
    (
        "retracted-on-next-line",
        Idea("smooth", ["differentiable"]),
        "They say squaring makes it differentiable,\nbut this isn't the reason.",
        False,
    ),
    (
        "but-not-a-retraction",
        Idea("smooth", ["differentiable"]),
        "Squaring makes it differentiable, but that is not the only reason.",
        True,
    ),
    (
        "retraction-in-next-sentence-is-another-claim",
        Idea("smooth", ["differentiable"]),
        "The loss is differentiable. Overfitting is likely, but that is not the point.",
        True,
    ),
]


@pytest.mark.parametrize(
    ("idea", "text", "credited"), [row[1:] for row in NEGATION], ids=[row[0] for row in NEGATION]
)
def test_negation(idea, text, credited):
    result = grade_concepts(text, ConceptSpec(ideas=[idea]))
    assert (result.score > 0) is credited
    if not credited and result.negated:
        # a negated mention is shown to a marker, with its words
        assert result.needs_review
        assert result.negated[0].id == idea.id


GATES = ConceptSpec(
    ideas=[
        Idea("forget", ["forget gate .. (discard|throw away|remove|old)"], marks=0.5),
        Idea("input", ["input gate .. (new|store|add)"], marks=0.5),
        Idea("output", ["output gate .. (output|hidden|expose)"], marks=0.5),
    ],
    misconceptions=[
        Misconception(
            "forget_stores",
            ["forget gate .. (new|store|add)"],
            cancels=["forget"],
            feedback="Check the gates' roles.",
        ),
        Misconception(
            "input_discards",
            ["input gate .. (discard|throw away|remove|old)"],
            cancels=["input"],
            feedback="Check the gates' roles.",
        ),
    ],
)

# (id, spec, answer, score, misconceptions that fire)
MISCONCEPTIONS = [
    (
        "swapped-forget",
        GATES,
        "The forget gate decides what new information to store. The output gate exposes the hidden state.",
        0.5,
        {"forget_stores"},
    ),
    (
        "swapped-both",
        GATES,
        "The forget gate decides what new information to store and the input gate decides what old information to throw away.",
        0.0,
        {"forget_stores", "input_discards"},
    ),
    (
        "correct-both-in-one-sentence",
        GATES,
        "The forget gate discards old information and the input gate adds new information.",
        1.0,
        set(),
    ),
    (
        "negated-misconception",
        GATES,
        "The forget gate removes old information and does not store new information.",
        0.5,
        set(),
    ),
    (
        "misconception-keeps-other-ideas",
        GATES,
        "Forget gate: decides what new info to add. Input gate: decides what new info to store. Output gate: what goes to the hidden state.",
        1.0,
        {"forget_stores"},
    ),
]


@pytest.mark.parametrize(
    ("spec", "text", "score", "fired"),
    [row[1:] for row in MISCONCEPTIONS],
    ids=[row[0] for row in MISCONCEPTIONS],
)
def test_misconceptions(spec, text, score, fired):
    result = grade_concepts(text, spec)
    assert result.score == score
    assert {m.id for m in result.misconceptions} == fired
    if fired:
        assert "Check the gates' roles." in result.feedback


def test_forward_pass_misconception_cancels_the_direction_only():
    spec = ConceptSpec(
        ideas=[
            Idea("gradient", ["(compute|calculate) ... gradient"]),
            Idea("backward", ["(error|gradient) ... (propagated|passed) ... backward"]),
        ],
        misconceptions=[
            Misconception("forward", ["backpropagation forward pass"], cancels=["backward"])
        ],
        score_by_count={2: 1.0, 1: 0.5},
    )
    text = "Backpropagation is the forward pass. It computes the gradients, and the error is propagated backward."
    result = grade_concepts(text, spec)
    assert result.cancelled == ["backward"]
    assert [m.id for m in result.matched] == ["gradient"]
    assert result.score == 0.5
    # the same words without the misconception earn both ideas
    assert grade_concepts(text.split(". ", 1)[1], spec).score == 1.0


def test_exploding_alone_earns_nothing_and_explains():
    spec = ConceptSpec(
        ideas=[VANISHING, Idea("mechanism", ["product ... many"], marks=0.5)],
        misconceptions=[
            Misconception(
                "exploding_only",
                ["(explode|exploding) ... not ... vanish"],
                cancels=["vanishing"],
                feedback="Exploding gradients are a different failure.",
            )
        ],
        max_marks=1.0,
    )
    result = grade_concepts("Gradients explode, never vanish.", spec)
    assert result.score == 0.0
    assert [m.id for m in result.misconceptions] == ["exploding_only"]
    assert "Exploding gradients are a different failure." in result.feedback
    both = grade_concepts(
        "Gradients can explode, but the real problem is vanishing gradients.", spec
    )
    assert both.score == 0.5 and not both.misconceptions


EXPLODING_ALONE = ConceptSpec(
    ideas=[VANISHING, Idea("mechanism", ["product ... many"], marks=0.5)],
    misconceptions=[
        Misconception(
            "exploding_alone",
            ["(explode|exploding) (gradient|gradients)", "{gradients explode}"],
            unless=["vanishing"],
            feedback="Exploding gradients are a different failure.",
        ),
        Misconception(
            "other",
            ["exploding (gradient|gradients)"],
            feedback="Exploding gradients are a different failure.",
        ),
    ],
    max_marks=1.0,
)

# (id, answer, score, fires?)
UNLESS = [
    ("alone", "Because of exploding gradients.", 0.0, True),
    ("alone-verb", "The gradients explode over long sequences.", 0.0, True),
    ("with-the-idea", "Vanishing gradients, and sometimes exploding gradients.", 0.5, False),
    (
        "idea-after",
        "Exploding gradients happen too, but mainly the gradient vanishes over many steps.",
        0.5,
        False,
    ),
    ("idea-negated", "Exploding gradients; the gradients do not vanish.", 0.0, True),
    ("neither", "Too many layers.", 0.0, False),
]


@pytest.mark.parametrize(
    ("answer", "score", "fires"), [u[1:] for u in UNLESS], ids=[u[0] for u in UNLESS]
)
def test_unless_applies_only_without_the_idea(answer, score, fires):
    result = grade_concepts(answer, EXPLODING_ALONE)
    assert result.score == score
    assert ("exploding_alone" in {m.id for m in result.misconceptions}) == fires
    # two misconceptions with one hint give it once
    assert result.feedback.count("Exploding gradients are a different failure.") <= 1


def test_penalty_is_subtracted_and_floored_at_zero():
    spec = ConceptSpec(
        ideas=[Idea("a", ["alpha"], marks=1.0), Idea("b", ["beta"], marks=1.0)],
        misconceptions=[Misconception("wrong", ["gamma"], penalty=1.5)],
    )
    assert grade_concepts("alpha and beta", spec).score == 2.0
    assert grade_concepts("alpha and beta and gamma", spec).score == 0.5
    assert grade_concepts("alpha and gamma", spec).score == 0.0


def test_negated_misconception_after_its_subject_does_not_fire():
    spec = ConceptSpec(
        ideas=[VANISHING],
        misconceptions=[Misconception("overfitting", ["overfitting"], feedback="Not overfitting.")],
    )
    result = grade_concepts("Overfitting is not the reason; the gradients vanish.", spec)
    assert result.misconceptions == [] and result.score == 0.5
    result = grade_concepts("It is overfitting.", spec)
    assert [m.id for m in result.misconceptions] == ["overfitting"]
