"""Fixtures for the submission tests: the ML exam's layout (rubrics/ml-exam.md),
written the way the pipeline builds it from the rubric (ids, kinds, keywords
taken from the marking scheme's wording)."""

from __future__ import annotations

import pytest

from grader.submission import PartLayout, QuestionLayout


@pytest.fixture
def ml_layout() -> list[QuestionLayout]:
    return ml_exam_layout()


def ml_exam_layout() -> list[QuestionLayout]:
    return [
        QuestionLayout(
            "q1",
            parts=[
                PartLayout(
                    "q1.a",
                    kind="text",
                    keywords=[
                        "supervised",
                        "continuous",
                        "linear relation",
                        "squaring",
                        "squared",
                        "differentiable",
                        "cancel",
                    ],
                ),
                PartLayout(
                    "q1.b",
                    kind="math",
                    keywords=[
                        "gradient",
                        "nabla",
                        "partial",
                        "normal equation",
                        "X^T X",
                        "X^T y",
                        "^{-1}",
                    ],
                ),
                PartLayout(
                    "q1.c",
                    kind="math",
                    keywords=[
                        "dimension",
                        "shape",
                        "\\times",
                        "\\mathbb{R}",
                        "R^",
                        "bmatrix",
                        "n x 1",
                        "d+1",
                    ],
                ),
                PartLayout(
                    "q1.d",
                    kind="text",
                    keywords=[
                        "inverse",
                        "invert",
                        "singular",
                        "ill-conditioned",
                        "expensive",
                        "memory",
                        "gradient descent",
                        "iterative",
                    ],
                ),
                PartLayout(
                    "q1.e",
                    kind="code",
                    keywords=["def fit_normal_equation", "def gradient_descent"],
                ),
            ],
        ),
        QuestionLayout(
            "q2",
            parts=[
                PartLayout(
                    "q2.a",
                    kind="text",
                    keywords=["backpropagation", "gradient", "backward", "chain rule", "weights"],
                ),
                PartLayout(
                    "q2.b",
                    kind="text",
                    keywords=["chain rule", "product", "local derivative", "break"],
                ),
                PartLayout(
                    "q2.c",
                    kind="math",
                    keywords=["\\partial L", "dL/d", "z_2", "w_2", "b_1", "a_1(1 - a_1)"],
                ),
                PartLayout(
                    "q2.d",
                    kind="mixed",
                    keywords=[
                        "update",
                        "learning rate",
                        "\\alpha",
                        "too small",
                        "too large",
                        "overshoot",
                        "converge",
                    ],
                ),
                PartLayout("q2.e", kind="code", keywords=["def forward_backward"]),
            ],
        ),
        QuestionLayout(
            "q3",
            parts=[
                PartLayout(
                    "q3.a",
                    kind="text",
                    keywords=[
                        "RNN",
                        "hidden state",
                        "sequence",
                        "memory",
                        "independently",
                        "feed-forward",
                    ],
                ),
                PartLayout(
                    "q3.b",
                    kind="text",
                    keywords=[
                        "vanishing gradient",
                        "long-term",
                        "long term",
                        "exploding",
                        "product",
                    ],
                ),
                PartLayout(
                    "q3.c",
                    kind="text",
                    keywords=["forget gate", "input gate", "output gate", "cell state", "gates"],
                ),
                PartLayout(
                    "q3.d",
                    kind="text",
                    keywords=[
                        "application",
                        "house price",
                        "time series",
                        "forecasting",
                        "translation",
                        "speech",
                        "tabular",
                        "classification",
                    ],
                ),
                PartLayout("q3.e", kind="code", keywords=["def lstm_cell"]),
            ],
        ),
        QuestionLayout(
            "q4",
            parts=[
                PartLayout(
                    "q4.a",
                    kind="text",
                    keywords=["example", "subject", "verb", "pronoun", "long-range", "vanishing"],
                ),
                PartLayout(
                    "q4.b",
                    kind="text",
                    keywords=["memory cell", "cell state", "gates", "forget", "keep"],
                ),
            ],
        ),
    ]
