"""grader.numeric: student code run in a sandbox, compared with NumPy references.

Knows nothing of rubrics: a check arrives as a :class:`CodeCheckSpec` (built
from the rubric's mapping by ``CodeCheckSpec.from_mapping``), the result is a
:class:`CodeCheckResult`. See docs/code-checks.md.

Names are loaded on first use, so ``from grader.numeric import CodeCheckSpec``
(rubric loading) does not import NumPy.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

_WHERE = {
    "Call": "sandbox",
    "Sandbox": "sandbox",
    "SandboxError": "sandbox",
    "SandboxLimits": "sandbox",
    "default_sandbox": "sandbox",
    "CodeCheckSpec": "spec",
    "CodeTestSpec": "spec",
    "CodeCheckResult": "result",
    "CodeTestResult": "result",
    "Finding": "compare",
    "compare_values": "compare",
    "central_difference": "properties",
    "monotone_decrease": "properties",
    "numerical_gradient": "properties",
    "residual_orthogonality": "properties",
    "References": "references",
    "load_references": "references",
    "run_code_check": "run",
}

__all__ = [
    "Call",
    "CodeCheckResult",
    "CodeCheckSpec",
    "CodeTestResult",
    "CodeTestSpec",
    "Finding",
    "References",
    "Sandbox",
    "SandboxError",
    "SandboxLimits",
    "central_difference",
    "compare_values",
    "default_sandbox",
    "load_references",
    "monotone_decrease",
    "numerical_gradient",
    "residual_orthogonality",
    "run_code_check",
]
assert sorted(__all__) == sorted(_WHERE)  # noqa: S101 - keep the two lists in step

if TYPE_CHECKING:
    from grader.numeric.compare import Finding, compare_values
    from grader.numeric.properties import (
        central_difference,
        monotone_decrease,
        numerical_gradient,
        residual_orthogonality,
    )
    from grader.numeric.references import References, load_references
    from grader.numeric.result import CodeCheckResult, CodeTestResult
    from grader.numeric.run import run_code_check
    from grader.numeric.sandbox import (
        Call,
        Sandbox,
        SandboxError,
        SandboxLimits,
        default_sandbox,
    )
    from grader.numeric.spec import CodeCheckSpec, CodeTestSpec


def __getattr__(name: str) -> Any:
    if name not in _WHERE:
        raise AttributeError(f"module 'grader.numeric' has no attribute {name!r}")
    value = getattr(importlib.import_module(f"grader.numeric.{_WHERE[name]}"), name)
    globals()[name] = value
    return value
