"""The public faces of the derivation and equivalence packages: ``__all__`` lists
exactly the names callers use, each defined (the code lives in private modules,
re-exported by the package; httpx's tests/test_exported_members.py)."""

from __future__ import annotations

import importlib

import pytest

PUBLIC = {
    "grader.math.derivation": {
        "DEFAULT_TIME_LIMIT",
        "DerivationResult",
        "DerivationStep",
        "Milestone",
        "MilestoneResult",
        "OTHER_QUANTITY",
        "PendingDerivation",
        "StepKind",
        "check_derivation",
        "check_derivation_file",
        "format_derivation",
        "split_quantity",
        "start_derivation",
    },
    "grader.math.equivalence": {
        "EQUAL",
        "Equivalence",
        "MAX_EXPRESSION_CHARS",
        "NOT_EQUAL",
        "UNDETERMINED",
        "equivalent",
        "equivalent_jsonl",
        "equivalent_many",
    },
}

# What grader.math re-exports lazily from these packages.
LAZY = [
    "check_derivation",
    "Milestone",
    "MilestoneResult",
    "DerivationResult",
    "DerivationStep",
    "Equivalence",
    "equivalent",
    "equivalent_many",
    "equivalent_jsonl",
]


@pytest.mark.parametrize("module_name", sorted(PUBLIC), ids=sorted(PUBLIC))
def test_all_lists_the_public_names(module_name):
    module = importlib.import_module(module_name)
    assert set(module.__all__) == PUBLIC[module_name]
    missing = [name for name in module.__all__ if not hasattr(module, name)]
    assert missing == []


@pytest.mark.parametrize("name", LAZY, ids=LAZY)
def test_grader_math_reexports_the_same_objects(name):
    import grader.math

    home = "grader.math.derivation" if name in PUBLIC["grader.math.derivation"] else None
    home = home or "grader.math.equivalence"
    assert getattr(grader.math, name) is getattr(importlib.import_module(home), name)
