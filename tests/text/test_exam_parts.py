"""The ML exam's free-text parts end to end: concept specs against real answers.

Three sheets: the sample OCR sheet (its answer paragraphs copied below with
their line numbers in tests/files/seed-student-ocr.md), a typed answer that
makes every point, and a typed answer with the misconceptions the marking
scheme lists (swapped gates, "exploding gradients" alone, "backpropagation is
the forward pass") and a few more. Expected marks are the marking scheme's
(rubrics/ml-exam.md). Properties (hypothesis) at the end: dropping sentences
never raises a score, case does not matter, evidence lines follow first_line.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from grader.text import grade_concepts

SAMPLE = Path(__file__).parent.parent / "files" / "seed-student-ocr.md"

# part id -> (first line in the sample sheet, the answer's text as OCR'd)
SAMPLE_ANSWERS: dict[str, tuple[int, str]] = {
    "q1.a": (
        3,
        """1. Linear regression is a supervised machine learning algorithm use to predict a continuous variable by using the training data that is fed into the model.

Linear regression assumes a linear relation. It fits the input features  $x \\in \\mathbb{R}^d$  and output  $y$ , goal is to find parameters  $\\beta$  such that  $\\hat{y}$  (prediction) are closest to  $y$  (outputs).

- \\* Squaring penalizes large errors more than small ones
- \\* Ensure the fn is differentiable, hence able to take gradient
- \\* Direct summation may ~~lead to~~ allow  $+ve$  &  $-ve$  terms to cancel each other. squaring ensures all errors are  $pos$""",
    ),
    "q1.d": (
        37,
        """(d). Direct convolution of  $X^T X$  in the normal equation can be problematic as taking inverse of a high dimensional matrix is computationally intensive as it takes both <sup>long</sup> time & memory.

Gradient descent takes small steps rather than take inverse of whole matrix at once, updates the other parameters of model constantly without starting calculation from start.""",
    ),
    "q2.a": (
        43,
        "(a). Backpropagation is an algorithm used to calculate gradients by propagating the error backward from output to the input layer.",
    ),
    "q2.b": (
        45,
        "(b). Chain rule helps to break down complex derivative of loss function into simple steps.",
    ),
    "q2.d": (
        71,
        "\n".join(
            [
                "- ④ To update the weights we subtract a fraction of the gradient from the current value",
                "",
                "$$w_1' = w_1 - \\alpha \\frac{\\partial L}{\\partial w_1}$$",
                "",
                "$$w_2' = w_2 - \\alpha \\frac{\\partial L}{\\partial w_2}$$",
                "",
                "$$b_1' = b_1 - \\alpha \\frac{\\partial L}{\\partial b_1}$$",
                "",
                "$$b_2' = b_2 - \\alpha \\frac{\\partial L}{\\partial b_2}$$",
                "",
                "$\\alpha \\rightarrow$  controls the step size",
                "",
                "If  $\\alpha$  is too small  ",
                "↳ convergence very slow",
                "",
                "If  $\\alpha$  is too large  ",
                "↳ may overshoot the minimum",
            ]
        ),
    ),
    "q3.a": (
        91,
        """- ① (a). RNN  $\\rightarrow$  RNN processes inputs sequentially if maintains a hidden state (memory) the output at step  $t$  depends both on current input & step  $t-1$ .

- (b). ANN  $\\rightarrow$  processes inputs independently""",
    ),
    "q3.b": (
        95,
        "- ② Similar RNN's struggle with long term dependencies due to the problem of vanishing gradient.",
    ),
    "q3.c": (
        97,
        """- ③ LSTMs uses gates to control information flow unlike RNN
- Forget gate  $\\rightarrow$  decides what irrelevant info to throw away
  - Input gate  $\\rightarrow$  decides what new important info to store
  - Output gate  $\\rightarrow$  decides what info is relevant for prediction

(ii). LSTM uses cell state to address the problem of vanishing gradient""",
    ),
    "q3.d": (
        104,
        "\n".join(
            [
                "- (Q) ANN → House price prediction  ",
                "RNN → Time series forecasting  ",
                "LSTM → Machine Translation",
            ]
        ),
    ),
    "q4.a": (
        110,
        """Example of long range dependency

(a). The ~~boy~~ boys who play Soccer in the rain were scores

The model must connect the plural subject boys at the start of the plural verb were at the end

\\* Standard RNN would struggle, by the time it processes the sentence the vanishing gradient problem ~~problem~~ would cause <sup>it</sup> to forget that the subject was "boys". It might incorrectly predict "ies".""",
    ),
    "q4.b": (
        118,
        "\n".join(
            [
                "(b). LSTM use a memory cell that carries relevant context across time steps. Gates control flow, -  ",
                "input gate decides what new <sup>into</sup> to store, forget gate decides what old <sup>into</sup> to loss thru output gate, -  ",
                "decides what to give as output. This gating prevents vanishing gradients & enables long term dependency learning.",
            ]
        ),
    ),
}

# (part, check) -> marks by the marking scheme: everything except 0.5 in Q3(b)
SAMPLE_MARKS = {
    ("q1.a", "model"): 1.0,
    ("q1.a", "squaring"): 1.0,
    ("q1.d", "normal-equation-vs-gd"): 2.0,
    ("q2.a", "backprop"): 1.0,
    ("q2.b", "chain-rule"): 1.0,
    ("q2.d", "learning-rate"): 1.0,
    ("q3.a", "rnn-vs-ann"): 1.0,
    ("q3.b", "long-term"): 0.5,
    ("q3.c", "lstm-gates"): 2.0,
    ("q3.d", "applications"): 1.0,
    ("q4.a", "example"): 1.0,
    ("q4.a", "explanation"): 1.0,
    ("q4.b", "lstm-handling"): 2.0,
}

# (part, check, idea) -> line whose words earned it, for a spot check of evidence
SAMPLE_EVIDENCE = [
    ("q1.a", "model", "linear", 5, "linear relation"),
    ("q1.a", "squaring", "no_cancelling", 9, "cancel"),
    ("q1.d", "normal-equation-vs-gd", "iterative", 39, "small steps"),
    ("q2.a", "backprop", "backward", 43, "backward"),
    ("q2.d", "learning-rate", "too_small", 83, "convergence very slow"),
    ("q2.d", "learning-rate", "too_large", 86, "overshoot"),
    ("q3.a", "rnn-vs-ann", "ann_independent", 93, "independently"),
    ("q3.c", "lstm-gates", "input_gate", 99, "Input gate"),
    ("q3.c", "lstm-gates", "cell_state", 102, "cell state"),
    ("q3.d", "applications", "rnn_application", 105, "Time series"),
    ("q4.a", "example", "concrete_example", 114, "plural"),
    ("q4.b", "lstm-handling", "memory_cell", 118, "carries relevant context"),
]


PERFECT_ANSWERS = {
    "q1.a": (
        "Linear regression is a supervised learning method that predicts a continuous output. "
        "It assumes the output is a linear function of the input features, and it chooses the "
        "parameters beta to minimise the squared difference between the predictions and the "
        "observed targets. We square the errors because squaring penalises large errors more "
        "heavily than small ones, and because the squared loss is differentiable, so we can "
        "take its gradient. Also, positive and negative errors cannot cancel each other out."
    ),
    "q1.d": (
        "Solving the normal equation needs the inverse of X^T X, which costs O(d^3) time and "
        "O(d^2) memory, so it is very expensive when there are many features. X^T X can also "
        "be singular or ill-conditioned, so the inverse may not exist. Gradient descent "
        "instead takes small iterative steps, each one cheap, and never inverts a matrix."
    ),
    "q2.a": (
        "Backpropagation computes the gradient of the loss with respect to every weight by "
        "applying the chain rule, passing the error backwards from the output layer to the "
        "input layer. The gradients are then used by gradient descent to update the weights."
    ),
    "q2.b": (
        "The chain rule lets us write the derivative of the loss with respect to an inner "
        "weight as a product of simple local derivatives along the path to the loss."
    ),
    "q2.d": (
        "$w_1 \\leftarrow w_1 - \\alpha \\, \\partial L / \\partial w_1$, and the same for "
        "b1, w2, b2.\n\nThe learning rate $\\alpha$ sets the step size. If it is too small, "
        "training converges very slowly; if it is too large, the updates overshoot the "
        "minimum and can diverge."
    ),
    "q3.a": (
        "An RNN processes a sequence one element at a time and keeps a hidden state that acts "
        "as memory, so its output at time t depends on the current input and on the hidden "
        "state from step t-1. A feed-forward network processes each input independently."
    ),
    "q3.b": (
        "Because of the vanishing gradient problem: backpropagation through time multiplies "
        "the gradient by a factor at every step, and when these factors are less than 1 the "
        "product shrinks exponentially, so the early steps get almost no learning signal."
    ),
    "q3.c": (
        "The forget gate decides which information to discard from the cell state. The input "
        "gate decides what new information to store in the cell state. The output gate "
        "decides which part of the cell state is exposed as the hidden state. Because the "
        "cell state is updated additively, information and gradients flow across many steps."
    ),
    "q3.d": (
        "ANN: predicting house prices from tabular data. RNN: short-term time series "
        "forecasting. LSTM: machine translation."
    ),
    "q4.a": (
        "In 'The keys that the man left on the kitchen table are missing', the verb 'are' "
        "must agree with the plural subject 'keys' many words earlier. A standard RNN "
        "struggles because the information about the subject must survive many time steps, "
        "and vanishing gradients make the network forget it."
    ),
    "q4.b": (
        "The LSTM keeps a memory cell that carries the context across many time steps, and "
        "its gates decide what to keep, what to add and what to output, so the relevant "
        "information is not overwritten."
    ),
}
PERFECT_MARKS = {key: None for key in SAMPLE_MARKS}  # None: full marks for the check


MISCONCEPTION_ANSWERS = {
    "q1.a": (
        "Linear regression is an unsupervised method for grouping the data into classes. "
        "Squaring makes the numbers bigger."
    ),
    "q1.d": (
        "The normal equation is never expensive to compute and X^T X is not singular, so "
        "there is no problem. Gradient descent is just another way to get the answer."
    ),
    "q2.a": (
        "Backpropagation is the forward pass: the error is propagated forward from the input "
        "layer to the output layer, and it calculates the gradients of the loss."
    ),
    "q2.b": "The chain rule adds up the weights of the network.",
    "q2.d": (
        "If the learning rate is too small it overshoots the minimum, and if it is too large "
        "the training is slow."
    ),
    "q3.a": "An RNN is a bigger ANN with more layers and more neurons.",
    "q3.b": "Standard RNNs struggle because the gradients explode, they never vanish.",
    "q3.c": (
        "The forget gate decides what new information to store in the cell state. The input "
        "gate decides what old information to throw away. The output gate decides what part "
        "of the cell state is output as the hidden state. The cell state does not solve the "
        "vanishing gradient."
    ),
    "q3.d": "ANN: translation. RNN: images.",
    "q4.a": (
        "For example, in 'The boys who play soccer in the rain were tired', the verb must "
        "agree with the subject. A standard RNN struggles because of exploding gradients, "
        "which make training unstable."
    ),
    "q4.b": (
        "The LSTM has a memory cell that carries the context across time steps. The forget "
        "gate decides what new information to store and the input gate decides what old "
        "information to forget."
    ),
}
MISCONCEPTION_MARKS = {
    ("q1.a", "model"): 0.0,  # "unsupervised", nothing else
    ("q1.a", "squaring"): 0.0,
    ("q1.d", "normal-equation-vs-gd"): 0.0,  # both problems negated
    ("q2.a", "backprop"): 0.5,  # the forward pass costs the direction; gradients stay
    ("q2.b", "chain-rule"): 0.0,
    ("q2.d", "learning-rate"): 0.0,  # small/large swapped
    ("q3.a", "rnn-vs-ann"): 0.0,
    ("q3.b", "long-term"): 0.0,  # exploding gradients alone
    ("q3.c", "lstm-gates"): 0.5,  # forget and input swapped, cell state negated; output stays
    ("q3.d", "applications"): 0.0,
    ("q4.a", "example"): 1.0,
    ("q4.a", "explanation"): 0.0,  # exploding gradients, unstable training
    ("q4.b", "lstm-handling"): 1.0,  # the memory cell stays, the swapped gates cost the rest
}
MISCONCEPTIONS_EXPECTED = {
    ("q2.a", "backprop"): {"forward_pass"},
    ("q2.d", "learning-rate"): {"small_overshoots", "large_slow"},
    ("q3.b", "long-term"): {"exploding_only", "exploding_alone"},
    ("q3.c", "lstm-gates"): {"forget_gate_stores", "input_gate_discards"},
    ("q4.a", "explanation"): {"exploding_alone"},
    ("q4.b", "lstm-handling"): {"forget_gate_stores", "input_gate_discards"},
}


def _check(exam_specs, part: str, check_id: str):
    return dict(exam_specs[part])[check_id]


def test_sample_answers_are_the_sheet_lines():
    """The copies above are the sheet's own lines (so the line numbers are true)."""
    lines = SAMPLE.read_text(encoding="utf-8").split("\n")
    for part, (first_line, text) in SAMPLE_ANSWERS.items():
        copied = text.split("\n")
        assert lines[first_line - 1 : first_line - 1 + len(copied)] == copied, part


def test_every_free_text_part_has_a_spec(exam_specs):
    assert set(exam_specs) == {
        "q1.a", "q1.d", "q2.a", "q2.b", "q2.d", "q3.a", "q3.b", "q3.c", "q3.d", "q4.a", "q4.b"
    }  # fmt: skip
    assert {(part, check) for part in exam_specs for check, _ in exam_specs[part]} == set(
        SAMPLE_MARKS
    )


def test_spec_points_follow_the_marking_scheme(exam_specs):
    points = {(p, c): spec.max_score for p in exam_specs for c, spec in exam_specs[p]}
    by_part: dict[str, float] = {}
    for (part, _), value in points.items():
        by_part[part] = by_part.get(part, 0.0) + value
    assert by_part == {
        "q1.a": 2, "q1.d": 2, "q2.a": 1, "q2.b": 1, "q2.d": 1, "q3.a": 1,
        "q3.b": 1, "q3.c": 2, "q3.d": 1, "q4.a": 2, "q4.b": 2,
    }  # fmt: skip


@pytest.mark.parametrize(("part", "check_id"), list(SAMPLE_MARKS), ids=lambda v: str(v))
def test_sample_sheet_gets_the_marking_scheme_marks(exam_specs, part, check_id):
    first_line, text = SAMPLE_ANSWERS[part]
    result = grade_concepts(text, _check(exam_specs, part, check_id), first_line=first_line)
    assert result.score == SAMPLE_MARKS[(part, check_id)], (result.matched, result.missing)
    assert not result.misconceptions
    for match in result.matched:
        assert first_line <= match.line_no < first_line + len(text.split("\n"))


def test_sample_sheet_free_text_total(exam_specs):
    total = 0.0
    for part, (first_line, text) in SAMPLE_ANSWERS.items():
        for _, spec in exam_specs[part]:
            total += grade_concepts(text, spec, first_line=first_line).score
    assert total == 15.5  # 16 free-text marks less 0.5 in Q3(b)


def test_sample_q3b_names_the_problem_but_not_the_mechanism(exam_specs):
    first_line, text = SAMPLE_ANSWERS["q3.b"]
    result = grade_concepts(text, _check(exam_specs, "q3.b", "long-term"), first_line=first_line)
    assert [m.id for m in result.matched] == ["vanishing"]
    assert result.missing == ["mechanism"]
    assert result.feedback == ["Explain how the gradient shrinks as it goes back through time."]


@pytest.mark.parametrize(
    ("part", "check_id", "idea", "line_no", "words"),
    SAMPLE_EVIDENCE,
    ids=[f"{p}-{i}" for p, _, i, _, _ in SAMPLE_EVIDENCE],
)
def test_sample_evidence_quotes_the_student(exam_specs, part, check_id, idea, line_no, words):
    first_line, text = SAMPLE_ANSWERS[part]
    result = grade_concepts(text, _check(exam_specs, part, check_id), first_line=first_line)
    match = next(m for m in result.matched if m.id == idea)
    assert match.line_no == line_no
    assert words in match.text
    assert match.text in text.replace("\n", " / ") or all(
        piece in text for piece in match.text.split(" / ")
    )


@pytest.mark.parametrize(("part", "check_id"), list(SAMPLE_MARKS), ids=lambda v: str(v))
def test_perfect_typed_answer_gets_full_marks(exam_specs, part, check_id):
    spec = _check(exam_specs, part, check_id)
    result = grade_concepts(PERFECT_ANSWERS[part], spec)
    assert result.score == spec.max_score, (result.matched, result.missing, result.negated)
    assert not result.misconceptions
    assert not result.feedback


@pytest.mark.parametrize(("part", "check_id"), list(SAMPLE_MARKS), ids=lambda v: str(v))
def test_misconception_laden_typed_answer(exam_specs, part, check_id):
    spec = _check(exam_specs, part, check_id)
    result = grade_concepts(MISCONCEPTION_ANSWERS[part], spec)
    assert result.score == MISCONCEPTION_MARKS[(part, check_id)], (
        result.matched,
        result.misconceptions,
    )
    found = {m.id for m in result.misconceptions}
    assert found == MISCONCEPTIONS_EXPECTED.get((part, check_id), set())
    if result.score < spec.max_score:
        assert result.feedback


def test_feedback_never_quotes_an_answer_or_a_phrasing(exam_specs):
    """Feedback is the rubric's own hint text, never a phrasing (the reference's words)."""
    for part, checks in exam_specs.items():
        for _, spec in checks:
            result = grade_concepts(MISCONCEPTION_ANSWERS[part], spec)
            hints = {i.feedback for i in spec.ideas} | {m.feedback for m in spec.misconceptions}
            assert set(result.feedback) <= hints


# The typed example sheets (submissions/typed-*/sheet.md, free-text parts copied
# to tests/text/files/typed-sheets.yaml). Marks from submissions/README.md, which
# computes them by hand from the marking scheme: free-text parts only, of 16.
TYPED_SHEETS = Path(__file__).parent / "files" / "typed-sheets.yaml"
TYPED_FREE_TEXT_MARKS = {
    "typed-perfect": 16.0,
    "typed-mistakes": 16.0,  # its mistakes are all in the math parts
    "typed-misconceptions": 13.5,  # Q2(a) 0.5, Q3(b) 0, Q3(c) 1
}
TYPED_LOST = {
    "typed-misconceptions": {
        ("q2.a", "backprop"): (0.5, {"forward_pass"}),
        ("q3.b", "long-term"): (0.0, {"exploding_alone"}),  # "exploding gradients" alone
        ("q3.c", "lstm-gates"): (1.0, {"forget_gate_stores", "input_gate_discards"}),
    }
}


@pytest.mark.parametrize("sheet", list(TYPED_FREE_TEXT_MARKS))
def test_typed_sheets_get_their_marks(exam_specs, sheet):
    import yaml

    answers = yaml.safe_load(TYPED_SHEETS.read_text(encoding="utf-8"))[sheet]
    total = 0.0
    for part, answer in answers.items():
        for check_id, spec in exam_specs[part]:
            result = grade_concepts(answer["text"], spec, first_line=answer["first_line"])
            total += result.score
            expected = TYPED_LOST.get(sheet, {}).get((part, check_id))
            if expected is None:
                assert result.score == spec.max_score, (sheet, part, check_id, result.missing)
                assert not result.misconceptions
            else:
                assert result.score == expected[0]
                assert {m.id for m in result.misconceptions} == expected[1]
    assert total == TYPED_FREE_TEXT_MARKS[sheet]


# A second full-marks answer in other words (abbreviations, "w.r.t.", "too low",
# "bounces", "collinear", an example without the word "subject"): the specs must
# not depend on the marking scheme's own wording.
PARAPHRASED_ANSWERS = {
    "q1.a": "Linear regression learns from labeled examples (so it's supervised) and outputs a real-valued number. The model assumes y is linearly related to x. The coefficients are picked to minimize the sum of squared residuals. Squaring punishes big mistakes much more, the function is smooth so derivatives exist, and the sign of each error is removed so errors don't cancel out.",
    "q1.d": "For a large number of features the inversion of X^T X is too slow (O(p^3)) and uses lots of memory. Also if features are collinear the matrix is not invertible. GD just updates the weights iteratively with cheap steps and avoids computing any inverse.",
    "q2.a": "Backprop goes backwards through the network, layer by layer, using the chain rule to get the derivative of the loss w.r.t. each parameter.",
    "q2.b": "It lets us multiply the local gradients of each layer together to get the gradient for weights deep inside the network.",
    "q2.d": "alpha is the learning rate. Too low: it takes forever to converge. Too high: it bounces around the minimum and can diverge.",
    "q3.a": "Unlike a feedforward net, an RNN has a loop: it reads the input one time step at a time and feeds its hidden state back in, so the current output also depends on previous inputs.",
    "q3.b": "During backpropagation through time the gradient gets multiplied by the recurrent weight matrix at every time step; if its values are smaller than one the gradient decays exponentially and vanishes.",
    "q3.c": "Forget gate: chooses what to remove from the cell state. Input gate: chooses which new values get written into the cell. Output gate: controls what part of the cell is passed on as the hidden state. Since the cell state is changed only by addition, the gradient can flow back through many steps without vanishing.",
    "q3.d": "A plain ANN can be used for image classification, an RNN for sentiment analysis of short texts, and an LSTM for speech recognition.",
    "q4.a": "In 'I grew up in France ... so I speak fluent French', the word French depends on France from much earlier. A vanilla RNN has trouble since by the time it reaches the end, the early information has been lost; gradients vanish over many steps.",
    "q4.b": "LSTMs keep a separate cell state that can hold information over long periods, and gates control what is written to it, erased from it, and read from it, so important context is not overwritten.",
}


@pytest.mark.parametrize(("part", "check_id"), list(SAMPLE_MARKS), ids=lambda v: str(v))
def test_paraphrased_answer_gets_full_marks(exam_specs, part, check_id):
    spec = _check(exam_specs, part, check_id)
    result = grade_concepts(PARAPHRASED_ANSWERS[part], spec)
    assert result.score == spec.max_score, (result.matched, result.missing, result.negated)
    assert not result.misconceptions


# Answers that use the topic's words without making the points: they earn nothing.
WEAK_ANSWERS = {
    "q1.a": "Linear regression draws a line through the data. Squaring is a common operation.",
    "q1.d": "The normal equation is easy and fast; gradient descent is another algorithm.",
    "q2.a": "Backpropagation is an algorithm used in neural networks.",
    "q2.b": "The chain rule is a rule from calculus.",
    "q2.d": "The learning rate should be chosen carefully, neither too small nor too large.",
    "q3.a": "An RNN is recurrent and an ANN is artificial.",
    "q3.b": "Standard RNNs are just not good at long sequences.",
    "q3.c": "An LSTM has three gates: forget, input and output.",
    "q3.d": "ANN, RNN and LSTM are all neural networks.",
    "q4.a": "Long-range dependencies are hard for a standard RNN.",
    "q4.b": "An LSTM is better than an RNN at this.",
}


@pytest.mark.parametrize(("part", "check_id"), list(SAMPLE_MARKS), ids=lambda v: str(v))
def test_weak_answer_earns_nothing(exam_specs, part, check_id):
    result = grade_concepts(WEAK_ANSWERS[part], _check(exam_specs, part, check_id))
    assert result.score == 0.0, result.matched
    assert result.feedback


# Properties over the specs and answers above (hypothesis).
CHECKS = sorted(SAMPLE_MARKS)
ANSWERS = [("perfect", PERFECT_ANSWERS), ("paraphrased", PARAPHRASED_ANSWERS)]


def sentences(text: str) -> list[str]:
    return [s for s in re.split(r"(?<=[.;])\s+", text) if s]


@settings(max_examples=60, deadline=None)
@given(st.sampled_from(CHECKS), st.sampled_from(ANSWERS), st.data())
def test_dropping_sentences_never_raises_the_score(exam_specs, check, answers, data):
    part, check_id = check
    spec = dict(exam_specs[part])[check_id]
    text = answers[1][part]
    pieces = sentences(text)
    kept = data.draw(st.lists(st.sampled_from(range(len(pieces))), unique=True))
    subset = " ".join(pieces[i] for i in sorted(kept))
    assert grade_concepts(subset, spec).score <= grade_concepts(text, spec).score


@settings(max_examples=40, deadline=None)
@given(st.sampled_from(CHECKS), st.sampled_from(ANSWERS))
def test_case_does_not_matter(exam_specs, check, answers):
    part, check_id = check
    spec = dict(exam_specs[part])[check_id]
    text = answers[1][part]
    if "\\" in text:  # LaTeX commands are case-sensitive (\alpha, not \ALPHA)
        return
    assert grade_concepts(text.upper(), spec).score == grade_concepts(text, spec).score


@settings(max_examples=40, deadline=None)
@given(st.sampled_from(CHECKS), st.integers(min_value=1, max_value=500))
def test_line_numbers_shift_with_first_line(exam_specs, check, first_line):
    part, check_id = check
    spec = dict(exam_specs[part])[check_id]
    base = grade_concepts(PERFECT_ANSWERS[part], spec)
    shifted = grade_concepts(PERFECT_ANSWERS[part], spec, first_line=first_line)
    assert shifted.score == base.score
    assert [m.line_no - first_line + 1 for m in shifted.matched] == [
        m.line_no for m in base.matched
    ]
