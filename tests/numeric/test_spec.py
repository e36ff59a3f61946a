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
    ("misspelt-field", "tests.0.compare.modez", [], "modez: unknown field (did you mean 'modes'?)"),
    (
        "unknown-mode",
        "tests.0.compare.modes",
        ["exact", {"up_to": "colum_sign", "score": 0.75}],
        "compare.modes[1].up_to: unknown mode 'colum_sign' (did you mean 'column_sign'?)",
    ),
    (
        "unknown-short-mode",
        "tests.0.compare.modes",
        [{"columnsign": 0.75}],
        "compare.modes[0].up_to: unknown mode 'columnsign' (did you mean 'column_sign'?)",
    ),
    ("mode-score", "tests.0.compare.modes", [{"sign": 1.5}], "modes[0].score: must be a fraction"),
    ("mode-key", "tests.0.compare.modes", [{"up_to": "sign", "points": 1}], "modes[0].points"),
    ("modes-empty", "tests.0.compare.modes", [], "compare.modes: must be a non-empty list"),
    (
        "modes-no-full-marks",
        "tests.0.compare.modes",
        [{"column_sign": 0.75}],
        "compare.modes: no mode earns all the marks: a right answer would earn 0.75",
    ),
    (
        "mode-combination",
        "tests.0.compare.up_to",
        ["row_sign", "column_sign"],
        "compare.up_to: a mode forgives changes of rows or of columns, not both",
    ),
    (
        "up-to-and-modes",
        "tests.0.compare",
        {"reference": "fit", "up_to": "sign", "modes": ["exact"]},
        "compare.modes: give up_to (one way to be right) or modes, not both",
    ),
    (
        "comparator-and-modes",
        "tests.0.compare",
        {"reference": "fit", "comparator": "mine", "modes": ["exact"]},
        "compare.comparator: a comparator decides alone",
    ),
    ("transform-name", "tests.0.compare.transform", ["sort", "no way"], "'no way' is not a Python"),
    ("cases", "tests.0.cases", [{"X": 1}], "tests[0].cases: must map case names"),
    ("case-inputs", "tests.0.cases", {"identity": 3}, "cases.identity: must map input names"),
    (
        "case-array",
        "tests.0.cases",
        {"big": {"X": {"shape": [2], "distribution": "cauchy"}}},
        "cases.big.X.distribution: must be one of",
    ),
]


@pytest.mark.parametrize(
    ("path", "value", "message"), [b[1:] for b in BAD], ids=[b[0] for b in BAD]
)
def test_errors_name_the_field(path, value, message):
    with pytest.raises(RubricError) as caught:
        CodeCheckSpec.from_mapping(_with(path, value), source="rubric.yaml")
    assert message in str(caught.value)
    assert str(caught.value).startswith("rubric.yaml: ")


def test_errors_carry_where_they_are_in_the_check():
    """grader validate turns ``loc`` into the line of the offending key."""
    with pytest.raises(RubricError) as caught:
        CodeCheckSpec.from_mapping(
            _with("tests.0.compare.modes", ["exact", {"up_to": "colum_sign"}])
        )
    assert caught.value.loc == ("tests", 0, "compare", "modes", 1, "up_to")
    with pytest.raises(RubricError) as caught:
        CodeCheckSpec.from_mapping(_with("tests.0.compare.modez", 1))
    assert caught.value.loc == ("tests", 0, "compare", "modez")


MODES = [
    ("names", ["exact", "column_sign"], [((), 1.0), (("column_sign",), 1.0)]),
    ("short", [{"exact": 1.0}, {"column_sign": 0.75}], [((), 1.0), (("column_sign",), 0.75)]),
    (
        "full",
        ["exact", {"up_to": ["column_sign", "column_permutation"], "score": 0.5, "rtol": 1e-3}],
        [((), 1.0), (("column_permutation", "column_sign"), 0.5)],
    ),
    ("exact-long", [{"up_to": "exact", "score": 1}], [((), 1.0)]),
]


@pytest.mark.parametrize(("modes", "expected"), [m[1:] for m in MODES], ids=[m[0] for m in MODES])
def test_modes_read(modes, expected):
    compare = CodeCheckSpec.from_mapping(_with("tests.0.compare.modes", modes)).tests[0].compare
    assert [(tuple(sorted(m.up_to)), m.score) for m in compare.modes] == expected


def test_compare_defaults_to_exact_and_reads_transforms_and_comparators():
    compare = CodeCheckSpec.from_mapping(BASE).tests[0].compare
    assert [(m.up_to, m.score) for m in compare.modes] == [(frozenset(), 1.0)]
    assert compare.transform == () and compare.comparator is None
    data = _with(
        "tests.0.compare",
        {"comparator": {"name": "close", "params": {"tol": 2}}, "transform": "abs"},
    )
    compare = CodeCheckSpec.from_mapping(data).tests[0].compare
    assert (compare.reference, compare.transform) == (None, ("abs",))
    assert (compare.comparator.name, compare.comparator.params) == ("close", {"tol": 2})
    up_to = CodeCheckSpec.from_mapping(_with("tests.0.compare.up_to", "rotation")).tests[0]
    assert [m.up_to for m in up_to.compare.modes] == [frozenset({"rotation"})]


def test_cases_run_alone_unless_seeds_are_given():
    cases = {"identity": {"X": [[1, 0], [0, 1]]}, "ones": {"X": {"shape": [2, 2]}}}
    data = _with("tests.0.cases", cases)
    del data["tests"][0]["seeds"]
    data["tests"][0]["inputs"] = {"lr": 0.1}  # literals only
    test = CodeCheckSpec.from_mapping(data).tests[0]
    assert test.seeds == () and [name for name, _ in test.cases] == ["identity", "ones"]
    assert test.cases[1][1]["X"] == ArraySpec(shape=(2, 2))
    assert CodeCheckSpec.from_mapping(_with("tests.0.cases", cases)).tests[0].seeds == (1, 2)
    data["tests"][0]["generator"] = "regression_data"  # generated inputs: seed 0 too
    assert CodeCheckSpec.from_mapping(data).tests[0].seeds == (0,)


def test_not_a_mapping():
    with pytest.raises(RubricError, match="expected a mapping"):
        CodeCheckSpec.from_mapping(["kind", "code"])
