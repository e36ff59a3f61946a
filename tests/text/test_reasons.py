"""An idea that must come with its reason (issue 18: "an idea with a wrong
reason earns nothing"), with real sentences.

An idea with ``because`` earns its marks only with its reason; with a known
wrong reason, or with none, it earns nothing; with a reason that is neither
(a "because ..." the rubric does not know) it earns nothing and goes to
review, never a silent charge.
"""

from __future__ import annotations

import pytest

from grader.errors import RubricError
from grader.text import ConceptSpec, Idea, grade_concepts

SMALLER_RATE = Idea(
    "smaller_rate",
    ["(small|smaller|lower|reduce) learning rate", "{learning rate} ... (smaller|lower)"],
    marks=1,
    feedback="Say what to change.",
    because={
        "phrasings": ["overshoot", "diverg", "(too big|too large) (step|steps)"],
        "wrong": ["(faster|quicker) (training|convergence)", "fewer parameters"],
        "feedback": "Say why a smaller learning rate helps here.",
    },
)
MOMENTUM = Idea("momentum", ["momentum"], marks=1)
SPEC = ConceptSpec(ideas=[SMALLER_RATE, MOMENTUM])

# (id, answer, score, needs review)
ANSWERS = [
    (
        "right-reason",
        "Use a smaller learning rate because large steps overshoot the minimum.",
        1,
        False,
    ),
    (
        "right-reason-next-sentence",
        "Lower the learning rate. The loss diverges with big steps.",
        1,
        False,
    ),
    ("wrong-reason", "Use a smaller learning rate because it gives faster training.", 0, False),
    ("no-reason", "Use a smaller learning rate.", 0, False),
    (
        "unknown-reason",
        "Use a smaller learning rate because the loss surface is curved.",
        0,
        True,
    ),
    (
        "right-and-wrong-reason",
        "Use a smaller learning rate: the steps overshoot, and it gives faster training.",
        0,
        True,
    ),
    # the reason said the other way round may still be the reason: a person decides
    ("negated-right-reason", "Use a smaller learning rate, it does not overshoot.", 0, True),
    ("other-idea-unaffected", "Add momentum.", 1, False),
    # nothing found in an answer that says something: review (as for any concepts check)
    ("idea-absent", "Train for longer because the loss is still falling.", 0, True),
]


@pytest.mark.parametrize(
    ("answer", "score", "review"), [a[1:] for a in ANSWERS], ids=[a[0] for a in ANSWERS]
)
def test_an_idea_needs_its_reason(answer, score, review):
    result = grade_concepts(answer, SPEC, proposer=None)
    assert result.score == score
    assert bool(result.review_reasons) is review
    if "learning rate" in answer and score == 0:
        assert "Say why a smaller learning rate helps here." in result.feedback
        assert "smaller_rate" in result.missing


def test_the_review_reason_names_the_idea_and_the_line():
    result = grade_concepts(
        "Momentum helps.\nUse a smaller learning rate because the loss surface is curved.",
        SPEC,
        first_line=10,
        proposer=None,
    )
    assert result.score == 1  # momentum
    (reason,) = result.review_reasons
    assert "idea 'smaller_rate' (line 11)" in reason
    assert "not credited" in reason


def test_an_idea_without_because_is_unchanged():
    plain = ConceptSpec(ideas=[Idea("smaller_rate", list(SMALLER_RATE.phrasings)), MOMENTUM])
    assert grade_concepts("Use a smaller learning rate.", plain, proposer=None).score == 1


def test_because_reads_from_a_mapping_and_its_fields_are_checked():
    spec = ConceptSpec.from_mapping(
        {
            "points": 1,
            "ideas": [
                {
                    "id": "a",
                    "phrasings": ["learning rate"],
                    "because": {"phrasings": ["overshoot"], "wrong": ["faster"]},
                }
            ],
        }
    )
    assert spec.ideas[0].because.wrong == ["faster"]
    with pytest.raises(RubricError, match=r"ideas\[0\]\.because"):
        ConceptSpec.from_mapping(
            {"points": 1, "ideas": [{"id": "a", "phrasings": ["x"], "because": {"wrong": ["y"]}}]}
        )


def test_an_idea_without_because_serializes_as_before():
    assert "because" not in MOMENTUM.model_dump()
    assert SMALLER_RATE.model_dump()["because"]["wrong"][1] == "fewer parameters"
