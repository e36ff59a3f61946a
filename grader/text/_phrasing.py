"""Rubric phrasings: their small pattern language, and finding them in an answer.

A phrasing is a string of words with a few operators::

    error ... propagated backward     "..." a gap of up to 12 words in the same sentence
    forget gate .. discard             ".." a gap of up to 6 words in the same clause
                                       (a gap never runs past a repeat of the word
                                       before it: "forget gate ... [input gate] adds")
    (throw away|discard|remove)        one of several word sequences
    keep/store                         one of several single words
    {vanishing gradient}               these words in any order, in one clause
    not ... inverse                    "not" matches any negation ("no", "without",
                                       "rather than", "cannot", ...)

Words written next to each other must be next to each other in the answer
(stop words aside: "error is propagated" matches "error propagated"). Words
are compared by normalised spelling and by stem; words of six letters or
more also by edit distance (one slip, two from ten letters on, same first
letter), and a few OCR letter confusions ("into" for "info") are read too.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from itertools import product

from grader.text._normalize import NEGATION, Token, _normal_words, phrase_words
from grader.text.stem import stem

__all__ = ["Phrasing", "PhrasingError", "AnswerIndex", "Match", "parse_phrasing", "find_matches"]

CLAUSE_GAP = 6
SENTENCE_GAP = 12
UNORDERED_SLACK = 3
NEGATION_REACH = 3  # content words before a match in which a negation still counts
FUZZY_MIN_LENGTH = 6
MAX_MATCHES = 40

# OCR letter confusions tried on short words (long words get edit distance)
_OCR_CONFUSIONS = (("t", "f"), ("f", "t"), ("rn", "m"), ("m", "rn"), ("cl", "d"), ("1", "l"))


class PhrasingError(ValueError):
    """A phrasing that does not parse (the caller adds where it was)."""


@dataclass(frozen=True, slots=True)
class Slot:
    """One place in a phrasing: any of several word sequences."""

    options: tuple[tuple[str, ...], ...]


@dataclass(frozen=True, slots=True)
class Unordered:
    """Several slots that may come in any order, close together in one clause."""

    parts: tuple[Slot, ...]


@dataclass(frozen=True, slots=True)
class Step:
    gap: str  # "adjacent", "clause" or "sentence": how far it may be from the step before
    slot: Slot | Unordered


@dataclass(frozen=True, slots=True)
class Phrasing:
    source: str
    steps: tuple[Step, ...]


_LEXER_RE = re.compile(r"\.\.\.|\.\.|[{}()|]|\s+|[^\s{}()|.]+(?:\.(?!\.)[^\s{}()|.]*)*")


def _lex(text: str) -> list[str]:
    pieces: list[str] = []
    position = 0
    for match in _LEXER_RE.finditer(text):
        if match.start() != position:
            raise PhrasingError(f"cannot read {text[position : match.start()]!r}")
        position = match.end()
        if not match.group(0).isspace():
            pieces.append(match.group(0))
    if position != len(text):
        raise PhrasingError(f"cannot read {text[position:]!r}")
    return pieces


def _words_slots(run: list[str]) -> list[Slot]:
    """A run of plain words ("forget gate", "keep/store") -> slots.

    The run is normalised as a whole so that multi-word names fold the same
    way as in answers ("recurrent neural network" -> "rnn").
    """
    slots: list[Slot] = []
    plain: list[str] = []

    def flush_plain() -> None:
        # adjacent plain words form one sequence, so compounds can match across
        # them ("feed forward" ~ "feedforward")
        words = tuple(phrase_words(" ".join(plain)))
        if words:
            slots.append(Slot((words,)))
        plain.clear()

    for piece in run:
        if "/" in piece:
            flush_plain()
            options = tuple(tuple(phrase_words(option)) for option in piece.split("/"))
            options = tuple(option for option in options if option)
            if not options:
                raise PhrasingError(f"{piece!r} has only stop words")
            slots.append(Slot(options))
        else:
            plain.append(piece)
    flush_plain()
    return slots


def _unordered_parts(run: list[str]) -> list[Slot]:
    """Inside { ... } every word (or a/b alternative) is a part of its own."""
    parts: list[Slot] = []
    for slot in _words_slots(run):
        if len(slot.options) == 1:
            parts.extend(Slot(((word,),)) for word in slot.options[0])
        else:
            parts.append(slot)
    return parts


def parse_phrasing(text: str) -> Phrasing:
    """Read one phrasing; raises PhrasingError with the reason.

    Cached: a rubric's checks may be turned into specs again for every sheet.
    """
    if not isinstance(text, str) or not text.strip():
        raise PhrasingError("a phrasing must be a non-empty string")
    return _parse_phrasing(text)


@lru_cache(maxsize=16384)
def _parse_phrasing(text: str) -> Phrasing:
    pieces = _lex(text)
    steps: list[Step] = []
    gap = "adjacent"
    run: list[str] = []
    i = 0

    def flush_run() -> None:
        nonlocal gap
        for slot in _words_slots(run):
            steps.append(Step(gap, slot))
            gap = "adjacent"
        run.clear()

    def read_group(start: int) -> tuple[Slot, int]:
        # "(" option ("|" option)* ")" with options of plain words
        options: list[tuple[str, ...]] = []
        written: list[str] = []  # each option as written, for the error
        current: list[str] = []
        j = start + 1
        while j < len(pieces) and pieces[j] != ")":
            piece = pieces[j]
            if piece == "|":
                options.append(tuple(phrase_words(" ".join(current))))
                written.append(" ".join(current))
                current = []
            elif piece in ("(", "{", "}", "..", "..."):
                raise PhrasingError(f"{piece!r} inside ( ... )")
            else:
                current.append(piece)
            j += 1
        if j >= len(pieces):
            raise PhrasingError("'(' without ')'")
        options.append(tuple(phrase_words(" ".join(current))))
        written.append(" ".join(current))
        for index, option in enumerate(options):
            if not option:
                group = "(" + " | ".join(written) + ")"
                if not written[index].strip():
                    raise PhrasingError(f"option {index + 1} of {group} is empty")
                raise PhrasingError(
                    f"option {index + 1} of {group}, {written[index]!r}, has only stop words "
                    "(ignored in matching): leave it out, or write the idea without it"
                )
        return Slot(tuple(options)), j + 1

    while i < len(pieces):
        piece = pieces[i]
        if piece in ("..", "..."):
            flush_run()
            if not steps:
                raise PhrasingError(
                    f"nothing to match before {piece!r} (stop words such as 'from' do not count)"
                )
            gap = "clause" if piece == ".." else "sentence"
            i += 1
        elif piece == "(":
            flush_run()
            slot, i = read_group(i)
            steps.append(Step(gap, slot))
            gap = "adjacent"
        elif piece == "{":
            flush_run()
            parts: list[Slot] = []
            inner: list[str] = []
            j = i + 1
            while j < len(pieces) and pieces[j] != "}":
                if pieces[j] == "(":
                    parts.extend(_unordered_parts(inner))
                    inner = []
                    slot, j = read_group(j)
                    parts.append(slot)
                    continue
                if pieces[j] in ("{", "..", "...", "|", ")"):
                    raise PhrasingError(f"{pieces[j]!r} inside {{ ... }}")
                inner.append(pieces[j])
                j += 1
            if j >= len(pieces):
                raise PhrasingError("'{' without '}'")
            parts.extend(_unordered_parts(inner))
            if len(parts) < 2:
                raise PhrasingError("{ ... } needs at least two words")
            steps.append(Step(gap, Unordered(tuple(parts))))
            gap = "adjacent"
            i = j + 1
        elif piece in (")", "}", "|"):
            raise PhrasingError(f"unexpected {piece!r}")
        else:
            run.append(piece)
            i += 1
    flush_run()
    if gap != "adjacent":
        raise PhrasingError("a phrasing cannot end with a gap")
    if not steps:
        raise PhrasingError("a phrasing needs at least one word that is not a stop word")
    return Phrasing(text, tuple(steps))


@lru_cache(maxsize=262144)
def _edit_distance(a: str, b: str, limit: int) -> int:
    """Optimal-string-alignment distance (transpositions count 1), or limit+1 if above.

    Cached: a batch sees the same word pairs on every sheet.
    """
    if abs(len(a) - len(b)) > limit:
        return limit + 1
    # each edit changes at most two letters of the letter sets' difference
    if len(set(a) ^ set(b)) > 2 * limit:
        return limit + 1
    previous2: list[int] = []
    previous = list(range(len(b) + 1))
    for i in range(1, len(a) + 1):
        current = [i] + [0] * len(b)
        best = i
        for j in range(1, len(b) + 1):
            value = previous[j - 1] + (a[i - 1] != b[j - 1])
            if previous[j] + 1 < value:
                value = previous[j] + 1
            if current[j - 1] + 1 < value:
                value = current[j - 1] + 1
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                if previous2[j - 2] + 1 < value:
                    value = previous2[j - 2] + 1
            current[j] = value
            if value < best:
                best = value
        if best > limit:
            return limit + 1
        previous2, previous = previous, current
    return previous[len(b)]


@lru_cache(maxsize=65536)
def _letter_variants(word: str) -> tuple[str, ...]:
    """``word`` and its readings with one OCR letter confusion undone ("cornplex" ->
    "complex"): such a confusion is one slip, not the two edits it takes."""
    variants = [word]
    for wrong, right in _OCR_CONFUSIONS:
        if len(wrong) > len(right) and wrong in word:
            variants.append(word.replace(wrong, right, 1))
    return tuple(variants)


def fuzzy_limit(length: int) -> int:
    """Edit distance allowed between strings whose shorter one has ``length`` letters."""
    if length < FUZZY_MIN_LENGTH:
        return 0
    return 1 if length < 10 else 2


def _ocr_readings(word: str) -> set[str]:
    """Normalised words a short token may be an OCR misreading of ("into" -> "information")."""
    readings: set[str] = set()
    for wrong, right in _OCR_CONFUSIONS:
        start = word.find(wrong)
        while start != -1:
            variant = word[:start] + right + word[start + len(wrong) :]
            readings.update(_normal_words(variant))
            start = word.find(wrong, start + 1)
    readings.discard(word)
    return readings


@dataclass(slots=True)
class Match:
    """Where a phrasing was found: the content tokens it used, and how."""

    phrasing: str
    indices: tuple[int, ...]
    repairs: tuple[str, ...]  # "propogate ~ propagate", "into -> information (OCR)"
    negated: bool = False

    @property
    def first(self) -> int:
        return self.indices[0]

    @property
    def last(self) -> int:
        return self.indices[-1]


@dataclass
class AnswerIndex:
    """An answer's tokens with lookups by word and stem, built once per answer."""

    tokens: list[Token]
    lines: list[str]
    first_line: int
    _by_word: dict[str, list[int]] = field(default_factory=dict)
    _by_stem: dict[str, list[int]] = field(default_factory=dict)
    _by_initial: dict[str, list[int]] = field(default_factory=dict)
    _ocr: dict[str, list[int]] = field(default_factory=dict)
    _pairs: dict[str, list[int]] = field(default_factory=dict)
    _cache: dict[str, list[tuple[int, str | None]]] = field(default_factory=dict)
    _spans: dict[tuple[str, ...], list[tuple[int, int, tuple[str, ...]]]] = field(
        default_factory=dict
    )

    def __post_init__(self) -> None:
        for i, token in enumerate(self.tokens):
            if i + 1 < len(self.tokens) and self.tokens[i + 1].clause == token.clause:
                self._pairs.setdefault(token.word + self.tokens[i + 1].word, []).append(i)
            self._by_word.setdefault(token.word, []).append(i)
            self._by_stem.setdefault(token.stem, []).append(i)
            if len(token.word) >= FUZZY_MIN_LENGTH - 1 and token.word.isalpha():
                self._by_initial.setdefault(token.word[0], []).append(i)
            if 3 <= len(token.word) < FUZZY_MIN_LENGTH and token.word.isalpha():
                for reading in _ocr_readings(token.word):
                    self._ocr.setdefault(reading, []).append(i)

    def word_positions(self, word: str) -> list[tuple[int, str | None]]:
        """Token positions that read as ``word``, each with the repair it took (or None)."""
        cached = self._cache.get(word)
        if cached is not None:
            return cached
        found: dict[int, str | None] = {}
        for i in self._by_word.get(word, ()):
            found[i] = None
        if word != NEGATION:
            for i in self._by_stem.get(stem(word), ()):
                found.setdefault(i, None)
            if len(word) >= FUZZY_MIN_LENGTH and word.isalpha():
                word_stem = stem(word)
                for i in self._by_initial.get(word[0], ()):
                    if i in found:
                        continue
                    token = self.tokens[i]
                    # the distance allowed follows the shorter of the two strings
                    # compared: two 6-letter stems ("recurs", "revers") get one
                    # slip, not the two of an 11-letter word
                    limit = fuzzy_limit(min(len(word), len(token.word)))
                    stem_limit = fuzzy_limit(min(len(word_stem), len(token.stem)))
                    # stems are compared too ("propogating" ~ "propagated"), but only
                    # when they end alike: "invers" and "invert" are different words
                    if (
                        limit
                        and any(
                            _edit_distance(word, variant, limit) <= limit
                            for variant in _letter_variants(token.word)
                        )
                    ) or (
                        stem_limit
                        and word_stem[-1] == token.stem[-1]
                        and _edit_distance(word_stem, token.stem, stem_limit) <= stem_limit
                    ):
                        found[i] = f"{token.word} ~ {word}"
            for i in self._ocr.get(word, ()):
                found.setdefault(i, f"{self.tokens[i].word} -> {word} (OCR)")
        result = sorted(found.items())
        self._cache[word] = result
        return result

    def evidence(self, first: int, last: int) -> str:
        """The student's own text from token ``first`` to token ``last``."""
        a, b = self.tokens[first], self.tokens[last]
        pieces = []
        for line_no in range(a.line_no, b.line_no + 1):
            line = self.lines[line_no - self.first_line]
            start = a.start if line_no == a.line_no else 0
            end = b.end if line_no == b.line_no else len(line)
            pieces.append(line[start:end].strip())
        return " / ".join(piece for piece in pieces if piece)


# --- matching -------------------------------------------------------------


def _sequence_spans(
    index: AnswerIndex, words: tuple[str, ...]
) -> list[tuple[int, int, tuple[str, ...]]]:
    """Spans (start, end exclusive, repairs) of consecutive tokens in one clause reading as ``words``."""
    cached = index._spans.get(words)
    if cached is None:
        cached = index._spans[words] = _find_sequence(index, words)
    return cached


def _find_sequence(
    index: AnswerIndex, words: tuple[str, ...]
) -> list[tuple[int, int, tuple[str, ...]]]:
    tokens = index.tokens
    spans: list[tuple[int, int, tuple[str, ...]]] = []

    def extend(position: int, w: int, repairs: tuple[str, ...], start: int) -> None:
        if w == len(words):
            spans.append((start, position, repairs))
            return
        if position >= len(tokens) or (
            position > start and tokens[position].clause != tokens[start].clause
        ):
            return
        for i, repair in index.word_positions(words[w]):
            if i == position:
                extend(position + 1, w + 1, repairs + ((repair,) if repair else ()), start)
        token = tokens[position]
        # compounds: "feed forward" in the phrasing, "feedforward" in the answer ...
        if w + 1 < len(words) and token.word == words[w] + words[w + 1]:
            extend(position + 1, w + 2, repairs, start)
        # ... and "feedforward" in the phrasing, "feed-forward" in the answer
        if (
            position + 1 < len(tokens)
            and tokens[position + 1].clause == token.clause
            and token.word + tokens[position + 1].word == words[w]
        ):
            extend(position + 2, w + 1, repairs, start)

    first = words[0]
    starts = {i for i, _ in index.word_positions(first)}
    starts.update(index._pairs.get(first, ()))  # a compound split in the answer
    if len(words) > 1:
        starts.update(index._by_word.get(first + words[1], ()))  # a compound joined
    for start in sorted(starts):
        extend(start, 0, (), start)
    return spans


def _slot_spans(
    index: AnswerIndex, slot: Slot | Unordered
) -> list[tuple[tuple[int, ...], tuple[str, ...]]]:
    """Every way a slot is found: (token indices used, repairs)."""
    if isinstance(slot, Slot):
        out = []
        for option in slot.options:
            for start, end, repairs in _sequence_spans(index, option):
                out.append((tuple(range(start, end)), repairs))
        return out
    per_part = [_slot_spans(index, part) for part in slot.parts]
    if any(not spans for spans in per_part):
        return []
    out = []
    tokens = index.tokens
    width = sum(min(len(ix) for ix, _ in spans) for spans in per_part) + UNORDERED_SLACK
    for combination in product(*per_part):
        used = sorted(i for indices, _ in combination for i in indices)
        if len(set(used)) != len(used) or used[-1] - used[0] >= width:
            continue
        if tokens[used[0]].clause != tokens[used[-1]].clause:
            continue
        repairs = tuple(r for _, rs in combination for r in rs)
        out.append((tuple(used), repairs))
        if len(out) >= MAX_MATCHES:
            break
    return out


def _follows(index: AnswerIndex, previous_last: int, first: int, gap: str, window: int = 1) -> bool:
    tokens = index.tokens
    if first <= previous_last:
        return False
    a, b = tokens[previous_last], tokens[first]
    if gap == "adjacent":
        return first == previous_last + 1 and a.clause == b.clause
    if gap == "clause":
        if first - previous_last - 1 > CLAUSE_GAP or a.clause != b.clause:
            return False
    elif first - previous_last - 1 > SENTENCE_GAP or not 0 <= b.sentence - a.sentence < window:
        return False
    # A gap never runs past another occurrence of the word before it: in "the
    # forget gate discards old data and the input gate adds new data", "forget
    # gate .. adds" would borrow the second gate's verb.
    return all(tokens[i].stem != a.stem for i in range(previous_last + 1, first))


_CONDITIONAL_WORDS = frozenset({"otherwise", "else"})


def _is_negated(index: AnswerIndex, indices: tuple[int, ...]) -> bool:
    """A negation cue inside the match (not one the phrasing asked for), just before
    it, or a negated verb right after it."""
    tokens = index.tokens
    used = set(indices)
    first, last = indices[0], indices[-1]
    clauses = {tokens[i].clause for i in indices}
    for i in range(first, last + 1):
        # a negation in a clause of its own between the matched words ("A is not
        # used, whereas B ...") says nothing of them
        if i not in used and tokens[i].is_negation and tokens[i].clause in clauses:
            return True
    # "must not be too large, otherwise it overshoots": the negation belongs to the
    # condition, and the statement (large -> overshoots) is affirmed
    conditional = any(tokens[i].word in _CONDITIONAL_WORDS for i in range(first, last + 1))
    for i in range(max(0, first - NEGATION_REACH), first):
        if tokens[i].is_negation and tokens[i].clause == tokens[first].clause and not conditional:
            return True
    return _negated_after(index, last) or _retracted_later(index, last)


# "X is not ...", "X isn't ...": a verb straight after the statement, negated
_AUXILIARY_THEN_NOT_RE = re.compile(
    r"^\s*(?:is|are|was|were|does|do|did|has|have|had|can|could|will|would|should|may|"
    r"might|must)\s*$",
    re.IGNORECASE,
)
_NEGATED_AUXILIARY_RE = re.compile(
    r"^(?:isn|aren|wasn|weren|doesn|don|didn|hasn|haven|hadn|can|couldn|won|wouldn|"
    r"shouldn|mustn)['’]t$|^cannot$",
    re.IGNORECASE,
)


def _negated_after(index: AnswerIndex, last: int) -> bool:
    """The statement's subject is followed by a negated verb ("overfitting is not the cause").

    Only a negation right after the match, through an auxiliary verb, counts:
    "vanishing gradients, not exploding ones" is not negated.
    """
    tokens = index.tokens
    if last + 1 >= len(tokens):
        return False
    a, b = tokens[last], tokens[last + 1]
    if not b.is_negation or a.line_no != b.line_no or a.clause != b.clause:
        return False
    line = index.lines[a.line_no - index.first_line]
    between, cue = line[a.end : b.start], line[b.start : b.end]
    if _NEGATED_AUXILIARY_RE.match(cue):
        return not between.strip()
    return bool(_AUXILIARY_THEN_NOT_RE.match(between)) and cue.lower() in ("not", "never")


# "X, but that is not the reason", "..., however this isn't true": the writer
# reports a claim and then rejects it, later in the same sentence. Stop words
# ("but", "that", "is") are not tokens, so this reads the source text.
_RETRACTION_RE = re.compile(
    r"^[^.;!?]*?\b(?:but|however)\b,?\s+(?:that|this)(?:\s+(?:is|was)|['’]s)?\s*"
    r"(?:(?:not|never|n['’]t|isn['’]t|wasn['’]t)\s+(?:really\s+)?(?:the\s+|a\s+)?"
    r"(?:reason|true|right|correct|case|cause|point)\b|(?:wrong|false|incorrect)\b)",
    re.IGNORECASE,
)


def _retracted_later(index: AnswerIndex, last: int) -> bool:
    """The sentence goes on to reject the statement ("..., but that is not the reason")."""
    token = index.tokens[last]
    row = token.line_no - index.first_line
    rest = index.lines[row][token.end :]
    if row + 1 < len(index.lines):
        rest += " " + index.lines[row + 1]  # a sentence may wrap onto the next line
    return bool(_RETRACTION_RE.match(rest))


def find_matches(index: AnswerIndex, phrasing: Phrasing, *, window: int = 1) -> list[Match]:
    """All places where ``phrasing`` is found (up to a cap), negated ones marked.

    ``window``: how many consecutive sentences a "..." gap may span (1: one sentence).
    """
    spans = [
        sorted(_slot_spans(index, step.slot), key=lambda span: span[0][0])
        for step in phrasing.steps
    ]
    if any(not s for s in spans):
        return []
    matches: list[Match] = []

    def extend(k: int, indices: tuple[int, ...], repairs: tuple[str, ...]) -> None:
        if len(matches) >= MAX_MATCHES:
            return
        if k == len(phrasing.steps):
            ordered = tuple(sorted(indices))
            matches.append(Match(phrasing.source, ordered, repairs, _is_negated(index, ordered)))
            return
        gap = phrasing.steps[k].gap
        for slot_indices, slot_repairs in spans[k]:
            if _follows(index, indices[-1], slot_indices[0], gap, window):
                found_before = len(matches)
                extend(k + 1, indices + slot_indices, repairs + slot_repairs)
                if gap != "adjacent" and len(matches) > found_before:
                    return  # the nearest continuation that completes is enough

    for slot_indices, slot_repairs in spans[0]:
        extend(1, slot_indices, slot_repairs)
    return matches
