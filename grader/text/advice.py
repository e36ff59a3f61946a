"""Help for rubric writers: ideas that hang on one word, and example sentences.

``narrow_ideas(spec)``: ideas whose every phrasing needs one of very few
words (the 'subject' of a subject-verb agreement example): an answer that
says the same in other words is then found only by meaning, and flagged
rather than credited. ``idea_examples(spec)``: per idea, a sentence built
from a phrasing that the rules match, and the same sentence with that
narrow word left out, which they do not (both checked by grading them).
"""

from __future__ import annotations

from dataclasses import dataclass

from grader.text._phrasing import Slot
from grader.text.spec import ConceptSpec, Idea

__all__ = ["IdeaExample", "idea_examples", "narrow_ideas"]

NARROW_WORDS = 2  # at most this many words between all phrasings' narrowest slots


def _narrowest_words(idea: Idea) -> set[str] | None:
    """The words one of which every phrasing needs (its narrowest slot), or None."""
    needed: set[str] = set()
    for phrasing in idea.compiled:
        slots = [step.slot for step in phrasing.steps if isinstance(step.slot, Slot)]
        if not slots or len(phrasing.steps) < 2:
            return None  # a one-slot phrasing is a name, not a hard-to-guess word
        narrowest = min(slots, key=lambda slot: len(slot.options))
        needed.update(" ".join(option) for option in narrowest.options)
    return needed


def narrow_ideas(spec: ConceptSpec) -> list[tuple[str, list[str]]]:
    """(idea id, the few words it always needs) for ideas that hang on one or two words."""
    out = []
    for idea in spec.ideas:
        words = _narrowest_words(idea)
        if words is not None and len(words) <= NARROW_WORDS:
            out.append((idea.id, sorted(words)))
    return out


@dataclass
class IdeaExample:
    idea: str
    matches: str  # a sentence the rules credit
    misses: str | None  # a close sentence they do not credit (None: none found)


def idea_examples(spec: ConceptSpec) -> list[IdeaExample]:
    """Per idea: a sentence that matches (from its first phrasing), and one that does not."""
    from grader.text.concepts import grade_concepts
    from grader.text.embeddings import phrasing_to_sentence

    out = []
    for idea in spec.ideas:
        single = ConceptSpec(ideas=[Idea(idea.id, list(idea.phrasings))], max_marks=1.0)
        sentence = phrasing_to_sentence(idea.phrasings[0])
        if grade_concepts(sentence, single, proposer=None).score < 1.0:
            out.append(
                IdeaExample(idea.id, sentence + " (does not match: check the phrasing)", None)
            )
            continue
        misses = None
        words = sentence.split()
        for i in range(len(words)):
            shorter = " ".join(words[:i] + words[i + 1 :])
            if shorter and grade_concepts(shorter, single, proposer=None).score == 0.0:
                misses = shorter
                break
        out.append(IdeaExample(idea.id, sentence, misses))
    return out
