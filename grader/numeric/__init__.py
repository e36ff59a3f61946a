"""grader.numeric: student code run in a sandbox, compared with NumPy references.

Knows nothing of rubrics: a check arrives as a :class:`CodeCheckSpec` (built
from the rubric's mapping by ``CodeCheckSpec.from_mapping``), the result is a
:class:`CodeCheckResult`. See docs/code-checks.md.
"""

from __future__ import annotations

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
from grader.numeric.sandbox import Call, Sandbox, SandboxError, SandboxLimits, default_sandbox
from grader.numeric.spec import CodeCheckSpec, CodeTestSpec

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
