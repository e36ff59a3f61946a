"""Free text -> a stream of normalised word tokens with positions.

Answers and rubric phrasings go through the same steps, so that whatever is
done to one is done to the other (a phrasing "NN" and an answer "neural
network" meet in the middle). The steps, in order:

1. drop what the student struck out (``~~...~~``) and markup (``<sup>``,
   ``$``, LaTeX formatting commands), keep inserted words;
2. split into word tokens, remembering each token's line and columns in the
   original text (the evidence quotes the student's own words);
3. lower-case, expand contractions ("doesn't" -> "does not") and common
   abbreviations ("info", "NN", "GD", "+ve"), read Greek letters and LaTeX
   names as words (``\\alpha``, "α" -> "alpha");
4. British -> American spelling ("penalise" -> "penalize", "behaviour");
5. mark sentence and clause boundaries (punctuation, line breaks that start a
   new item, "but"/"whereas"), drop stop words, fold every negation cue
   ("no", "never", "cannot", "without", "rather than", ...) into the token "not";
6. stem (Porter).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from grader.text.stem import stem

__all__ = ["Token", "tokenize", "phrase_words", "STOPWORDS", "NEGATION"]

NEGATION = "not"

# Function words that carry no idea of their own. Negations, comparison and
# direction words (more, less, up, down, before, after, all, only) are kept:
# they change what a sentence says.
STOPWORDS = frozenset(
    """
    a an the this that these those it its it's itself they them their there here
    is are was were be been being am do does did doing done has have had having
    can could will would shall should may might must
    of to in on at by for with from onto as so such then thus hence therefore
    and or also which who whom whose what when where why how
    i we you he she me us our your his her my
    very just quite really rather
    some any lot lots
    s t
    """.split()
)
# "into" is not a stop word: OCR makes it of "info". 't' is one, so that the
# "t" of "doesn't" never matters (the time step "t" is not worth matching on).

_CLAUSE_WORDS = frozenset({"but", "whereas", "however", "although", "though"})

# single words that negate what follows (after lower-casing)
_NEGATION_WORDS = frozenset(
    {"not", "no", "never", "neither", "nor", "without", "cannot", "unlike", "none", "nothing"}
)
# two-word negation cues: "rather than X", "instead of X"
_NEGATION_PAIRS = {("rather", "than"), ("instead", "of")}

_CONTRACTIONS = {
    "can't": ["can", "not"],
    "cannot": ["can", "not"],
    "won't": ["will", "not"],
    "shan't": ["shall", "not"],
}

# Common abbreviations of prose and of ML/CS writing (word -> expansion).
_ABBREVIATIONS: dict[str, list[str]] = {
    "info": ["information"],
    "infos": ["information"],
    "nn": ["neural", "network"],
    "nns": ["neural", "networks"],
    "gd": ["gradient", "descent"],
    "sgd": ["stochastic", "gradient", "descent"],
    "fn": ["function"],
    "fns": ["functions"],
    "func": ["function"],
    "lr": ["learning", "rate"],
    "thru": ["through"],
    "eqn": ["equation"],
    "eqns": ["equations"],
    "params": ["parameters"],
    "param": ["parameter"],
    "grad": ["gradient"],
    "grads": ["gradients"],
    "approx": ["approximately"],
    "dims": ["dimensions"],
    "dim": ["dimension"],
    "calc": ["calculate"],
    "wrt": ["with", "respect", "to"],
    "mse": ["mean", "squared", "error"],
    "seq": ["sequence"],
    "seqs": ["sequences"],
    "vs": ["versus"],
    "w": ["with"],  # only reached as "w/" (see _SLASH_ABBREVIATIONS); a lone 'w' is a weight
}
_SLASH_ABBREVIATIONS = {
    "w/o": ["without"],
    "w/": ["with"],
    "b/c": ["because"],
    "i/p": ["input"],
    "o/p": ["output"],
}
# multi-word names folded into the one token students also write
_CONTRACTED_NAMES: dict[tuple[str, ...], str] = {
    ("recurrent", "neural", "network"): "rnn",
    ("recurrent", "neural", "networks"): "rnn",
    ("recurrent", "network"): "rnn",
    ("recurrent", "networks"): "rnn",
    ("artificial", "neural", "network"): "ann",
    ("artificial", "neural", "networks"): "ann",
    ("long", "short", "term", "memory"): "lstm",
    ("convolutional", "neural", "network"): "cnn",
    ("convolutional", "neural", "networks"): "cnn",
    # quantities: "a large number of steps" says "many steps", not that something is large
    ("large", "number", "of"): "many",
    ("large", "numbers", "of"): "many",
    ("big", "number", "of"): "many",
    ("huge", "number", "of"): "many",
    ("great", "number", "of"): "many",
    ("high", "number", "of"): "many",
    ("large", "amount", "of"): "many",
    ("huge", "amount", "of"): "many",
    ("small", "number", "of"): "few",
    ("small", "amount", "of"): "few",
}
_FOLD_STARTS = frozenset(
    [words[0] for words in _CONTRACTED_NAMES] + [pair[0] for pair in _NEGATION_PAIRS]
)
# the LSTM gates by their other names (read/write/erase, as in memory networks)
_GATE_NAMES = {"write": "input", "read": "output", "erase": "forget", "keep": "forget"}
_PLURAL_NAMES = {"rnns": "rnn", "anns": "ann", "lstms": "lstm", "cnns": "cnn", "nns": "nn"}

_GREEK_UNICODE = {
    "α": "alpha",
    "β": "beta",
    "γ": "gamma",
    "δ": "delta",
    "ε": "epsilon",
    "η": "eta",
    "θ": "theta",
    "λ": "lambda",
    "μ": "mu",
    "σ": "sigma",
    "τ": "tau",
    "φ": "phi",
    "ω": "omega",
    "∇": "nabla",
    "∂": "partial",
    "∑": "sum",
    "∏": "product",
    "∞": "infinity",
}
_LATEX_WORDS = {
    "sum": "sum",
    "prod": "product",
    "infty": "infinity",
    "partial": "partial",
    "nabla": "nabla",
    "in": "in",
    "ll": "less",
    "lt": "less",
    "leq": "less",
    "le": "less",
    "gg": "greater",
    "gt": "greater",
    "geq": "greater",
    "ge": "greater",
    "neq": "not",
    "ne": "not",
    "approx": "approximately",
}
_GREEK_NAMES = frozenset(
    "alpha beta gamma delta epsilon varepsilon zeta eta theta vartheta iota kappa lambda mu "
    "nu xi pi rho sigma tau upsilon phi varphi chi psi omega Gamma Delta Theta Lambda Sigma "
    "Phi Psi Omega".split()
)

# A token: a LaTeX command, '+ve'/'-ve', a slash abbreviation, a word
# (letters with inner apostrophes), a number, a comparison sign, a boundary
# punctuation mark, an arrow or bullet, a Greek letter.
_TOKEN_RE = re.compile(
    r"""
    (?P<latex>\\[A-Za-z]+)
  | (?P<leibniz>\bd[A-Za-z][A-Za-z0-9_]{0,3}\s*/\s*d[A-Za-z][A-Za-z0-9_]{0,3}\b)
  | (?P<bigo>\bO\s*\((?:[^()]|\([^()]*\))*\))
  | (?P<sign>[+-]ve\b)
  | (?P<slash>\b(?i:w/o|w/|b/c|i/p|o/p)(?![A-Za-z]))
  | (?P<subscript>(?:(?<=^[A-Za-z]_)|(?<=[^A-Za-z\\][A-Za-z]_))[A-Za-z0-9](?=[A-Za-z]))
  | (?P<dash>(?<=\s)(?:-{1,3}|[–—])(?=\s)|[–—])
  | (?P<word>[A-Za-z]+(?:['’][A-Za-z]+)*)
  | (?P<number>\d+(?:\.\d+)?)
  | (?P<cmp><|>|≤|≥|≪|≫)
  | (?P<stop>[.!?;](?=\s|$|[)\]*_~"'”’]))
  | (?P<clause>,)
  | (?P<greek>[α-ωΑ-Ω∇∂∑∏∞])
    """,
    re.VERBOSE,
)
_STRUCK_RE = re.compile(r"~~.*?~~")
_TAG_RE = re.compile(r"</?[A-Za-z][A-Za-z0-9]*\s*/?>")
_LATEX_CANCEL_RE = re.compile(r"\\(?:cancel|sout|st)\b")
# a line that starts a new item: a bullet, a number or letter label, a circled digit
_ITEM_START_RE = re.compile(
    r"^\s*(?:[-*+•]|\\\*|#+|\d+[.)]|\(?[a-zA-Z]{1,3}\)[.]?|\([ivxIVX]+\)|[①-⑳])(?:\s|$)"
)
# a line that continues the previous one: starts lower-case (after any emphasis
# or opening quote) or with an arrow
_CONTINUATION_RE = re.compile(r"^\s*(?:[*_\"'“‘`]*[a-z]|↳|→|->|\\rightarrow)")
# a line that ends mid-sentence: the next line continues it whatever its case
# (hard-wrapped prose: "... agree with the / Subject ...")
_OPEN_END_RE = re.compile(
    r"(?:[,(\-–—]|\b(?:the|a|an|of|to|with|and|or|its|their|is|are|be|by|for|from|in|on|"
    r"that|which|as|than|into|at|this|these|between|because|so|but|whereas)[*_\"'”’]*)\s*$",
    re.IGNORECASE,
)
# a heading line ("FF:", "**Forget gate:**", "## LSTM") whose text follows on the next line
_HEADING_RE = re.compile(r"(?::[*_\s]*$)|^\s*#{1,6}\s")
_COMMON_ABBREVIATIONS_RE = re.compile(r"\b(e\.g|i\.e|etc|cf|viz)\.", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class Token:
    """One normalised word of an answer, with where it came from."""

    word: str  # normalised spelling ("information", "not", "penalize")
    stem: str
    line_no: int  # absolute line number in the sheet
    start: int  # columns of the source text in that line
    end: int
    sentence: int  # index of the sentence (or list item) it is in
    clause: int  # index of the clause (split further at commas, "but", ...)

    @property
    def is_negation(self) -> bool:
        return self.word == NEGATION


def _americanize(word: str) -> str:
    """British -> American spelling by the regular patterns (both sides get it)."""
    if len(word) < 5:
        return word
    irregular = _IRREGULAR_SPELLINGS.get(word)
    if irregular:
        return irregular
    m = _ISE_RE.match(word)
    if m and m.group(1) not in _ISE_EXCEPTIONS:
        return m.group(1) + "iz" + (m.group(2) or "")
    m = _YSE_RE.match(word)
    if m:
        return m.group(1) + "yz" + (m.group(2) or "")
    m = _OUR_RE.match(word)
    if m:
        return m.group(1) + "or" + (m.group(2) or "")
    m = _TRE_RE.match(word)
    if m:
        return m.group(1) + "ter" + (m.group(2) or "")
    m = _LLED_RE.match(word)
    if m:
        return m.group(1) + "el" + (m.group(2) or "")
    return word


_ISE_RE = re.compile(r"^(\w{3,})is(e|es|ed|ing|ation|ations|er|ers)$")
# words that end in -ise in American English too ("exercise", "supervise", ...)
_ISE_EXCEPTIONS = frozenset(
    "advert adv exerc superv prom surpr compr conc prec expert otherw likew clockw "
    "rev dev desp disgu improv ra pra cru dem franch merchand wh treat paradise "
    "enterpr premise compromise".split()
)
_YSE_RE = re.compile(r"^(\w{3,})ys(e|es|ed|ing)$")
_OUR_RE = re.compile(r"^(\w{3,})our(s|ed|ing|ite|ites|able|ful)?$")
_TRE_RE = re.compile(r"^(\w{3,})tre(s|d)?$")
_LLED_RE = re.compile(r"^(\w{2,})ell(ed|ing|er|ers)$")
_IRREGULAR_SPELLINGS = {
    "grey": "gray",
    "programme": "program",
    "programmes": "programs",
    "analogue": "analog",
    "catalogue": "catalog",
    "dialogue": "dialog",
    "judgement": "judgment",
    "acknowledgement": "acknowledgment",
    "defence": "defense",
    "offence": "offense",
    "licence": "license",
    "aeroplane": "airplane",
    "maths": "math",
    "whilst": "while",
    "amongst": "among",
}


def _normal_words(raw: str) -> list[str]:
    """One raw word -> its normalised spellings (contractions and abbreviations expanded)."""
    word = raw.lower().replace("’", "'")
    if word in _CONTRACTIONS:
        return list(_CONTRACTIONS[word])
    if word.endswith("n't"):
        base = word[:-3]
        return [base or "not", NEGATION] if base else [NEGATION]
    if "'" in word:
        # possessive or contraction: "rnn's" -> "rnn", "it's" -> "it", "we're" -> "we"
        word = word.split("'", 1)[0]
    if word in _PLURAL_NAMES:
        return [_PLURAL_NAMES[word]]
    if word in _ABBREVIATIONS and word != "w":
        return list(_ABBREVIATIONS[word])
    return [_americanize(word)]


def _strip_markup(line: str) -> str:
    """Blank out struck text and tags, keeping columns so positions stay true."""

    def blank(match: re.Match[str]) -> str:
        return " " * len(match.group(0))

    line = _STRUCK_RE.sub(blank, line)
    line = _TAG_RE.sub(blank, line)
    line = _LATEX_CANCEL_RE.sub(blank, line)
    # "e.g." and "i.e." must not end a sentence
    line = _COMMON_ABBREVIATIONS_RE.sub(blank, line)
    return line


_EXPONENT_RE = re.compile(r"(?:\^\s*\{?\s*|\*\*\s*)(\d+)|([²³⁴])")
_SUPERSCRIPT_DIGITS = {"²": 2, "³": 3, "⁴": 4}


def _big_o_words(value: str) -> list[str]:
    """``O(d^3)``, ``O((d+1)³)``: the growth in words ("cubic complexity"), which
    is what a phrasing about cost says; the letters inside carry no meaning."""
    powers = [
        int(m.group(1)) if m.group(1) else _SUPERSCRIPT_DIGITS[m.group(2)]
        for m in _EXPONENT_RE.finditer(value)
    ]
    power = max(powers, default=1)
    if power <= 1:
        return ["complexity"]  # not "linear": that word means the model elsewhere
    return [{2: "quadratic", 3: "cubic"}.get(power, "polynomial"), "complexity"]


@dataclass(slots=True)
class _Raw:
    """A token before stop-word removal: a word or a boundary marker."""

    word: str
    line_no: int
    start: int
    end: int
    kind: str  # "word", "stop" (sentence end), "clause" (clause end), "dash"


def _raw_tokens(text: str, first_line: int) -> list[_Raw]:
    out: list[_Raw] = []
    previous_blank = True
    previous_heading = False
    previous_line = ""
    for offset, original in enumerate(text.split("\n")):
        line_no = first_line + offset
        if not original.strip():
            if not previous_blank:
                out.append(_Raw("", line_no, 0, 0, "stop"))
            previous_blank = True
            continue
        # a new line is a new sentence unless it visibly continues the last one:
        # lower-case start, a line cut mid-sentence, or the text under a heading
        item = _ITEM_START_RE.match(original)
        if not previous_blank:
            if previous_heading:
                out.append(_Raw("", line_no, 0, 0, "clause"))
            elif item or not (
                _CONTINUATION_RE.match(original) or _OPEN_END_RE.search(previous_line)
            ):
                out.append(_Raw("", line_no, 0, 0, "stop"))
        previous_blank = False
        previous_heading = bool(_HEADING_RE.search(original)) and len(original.split()) <= 6
        previous_line = original
        line = _strip_markup(original)
        if item:
            # a list marker ("1.", "(b)", "-") is no word and no sentence end
            line = " " * item.end() + line[item.end() :]
        for match in _TOKEN_RE.finditer(line):
            kind = match.lastgroup
            value = match.group(0)
            start, end = match.span()
            if kind == "latex":
                name = value[1:]
                if name in _GREEK_NAMES:
                    out.append(_Raw(name.lower(), line_no, start, end, "word"))
                elif name in _LATEX_WORDS:
                    out.append(_Raw(_LATEX_WORDS[name], line_no, start, end, "word"))
                # formatting commands (\mathbb, \frac, \text, arrows, ...) carry no words
            elif kind == "leibniz":  # "dL/dw" in a sentence names a derivative
                out.append(_Raw("derivative", line_no, start, end, "word"))
            elif kind == "bigo":
                for word in _big_o_words(value):
                    out.append(_Raw(word, line_no, start, end, "word"))
            elif kind == "sign":
                word = "positive" if value[0] == "+" else "negative"
                out.append(_Raw(word, line_no, start, end, "word"))
            elif kind == "slash":
                for word in _SLASH_ABBREVIATIONS[value.lower()]:
                    out.append(_Raw(word, line_no, start, end, "word"))
            elif kind == "word":
                for word in _normal_words(value):
                    out.append(_Raw(word, line_no, start, end, "word"))
            elif kind == "number":
                out.append(_Raw(value, line_no, start, end, "word"))
            elif kind == "cmp":
                word = "less" if value in "<≤≪" else "greater"
                out.append(_Raw(word, line_no, start, end, "word"))
            elif kind == "greek":
                out.append(_Raw(_GREEK_UNICODE.get(value, value), line_no, start, end, "word"))
            elif kind == "stop":
                out.append(_Raw("", line_no, start, end, "stop"))
            elif kind == "subscript":  # e_jx_i: one-letter subscripts without braces
                out.append(_Raw(value.lower(), line_no, start, end, "word"))
            elif kind == "clause":
                out.append(_Raw("", line_no, start, end, "clause"))
            elif kind == "dash":
                out.append(_Raw("", line_no, start, end, "dash"))
    return out


def _fold_names_and_negations(raw: list[_Raw]) -> list[_Raw]:
    """Contract multi-word names ("recurrent neural network" -> "rnn") and
    two-word negation cues ("rather than" -> "not")."""
    out: list[_Raw] = []
    i = 0
    n = len(raw)
    while i < n:
        token = raw[i]
        if (
            token.kind == "word"
            and token.word in _GATE_NAMES
            and i + 1 < n
            and raw[i + 1].kind == "word"
            and raw[i + 1].word in ("gate", "gates")
        ):
            token = _Raw(_GATE_NAMES[token.word], token.line_no, token.start, token.end, "word")
        if token.kind == "word" and token.word in _FOLD_STARTS:
            folded = False
            for length in (4, 3, 2):
                if i + length > n:
                    continue
                window = raw[i : i + length]
                if any(t.kind != "word" for t in window):
                    continue
                words = tuple(t.word for t in window)
                name = _CONTRACTED_NAMES.get(words)
                if name is None and length == 2 and words in _NEGATION_PAIRS:
                    name = NEGATION
                if name is not None:
                    out.append(_Raw(name, token.line_no, token.start, window[-1].end, "word"))
                    i += length
                    folded = True
                    break
            if folded:
                continue
        if (
            token.kind == "word"
            and token.word == "where"
            and i + 1 < n
            and raw[i + 1].kind == "word"
            and raw[i + 1].word == "as"
        ):
            # "where as" written in two words is "whereas": a clause end
            out.append(_Raw("", token.line_no, token.start, raw[i + 1].end, "clause"))
            i += 2
            continue
        if token.kind == "word" and token.word in ("not", "never"):
            # "never negative", "cannot be negative": a statement of non-negativity,
            # read as "non negative" (not as a negated idea)
            after = i + 1
            if after + 1 < n and raw[after].word == "be":
                after += 1
            if (
                raw[after : after + 1]
                and raw[after].kind == "word"
                and raw[after].word == "negative"
            ):
                out.append(_Raw("non", token.line_no, token.start, token.end, "word"))
                out.append(raw[after])
                i = after + 1
                continue
        if token.kind == "word" and token.word in _NEGATION_WORDS:
            token = _Raw(NEGATION, token.line_no, token.start, token.end, "word")
        out.append(token)
        i += 1
    return out


_LABEL_WORDS = 3  # "ANN", "plain ANN", "forget gate"


def tokenize(text: str, *, first_line: int = 1) -> list[Token]:
    """The content words of ``text`` (stop words dropped), normalised and stemmed."""
    raw = _fold_names_and_negations(_raw_tokens(text, first_line))
    tokens: list[Token] = []
    sentence = 0
    clause = 0
    label_words = 0  # words since the last boundary (a line start is one too)
    previous_line = None
    for item in raw:
        if item.line_no != previous_line:
            label_words = 0
            previous_line = item.line_no
        if item.kind == "stop":
            sentence += 1
            clause += 1
            label_words = 0
            continue
        if item.kind == "dash":
            # "ANN - house prices", "forget gate -- what to drop": a dash after a short
            # label joins the label to what it says; elsewhere it ends a clause.
            if not 0 < label_words <= _LABEL_WORDS:
                clause += 1
            label_words = 0
            continue
        if item.kind in ("clause", "stop") or item.word in _CLAUSE_WORDS:
            clause += 1
            label_words = 0
            continue
        # a label is a name ("ANN", "forget gate"), not a statement ("it is slow")
        label_words = label_words + 1 if item.word not in STOPWORDS else _LABEL_WORDS + 1
        if item.word in STOPWORDS:
            continue
        tokens.append(
            Token(
                word=item.word,
                stem=stem(item.word),
                line_no=item.line_no,
                start=item.start,
                end=item.end,
                sentence=sentence,
                clause=clause,
            )
        )
    return tokens


def phrase_words(text: str) -> list[str]:
    """The normalised content words of a piece of a rubric phrasing."""
    return [t.word for t in tokenize(text)]
