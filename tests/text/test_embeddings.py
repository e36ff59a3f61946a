"""Embedding proposals: they only ever propose, never credit or override a rule.

The plumbing is tested with a fake encoder (bag of words, no torch); the real
model test is skipped unless the optional [embeddings] extra is installed.
"""

from __future__ import annotations

import numpy as np
import pytest

from grader.text import ConceptSpec, Idea, Misconception, grade_concepts
from grader.text.embeddings import EmbeddingProposer, available, phrasing_to_sentence

SPEC = ConceptSpec(
    ideas=[
        Idea("forget", ["forget gate .. (discard|throw away)"], marks=0.5),
        Idea("chain", ["break ... down", "product ... local ... derivatives"], marks=0.5),
    ],
    misconceptions=[
        Misconception("forget_stores", ["forget gate .. (new|store)"], cancels=["forget"])
    ],
    max_marks=1.0,
)


def fake_encode(texts):
    """Unit bag-of-words vectors over a tiny vocabulary: similarity = shared words."""
    vocabulary = ["forget", "gate", "discard", "product", "local", "derivatives", "break", "down"]
    rows = []
    for text in texts:
        words = text.lower().replace(".", " ").split()
        row = np.array([float(w in words) for w in vocabulary]) + 1e-9
        rows.append(row / np.linalg.norm(row))
    return np.array(rows)


PHRASING_SENTENCES = [
    ("gap", "error ... propagated backward", "error propagated backward"),
    ("group", "(throw away|discard) old", "throw away old"),
    ("slash", "keep/store new", "keep new"),
    ("unordered", "{vanishing gradient}", "vanishing gradient"),
]


@pytest.mark.parametrize(
    ("phrasing", "sentence"),
    [r[1:] for r in PHRASING_SENTENCES],
    ids=[r[0] for r in PHRASING_SENTENCES],
)
def test_phrasing_to_sentence(phrasing, sentence):
    assert phrasing_to_sentence(phrasing) == sentence


def test_a_sentence_with_a_negation_is_never_evidence():
    text = "The forget gate is the gate that lets it discard things it no longer wants."
    result = grade_concepts(text, SPEC, proposer=EmbeddingProposer(fake_encode, threshold=0.1))
    assert result.score == 0.0
    assert result.proposed == []


def test_proposal_for_a_paraphrase():
    text = "Gate forget: discard stuff from memory cell.\nDerivatives multiply: local product."
    result = grade_concepts(
        text, SPEC, first_line=10, proposer=EmbeddingProposer(fake_encode, threshold=0.5)
    )
    assert result.score == 0.0  # proposals never change the score
    assert result.score == grade_concepts(text, SPEC, first_line=10).score
    ids = {p["id"]: p for p in result.proposed}
    assert set(ids) == {"forget", "chain"}
    assert ids["chain"]["line_no"] == 11
    assert result.needs_review
    assert any("may be present" in reason for reason in result.review_reasons)


def test_never_proposes_a_cancelled_or_negated_idea():
    swapped = "The forget gate decides what new information to store in the gate."
    result = grade_concepts(swapped, SPEC, proposer=EmbeddingProposer(fake_encode, threshold=0.1))
    assert [m.id for m in result.misconceptions] == ["forget_stores"]
    assert "forget" not in {p["id"] for p in result.proposed}
    negated = "The forget gate does not discard anything."
    result = grade_concepts(negated, SPEC, proposer=EmbeddingProposer(fake_encode, threshold=0.1))
    assert "forget" not in {p["id"] for p in result.proposed}


def test_no_proposer_call_when_full_marks():
    class Exploding:
        def propose(self, *args, **kwargs):
            raise AssertionError("not needed at full marks")

    text = "Forget gate: discard old data. The chain rule is a product of local derivatives."
    assert grade_concepts(text, SPEC, proposer=Exploding()).score == 1.0


@pytest.mark.skipif(not available(), reason="optional [embeddings] extra not installed")
def test_real_model_proposes_a_paraphrase_but_not_a_swap():
    proposer = EmbeddingProposer()
    paraphrase = "The forget gate chooses which parts of the old memory get erased."
    result = grade_concepts(paraphrase, SPEC, proposer=proposer)
    assert result.score == 0.0  # "erased" is not a phrasing: the rules do not credit it
    assert "forget" in {p["id"] for p in result.proposed}
    swapped = "The forget gate decides what new information to store."
    result = grade_concepts(swapped, SPEC, proposer=proposer)
    assert result.score == 0.0
    assert "forget" not in {p["id"] for p in result.proposed}
