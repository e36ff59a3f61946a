"""Names: Greek letters, built-in functions, and the canonical spelling of a
symbol (``w_1``, ``w_{1}``, ``w1`` -> ``w1``; ``\\beta`` -> ``beta``;
``\\hat{y}`` -> ``yhat``; ``w_1'`` -> ``w1'``). Shared by the context and the
parser so that a name declared in a rubric and the same name written by a
student meet in one spelling.
"""

from __future__ import annotations

import re

GREEK: frozenset[str] = frozenset(
    """alpha beta gamma delta epsilon varepsilon zeta eta theta vartheta iota kappa
    lambda mu nu xi omicron pi varpi rho varrho sigma varsigma tau upsilon phi varphi
    chi psi omega Gamma Delta Theta Lambda Xi Pi Sigma Upsilon Phi Psi Omega
    ell""".split()
)

# LaTeX variants that mean the same letter.
GREEK_VARIANTS: dict[str, str] = {
    "varepsilon": "epsilon",
    "vartheta": "theta",
    "varpi": "pi",
    "varrho": "rho",
    "varsigma": "sigma",
    "varphi": "phi",
    # \ell (a log-likelihood, a loss) is a script l: the same name as l.
    "ell": "l",
}

# Functions every context knows (besides the context's own ``functions``).
BUILTIN_FUNCTIONS: frozenset[str] = frozenset(
    """exp log ln sqrt sin cos tan cot sec csc sinh cosh tanh arcsin arccos arctan
    asin acos atan abs max min tr trace det diag sigmoid expit softplus logit""".split()
)

# Operator names written as text or with a font command, and the function each is:
# \text{tr}(A), \operatorname{Tr}(A), \mathrm{Tr}(A), \text{det}(A). ``Tr`` alone is
# not a built-in (in LaTeX ``r^Tr`` is r^T r).
OPERATOR_NAMES: dict[str, str] = {
    "tr": "tr",
    "Tr": "tr",
    "trace": "trace",
    "det": "det",
    "diag": "diag",
}

# Names of the logistic function 1 / (1 + e^{-u}): a context function with one
# of these names is the logistic itself (exact, no stand-in) unless the context
# defines it otherwise (a formula, or a derivative other than f (1 - f)).
LOGISTIC_NAMES: frozenset[str] = frozenset({"sigma", "sigmoid", "expit", "logistic"})

# Code-like math (NumPy): module prefixes that only say where a function lives
# (``np.linalg.inv`` is ``inv``), and the functions read from code, by what
# they compute (grader/math/_code.py).
CODE_MODULES: frozenset[str] = frozenset(
    {"np", "numpy", "scipy", "linalg", "la", "special", "torch", "jnp", "math"}
)
CODE_FUNCTIONS: frozenset[str] = frozenset(
    """inv inverse pinv transpose dot matmul multiply outer inner norm solve
    sum mean""".split()
)

# Accents that become a suffix of the name: \hat{y} -> yhat.
ACCENT_SUFFIX: dict[str, str] = {
    "hat": "hat",
    "widehat": "hat",
    "bar": "bar",
    "overline": "bar",
    "tilde": "tilde",
    "widetilde": "tilde",
    "dot": "dot",
    "ddot": "ddot",
    "check": "check",
}

# Font commands that do not change the name: \mathbf{X} -> X.
FONT_COMMANDS: frozenset[str] = frozenset(
    """mathbf boldsymbol bm mathit mathrm mathsf mathtt vec mathnormal pmb bold
    operatorname mathcal mathscr mathfrak""".split()
)

_DIGITS = re.compile(r"^\d+$")


def join_subscript(base: str, subscript: str) -> str:
    """``w`` + ``1`` -> ``w1``; ``x`` + ``i`` -> ``x_i``; ``x`` + ``i,j`` -> ``x_ij``."""
    subscript = subscript.replace(" ", "")
    first, comma, rest = subscript.partition(",")
    if comma and _DIGITS.match(first) and rest and "," not in rest:
        # w_{1,new}, a_{1,i}: the unit's number, then a label -> w1_new, a1_i
        return join_subscript(base + first, rest)
    subscript = subscript.replace(",", "")
    if not subscript:
        return base
    if _DIGITS.match(subscript):
        return base + subscript
    return f"{base}_{subscript}"


_KEY_ACCENT = re.compile(
    r"\\(" + "|".join(ACCENT_SUFFIX) + r")(?![A-Za-z])\s*(?:\{\s*([^{}]*?)\s*\}|\s*(\\?[A-Za-z]+))"
)
_KEY_FONT = re.compile(
    r"\\(?:"
    + "|".join(sorted(FONT_COMMANDS))
    + r")(?![A-Za-z])\s*(?:\{\s*([^{}]*?)\s*\}|\s*(\\[A-Za-z]+|[A-Za-z]))"
)
_KEY_SUBSCRIPT = re.compile(r"_\s*(?:\{\s*([^{}]*)\s*\}|(\\?[A-Za-z0-9]+))")
_NAME_KEY = re.compile(r"^[A-Za-z][A-Za-z0-9_]*'*$")


def canonical_name(written: str) -> str:
    """The canonical spelling of a name as written in a context file.

    >>> canonical_name("w_{1}"), canonical_name(r"\\hat{y}"), canonical_name(r"\\alpha_1")
    ('w1', 'yhat', 'alpha1')
    """
    text = written.strip()
    text = _KEY_FONT.sub(lambda m: m.group(1) or m.group(2), text)
    text = _KEY_ACCENT.sub(lambda m: (m.group(2) or m.group(3)) + ACCENT_SUFFIX[m.group(1)], text)
    primes = len(text) - len(text.rstrip("'"))
    text = text.rstrip("'")
    base, _, rest = text.partition("_")
    if rest:
        match = _KEY_SUBSCRIPT.match("_" + rest)
        if match and match.end() == len(rest) + 1:
            sub = (match.group(1) or match.group(2) or "").replace("\\", "")
            text = join_subscript(base, sub)
    text = text.replace("\\", "")
    text = GREEK_VARIANTS.get(text, text)
    return text + "'" * primes


def is_valid_name(name: str) -> bool:
    """Whether ``name`` is a canonical name (letters, digits, ``_``, primes)."""
    return bool(_NAME_KEY.match(name))
