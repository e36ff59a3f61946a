"""grader.math"""

# Equivalence (math-equiv). Imported on first use, so ``import grader.math``
# stays cheap for modules that only need the parser or the context.
_EQUIVALENCE_EXPORTS = ("Equivalence", "equivalent", "equivalent_many", "equivalent_jsonl")

# Reading (math-read): parser, context, OCR normalisation. Also lazy.
_READ_EXPORTS: dict[str, str] = {
    "MathContext": "grader.math.context",
    "load_context": "grader.math.context",
    "parse_shape": "grader.math.context",
    "dimension_symbol": "grader.math.context",
    "parse_math": "grader.math.parse",
    "MathLine": "grader.math.parse",
    "MathParseError": "grader.math.parse",
    "Statement": "grader.math.parse",
    "split_statements": "grader.math.parse",
    "split_statements_detailed": "grader.math.parse",
    "to_plain_text": "grader.math.parse",
    "derivative_symbol": "grader.math._nodes",
    "split_derivative_symbol": "grader.math._nodes",
    "Gradient": "grader.math._nodes",
    "canonical_name": "grader.math._names",
    "normalize_ocr": "grader.math.normalize",
    "NormalizedText": "grader.math.normalize",
    "Repair": "grader.math.normalize",
}

# Derivations (math-derivation): step-by-step checking, reference derivatives,
# finding math lines in an answer. Also lazy.
_DERIVATION_EXPORTS: dict[str, str] = {
    "check_derivation": "grader.math.derivation",
    "Milestone": "grader.math.derivation",
    "MilestoneResult": "grader.math.derivation",
    "DerivationResult": "grader.math.derivation",
    "DerivationStep": "grader.math.derivation",
    "find_math_lines": "grader.math.lines",
    "MathSource": "grader.math.lines",
}


def __getattr__(name: str):
    if name in _EQUIVALENCE_EXPORTS:
        from grader.math import equivalence

        return getattr(equivalence, name)
    if name in _READ_EXPORTS:
        import importlib

        return getattr(importlib.import_module(_READ_EXPORTS[name]), name)
    if name in _DERIVATION_EXPORTS:
        import importlib

        return getattr(importlib.import_module(_DERIVATION_EXPORTS[name]), name)
    raise AttributeError(f"module 'grader.math' has no attribute {name!r}")
