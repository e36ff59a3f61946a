"""Each matching rule of the phrasing language, with real sentences.

A row: (id, phrasing, answer text, found?). "found" means the phrasing has a
match that is not negated.
"""

from __future__ import annotations

import pytest

from grader.text import ConceptSpec, Idea, grade_concepts
from grader.text._normalize import tokenize
from grader.text._phrasing import AnswerIndex, find_matches, parse_phrasing


def found(phrasing: str, text: str) -> bool:
    index = AnswerIndex(tokenize(text), text.split("\n"), 1)
    return any(not m.negated for m in find_matches(index, parse_phrasing(phrasing)))


MATCHING = [
    # case
    ("case-upper", "chain rule", "It applies the CHAIN RULE to every layer.", True),
    ("case-title", "forget gate", "Forget Gate: decides what to throw away", True),
    # inflection (stemming)
    ("stem-ing", "error ... propagated backward", "the error keeps propagating backwards", True),
    ("stem-plural", "vanishing gradient", "the gradients: vanishing gradients again", True),
    ("stem-ation", "propagate", "back propagation of the error", True),
    ("stem-not-prefix", "supervised", "it is an unsupervised method", False),
    # British and American spelling
    ("brit-ise", "penalize ... large", "Squaring penalises large errors", True),
    ("brit-isation", "optimization", "an optimisation problem", True),
    ("brit-our", "behavior", "the behaviour of the loss", True),
    ("brit-lled", "labeled data", "it learns from labelled data", True),
    ("brit-tre", "center", "the centre of the data", True),
    ("american-in-phrase", "penalise", "it penalizes outliers", True),
    # OCR slips: fuzzy matching on long words only, a few letter confusions
    ("ocr-propogate", "propagated backward", "the error is propogated backward", True),
    ("ocr-transposed", "differentiable", "the loss is differnetiable", True),
    ("ocr-two-slips-long", "backpropagation", "backpropogatoin computes it", True),
    ("ocr-into-info", "new info", "decides what new <sup>into</sup> to store", True),
    ("short-word-no-fuzzy", "gate", "the model gave an answer", False),
    ("short-word-no-fuzzy-2", "input gate", "the inpot gate", False),
    ("fuzzy-needs-same-start", "weights", "the heights of the bars", False),
    ("fuzzy-stem-end-differs", "invertible", "take the inverse", False),
    ("fuzzy-not-antonym", "minimum", "it reaches the maximum", False),
    # abbreviations
    ("abbr-info", "information", "decides what info to throw away", True),
    ("abbr-info-phrase", "info", "which information is kept", True),
    ("abbr-nn", "neural network", "a NN with one hidden layer", True),
    ("abbr-gd", "gradient descent", "then GD updates the weights", True),
    ("abbr-sgd", "gradient descent", "we use SGD", True),
    ("abbr-lr", "learning rate ... small", "if the lr is too small", True),
    ("abbr-fn", "function ... differentiable", "Ensure the fn is differentiable", True),
    ("abbr-sign", "positive ... negative ... cancel", "allow $+ve$ & $-ve$ terms to cancel", True),
    ("abbr-rnn-long", "rnn", "a recurrent neural network keeps a state", True),
    ("abbr-lstm-long", "lstm .. translation", "Long short-term memory: translation", True),
    ("abbr-thru", "through", "loss thru output gate", True),
    # Greek and LaTeX in the prose
    ("latex-greek", "alpha ... small", "If  $\\alpha$  is too small", True),
    ("unicode-greek", "alpha ... small", "If α is too small", True),
    ("latex-less-than", "less 1", "when the factors are $< 1$", True),
    ("latex-commands-dropped", "parameters beta", "find parameters $\\boldsymbol\\beta$", True),
    ("latex-struck-text-dropped", "lead", "may ~~lead to~~ allow terms to cancel", False),
    ("html-insertion-kept", "long time", "it takes both <sup>long</sup> time", True),
    # word order, where the phrasing allows it
    ("unordered-swapped", "{vanishing gradient}", "the gradient keeps vanishing", True),
    ("unordered-in-order", "{vanishing gradient}", "the vanishing gradient problem", True),
    ("ordered-swapped", "vanishing gradient", "the gradient, vanishing, is small", False),
    ("unordered-needs-one-clause", "{gradient vanish}", "gradients explode, and vanish", False),
    # adjacency and gaps
    ("adjacent-stop-words", "error propagated", "the error is propagated", True),
    ("adjacent-broken", "forget gate", "forget the gate", True),
    ("adjacent-broken-content", "forget gate", "forget the output gate", False),
    ("gap-sentence", "small ... slow", "If the rate is too small, training is slow.", True),
    ("gap-not-across-sentences", "small ... slow", "The rate is small. Training is slow.", False),
    ("gap-clause", "forget gate .. discard", "forget gate decides what to discard", True),
    ("gap-clause-not-across-comma", "forget gate .. store", "forget gate discards, store", False),
    (
        "gap-continuation-line",
        "small ... slow",
        "If  $\\alpha$  is too small  \n↳ convergence slow",
        True,
    ),
    ("gap-new-item", "small ... slow", "- alpha small\n- convergence slow", False),
    (
        "gap-no-repeat",
        "forget gate .. add",
        "the forget gate discards and the input gate adds",
        False,
    ),
    ("gap-too-long", "error ... backward", "error " + "word " * 13 + "backward", False),
    # alternatives and compounds
    ("alt-group", "(throw away|discard)", "decides what info to throw away", True),
    ("alt-slash", "keep/store", "decides what to store", True),
    ("compound-joined-answer", "feed forward", "a feedforward network", True),
    ("compound-split-answer", "feedforward", "a feed-forward network", True),
    ("compound-hyphen-both", "feed forward", "a feed-forward network", True),
    ("number-token", "step 1", "depends on step $t-1$", True),
    # slash abbreviations, in any case ("I/p" at the start of a sentence)
    ("slash-capital", "input gate", "I/p gate: decides what to store.", True),
    ("slash-upper", "output gate ... output", "O/P gate: decides what to output.", True),
    # a derivative in Leibniz notation inside a sentence
    (
        "leibniz-derivative",
        "computes ... derivative",
        "Backprop computes dL/dw for every weight.",
        True,
    ),
    ("leibniz-spaced", "derivative ... weight", "it finds dL / dw1 for each weight", True),
    ("leibniz-not-a-word", "derivative", "add the loss and/or the weight decay", False),
    # big-O notation reads as the growth it names
    ("big-o-cubic", "(inverse|invert) ... (cubic|expensive)", "Inverse is O(d^3).", True),
    ("big-o-nested", "cubic", "it costs $O((d+1)^3)$ time", True),
    ("big-o-superscript", "quadratic ... memory", "and O(p²) memory", True),
    ("big-o-linear-is-not-the-model", "linear", "each step is O(nd)", False),
]


@pytest.mark.parametrize(
    ("phrasing", "text", "expected"),
    [row[1:] for row in MATCHING],
    ids=[row[0] for row in MATCHING],
)
def test_matching_rule(phrasing, text, expected):
    assert found(phrasing, text) is expected


BAD_PHRASINGS = [
    ("empty", ""),
    ("only-stop-words", "the of a"),
    ("leading-gap", "... backward"),
    ("leading-stop-then-gap", "from ... output"),
    ("trailing-gap", "backward ..."),
    ("open-group", "(throw away|discard"),
    ("empty-option", "(throw away||discard)"),
    ("stray-close", "gate )"),
    ("open-unordered", "{gradient vanish"),
    ("unordered-one-word", "{gradient}"),
    ("gap-in-group", "(a ... b|c)"),
]


@pytest.mark.parametrize(
    "phrasing", [row[1] for row in BAD_PHRASINGS], ids=[r[0] for r in BAD_PHRASINGS]
)
def test_bad_phrasings_are_rejected(phrasing):
    from grader.text._phrasing import PhrasingError

    with pytest.raises(PhrasingError):
        parse_phrasing(phrasing)


def test_evidence_is_the_students_text_and_line():
    spec = ConceptSpec(ideas=[Idea("backward", ["error ... propagated backward"])])
    text = "Backprop computes gradients.\n\nThe Error is then propogated BACKWARD, layer by layer."
    result = grade_concepts(text, spec, first_line=41)
    assert result.score == 1.0
    [match] = result.matched
    assert (match.line_no, match.text) == (43, "Error is then propogated BACKWARD")
    assert match.repairs == ["propogated ~ propagated"]
    assert not result.needs_review  # a spelling slip in a long word is ordinary


def test_ocr_letter_reading_is_flagged_for_review():
    spec = ConceptSpec(ideas=[Idea("store", ["input gate .. new information"])])
    result = grade_concepts("input gate decides what new <sup>into</sup> to store", spec)
    assert result.score == 1.0
    assert result.needs_review
    assert "into -> information (OCR)" in result.review_reasons[0]


def test_evidence_across_a_line_break():
    spec = ConceptSpec(ideas=[Idea("small", ["small ... slow"])])
    result = grade_concepts(
        "If  $\\alpha$  is too small  \n↳ convergence very slow", spec, first_line=83
    )
    [match] = result.matched
    assert match.line_no == 83
    assert match.text == "small / ↳ convergence very slow"


def test_tokens_keep_columns_of_the_original_line():
    text = "Ensure the fn is ~~not~~ differentiable"
    tokens = tokenize(text)
    assert [t.word for t in tokens] == ["ensure", "function", "differentiable"]
    assert [text[t.start : t.end] for t in tokens] == ["Ensure", "fn", "differentiable"]


def test_validate_phrasing_for_rubric_validators():
    from grader.text import validate_phrasing

    assert validate_phrasing("forget gate .. discard") is None
    assert validate_phrasing("(throw away|discard") == "'(' without ')'"
