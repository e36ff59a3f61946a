"""OCR normalisation: each step as a table of (input, output, repair noted)."""

from __future__ import annotations

import pytest

from grader.math.normalize import (
    DEFAULT_STEPS,
    Step,
    find_closing_brace,
    keep_insertions,
    normalize_ocr,
    replace_unicode,
    strip_alignment,
    strip_cancel,
    strip_decorations,
    strip_deleted,
    strip_delimiters,
    strip_labels,
    strip_styles,
)

# (step, input, expected output, words expected in the repair note or None for no repair)
STEP_CASES = [
    (strip_delimiters, "$$x = 1$$", " x = 1 ", "delimiters"),
    (strip_delimiters, r"\[x\]", " x ", "delimiters"),
    (strip_delimiters, "x = 1", "x = 1", None),
    (strip_cancel, r"a - \cancel{y^T X B} + b", "a - {y^T X B} + b", "kept 'y^T X B'"),
    (strip_cancel, r"\bcancel{x}\xcancel {y}", "{x}{y}", "\\bcancel"),
    (strip_cancel, r"\cancel{\frac{1}{2}}", r"{\frac{1}{2}}", "kept"),
    (strip_cancel, r"\cancel{(y^T X B)^T}", "{(y^T X B)^T}", "kept"),
    (strip_cancel, r"\cancel{x", "{x", "unbalanced"),
    (strip_cancel, r"\cancelto{0}{x}", "{x}", "kept 'x'"),
    (strip_deleted, "may ~~lead to~~ allow", "may   allow", "deleted text 'lead to'"),
    (strip_deleted, "a ~ b", "a ~ b", None),
    (keep_insertions, "both <sup>long</sup> time", "both  long  time", "inserted text 'long'"),
    (keep_insertions, "x<sub>1</sub>", "x 1 ", "inserted"),
    (strip_labels, "(b). J = 1", "J = 1", "label '(b).'"),
    (strip_labels, "(ii). LSTM", "LSTM", "label '(ii).'"),
    (strip_labels, "1. Linear", "Linear", "label '1.'"),
    (strip_labels, "Q3. x", "x", "label 'Q3.'"),
    (strip_labels, "④ To update", "To update", "label '④'"),
    (strip_labels, r"- \* Squaring", "Squaring", "label"),
    (strip_labels, "- ④ To update", "To update", "label '- ④'"),
    (strip_labels, "(b) J = 1", "J = 1", "label '(b)'"),
    (strip_labels, "(y - XB)^T (y - XB)", "(y - XB)^T (y - XB)", None),
    (strip_labels, "(x) = 2", "(x) = 2", None),
    (strip_labels, "2 x + 1", "2 x + 1", None),
    (strip_labels, "1.5 x", "1.5 x", None),
    (strip_styles, r"\displaystyle x", " x", "displaystyle"),
    (strip_styles, r"x \tag{1}", "x  ", "tag"),
    (strip_alignment, r"\begin{aligned} a &= b \end{aligned}", "  a  = b  ", "alignment"),
    (
        strip_alignment,
        r"\begin{bmatrix} 1 & 2 \end{bmatrix}",
        r"\begin{bmatrix} 1 & 2 \end{bmatrix}",
        None,
    ),
    (strip_alignment, "x = 1", "x = 1", None),
    (strip_decorations, r"\boxed{\beta = X^T y}", r" \beta = X^T y ", "\\boxed"),
    (strip_decorations, r"2\boxed{x+1}", "2{x+1}", "\\boxed"),
    (strip_decorations, r"\underbrace{y^T y}_{\text{scalar}} + 1", "{y^T y} + 1", "\\underbrace"),
    (strip_decorations, r"\textcolor{red}{y}", "{y}", "\\textcolor"),
    (strip_decorations, r"{\color{red} x}", "{  x}", "\\color"),
    (strip_decorations, r"\overline{x}", r"\overline{x}", None),
    (replace_unicode, "a − b", "a - b", "'−' as '-'"),
    (replace_unicode, "a × b", r"a  \times  b", "'×'"),
    (replace_unicode, "a · b", r"a  \cdot  b", "'·'"),
    (replace_unicode, "x → y", r"x  \to  y", "'→'"),
    (replace_unicode, "⇒ x", r" \Rightarrow  x", "'⇒'"),
    (replace_unicode, "x ≤ y", r"x  \le  y", "'≤'"),
    (replace_unicode, "βx", r" \beta x", "'β'"),
    (replace_unicode, "σ(z)", r" \sigma (z)", "'σ'"),
    (replace_unicode, "x²", "x^2", "'²'"),
    (replace_unicode, "∂L/∂w", r" \partial L/ \partial w", "'∂'"),
    (replace_unicode, "plain", "plain", None),
    (replace_unicode, "w₁ + a₂", "w_1 + a_2", "'₁' as '_1'"),
    (replace_unicode, "x₁₂", "x_{12}", "'₁₂' as '_{12}'"),
    (replace_unicode, "Xᵀy", "X^Ty", "'ᵀ' as '^T'"),
    (replace_unicode, "(XᵀX)⁻¹", "(X^TX)^{-1}", "'⁻¹'"),
    (replace_unicode, "x⁴", "x^4", "'⁴'"),
    (replace_unicode, "½ x", r" \frac{1}{2}  x", "'½'"),
    (replace_unicode, "¼", r" \frac{1}{4} ", "'¼'"),
    (replace_unicode, "w ← w", r"w  \leftarrow  w", "'←'"),
    (replace_unicode, "∇J", r" \nabla J", "'∇'"),
    (replace_unicode, "y ∈ ℝ", r"y  \in   \mathbb{R} ", "'∈'"),
]


@pytest.mark.parametrize(
    ("step", "text", "expected", "note"),
    STEP_CASES,
    ids=[f"{c[0].__name__}:{c[1]}" for c in STEP_CASES],
)
def test_steps(step, text, expected, note):
    output, notes = step(text)
    assert output == expected
    if note is None:
        assert notes == []
    else:
        assert notes and note in " ".join(notes)


def test_pipeline_on_a_sheet_line():
    result = normalize_ocr(
        r"$$= \frac{1}{2} (y^T y - \cancel{y^T X B} - \cancel{B^T X^T y} + B^T X^T X B)$$"
    )
    assert result.text == r"= \frac{1}{2} (y^T y - {y^T X B} - {B^T X^T y} + B^T X^T X B)"
    assert [r.step for r in result.repairs] == ["delimiters", "cancel", "cancel"]
    assert result.messages == [
        "removed \\cancel strokes, kept 'y^T X B'",
        "removed \\cancel strokes, kept 'B^T X^T y'",
    ]
    assert result.repairs[0].cosmetic


def test_label_after_delimiters():
    result = normalize_ocr(r"$$(b). J = \frac{1}{2} \|y - XB\|^2$$")
    assert result.text == r"J = \frac{1}{2} \|y - XB\|^2"
    assert result.messages == ["removed label '(b).'"]


def test_deleted_text_inside_a_line_is_gone_before_labels():
    assert normalize_ocr("~~(a).~~ x = 1").text == "x = 1"


def test_custom_pipeline():
    shout = Step("upper", lambda text: (text.upper(), ["shouted"]))
    result = normalize_ocr("x", steps=(*DEFAULT_STEPS, shout))
    assert result.text == "X"
    assert result.messages == ["shouted"]


def test_clean_text_has_no_repairs():
    result = normalize_ocr(r"X^T X \beta = X^T y")
    assert result.repairs == []
    assert result.text == r"X^T X \beta = X^T y"


@pytest.mark.parametrize(
    ("text", "index", "expected"),
    [("{a}", 0, 2), ("{a{b}c}", 0, 6), (r"{\}}", 0, 3), ("{a", 0, -1), ("x{y}", 1, 3)],
)
def test_find_closing_brace(text, index, expected):
    assert find_closing_brace(text, index) == expected
