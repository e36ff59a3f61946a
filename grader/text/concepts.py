"""Grading a free-text answer against a concept spec.

For each idea, every phrasing is looked for in the answer; a match that is
negated ("does not solve the vanishing gradient") earns nothing. Each
misconception found (and not negated) cancels the ideas it contradicts and
costs its penalty; one with ``unless`` ideas applies only when none of them
was found (not negated). The score follows the spec's rule; each credited idea
carries the student's words and line that earned it; feedback is the
rubric's own text for what is missing or wrong, so the reference answer is
never quoted.

When the spec has no ideas, only a reference answer, the similarity fallback
grades it (``grader.text.similarity``).
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field
from functools import lru_cache
from typing import Any

from grader.text._normalize import tokenize
from grader.text._phrasing import AnswerIndex, Match, Phrasing, find_matches
from grader.text.spec import ConceptSpec, Idea, Misconception

__all__ = ["ConceptResult", "IdeaMatch", "MisconceptionMatch", "grade_concepts"]


@dataclass
class IdeaMatch:
    """An idea found in the answer: the words and the line that earned it."""

    id: str
    text: str
    line_no: int
    phrasing: str = ""
    repairs: list[str] = field(default_factory=list)  # fuzzy or OCR readings it needed


@dataclass
class MisconceptionMatch:
    id: str
    text: str
    line_no: int
    penalty: float
    cancels: list[str]
    phrasing: str = ""


@dataclass
class ConceptResult:
    score: float
    max_score: float
    matched: list[IdeaMatch]  # ideas credited
    missing: list[str]  # ideas not credited (absent, negated or cancelled)
    misconceptions: list[MisconceptionMatch]
    feedback: list[str]
    needs_review: bool = False
    review_reasons: list[str] = field(default_factory=list)
    negated: list[IdeaMatch] = field(default_factory=list)  # ideas found only negated
    # ideas found but cancelled (by a misconception, or said without their reason)
    cancelled: list[str] = field(default_factory=list)
    proposed: list[dict[str, Any]] = field(default_factory=list)  # embedding proposals
    # substantial sentences close in meaning to the ideas that no rule matched
    unmatched_on_topic: list[dict[str, Any]] = field(default_factory=list)
    method: str = "concepts"  # or "similarity" for the reference-only fallback

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def _idea_match(index: AnswerIndex, idea_id: str, match: Match) -> IdeaMatch:
    return IdeaMatch(
        idea_id,
        index.evidence(match.first, match.last),
        index.tokens[match.first].line_no,
        match.phrasing,
        list(match.repairs),
    )


# content words (stop words aside) that make an answer more than "I don't know"
_SUBSTANTIAL_CONTENT_WORDS = 3


@lru_cache(maxsize=64)
def _answer_index(text: str, first_line: int) -> AnswerIndex:
    """One index per answer, shared by the part's checks (and by repeated grading)."""
    return AnswerIndex(tokenize(text, first_line=first_line), text.split("\n"), first_line)


def _best(matches: list[Match]) -> Match | None:
    """The match needing the fewest repairs, then the tightest, then the first."""
    if not matches:
        return None
    return min(matches, key=lambda m: (len(m.repairs), m.last - m.first, m.first))


def _find(
    index: AnswerIndex, item: Idea | Misconception, window: int = 1
) -> tuple[Match | None, Match | None]:
    """(best non-negated match, best negated match) over all phrasings."""
    return _find_phrasings(index, item.compiled, window)


def _find_phrasings(
    index: AnswerIndex, phrasings: tuple[Phrasing, ...], window: int = 1
) -> tuple[Match | None, Match | None]:
    positive: list[Match] = []
    negated: list[Match] = []
    for phrasing in phrasings:
        for match in find_matches(index, phrasing, window=window):
            (negated if match.negated else positive).append(match)
        if positive and not positive[-1].repairs:
            break  # a clean match: no need to look further
    return _best(positive), _best(negated)


# Words that give a reason: an idea said with one of them and with no reason
# the rubric knows has a reason nobody has judged yet.
_GIVES_A_REASON = re.compile(
    r"\b(because|since|so that|so|therefore|thus|hence|due to|as a result|owing to|"
    r"leads? to|caus(?:es|ed|e)|which means|the reason)\b",
    re.IGNORECASE,
)


def _reason_problem(index: AnswerIndex, idea: Idea, match: Match, window: int) -> tuple[str, str]:
    """An idea with ``because``, found at ``match``: ("", "") when its reason is
    given, else (what is wrong: ``wrong``, ``missing`` or ``undecided``, a note
    naming the line)."""
    reason = idea.because
    assert reason is not None
    right, right_negated = _find_phrasings(index, reason.compiled, window)
    wrong, _ = (
        _find_phrasings(index, reason.compiled_wrong, window) if reason.wrong else (None, None)
    )
    line = index.tokens[match.first].line_no
    if wrong is not None:
        wrong_line = index.tokens[wrong.first].line_no
        said = index.evidence(wrong.first, wrong.last)
        if right is not None:
            return "undecided", (
                f"idea {idea.id!r} (line {line}) is given with both its reason and a wrong "
                f"one (line {wrong_line}: {said!r})"
            )
        return "wrong", f"line {wrong_line}: {said!r}"
    if right is not None:
        return "", ""
    if right_negated is not None:
        # "it does not overshoot" may be the reason itself, said the other way
        said = index.evidence(right_negated.first, right_negated.last)
        return "undecided", (
            f"idea {idea.id!r} (line {line}): its reason appears only negated "
            f"(line {index.tokens[right_negated.first].line_no}: {said!r})"
        )
    sentence = index.tokens[match.first].sentence
    lines = sorted({t.line_no for t in index.tokens if sentence <= t.sentence <= sentence + 1})
    for line_no in lines:
        text = index.lines[line_no - index.first_line] if line_no >= index.first_line else ""
        if _GIVES_A_REASON.search(text):
            return "undecided", (
                f"idea {idea.id!r} (line {line}) is given with a reason that is neither its "
                f"reason nor a known wrong one (line {line_no}: {text.strip()!r})"
            )
    return "missing", f"line {line}"


def _reason_feedback(idea: Idea, problem: str) -> str:
    reason = idea.because
    assert reason is not None
    if reason.feedback:
        return reason.feedback
    if problem == "wrong":
        return f"The reason given for {idea.id!r} is not right, so it earns nothing."
    return f"{idea.id!r} needs its reason to earn marks."


def _score(spec: ConceptSpec, credited: list[Idea]) -> float:
    if spec.score_by_count:
        count = len(credited)
        earned = [marks for needed, marks in spec.score_by_count.items() if count >= needed]
        score = max(earned, default=0.0)
    else:
        score = sum(idea.marks for idea in credited)
    if spec.max_marks is not None:
        score = min(score, spec.max_marks)
    return score


class _Default:
    """The default meaning matcher: the packaged encoder when installed, else none."""


DEFAULT_PROPOSER: Any = _Default()


@lru_cache(maxsize=1)
def _default_proposer() -> Any:
    import os

    from grader.text.encoder import available

    if os.environ.get("GRADER_TEXT_MEANING", "1") == "0" or not available():
        return None
    from grader.text.embeddings import EmbeddingProposer

    return EmbeddingProposer()


def grade_concepts(
    text: str,
    spec: ConceptSpec,
    *,
    first_line: int = 1,
    proposer: Any = DEFAULT_PROPOSER,
) -> ConceptResult:
    """Grade ``text`` (one part's answer, its first line numbered ``first_line``).

    ``proposer``: an object with ``propose(text, spec, result, *, first_line)
    -> list[dict]`` (``grader.text.embeddings.EmbeddingProposer``), by default
    the packaged sentence encoder when it is installed (``None``: rules only;
    environment ``GRADER_TEXT_MEANING=0`` turns the default off). It runs only
    when marks were lost; its proposals and on-topic text that matched nothing
    flag the part for review and never change the score.
    """
    if proposer is DEFAULT_PROPOSER:
        proposer = _default_proposer()
    if not spec.ideas:
        from grader.text.similarity import similarity_grade

        return similarity_grade(text, spec.reference or "", max_marks=spec.max_score).as_concepts()

    index = _answer_index(text, first_line)

    found: dict[str, IdeaMatch] = {}
    _found_matches: dict[str, Match] = {}
    negated: list[IdeaMatch] = []
    review: list[str] = []
    for idea in spec.ideas:
        match, negated_match = _find(index, idea, spec.window)
        if match is not None:
            found[idea.id] = _idea_match(index, idea.id, match)
            _found_matches[idea.id] = match
        elif negated_match is not None:
            negated.append(_idea_match(index, idea.id, negated_match))

    # an idea that must come with its reason: without it, or with a wrong one,
    # it earns nothing; a reason nobody can judge goes to review
    unreasoned: dict[str, str] = {}
    for idea in spec.ideas:
        if idea.because is None or idea.id not in found:
            continue
        problem, note = _reason_problem(index, idea, _found_matches[idea.id], spec.window)
        if problem == "undecided":
            review.append(note + "; the idea was not credited")
        if problem:
            unreasoned[idea.id] = problem

    misconceptions: list[MisconceptionMatch] = []
    cancelled: set[str] = set()
    for misconception in spec.misconceptions:
        if any(idea_id in found for idea_id in misconception.unless):
            continue  # wrong only on its own, and the idea it lacks is there
        match, _ = _find(index, misconception)
        if match is None:
            continue
        misconceptions.append(
            MisconceptionMatch(
                misconception.id,
                index.evidence(match.first, match.last),
                index.tokens[match.first].line_no,
                misconception.penalty,
                list(misconception.cancels),
                match.phrasing,
            )
        )
        cancelled.update(misconception.cancels)
        if any(r.endswith("(OCR)") for r in match.repairs):
            review.append(
                f"misconception {misconception.id!r} read only after repairs "
                f"({', '.join(match.repairs)}), line {index.tokens[match.first].line_no}"
            )

    credited = [
        idea
        for idea in spec.ideas
        if idea.id in found and idea.id not in cancelled and idea.id not in unreasoned
    ]
    earned = _score(spec, credited)
    penalty = sum(m.penalty for m in misconceptions)
    score = max(0.0, earned - penalty)
    max_score = spec.max_score

    feedback: list[str] = []
    missing = [idea.id for idea in spec.ideas if idea not in credited]
    # hints for missing ideas only when marks were lost for want of them
    if earned < max_score:
        for idea in spec.ideas:
            if idea.id in unreasoned and idea.because is not None:
                feedback.append(_reason_feedback(idea, unreasoned[idea.id]))
            elif idea.id in missing and idea.id not in cancelled and idea.feedback:
                feedback.append(idea.feedback)
    for misconception in spec.misconceptions:
        fired = any(m.id == misconception.id for m in misconceptions)
        # several misconceptions may share one hint (gate roles swapped either way)
        if fired and misconception.feedback and misconception.feedback not in feedback:
            feedback.append(misconception.feedback)

    # a spelling slip in a long word is ordinary; a letter-level OCR reading of a
    # short word is a guess a marker should see
    for idea in spec.ideas:
        ocr = [r for r in found[idea.id].repairs if r.endswith("(OCR)")] if idea in credited else []
        if ocr:
            review.append(
                f"idea {idea.id!r} credited after reading {', '.join(ocr)} "
                f"(line {found[idea.id].line_no})"
            )
    if score < max_score:
        for item in negated:
            review.append(
                f"idea {item.id!r} appears only negated (line {item.line_no}: "
                f"{item.text!r}); check the negation was read right"
            )

    result = ConceptResult(
        score=round(score, 6),
        max_score=max_score,
        matched=[found[idea.id] for idea in credited],
        missing=missing,
        misconceptions=misconceptions,
        feedback=feedback,
        needs_review=False,
        review_reasons=review,
        negated=negated,
        # found but not credited: cancelled by a misconception, or said
        # without its reason (the meaning matcher leaves both alone)
        cancelled=sorted(i for i in cancelled | set(unreasoned) if i in found),
    )
    if proposer is not None and score < max_score:
        result.proposed = list(proposer.propose(text, spec, result, first_line=first_line))
        # a sentence that stated an idea without its reason did match an idea
        reasonless = {found[i].line_no for i in unreasoned}
        result.unmatched_on_topic = [
            s for s in result.unmatched_on_topic if s.get("line_no") not in reasonless
        ]
        for proposal in result.proposed:
            review.append(
                f"idea {proposal['id']!r} may be present (similarity {proposal['similarity']:.2f} "
                f"to line {proposal['line_no']}: {proposal['text']!r}); not credited automatically"
            )
        # no silent charge: marks lost with no mistake found, yet the answer says
        # something on the question that no idea's phrasings read
        if not result.proposed and not misconceptions and result.unmatched_on_topic:
            first = result.unmatched_on_topic[0]
            looked_for = ", ".join(i for i in missing if i not in cancelled)
            review.append(
                f"on-topic text matched no idea (line {first['line_no']}: {first['text']!r}); "
                f"looked for and not found: {looked_for}"
            )
    # no silent charge: a check that lost every mark, with no mistake found, on
    # an answer that says something (by meaning or not: an example sentence is
    # on topic in ways a sentence encoder does not see) goes to review
    if (
        score == 0
        and max_score > 0
        and not misconceptions
        and not review
        and not unreasoned  # an idea found without its reason: the loss is explained
        and len(index.tokens) >= _SUBSTANTIAL_CONTENT_WORDS
    ):
        looked_for = ", ".join(i for i in missing if i not in cancelled)
        review.append(
            f"no idea found in an answer of {len(index.tokens)} content words "
            f"(lines {index.tokens[0].line_no}-{index.tokens[-1].line_no}); "
            f"looked for and not found: {looked_for}"
        )
    result.needs_review = bool(review)
    return result
