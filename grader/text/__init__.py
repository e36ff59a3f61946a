"""grader.text: free-text answers graded by instructor-written concept rubrics.

``grade_concepts(text, spec)`` finds each idea's phrasings in the answer
(stemming, British/American spelling, abbreviations, OCR slips, negation),
applies misconceptions, and scores by the spec's rule with evidence per idea.
``similarity_grade(answer, reference, max_marks=...)`` is the fallback for a
part that has only a reference answer. Knows nothing of rubrics files or
reports: the pipeline maps results to points.
"""

from __future__ import annotations

from grader.text._phrasing import PhrasingError, parse_phrasing
from grader.text.concepts import ConceptResult, IdeaMatch, MisconceptionMatch, grade_concepts
from grader.text.similarity import SimilarityResult, similarity_grade
from grader.text.spec import ConceptSpec, Idea, Misconception

__all__ = [
    "ConceptResult",
    "ConceptSpec",
    "Idea",
    "IdeaMatch",
    "Misconception",
    "MisconceptionMatch",
    "PhrasingError",
    "SimilarityResult",
    "grade_concepts",
    "parse_phrasing",
    "similarity_grade",
    "validate_phrasing",
]


def validate_phrasing(text: str) -> str | None:
    """Why ``text`` is not a valid phrasing, or None when it is (for rubric validators)."""
    try:
        parse_phrasing(text)
    except PhrasingError as error:
        return str(error)
    return None
