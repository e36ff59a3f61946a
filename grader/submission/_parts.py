"""Finding the parts inside one question's lines: labelled parts (anchors), then
unlabelled and mislabelled ones by a dynamic programme over the blocks of each
gap. See ``finding.py`` steps 2 and 3."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from grader.submission._scan import Scan
from grader.submission.content import Block, fit
from grader.submission.labels import LabelLine, LabelToken, parse_custom_label
from grader.submission.models import PartLayout, QuestionLayout, default_part_labels

_OTHER_FORM_BONUS = 3.0  # a label of another family with the right number: "④" for (d)
_BY_POSITION_BONUS = 1.0  # a label that does not fit, where the part should start
_STYLE_BONUS = 0.5  # ... more when it has the question's label style
_PLAIN_START = -0.5  # a paragraph with no label must earn its start by content
_POSITION_BONUS = 1.0  # the text right after a question label
_UNASSIGNED_COST = -1.0  # per block left to nobody
_EPSILON = 1e-6
_MAX_BLOCKS = 300  # per gap; more are merged (only pathological sheets have that many)


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
class Piece:
    owner: _Owner | None
    start: int
    end: int
    first_tokens: int  # labels to take off the first line
    reason: str = ""


@dataclass
class QuestionResult:
    pieces: list[Piece] = field(default_factory=list)
    notes: dict[int, list[str]] = field(default_factory=dict)
    problems: dict[int, list[str]] = field(default_factory=dict)
    how: dict[int, str] = field(default_factory=dict)
    labels: dict[int, str] = field(default_factory=dict)


def part_ordinal(part: PartLayout, position: int) -> int:
    """A part's number in its question: from its letter (``q1.c`` -> 3), else its position."""
    letter = part.letter.lower()
    if len(letter) == 1 and letter.isalpha():
        return ord(letter) - ord("a") + 1
    if letter.isdigit():
        return int(letter)
    return position


def _normal_label(text: str) -> str:
    return text.strip().strip("()[].:*# \t").lower()


class QuestionParts:
    """Part finding inside one question's lines."""

    def __init__(
        self,
        scan: Scan,
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
        self.ordinals = [part_ordinal(p, i + 1) for i, p in enumerate(self.parts)]
        self.result = QuestionResult()
        self.warnings: list[str] = []
        self._custom: list[list[str]] | None = None

    # -- candidates

    def _candidates(self) -> list[_PartCandidate]:
        found = []
        custom = {
            label.strip().lower(): ordinal
            for labels, ordinal in zip(self._custom_labels_raw(), self.ordinals, strict=True)
            for label in labels
        }
        for line in range(self.start, self.end + 1):
            if custom and not self.scan.blank[line]:
                own = parse_custom_label(line, self.scan.sheet.line(line), custom)
                if own is not None:
                    # the layout's own label is the better reading of this line, for
                    # every later step (taking the label off the answer's first line)
                    self.scan.labels[line] = own
                    found.append(_PartCandidate(line, own.tokens[0], 0, own.prefix, own))
                    continue
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
        return self._without_answer_lists(found)

    def _without_answer_lists(self, found: list[_PartCandidate]) -> list[_PartCandidate]:
        """Bare numbers ("1.", "2)") that come after answer text are a list inside the
        answer, not part labels, unless the rubric's own part labels are numbers."""
        numbered = [c for c in found if c.token.kind == "number" and c.token_index == 0]
        if not numbered:
            return found
        for position, part in enumerate(self.parts, start=1):
            explicit = part.labels != default_part_labels(position, part.letter)
            if explicit and any(label.strip(" .()").isdigit() for label in part.labels):
                return found
        first = numbered[0].line
        labelled = {c.line for c in found}
        text_before = any(
            not self.scan.blank[line] and line not in labelled and line not in self.scan.labels
            for line in range(self.start + 1, first)
        )
        if self.anchor is not None and self.start < first:
            line = self.scan.sheet.line(self.start)
            text_before = text_before or bool(self.anchor.text_without(line, 1).strip())
        if not text_before:
            return found
        return [c for c in found if not (c.token.kind == "number" and c.token_index == 0)]

    def _custom_labels_raw(self) -> list[list[str]]:
        """Labels the layout gives beyond the defaults (``Task 2.1``, ``Part A``)."""
        if self._custom is None:
            self._custom = []
            for part, ordinal in zip(self.parts, self.ordinals, strict=True):
                defaults = {_normal_label(x) for x in default_part_labels(ordinal, part.letter)}
                self._custom.append(
                    [x for x in part.labels if _normal_label(x) not in defaults and x.strip()]
                )
        return self._custom

    def _custom_labels(self) -> list[set[str]]:
        return [{_normal_label(x) for x in labels} for labels in self._custom_labels_raw()]

    # -- the main steps

    def run(self) -> QuestionResult:
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

    def fill(self, elsewhere: set[int]) -> QuestionResult:
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
                Piece(None, self.start, self.start, 1, reason="question heading")
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
        if len(blocks) > _MAX_BLOCKS:
            # A huge gap: coarser blocks keep the search linear in the sheet's size.
            size = -(-len(blocks) // _MAX_BLOCKS)
            blocks = [
                (blocks[i][0], blocks[min(i + size, len(blocks)) - 1][1])
                for i in range(0, len(blocks), size)
            ]
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
    ) -> list[Piece]:
        first_tokens = (
            owner.token_count if owner else (1 if start == self.start and self.anchor else 0)
        )
        blocks = self._blocks(start, end)
        if not blocks:
            if owner is not None:
                return [Piece(owner, start, start, owner.token_count)]
            return []
        if not missing:
            # nothing to place: the whole gap is the owner's (or nobody's)
            if owner is not None:
                return [Piece(owner, start, blocks[-1][1], owner.token_count)]
            reason = (
                "between the question label and its first part label"
                if self.anchor is not None
                else "not in any part"
            )
            return [Piece(None, blocks[0][0], blocks[-1][1], first_tokens, reason)]
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
        # A label line with nothing after it keeps the block that follows: the text
        # right under a student's own "(b)" is (b)'s answer, whatever it looks like.
        label_only = owner is not None and not texts[0].norm
        for b in range(1, count):
            for o in range(width):
                if b == 1 and label_only and o != 0:
                    continue
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
        pieces: list[Piece] = []
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
                        Piece(
                            None, blocks[b][0], blocks[b][1], first_tokens if b == 0 else 0, reason
                        )
                    )
                else:
                    pieces.append(Piece(owner, start, blocks[b][1], owner.token_count))
                continue
            k = missing[o - 1]
            _, how, raw, tokens = start_how[(b, o)]
            new_owner = _Owner(parts=[k], how=how, label=raw, token_count=tokens)
            pieces.append(Piece(new_owner, blocks[b][0], blocks[b][1], tokens))
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
