"""CodeCheckSpec.from_mapping: the YAML shape of a code check, and its errors."""

from __future__ import annotations

import copy

import pytest

from grader.errors import RubricError
from grader.numeric import CodeCheckSpec
from grader.numeric.spec import ArraySpec

BASE = {
    "kind": "code",
    "id": "fit",
    "points": 1,
    "file": "linreg.py",
    "function": "fit",
    "references": "refs.py",
    "tests": [
        {
            "id": "t1",
            "seeds": [1, 2],
            "inputs": {"X": {"shape": [5, 2], "bias_column": True}, "lr": 0.1},
            "args": ["X"],
            "kwargs": {"lr": "lr"},
            "compare": {"reference": "fit", "rtol": "1e-6"},
        }
    ],
}


def _with(path: str, value):
    data = copy.deepcopy(BASE)
    target = data
    keys = path.split(".")
    for key in keys[:-1]:
        target = target[int(key)] if key.isdigit() else target[key]
    if value is _DELETE:
        del target[keys[-1]]
    else:
        target[keys[-1]] = value
    return data


_DELETE = object()


def test_valid_mapping():
    spec = CodeCheckSpec.from_mapping(BASE)
    (test,) = spec.tests
    assert (spec.id, spec.points, spec.file, spec.function) == ("fit", 1.0, "linreg.py", "fit")
    assert test.marks == 1.0 and test.seeds == (1, 2)
    assert test.inputs["X"] == ArraySpec(shape=(5, 2), bias_column=True)
    assert test.compare.rtol == 1e-6  # YAML's "1e-6" string is read as a number


def test_marks_are_shared_among_unmarked_tests():
    data = copy.deepcopy(BASE)
    data["points"] = 2
    data["tests"] = [dict(BASE["tests"][0], id=f"t{i}") for i in range(4)]
    data["tests"][0]["marks"] = 0.5
    assert [t.marks for t in CodeCheckSpec.from_mapping(data).tests] == [0.5, 0.5, 0.5, 0.5]


def test_time_limit_sets_wall_and_cpu():
    spec = CodeCheckSpec.from_mapping(_with("time_limit", 2))
    assert spec.limits.wall_seconds == spec.limits.cpu_seconds == 2
    assert spec.tests[0].limits.wall_seconds == 2


BAD = [
    ("missing-id", "id", _DELETE, "id: is required"),
    ("kind", "kind", "math", "kind: must be 'code'"),
    ("points", "points", "many", "checks[fit].points: must be a number"),
    ("negative-points", "points", -1, "points: must be at least 0"),
    ("file-path", "file", "../linreg.py", "file: must be a plain .py file name"),
    ("function-name", "function", "fit me", "function: 'fit me' is not a Python name"),
    ("unknown-field", "colour", "red", "checks[fit].colour: unknown field"),
    ("no-tests", "tests", [], "tests: must be a non-empty list"),
    ("marks-sum", "tests.0.marks", 0.5, "marks add up to 0.5, not the check's points 1"),
    ("seeds", "tests.0.seeds", [-1], "tests[0].seeds: must be a non-empty list"),
    ("shape", "tests.0.inputs.X.shape", "5x2", "tests[0].inputs.X.shape: must be a list"),
    (
        "distribution",
        "tests.0.inputs.X.distribution",
        "cauchy",
        "inputs.X.distribution: must be one of",
    ),
    (
        "condition-1d",
        "tests.0.inputs.X",
        {"shape": [3], "condition": 10},
        "inputs.X.condition: only applies to 2-D",
    ),
    ("rtol", "tests.0.compare.rtol", "tight", "tests[0].compare.rtol: must be a number"),
    ("compare-ref", "tests.0.compare", {"rtol": 1}, "compare.reference: is required"),
    ("nothing-to-check", "tests.0.compare", _DELETE, "needs a compare or at least one property"),
    (
        "property-name",
        "tests.0.properties",
        [{"property": "magic"}],
        "properties[0].property: must be one of",
    ),
    (
        "property-field",
        "tests.0.properties",
        [{"property": "residual_orthogonal", "matrix": "X", "target": "y", "tol": 1}],
        "properties[0].tol: unknown field",
    ),
    (
        "monotone-without-sweep",
        "tests.0.properties",
        [{"property": "monotone_decrease", "loss": "mse"}],
        "needs the test to have a sweep",
    ),
    ("sweep", "tests.0.sweep", {"a": [1], "b": [2]}, "sweep: must map one keyword"),
    ("output", "tests.0.output", {"a": 1}, "output: must be a key"),
    ("scoring", "tests.0.scoring", "best", "scoring: must be 'all' or 'per_seed'"),
    ("limits", "limits", {"wall_seconds": 0}, "limits.wall_seconds: must be greater than 0"),
    ("no-inputs", "tests.0.inputs", {}, "needs inputs or a generator"),
]


@pytest.mark.parametrize(
    ("path", "value", "message"), [b[1:] for b in BAD], ids=[b[0] for b in BAD]
)
def test_errors_name_the_field(path, value, message):
    with pytest.raises(RubricError) as caught:
        CodeCheckSpec.from_mapping(_with(path, value), source="rubric.yaml")
    assert message in str(caught.value)
    assert str(caught.value).startswith("rubric.yaml: ")


def test_not_a_mapping():
    with pytest.raises(RubricError, match="expected a mapping"):
        CodeCheckSpec.from_mapping(["kind", "code"])
