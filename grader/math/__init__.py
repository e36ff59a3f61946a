"""grader.math"""

# Equivalence (math-equiv). Imported on first use, so ``import grader.math``
# stays cheap for modules that only need the parser or the context.
_EQUIVALENCE_EXPORTS = ("Equivalence", "equivalent", "equivalent_many", "equivalent_jsonl")


def __getattr__(name: str):
    if name in _EQUIVALENCE_EXPORTS:
        from grader.math import equivalence

        return getattr(equivalence, name)
    raise AttributeError(f"module 'grader.math' has no attribute {name!r}")
