"""Check a derivation line by line: each step against the student's previous
line (does it follow?) and against the truth (is it right?).

``check_derivation(lines, context, milestones=..., time_limit=...)`` reads the
math of an answer (``grader.math.lines``), parses each statement with the
context's symbol table, classifies it and judges it:

==================  ==========================================================
kind                what it is, and how it is judged
==================  ==========================================================
``definition``      ``z_2 = w_2 a_1 + b_2`` restating the context (judged
                    against the context's definition), or a new name
                    (``w_1' = ...``: recorded, not judged)
``rewrite``         the same quantity in a new form: ``J = ...``, a line
                    starting with ``=``, members of a chain ``A = B = C``;
                    right when equal to the quantity's true value, follows
                    when equal to the student's previous value of it
``differentiation`` a derivative quantity (``\\frac{\\partial L}{\\partial
                    w_1}``, ``\\nabla J(\\beta)``) or ``\\nabla (expr)``;
                    truth from :mod:`grader.math.calculus` on the context's
                    definitions; a product of partials counts with the
                    student's own values for the partials they derived
``equation``        an equation transformed, judged as a solution-set
                    implication (previous line => this line; true equation
                    <=> this line). ``E = 0`` right after a gradient is a
                    stationarity condition: E is also compared with the
                    gradient's true value
``side_note``       ``\\therefore ... = \\text{scalar}``, ``\\leftarrow`` notes,
                    local derivatives (``\\frac{\\partial z_2}{\\partial w_2} =
                    a_1``), statements about another quantity, shapes
``unreadable``      the parser failed: position and reason, flagged for
                    review, never charged
``text``            words
==================  ==========================================================

A step that is wrong against the truth but follows from the student's own
earlier wrong line is ``carried_forward`` (error carried forward), unless it
is meaningless (shapes that do not agree, division by a matrix). For
backpropagation partials that is judged on values: what the right local
derivatives give from the student's own earlier partials.

OCR suspects are flagged for a human, never charged: a line whose one unknown
name (not in the context) makes it right for a simple constant ("'f' read
where 1/2 makes the line right"), and side notes that are garbled (a shape
mismatch, a ``\\therefore`` aside that is nonsense).

Milestones are engine-level targets (scoring is elsewhere): see
:class:`Milestone` and ``docs/derivations.md``.

Every step is checked under ``time_limit`` seconds (``grader.timelimit``): a
step that runs out is ``undetermined`` and the others are still checked.

Comparisons are numeric (:class:`grader.math.calculus.Evaluator`): both sides
at three random points, with the graph's names (``a1``) taking the values
their definitions give there.

Layout (private modules, this file is the public face):

================  ============================================================
``_driver``       ``check_derivation``, ``check_derivation_file``: the run
``_reading``      math lines and statements of the answer
``_steps``        one step classified, the checks of its kind run
``_checks``       values vs the previous line and the truth, ECF
``_equations``    equation steps as solution sets, stationarity
``_ocr``          OCR suspects: misread names, garbled side notes
``_milestones``   engine-level targets found in the steps
``_checker``      the state of one check (what the student has said so far)
``_values``       numeric comparison and the difference named
``_graph``        the context's definitions as a graph, cached per context
``_results``      the result types
``_render``       ``format_derivation``: the text table
================  ============================================================
"""

from __future__ import annotations

from grader.math.derivation._checks import OTHER_QUANTITY
from grader.math.derivation._driver import (
    DEFAULT_TIME_LIMIT,
    PendingDerivation,
    check_derivation,
    check_derivation_file,
    start_derivation,
)
from grader.math.derivation._render import format_derivation
from grader.math.derivation._results import (
    DerivationResult,
    DerivationStep,
    Milestone,
    MilestoneResult,
    StepKind,
)
from grader.math.derivation._values import split_quantity

__all__ = [
    "DEFAULT_TIME_LIMIT",
    "DerivationResult",
    "DerivationStep",
    "Milestone",
    "MilestoneResult",
    "OTHER_QUANTITY",
    "PendingDerivation",
    "StepKind",
    "check_derivation",
    "check_derivation_file",
    "format_derivation",
    "split_quantity",
    "start_derivation",
]
