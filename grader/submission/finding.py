"""Finding each part's answer on a sheet.

Students and OCR label answers in many ways (``1.``, ``Q3.``, ``### Q3``,
``(a).``, ``a)``, ``(ii)``, ``①``, ``1(a)``, ``Q1.b``), skip labels, repeat
them, number parts with circled digits and use letters for sub-points, and
OCR turns a circled 4 into ``(Q)``. Part finding therefore scores candidates
instead of trusting any one label. In three steps:

1. **Questions.** Every line starting with a question-like label is a
   candidate (``Q3``/``Question 3`` strong, a heading ``## 3`` or ``1(a)``
   medium, a bare ``3.`` weak, a bulleted ``- 3.`` weaker). A small dynamic
   programme picks at most one anchor per question, in sheet order, maximising
   the total strength; a bare number that continues a numbered list begun
   after the previous question's label (``1.``, ``2.`` inside question 1) is
   taken as a list item, not the next question. A question's answer runs
   from its anchor to the next cut: the next anchor, or a strong question
   label (``Q2``, ``## 2``, ``2(a)``) naming another question, so questions
   answered out of order or in two places are found (a label naming a
   question the layout does not have starts unassigned text). With no
   question label at all, part labels starting again (``(a)`` after ``(c)``)
   tell the questions apart; likewise a question whose own label is lost
   starts where the previous question's part labels start again. Text
   before the first question is unassigned.
2. **Labelled parts.** Inside a question, each line's first part label is a
   candidate (after the question label on the same line, if any). The
   *primary family* (letters, roman numerals, numbers or circled digits) is
   the one naming the most distinct parts; a candidate in that family with a
   part's ordinal is that part's label (an *anchor*). When a label occurs
   twice, the occurrence that keeps the parts in order and the question's
   label style wins; the other stays available to the next step. Anchors may
   be out of order (a note says so). ``(b) and (c)`` claims one text for both
   parts (a problem flags it).
3. **Unlabelled and mislabelled parts.** Between two anchors, parts whose
   ordinal lies between theirs and that have no anchor are placed by a second
   dynamic programme over the blocks (paragraphs, display-math blocks,
   label lines) of that gap: each block goes to the preceding part or to one
   of the missing parts, in order, maximising content fit (the part's
   keywords and expected kind, see ``grader.submission.content``) plus a
   bonus for where a part starts: a label of another family with the right
   number (``④`` for (d)) +3, any other label line where the next part
   should start (a repeated ``(b)``, an OCR ``(Q)``) +1 to +2 (more when it
   has the question's label style), a plain paragraph -0.5 (so content must
   speak for it). Text right after a question label with no part label is
   the first missing part's by position. A part that gets no block is
   missing (flagged for review, except code parts, which are answered in code
   files).

Every non-blank line ends up in a part or in ``unassigned`` with a reason.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field

from grader.submission.content import Block, fit
from grader.submission.labels import (
    LabelLine,
    LabelToken,
    parse_heading_question,
    parse_label_line,
)
from grader.submission.models import (
    PartAnswer,
    PartFinding,
    PartLayout,
    QuestionLayout,
    QuestionSpan,
    Sheet,
    Submission,
    UnassignedSpan,
)

_QUESTION_STRENGTH = {"question": 3.0}
_RESTART_PENALTY = 1.0
_OTHER_FORM_BONUS = 3.0
_BY_POSITION_BONUS = 1.0
_STYLE_BONUS = 0.5
_PLAIN_START = -0.5
_POSITION_BONUS = 1.0
_UNASSIGNED_COST = -1.0
_EPSILON = 1e-6


# --------------------------------------------------------------------------- scan


@dataclass
class _Scan:
    """What part finding needs to know about each line, computed once."""

    sheet: Sheet
    labels: dict[int, LabelLine]
    block_start: list[bool]  # index 0 unused; True where a block begins
    blank: list[bool]

    @classmethod
    def of(cls, sheet: Sheet) -> _Scan:
        labels: dict[int, LabelLine] = {}
        count = len(sheet.lines)
        block_start = [False] * (count + 2)
        blank = [True] * (count + 2)
        in_fence = False
        in_display = False
        previous_blank = True
        previous_display_end = False
        for number, line in enumerate(sheet.lines, start=1):
            stripped = line.strip()
            blank[number] = not stripped
            if not stripped:
                previous_blank = True
                continue
            opens_fence = stripped.startswith(("```", "~~~"))
            inside = in_fence or in_display
            if not inside:
                parsed = parse_label_line(number, line) or parse_heading_question(number, line)
                if parsed is not None:
                    labels[number] = parsed
                starts_math = stripped.startswith(("$$", "\\[", "\\begin"))
                block_start[number] = (
                    previous_blank
                    or parsed is not None
                    or starts_math
                    or opens_fence
                    or previous_display_end
                )
            previous_display_end = False
            if opens_fence:
                in_fence = not in_fence
            elif not in_fence:
                # an odd number of $$ on a line opens or closes a display block
                if (stripped.count("$$") % 2) == 1:
                    in_display = not in_display
                    previous_display_end = not in_display
                elif stripped.startswith("\\[") and not stripped.endswith("\\]"):
                    in_display = True
                elif in_display and stripped.endswith("\\]"):
                    in_display = False
                    previous_display_end = True
                elif stripped.startswith("$$") and stripped.endswith("$$"):
                    previous_display_end = True
            previous_blank = False
        return cls(sheet=sheet, labels=labels, block_start=block_start, blank=blank)

    def nonblank_span(self, start: int, end: int) -> tuple[int, int] | None:
        """``start..end`` without blank lines at either end (None if all blank)."""
        while start <= end and self.blank[start]:
            start += 1
        while end >= start and self.blank[end]:
            end -= 1
        return (start, end) if start <= end else None


# --------------------------------------------------------------------------- questions


@dataclass
class _QuestionCandidate:
    line: int
    number: int
    strength: float
    kind: str
    label: LabelLine


def _question_candidates(scan: _Scan) -> list[_QuestionCandidate]:
    candidates = []
    for line, label in sorted(scan.labels.items()):
        first = label.tokens[0]
        if first.kind == "question":
            strength = 3.0
        elif first.kind == "number":
            combined = len(label.tokens) > 1 and first.style == "x"  # "1(a)", "1a)"
            if label.prefix == "heading" or combined:
                strength = 2.5
            elif label.prefix in ("plain", "emphasis") and label.indent < 2:
                strength = 1.5 if first.style in ("x.", "x:") else 1.0
                line_text = scan.sheet.line(line)
                if len(label.tokens) == 1 and not label.text_without(line_text, 1).strip():
                    strength += 0.5  # a number alone on its line reads as a heading
            else:  # bulleted, quoted or inside math: more likely a list item
                strength = 0.5
        else:
            continue
        candidates.append(_QuestionCandidate(line, first.number or 0, strength, first.kind, label))
    return candidates


def _choose_question_anchors(
    scan: _Scan, layout: Sequence[QuestionLayout]
) -> dict[int, _QuestionCandidate]:
    """Question index -> its anchor, in sheet order, maximising total strength."""
    candidates = _question_candidates(scan)
    numbers = [q.number if q.number is not None else i + 1 for i, q in enumerate(layout)]
    # bare numbers ("3." alone, not "3(a)"): these may be the items of a numbered list
    numbered = [c for c in candidates if c.kind == "number" and len(c.label.tokens) == 1]
    total_lines = max(len(scan.sheet.lines), 1)
    memo: dict[tuple[int, int], tuple[float, tuple[int, ...]]] = {}

    def continues_a_list(candidate: _QuestionCandidate, last_line: int) -> bool:
        """Is this bare number the next item of a numbered list begun after the last anchor?"""
        before = [c for c in numbered if last_line < c.line < candidate.line]
        return bool(before) and before[-1].number == candidate.number - 1

    def best(question: int, last: int) -> tuple[float, tuple[int, ...]]:
        """Best score for questions[question:] with the last anchor at candidate ``last``."""
        if question == len(layout):
            return 0.0, ()
        key = (question, last)
        if key in memo:
            return memo[key]
        skip_score, skip_choice = best(question + 1, last)
        result = (skip_score, (-1, *skip_choice))
        last_line = candidates[last].line if last >= 0 else 0
        for index in range(last + 1, len(candidates)):
            candidate = candidates[index]
            if candidate.number != numbers[question]:
                continue
            score = candidate.strength - _EPSILON * candidate.line / total_lines
            if candidate in numbered and continues_a_list(candidate, last_line):
                score -= _RESTART_PENALTY
            rest_score, rest_choice = best(question + 1, index)
            if score + rest_score > result[0] + _EPSILON / 10:
                result = (score + rest_score, (index, *rest_choice))
        memo[key] = result
        return result

    _, choice = best(0, -1)
    return {q: candidates[c] for q, c in enumerate(choice) if c >= 0}


# --------------------------------------------------------------------------- parts


@dataclass
class _PartCandidate:
    line: int
    token: LabelToken
    token_index: int  # which token of the line is the part label
    prefix: str
    label: LabelLine

    def names(self, family: str, ordinal: int) -> bool:
        return any((family, ordinal) in member for member in self.token.members)

    def ordinals(self) -> set[int]:
        return {o for member in self.token.members for _, o in member}


@dataclass
class _Owner:
    """Who a stretch of lines belongs to: one part, several (a shared label), or nobody."""

    parts: list[int]
    how: str = "label"
    label: str | None = None
    token_count: int = 0  # labels to take off the first line
    repeat: bool = False


@dataclass
class _Piece:
    owner: _Owner | None
    start: int
    end: int
    first_tokens: int  # labels to take off the first line
    reason: str = ""


@dataclass
class _QuestionResult:
    pieces: list[_Piece] = field(default_factory=list)
    notes: dict[int, list[str]] = field(default_factory=dict)
    problems: dict[int, list[str]] = field(default_factory=dict)
    how: dict[int, str] = field(default_factory=dict)
    labels: dict[int, str] = field(default_factory=dict)


def _part_ordinal(part: PartLayout, position: int) -> int:
    """A part's number in its question: from its letter (``q1.c`` -> 3), else its position."""
    letter = part.letter.lower()
    if len(letter) == 1 and letter.isalpha():
        return ord(letter) - ord("a") + 1
    if letter.isdigit():
        return int(letter)
    return position


def _normal_label(text: str) -> str:
    return text.strip().strip("()[].:*# \t").lower()


class _QuestionParts:
    """Part finding inside one question's lines."""

    def __init__(
        self,
        scan: _Scan,
        question: QuestionLayout,
        number: int | None,
        start: int,
        end: int,
        anchor: LabelLine | None,
    ):
        self.scan = scan
        self.question = question
        self.number = number
        self.start = start
        self.end = end
        self.anchor = anchor
        self.parts = question.parts
        self.ordinals = [_part_ordinal(p, i + 1) for i, p in enumerate(self.parts)]
        self.result = _QuestionResult()
        self.warnings: list[str] = []

    # -- candidates

    def _candidates(self) -> list[_PartCandidate]:
        found = []
        for line in range(self.start, self.end + 1):
            label = self.scan.labels.get(line)
            if label is None:
                continue
            tokens = label.tokens
            first = tokens[0]
            index = 0
            if line == self.start and self.anchor is not None and label is self.anchor:
                index = 1
            elif first.kind == "question":
                if first.number != self.number:
                    self.warnings.append(
                        f"line {line}: label {first.raw.strip()!r} inside {self.question.id}'s "
                        "answer does not name this question; its text is kept in this question"
                    )
                    continue
                index = 1
            elif first.kind == "number" and len(tokens) > 1 and first.style == "x":
                # "1(a)", "1a)": a question number with a part
                if first.number != self.number:
                    continue
                index = 1
            elif first.kind == "number" and first.number == self.number and len(tokens) > 1:
                index = 1  # "1. (a)" inside question 1
            if index >= len(tokens):
                continue
            token = tokens[index]
            prefix = label.prefix + ("+indented" if label.indent >= 2 else "")
            found.append(_PartCandidate(line, token, index, prefix, label))
        return found

    def _custom_labels(self) -> list[set[str]]:
        from grader.submission.models import default_part_labels

        result = []
        for part, ordinal in zip(self.parts, self.ordinals, strict=True):
            defaults = {_normal_label(x) for x in default_part_labels(ordinal, part.letter)}
            result.append({_normal_label(x) for x in part.labels} - defaults)
        return result

    # -- the main steps

    def run(self) -> _QuestionResult:
        self.prepare()
        return self.fill(set())

    def prepare(self) -> set[int]:
        """Find the labelled parts (anchors); return the parts anchored here."""
        candidates = self._candidates()
        family = self._primary_family(candidates)
        custom = self._custom_labels()
        exact: dict[int, list[_PartCandidate]] = {}
        for candidate in candidates:
            raw = _normal_label(candidate.token.raw)
            for k, ordinal in enumerate(self.ordinals):
                if (family and candidate.names(family, ordinal)) or raw in custom[k]:
                    exact.setdefault(k, []).append(candidate)
        chosen = self._choose_anchors(exact)
        chosen_lines = {c.line for c in chosen.values()}
        leftovers = [c for c in candidates if c.line not in chosen_lines]
        main_prefix, main_style = self._main_style(chosen)

        # Occurrences of a part's own label, with its style, that no missing part could
        # take by position: the part was answered in two places.
        repeats: list[tuple[int, _PartCandidate]] = []
        for k, options in exact.items():
            for candidate in options:
                if candidate is chosen.get(k) or candidate.line in chosen_lines:
                    continue
                same_style = (
                    candidate.token.style == chosen[k].token.style
                    and candidate.prefix == chosen[k].prefix
                )
                if same_style and not self._missing_could_sit_at(candidate.line, chosen):
                    repeats.append((k, candidate))
        repeat_lines = {c.line for _, c in repeats}
        leftovers = [c for c in leftovers if c.line not in repeat_lines]

        # Owners in sheet order: anchors (grouped by line) and repeats.
        owners: dict[int, _Owner] = {}
        for k, candidate in chosen.items():
            owner = owners.setdefault(
                candidate.line,
                _Owner(
                    parts=[],
                    label=candidate.token.raw.strip(),
                    token_count=candidate.token_index + 1,
                ),
            )
            owner.parts.append(k)
        for k, candidate in repeats:
            owners[candidate.line] = _Owner(
                parts=[k],
                label=candidate.token.raw.strip(),
                token_count=candidate.token_index + 1,
                repeat=True,
            )
        for owner in owners.values():
            owner.parts.sort()
        self._note_order(chosen)
        self._state = (owners, chosen, leftovers, family, main_prefix, main_style)
        return set(chosen)

    def fill(self, elsewhere: set[int]) -> _QuestionResult:
        """Place the unlabelled parts (not those anchored ``elsewhere``) and cut the text."""
        owners, chosen, leftovers, family, main_prefix, main_style = self._state
        lines = sorted(owners)
        placed: set[int] = set(chosen) | elsewhere
        content_start = self._content_start()
        # The gap before the first label, then one gap per owner.
        gaps: list[tuple[_Owner | None, int, int]] = []
        first_line = lines[0] if lines else self.end + 1
        if content_start <= first_line - 1:
            gaps.append((None, content_start, first_line - 1))
        for i, line in enumerate(lines):
            gap_end = lines[i + 1] - 1 if i + 1 < len(lines) else self.end
            gaps.append((owners[line], line, gap_end))
        for gi, (owner, gap_start, gap_end) in enumerate(gaps):
            low = max((self.ordinals[k] for k in owner.parts), default=0) if owner else 0
            following = [g[0] for g in gaps[gi + 1 :] if g[0] is not None]
            high = (
                min((self.ordinals[k] for k in following[0].parts), default=10**6)
                if following
                else 10**6
            )
            if owner is not None and owner.repeat:
                missing: list[int] = []
            else:
                missing = [
                    k
                    for k in range(len(self.parts))
                    if k not in placed and low < self.ordinals[k] < high
                ]
            pieces = self._fill_gap(
                owner, gap_start, gap_end, missing, leftovers, family, main_prefix, main_style
            )
            for piece in pieces:
                if piece.owner is not None:
                    placed.update(piece.owner.parts)
            self.result.pieces.extend(pieces)
        return self.result

    def _primary_family(self, candidates: list[_PartCandidate]) -> str | None:
        wanted = set(self.ordinals)
        distinct: dict[str, set[int]] = {}
        first_seen: dict[str, int] = {}
        for candidate in candidates:
            for member in candidate.token.members:
                for family, ordinal in member:
                    if ordinal in wanted:
                        distinct.setdefault(family, set()).add(ordinal)
                        first_seen.setdefault(family, candidate.line)
        if not distinct:
            return None
        return max(distinct, key=lambda f: (len(distinct[f]), -first_seen[f]))

    def _choose_anchors(self, exact: dict[int, list[_PartCandidate]]) -> dict[int, _PartCandidate]:
        chosen = {k: options[0] for k, options in exact.items()}
        # A line names one part unless its label names several ("(b) and (c)").
        for k, options in exact.items():
            if len(options) == 1:
                continue
            others = {k2: c for k2, c in chosen.items() if k2 != k and len(exact[k2]) == 1}
            styles = Counter((c.token.style, c.prefix) for c in others.values())
            usual = styles.most_common(1)[0][0] if styles else None

            def score(candidate: _PartCandidate, k: int = k, others=others, usual=usual) -> float:
                in_order = sum(
                    1
                    for k2, c in others.items()
                    if (self.ordinals[k2] < self.ordinals[k]) == (c.line < candidate.line)
                )
                style = 0.5 if (candidate.token.style, candidate.prefix) == usual else 0.0
                return in_order + style - _EPSILON * candidate.line

            chosen[k] = max(options, key=score)
        # One line, one anchor, unless the token itself names several parts.
        by_line: dict[int, list[int]] = {}
        for k, candidate in chosen.items():
            by_line.setdefault(candidate.line, []).append(k)
        for ks in by_line.values():
            token = chosen[ks[0]].token
            if len(ks) > 1 and len(token.members) == 1:
                for k in ks[1:]:
                    del chosen[k]
        return chosen

    def _missing_could_sit_at(self, line: int, chosen: dict[int, _PartCandidate]) -> bool:
        """Is there an unanchored part whose place in the sequence is around ``line``?"""
        before = [self.ordinals[k] for k, c in chosen.items() if c.line < line]
        after = [self.ordinals[k] for k, c in chosen.items() if c.line > line]
        low = max(before, default=0)
        high = min(after, default=10**6)
        return any(k not in chosen and low < o < high for k, o in enumerate(self.ordinals))

    def _main_style(self, chosen: dict[int, _PartCandidate]) -> tuple[str | None, str | None]:
        if not chosen:
            return None, None
        prefixes = Counter(c.prefix for c in chosen.values())
        styles = Counter(c.token.style for c in chosen.values())
        return prefixes.most_common(1)[0][0], styles.most_common(1)[0][0]

    def _note_order(self, chosen: dict[int, _PartCandidate]) -> None:
        by_line = sorted(chosen.items(), key=lambda item: item[1].line)
        highest = 0
        for k, _ in by_line:
            if self.ordinals[k] < highest:
                self.result.notes.setdefault(k, []).append("answered out of order")
            highest = max(highest, self.ordinals[k])

    def _content_start(self) -> int:
        """First line of the question's text: the anchor line itself if text follows its label."""
        if self.anchor is None:
            return self.start
        line = self.scan.sheet.line(self.start)
        rest = self.anchor.text_without(line, 1).strip()
        if len(self.anchor.tokens) > 1:
            return self.start  # "## Q1 (a)": the part label line itself
        if rest and self.anchor.prefix != "heading":
            return self.start
        if rest:
            self.result.pieces.append(
                _Piece(None, self.start, self.start, 1, reason="question heading")
            )
        return self.start + 1

    # -- gap filling

    def _blocks(self, start: int, end: int) -> list[tuple[int, int]]:
        blocks: list[tuple[int, int]] = []
        for line in range(start, end + 1):
            if self.scan.blank[line]:
                continue
            if not blocks or self.scan.block_start[line] or line == start:
                blocks.append((line, line))
            else:
                blocks[-1] = (blocks[-1][0], line)
        return blocks

    def _block_text(self, block: tuple[int, int], first_tokens: int) -> str:
        lines = [self.scan.sheet.line(n) for n in range(block[0], block[1] + 1)]
        label = self.scan.labels.get(block[0])
        if first_tokens and label is not None:
            lines[0] = label.text_without(lines[0], first_tokens)
        return "\n".join(lines)

    def _fill_gap(
        self,
        owner: _Owner | None,
        start: int,
        end: int,
        missing: list[int],
        leftovers: list[_PartCandidate],
        family: str | None,
        main_prefix: str | None,
        main_style: str | None,
    ) -> list[_Piece]:
        first_tokens = (
            owner.token_count if owner else (1 if start == self.start and self.anchor else 0)
        )
        blocks = self._blocks(start, end)
        if not blocks:
            if owner is not None:
                return [_Piece(owner, start, start, owner.token_count)]
            return []
        if not missing:
            # nothing to place: the whole gap is the owner's (or nobody's)
            if owner is not None:
                return [_Piece(owner, start, blocks[-1][1], owner.token_count)]
            reason = (
                "between the question label and its first part label"
                if self.anchor is not None
                else "not in any part"
            )
            return [_Piece(None, blocks[0][0], blocks[-1][1], first_tokens, reason)]
        at_line = {c.line: c for c in leftovers}
        texts = [
            Block(self._block_text(block, first_tokens if i == 0 else 0))
            for i, block in enumerate(blocks)
        ]
        # Owners: 0 = the gap's own owner (or nobody), 1.. = missing parts in order.
        choices: list[list[int] | None] = [owner.parts if owner else None] + [[k] for k in missing]

        fits: dict[tuple[int, int], float] = {}

        def block_score(b: int, o: int) -> float:
            key = (b, o)
            if key not in fits:
                parts = choices[o]
                if parts is None:
                    fits[key] = _UNASSIGNED_COST if texts[b].norm else 0.0
                else:
                    fits[key] = max(fit(texts[b], self.parts[k]) for k in parts)
            return fits[key]

        start_how: dict[tuple[int, int], tuple[float, str, str | None, int]] = {}

        def start_bonus(b: int, o: int) -> float:
            key = (b, o)
            if key in start_how:
                return start_how[key][0]
            k = choices[o][0]  # type: ignore[index]
            line = blocks[b][0]
            candidate = at_line.get(line)
            if candidate is not None:
                tokens = candidate.token_index + 1
                raw = candidate.token.raw.strip()
                others = {self.ordinals[m] for m in missing if m != k}
                if self.ordinals[k] in candidate.ordinals():
                    how = (
                        "label"
                        if family and candidate.names(family, self.ordinals[k])
                        else "label_other_form"
                    )
                    value = _OTHER_FORM_BONUS
                elif candidate.ordinals() & others:
                    value, how = 0.0, "label_by_position"  # it names another missing part
                else:
                    value = _BY_POSITION_BONUS
                    value += _STYLE_BONUS if candidate.prefix == main_prefix else 0.0
                    value += _STYLE_BONUS if candidate.token.style == main_style else 0.0
                    how = "label_by_position"
                result = (value, how, raw, tokens)
            elif b == 0 and owner is None:
                result = (_POSITION_BONUS, "position", None, first_tokens)
            else:
                result = (_PLAIN_START, "content", None, 0)
            start_how[key] = result
            return result[0]

        count = len(blocks)
        width = len(choices)
        minus = float("-inf")
        score = [[minus] * width for _ in range(count)]
        back: list[list[int]] = [[-1] * width for _ in range(count)]
        score[0][0] = block_score(0, 0)
        if owner is None:
            for o in range(1, width):
                score[0][o] = start_bonus(0, o) + block_score(0, o)
        for b in range(1, count):
            for o in range(width):
                best, best_from = score[b - 1][o], o  # the block continues owner o
                for previous in range(o):  # or owner o starts here
                    if score[b - 1][previous] == minus:
                        continue
                    value = score[b - 1][previous] + start_bonus(b, o)
                    if value >= best:  # on a tie the part starts later: neutral text stays put
                        best, best_from = value, previous
                if best == minus:
                    continue
                score[b][o] = best + block_score(b, o)
                back[b][o] = best_from
        o = max(range(width), key=lambda i: (score[count - 1][i], -i))
        assignment = [0] * count
        for b in range(count - 1, -1, -1):
            assignment[b] = o
            o = back[b][o] if b > 0 else o
        # Pieces: runs of blocks with the same owner.
        pieces: list[_Piece] = []
        for b, o in enumerate(assignment):
            if b > 0 and assignment[b - 1] == o:
                pieces[-1].end = blocks[b][1]
                continue
            if o == 0:
                if owner is None:
                    reason = (
                        "between the question label and its first part label"
                        if self.anchor is not None
                        else "not in any part"
                    )
                    pieces.append(
                        _Piece(
                            None, blocks[b][0], blocks[b][1], first_tokens if b == 0 else 0, reason
                        )
                    )
                else:
                    pieces.append(_Piece(owner, start, blocks[b][1], owner.token_count))
                continue
            k = missing[o - 1]
            _, how, raw, tokens = start_how[(b, o)]
            new_owner = _Owner(parts=[k], how=how, label=raw, token_count=tokens)
            pieces.append(_Piece(new_owner, blocks[b][0], blocks[b][1], tokens))
            self._explain(k, how, raw, blocks[b][0])
        return pieces

    def _explain(self, k: int, how: str, raw: str | None, line: int) -> None:
        part = self.parts[k]
        notes = self.result.notes.setdefault(k, [])
        if how == "label_other_form":
            notes.append(
                f"labelled {raw!r} on line {line}: read as {part.id} (another label style)"
            )
        elif how == "label_by_position":
            notes.append(
                f"labelled {raw!r} on line {line}, which does not fit the sequence: "
                f"taken as {part.id} by its position"
            )
        elif how == "position":
            notes.append(f"no label: the text at line {line}, where {part.id} should start")
        elif how == "content":
            notes.append(f"no label: the block at line {line} fits {part.id} by its content")


# --------------------------------------------------------------------------- entry point


def find_parts(sheet: Sheet, layout: Sequence[QuestionLayout]) -> PartFinding:
    """Find each layout part's answer on ``sheet`` (see the module docstring)."""
    scan = _Scan.of(sheet)
    anchors = _choose_question_anchors(scan, layout)
    warnings: list[str] = []
    unassigned: list[UnassignedSpan] = []
    questions: dict[str, QuestionSpan] = {}
    parts: dict[str, PartAnswer] = {}

    chunks = _question_chunks(scan, layout, anchors, warnings, unassigned)
    if not chunks and len(layout) > 1:
        chunks = _chunks_from_restarts(scan, layout, warnings)
    _split_for_unlabelled_questions(scan, layout, chunks, warnings)
    first_chunk = min((c[0] for cs in chunks.values() for c in cs), default=len(sheet.lines) + 1)

    # Text before the first question label: unassigned, unless it holds the part labels
    # of a leading question whose own label is missing (then it is that question's).
    leading = [
        q for q in range(len(layout)) if q not in chunks and (not anchors or q < min(anchors))
    ]
    preamble_end = first_chunk - 1
    if len(leading) == 1 and preamble_end >= 1:
        part_lines = [
            n
            for n in range(1, preamble_end + 1)
            if n in scan.labels and scan.labels[n].tokens[0].kind == "part"
        ]
        if part_lines:
            chunks[leading[0]] = [(part_lines[0], preamble_end, None)]
            warnings.append(
                f"{layout[leading[0]].id}: no question label found; its parts were found "
                f"before the next question (lines {part_lines[0]}-{preamble_end})"
            )
            preamble_end = part_lines[0] - 1
    if preamble_end >= 1:
        span = scan.nonblank_span(1, preamble_end)
        if span:
            unassigned.append(_unassigned(sheet, span, "before the first question label"))

    for q, question in enumerate(layout):
        pieces = sorted(chunks.get(q, []))
        if not pieces:
            questions[question.id] = QuestionSpan(question.id, None, None)
            warnings.append(f"{question.id}: no label for this question found on the sheet")
            for part in question.parts:
                parts[part.id] = _missing(
                    part, f"question {question.id} was not found on the sheet"
                )
            continue
        main = pieces[0]
        questions[question.id] = QuestionSpan(
            question.id,
            main[0],
            main[1],
            label=main[2].tokens[0].raw.strip() if main[2] else None,
            how_found="label" if main[2] else "position",
        )
        if len(pieces) > 1:
            where = ", ".join(f"{a}-{b}" for a, b, _ in pieces)
            warnings.append(f"{question.id}: answered in {len(pieces)} places (lines {where})")
        number = question.number if question.number is not None else q + 1
        finders = [_QuestionParts(scan, question, number, a, b, label) for a, b, label in pieces]
        anchored = [finder.prepare() for finder in finders]
        result = _QuestionResult()
        for i, finder in enumerate(finders):
            elsewhere = (
                set().union(*(anchored[:i] + anchored[i + 1 :])) if len(finders) > 1 else set()
            )
            # a part found in an earlier chunk is not looked for again in a later one
            elsewhere |= {k for r in [result] for p in r.pieces if p.owner for k in p.owner.parts}
            part_result = finder.fill(elsewhere)
            result.pieces.extend(part_result.pieces)
            for k, notes in part_result.notes.items():
                result.notes.setdefault(k, []).extend(notes)
            for k, problems in part_result.problems.items():
                result.problems.setdefault(k, []).extend(problems)
            warnings.extend(finder.warnings)
        parts.update(_assemble(scan, question, result, (main[0], pieces[-1][1]), unassigned))

    unassigned.sort(key=lambda u: u.start_line)
    return PartFinding(parts=parts, questions=questions, unassigned=unassigned, warnings=warnings)


def _chunks_from_restarts(
    scan: _Scan, layout: Sequence[QuestionLayout], warnings: list[str]
) -> dict[int, list[tuple[int, int, LabelLine | None]]]:
    """No question labels at all: questions told apart by part labels starting again.

    Taken only when the first part label starts a sequence (``(a)``, ``①``, ``i)``)
    and it starts again at most once per question: ``(a) (b) (c) (a) (b)`` is two
    questions. The restarts use the first label's family and style, so sub-points
    in another style do not count.
    """
    part_lines = [n for n in sorted(scan.labels) if scan.labels[n].tokens[0].kind == "part"]
    if not part_lines:
        return {}
    first = scan.labels[part_lines[0]].tokens[0]
    first_readings = [r for r in first.readings if r[1] == 1]
    if not first_readings:
        return {}
    family = first_readings[0][0]
    starts = [
        n
        for n in part_lines
        if scan.labels[n].tokens[0].style == first.style
        and (family, 1) in scan.labels[n].tokens[0].readings
    ]
    if not 1 < len(starts) <= len(layout):
        return {}
    total = len(scan.sheet.lines)
    warnings.append(
        f"no question labels found: questions told apart by part labels starting again "
        f"(lines {', '.join(map(str, starts))})"
    )
    return {
        q: [(start, starts[q + 1] - 1 if q + 1 < len(starts) else total, None)]
        for q, start in enumerate(starts)
    }


def _split_for_unlabelled_questions(
    scan: _Scan,
    layout: Sequence[QuestionLayout],
    chunks: dict[int, list[tuple[int, int, LabelLine | None]]],
    warnings: list[str],
) -> None:
    """A question whose label was lost (OCR, or never written) after a labelled one:
    its parts start again inside the previous question's text (``(d)`` then
    ``(a)``). Cut the previous question's last stretch there and give the rest
    to the unlabelled question."""
    for q in range(1, len(layout)):
        if q in chunks or q - 1 not in chunks:
            continue
        start, end, label = max(chunks[q - 1])
        highest: dict[str, int] = {}
        for line in range(start + 1, end + 1):
            parsed = scan.labels.get(line)
            if parsed is None or parsed.tokens[0].kind != "part":
                continue
            readings = parsed.tokens[0].readings
            if any(ordinal == 1 and highest.get(family, 0) > 1 for family, ordinal in readings):
                chunks[q - 1].remove((start, end, label))
                chunks[q - 1].append((start, line - 1, label))
                chunks[q] = [(line, end, None)]
                warnings.append(
                    f"{layout[q].id}: no question label found; taken to start at line {line}, "
                    "where the part labels start again"
                )
                break
            for family, ordinal in readings:
                highest[family] = max(highest.get(family, 0), ordinal)


def _question_chunks(
    scan: _Scan,
    layout: Sequence[QuestionLayout],
    anchors: dict[int, _QuestionCandidate],
    warnings: list[str],
    unassigned: list[UnassignedSpan],
) -> dict[int, list[tuple[int, int, LabelLine | None]]]:
    """Question index -> its stretches of lines ``(start, end, label line)``.

    A question's answer runs from its anchor to the next cut. Cuts are the
    anchors and every strong question label (``Q2``, ``## 2``, ``2(a)``) that
    names another question than the one whose text it sits in: a question
    answered out of order, or in two places. A strong label of a question the
    layout does not have starts text reported as unassigned.
    """
    numbers = {
        (question.number if question.number is not None else i + 1): i
        for i, question in enumerate(layout)
    }
    chosen = {candidate.line: q for q, candidate in anchors.items()}
    cuts: list[tuple[int, int | None, LabelLine]] = []
    current: int | None = None
    for candidate in _question_candidates(scan):
        if candidate.line in chosen:
            current = chosen[candidate.line]
            cuts.append((candidate.line, current, candidate.label))
            continue
        if candidate.strength < 2.5:
            continue
        named = numbers.get(candidate.number)
        if named != current:
            current = named
            cuts.append((candidate.line, named, candidate.label))
    total = len(scan.sheet.lines)
    chunks: dict[int, list[tuple[int, int, LabelLine | None]]] = {}
    for i, (line, q, label) in enumerate(cuts):
        end = cuts[i + 1][0] - 1 if i + 1 < len(cuts) else total
        if q is None:
            raw = label.tokens[0].raw.strip()
            warnings.append(
                f"line {line}: {raw!r} names no question of the rubric; its text is not graded"
            )
            span = scan.nonblank_span(line, end)
            if span:
                unassigned.append(
                    _unassigned(scan.sheet, span, f"under {raw!r}, not a question of the rubric")
                )
            continue
        chunks.setdefault(q, []).append((line, end, label))
    return chunks


def _unassigned(sheet: Sheet, span: tuple[int, int], reason: str) -> UnassignedSpan:
    text = "\n".join(sheet.lines[span[0] - 1 : span[1]])
    return UnassignedSpan(span[0], span[1], text, reason)


def _missing(part: PartLayout, why: str) -> PartAnswer:
    if part.kind == "code":
        return PartAnswer(
            part.id, notes=["code part: not answered on the sheet (expected in a code file)"]
        )
    return PartAnswer(part.id, problems=[f"no answer found: {why}"])


def _assemble(
    scan: _Scan,
    question: QuestionLayout,
    result: _QuestionResult,
    region: tuple[int, int],
    unassigned: list[UnassignedSpan],
) -> dict[str, PartAnswer]:
    sheet = scan.sheet
    pieces_of: dict[int, list[_Piece]] = {}
    for piece in result.pieces:
        span = scan.nonblank_span(piece.start, piece.end)
        if piece.owner is None:
            if span:
                unassigned.append(_unassigned(sheet, span, piece.reason))
            continue
        for k in piece.owner.parts:
            pieces_of.setdefault(k, []).append(piece)

    answers: dict[str, PartAnswer] = {}
    for k, part in enumerate(question.parts):
        pieces = pieces_of.get(k)
        if not pieces:
            answers[part.id] = _missing(
                part,
                f"no label or fitting text in {question.id}'s answer (lines {region[0]}-{region[1]})",
            )
            continue
        pieces.sort(key=lambda p: p.start)
        lines: list[tuple[int, str]] = []
        spans: list[tuple[int, int]] = []
        for piece in pieces:
            end = piece.end
            while end > piece.start and scan.blank[end]:
                end -= 1
            spans.append((piece.start, end))
            for number in range(piece.start, end + 1):
                text = sheet.line(number)
                if number == piece.start and piece.first_tokens:
                    label = scan.labels.get(number)
                    if label is not None:
                        text = label.text_without(text, piece.first_tokens)
                lines.append((number, text))
        first = pieces[0].owner
        answer = PartAnswer(
            part_id=part.id,
            text="\n".join(text for _, text in lines),
            start_line=spans[0][0],
            end_line=spans[-1][1],
            how_found=first.how,  # type: ignore[arg-type]
            label=first.label,
            spans=spans,
            lines=lines,
            notes=list(result.notes.get(k, [])),
            problems=list(result.problems.get(k, [])),
        )
        if len(first.parts) > 1:
            others = [question.parts[j].id for j in first.parts if j != k]
            answer.problems.append(
                f"lines {spans[0][0]}-{spans[0][1]} answer {part.id} together with "
                f"{', '.join(others)} (labelled {first.label!r})"
            )
        if len(spans) > 1:
            where = ", ".join(f"{s}-{e}" for s, e in spans)
            answer.problems.append(f"answered in {len(spans)} places (lines {where}); all taken")
        if not answer.text.strip():
            answer.notes.append("the label is there but no answer follows it")
        answers[part.id] = answer
    return answers


# --------------------------------------------------------------------------- any submission


def find_answers(submission: Submission, layout: Sequence[QuestionLayout]) -> PartFinding:
    """Part finding for any submission: a sheet, an answer file, or code only.

    Answer-file keys may be part ids (``q1.b``), nested (``q1: {b: ...}``, read
    as ``q1.b``) or labels a student would write (``1b``, ``Q1(b)``, ``1.b``).
    A key naming a whole question with parts (``q2: "..."``) is treated as a
    small sheet for that question, so its part labels are found as on a sheet.
    Keys that name no part are reported in ``unassigned``.
    """
    if submission.answers is not None:
        return _find_in_answers(submission, layout)
    if submission.sheet is not None:
        return find_parts(submission.sheet, layout)
    parts = {
        part.id: _missing(part, "the submission has no answer sheet")
        for question in layout
        for part in question.parts
    }
    return PartFinding(
        parts=parts, questions={q.id: QuestionSpan(q.id, None, None) for q in layout}
    )


def _key_to_part(key: str, layout: Sequence[QuestionLayout]) -> tuple[str | None, str | None]:
    """(part id, question id) that an answer-file key names, either may be None."""
    lowered = key.strip().lower()
    for question in layout:
        if lowered == question.id.lower():
            return None, question.id
        for part in question.parts:
            if lowered == part.id.lower():
                return part.id, question.id
    if re.fullmatch(r"\d{1,2}[a-z]", lowered):
        lowered += ")"  # "1b" as a key: question 1, part b
    label = parse_label_line(1, lowered)
    if label is None or label.tokens[0].kind not in ("question", "number"):
        return None, None
    number = label.tokens[0].number
    for qi, question in enumerate(layout):
        if (question.number if question.number is not None else qi + 1) != number:
            continue
        if len(label.tokens) == 1:
            return None, question.id
        token = label.tokens[1]
        for position, part in enumerate(question.parts, start=1):
            ordinal = _part_ordinal(part, position)
            if any(o == ordinal for _, o in token.readings):
                return part.id, question.id
    return None, None


def _find_in_answers(submission: Submission, layout: Sequence[QuestionLayout]) -> PartFinding:
    answers = submission.answers or {}
    parts: dict[str, PartAnswer] = {}
    unassigned: list[UnassignedSpan] = []
    warnings: list[str] = []
    by_part: dict[str, list[str]] = {}
    whole_questions: dict[str, str] = {}
    for key in answers:
        part_id, question_id = _key_to_part(key, layout)
        if part_id is not None:
            by_part.setdefault(part_id, []).append(key)
        elif question_id is not None:
            whole_questions[question_id] = key
        else:
            start, end = submission.answer_spans.get(key, (1, 1))
            unassigned.append(
                UnassignedSpan(start, end, answers[key], f"key {key!r} names no part")
            )
    for question in layout:
        sub_finding: PartFinding | None = None
        if question.id in whole_questions:
            key = whole_questions[question.id]
            sub_finding = _find_in_question_text(
                answers[key], submission.answer_spans.get(key), question
            )
            warnings.extend(sub_finding.warnings)
            unassigned.extend(sub_finding.unassigned)
        for part in question.parts:
            keys = by_part.get(part.id, [])
            if keys:
                key = keys[0]
                start, end = submission.answer_spans.get(key, (1, 1))
                text = answers[key]
                answer = PartAnswer(
                    part.id,
                    text=text,
                    start_line=start,
                    end_line=end,
                    how_found="answer_file",
                    label=key,
                    spans=[(start, end)],
                    lines=_answer_lines(text, start, end),
                )
                if len(keys) > 1:
                    answer.problems.append(
                        f"answered under several keys ({', '.join(keys)}); took {key!r}"
                    )
                    for extra in keys[1:]:
                        s, e = submission.answer_spans.get(extra, (1, 1))
                        unassigned.append(
                            UnassignedSpan(s, e, answers[extra], f"second answer for {part.id}")
                        )
                if not text.strip():
                    answer.notes.append("the key is there but its answer is empty")
                parts[part.id] = answer
            elif sub_finding is not None and sub_finding.parts[part.id].found:
                parts[part.id] = sub_finding.parts[part.id]
            else:
                parts[part.id] = _missing(part, "no key for this part in the answer file")
    unassigned.sort(key=lambda u: u.start_line)
    return PartFinding(parts=parts, unassigned=unassigned, warnings=warnings)


def _answer_lines(text: str, start: int, end: int) -> list[tuple[int, str]]:
    """Line numbers for an answer's lines: from the end of its span backwards (block scalars)."""
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    first = max(start, end - len(lines) + 1)
    return [(first + i, line) for i, line in enumerate(lines)]


def _find_in_question_text(
    text: str, span: tuple[int, int] | None, question: QuestionLayout
) -> PartFinding:
    """A whole question's answer from an answer file, read as a small sheet."""
    start, end = span or (1, 1)
    sheet = Sheet.from_text(text)
    offset = max(start, end - len(sheet.lines) + 1) - 1
    bare = QuestionLayout(question.id, labels=question.labels, parts=question.parts)
    scan = _Scan.of(sheet)
    finder = _QuestionParts(scan, bare, None, 1, max(len(sheet.lines), 1), None)
    result = finder.run() if sheet.lines else _QuestionResult()
    unassigned: list[UnassignedSpan] = []
    parts = _assemble(scan, bare, result, (1, max(len(sheet.lines), 1)), unassigned)
    for answer in parts.values():
        answer.lines = [(n + offset, t) for n, t in answer.lines]
        answer.spans = [(s + offset, e + offset) for s, e in answer.spans]
        if answer.start_line is not None:
            answer.start_line += offset
            answer.end_line = (answer.end_line or answer.start_line) + offset
    for item in unassigned:
        item.start_line += offset
        item.end_line += offset
    return PartFinding(parts=parts, unassigned=unassigned, warnings=finder.warnings)
