"""Are two answers the same? Numeric first, symbolic second, three-valued.

``equivalent(a, b, context)`` returns an :class:`Equivalence` whose verdict is

- ``equal``: the two agree at every random point tried (and at least three
  points were inside both sides' domains), or SymPy shows their difference is 0;
- ``not_equal``: they differ, with a ``diagnosis`` (shape mismatch, sign flip,
  constant factor, missing or extra term, missing factor, different);
- ``undetermined``: the grader could not tell (could not parse, timed out, too
  few points inside the domain, a construct it cannot evaluate), with the
  reason. A student's right answer must never be lost to the grader's
  limits, so whatever is not shown is never reported as ``not_equal``.

The numeric step (``grader.math.evaluate``) draws values for every symbol
(matrices of concrete, distinct sizes per dimension symbol) and evaluates both
sides at the same points. It is bounded by construction. SymPy is only asked
when the numbers cannot decide (too few valid points, values that agree only
roughly, a construct the evaluator does not know); it runs in a worker
process under ``time_limit`` (``grader.timelimit``), killed if it runs over.

Equations compare as equations: ``a = b`` is equivalent to ``c = d`` when they
have the same solutions. See :func:`grader.math.equivalence._equations.compare_equations`.

Convention: ``a`` is the answer being judged and ``b`` the reference, so a
diagnosis reads "a is b with a missing term". The verdict itself is
symmetric.

Layout (private modules, this file is the public face):

================  ============================================================
``_compare``      ``equivalent``: one pair
``_batch``        ``equivalent_many``, ``equivalent_jsonl``: many pairs
``_sides``        the two sides read: expression, equation or malformed
``_expressions``  two expressions: numbers, then SymPy
``_equations``    two equations: the same solutions
``_diagnosis``    what differs: sign, factor, term
``_numeric``      the random points and the tolerances
``_symbolic``     SymPy under the time limit
``_result``       :class:`Equivalence`
================  ============================================================
"""

from __future__ import annotations

from grader.math.equivalence._batch import equivalent_jsonl, equivalent_many
from grader.math.equivalence._compare import equivalent
from grader.math.equivalence._result import EQUAL, NOT_EQUAL, UNDETERMINED, Equivalence
from grader.math.equivalence._sides import MAX_EXPRESSION_CHARS

__all__ = [
    "Equivalence",
    "equivalent",
    "equivalent_many",
    "equivalent_jsonl",
    "MAX_EXPRESSION_CHARS",
    "EQUAL",
    "NOT_EQUAL",
    "UNDETERMINED",
]
