"""The Porter stemmer against the paper's own examples, and properties."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from grader.text.stem import stem

# (word, stem) from Porter (1980) and from the words students write
PORTER = [
    ("caresses", "caress"),
    ("ponies", "poni"),
    ("cats", "cat"),
    ("feed", "feed"),
    ("agreed", "agre"),
    ("plastered", "plaster"),
    ("motoring", "motor"),
    ("sing", "sing"),
    ("conflated", "conflat"),
    ("hopping", "hop"),
    ("falling", "fall"),
    ("filing", "file"),
    ("happy", "happi"),
    ("relational", "relat"),
    ("generalization", "gener"),
    ("hopeful", "hope"),
    ("goodness", "good"),
    ("adjustable", "adjust"),
    ("replacement", "replac"),
    ("adoption", "adopt"),
    ("controll", "control"),
    ("roll", "roll"),
]
SAME_STEM = [
    ("propagating", "propagated", "propagation", "propagates"),
    ("vanishing", "vanishes", "vanished", "vanish"),
    ("gradient", "gradients"),
    ("differentiable", "differentiability"),
    ("penalize", "penalizes", "penalized", "penalizing"),
]


@pytest.mark.parametrize(("word", "expected"), PORTER, ids=[w for w, _ in PORTER])
def test_porter_examples(word, expected):
    assert stem(word) == expected


@pytest.mark.parametrize("words", SAME_STEM, ids=[w[0] for w in SAME_STEM])
def test_inflections_share_a_stem(words):
    assert len({stem(w) for w in words}) == 1


@given(st.text(alphabet="abcdefghijklmnopqrstuvwxyz", min_size=1, max_size=20))
def test_stem_is_a_nonempty_prefix_like_string(word):
    result = stem(word)
    assert result
    assert len(result) <= len(word) + 1  # step 1b may add an 'e' ("hoping" -> "hope")
    assert stem(word) == result  # deterministic (and cached)
