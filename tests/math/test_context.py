"""MathContext: building from mappings and files, shapes, aliases, merging,
definitions, and the errors a rubric author sees."""

from __future__ import annotations

import json
import textwrap

import pytest
import sympy
from sympy import Function, Integer, Lambda, MatrixSymbol, Symbol

from grader.errors import ContextError
from grader.math import MathContext, canonical_name, load_context, parse_shape

n = Symbol("n", integer=True, positive=True)
d = Symbol("d", integer=True, positive=True)
p = Symbol("p", integer=True, positive=True)

ML_EXAM = {
    "symbols": {"X": "n x (d+1)", "y": "n x 1", "beta": "(d+1) x 1", "alpha": "scalar"},
    "functions": ["sigma"],
    "aliases": {"B": "beta", "x": "X", "q_2": "a2"},
    "definitions": {
        "z1": "w1 x + b1",
        "a1": "sigma(z1)",
        "L": "-(y log(a2) + (1 - y) log(1 - a2))",
    },
    "function_derivatives": {"sigma": "sigma(u) (1 - sigma(u))"},
}

SHAPES = [
    ("n x (d+1)", (n, d + 1)),
    ("n x 1", (n, Integer(1))),
    ("n×p", (n, p)),
    ("n \\times p", (n, p)),
    ("(d+1) x 1", (d + 1, Integer(1))),
    ("3x4", (Integer(3), Integer(4))),
    ("2n x n-1", (2 * n, n - 1)),
    ("n", (n, Integer(1))),
    ("d + 1 x 1", (d + 1, Integer(1))),
]


@pytest.mark.parametrize(("text", "shape"), SHAPES, ids=[s for s, _ in SHAPES])
def test_parse_shape(text, shape):
    assert parse_shape(text) == shape


BAD_SHAPES = [
    ("n by p", "write 'rows x cols'"),
    ("n x p x q", "expected 'rows x cols'"),
    ("n x (d+1", "missing ')'"),
    ("n x 0", "not positive"),
    ("n x ?", "unexpected '?'"),
    ("", "empty"),
]


@pytest.mark.parametrize(("text", "reason"), BAD_SHAPES, ids=[s or "empty" for s, _ in BAD_SHAPES])
def test_parse_shape_errors(text, reason):
    with pytest.raises(ValueError, match=None) as caught:
        parse_shape(text)
    assert reason in str(caught.value)


def test_dimension_symbols_are_positive_integers():
    rows, cols = parse_shape("n x (d+1)")
    assert rows.is_integer and rows.is_positive
    assert (cols - 1).is_positive


CANONICAL = [
    ("w_1", "w1"),
    ("w_{1}", "w1"),
    ("w1", "w1"),
    (r"\beta", "beta"),
    (r"\hat{y}", "yhat"),
    (r"\hat y", "yhat"),
    (r"\mathbf{X}", "X"),
    (r"\boldsymbol\beta", "beta"),
    (r"\bm{\beta}", "beta"),
    ("w_1'", "w1'"),
    (r"\alpha_1", "alpha1"),
    ("x_i", "x_i"),
    ("x_{ij}", "x_ij"),
    (r"\varepsilon", "epsilon"),
]


@pytest.mark.parametrize(("written", "canonical"), CANONICAL, ids=[w for w, _ in CANONICAL])
def test_canonical_names(written, canonical):
    assert canonical_name(written) == canonical


def test_from_mapping_builds_the_symbol_table():
    context = MathContext.from_mapping(ML_EXAM)
    assert context.shape_of("X") == (n, d + 1)
    assert context.shape_of("x") == (n, d + 1)  # alias
    assert context.shape_of("alpha") is None
    assert context.shape_of("undeclared") is None
    assert context.matrix("X") == MatrixSymbol("X", n, d + 1)
    assert context.matrix("B") == MatrixSymbol("beta", d + 1, 1)
    assert context.scalar("alpha") == Symbol("alpha", real=True)
    assert context.symbol("beta") == MatrixSymbol("beta", d + 1, 1)
    assert context.symbol("t") == Symbol("t", real=True)
    assert context.is_function("sigma") and context.is_function("exp")
    assert not context.is_function("alpha")
    assert context.resolve_alias("B") == "beta"
    assert context.resolve_alias("q2") == "a2"  # keys are canonical: q_2 -> q2
    assert context.resolve_alias("beta") == "beta"
    assert set(context.dimensions) == {"n", "d"}


def test_matrix_of_a_scalar_is_an_error():
    with pytest.raises(ContextError, match="not declared with a shape"):
        MathContext.from_mapping(ML_EXAM).matrix("alpha")


def test_definitions_are_parsed_in_order():
    context = MathContext.from_mapping(ML_EXAM)
    definitions = context.definitions
    assert list(definitions) == ["z1", "a1", "L"]
    w1, x_, b1 = (Symbol(k, real=True) for k in ("w1", "x", "b1"))
    # x is an alias of the matrix X in this context: z1 = w1 x + b1 is a matrix then,
    # and the names defined from it are matrices too
    assert context.shape_of("z1") == context.shape_of("X")
    assert context.definitions is definitions  # parsed once
    scalar_x = MathContext.from_mapping({**ML_EXAM, "aliases": {}})
    assert scalar_x.definitions["z1"] == w1 * x_ + b1
    assert scalar_x.definitions["a1"] == Function("sigma")(Symbol("z1", real=True))
    assert scalar_x.shape_of("z1") is None


def test_names_used_by_definitions_are_known():
    context = MathContext.from_mapping(ML_EXAM)
    assert {"w1", "b1", "z1", "a2", "y"} <= context.definition_variables
    assert "log" not in context.definition_variables
    assert context.is_declared("w1")
    from grader.math import parse_math

    assert parse_math("w1 x + b1", context).unknown_names == []
    assert parse_math("w1 x + b3", context).unknown_names == ["b3"]


def test_function_derivatives():
    context = MathContext.from_mapping(ML_EXAM)
    derivative = context.function_derivatives["sigma"]
    u = Symbol("u", real=True)
    sigma = Function("sigma")
    assert isinstance(derivative, Lambda)
    assert derivative(u) == sigma(u) * (1 - sigma(u))
    z = Symbol("z", real=True)
    assert sympy.expand(derivative(z) - (sigma(z) - sigma(z) ** 2)) == 0


def test_merged_question_over_exam():
    exam = MathContext.from_mapping(ML_EXAM)
    question = MathContext.from_mapping(
        {"symbols": {"x": "scalar", "W": "n x n"}, "aliases": {"B": "b"}}
    )
    merged = exam.merged(question)
    assert merged.resolve_alias("x") == "x"  # Q2 declares x: the exam's alias x -> X is gone
    assert merged.shape_of("x") is None
    assert merged.shape_of("W") == (n, n)
    assert merged.shape_of("X") == (n, d + 1)
    assert merged.resolve_alias("B") == "b"
    assert merged.is_function("sigma")
    assert list(merged.definition_sources) == ["z1", "a1", "L"]
    assert exam.merged(None) is exam
    # the exam context is unchanged
    assert exam.resolve_alias("x") == "X"


BAD_MAPPINGS = [
    ({"symbols": {"X": "n by p"}}, "symbol 'X': cannot read shape 'n by p'"),
    ({"aliases": {"a": "b", "b": "a"}}, "alias loop: a -> b -> a"),
    ({"aliases": {"a": "b", "b": "c", "c": "a"}}, "alias loop: a -> b -> c -> a"),
    ({"symbol": {"X": "n x p"}}, "unknown context section 'symbol'"),
    ({"symbols": ["X"]}, "'symbols' must be a mapping"),
    ({"symbols": {"X": 3.5}}, "shape must be text"),
    ({"symbols": {"1x": "scalar"}}, "cannot read '1x' as a name"),
    ({"functions": {"sigma": 1}}, "'functions' must be a list"),
    ({"symbols": {"f": "n x 1"}, "functions": ["f"]}, "both as a function and with a shape"),
    ({"definitions": {"z": ["w"]}}, "must be an expression"),
]


@pytest.mark.parametrize(("data", "message"), BAD_MAPPINGS, ids=[m for _, m in BAD_MAPPINGS])
def test_bad_mappings(data, message):
    with pytest.raises(ContextError) as caught:
        MathContext.from_mapping(data, source="rubric.yaml")
    assert message in str(caught.value)
    assert str(caught.value).startswith("rubric.yaml")


def test_bad_definition_names_the_key():
    context = MathContext.from_mapping(
        {"definitions": {"z1": "w1 x +"}}, source="ctx.yaml", lines={"definitions.z1": 7}
    )
    with pytest.raises(ContextError) as caught:
        _ = context.definitions
    assert str(caught.value).startswith("ctx.yaml:7: definition of 'z1':")


def test_load_yaml_with_line_numbers(tmp_path):
    path = tmp_path / "context.yaml"
    path.write_text(
        textwrap.dedent(
            """\
            symbols:
              X: n x (d+1)
              y: n by 1
            """
        ),
        encoding="utf-8",
    )
    with pytest.raises(ContextError) as caught:
        load_context(path)
    assert str(caught.value).startswith(f"{path}:3: symbol 'y'")


def test_load_yaml_and_json(tmp_path):
    yaml_path = tmp_path / "ml.yaml"
    yaml_path.write_text(
        textwrap.dedent(
            """\
            symbols:
              X: n x (d+1)
              y: n x 1
              beta: (d+1) x 1
            functions: [sigma]
            aliases:
              B: beta
            definitions:
              z1: w1 x + b1
              a1: sigma(z1)
            """
        ),
        encoding="utf-8",
    )
    from_yaml = load_context(yaml_path)
    json_path = tmp_path / "ml.json"
    json_path.write_text(
        json.dumps(
            {
                "symbols": {"X": "n x (d+1)", "y": "n x 1", "beta": "(d+1) x 1"},
                "functions": ["sigma"],
                "aliases": {"B": "beta"},
                "definitions": [{"z1": "w1 x + b1"}, {"a1": "sigma(z1)"}],
            }
        ),
        encoding="utf-8",
    )
    from_json = load_context(json_path)
    assert from_yaml.aliases == from_json.aliases == {"B": "beta"}
    assert from_yaml.functions == from_json.functions
    assert from_yaml.shapes == from_json.shapes
    assert from_yaml.definitions == from_json.definitions
    assert from_yaml.source == str(yaml_path)


@pytest.mark.parametrize(
    ("content", "message"),
    [("symbols: [", "expected"), ("- a\n- b\n", "must hold a mapping")],
    ids=["broken-yaml", "not-a-mapping"],
)
def test_load_errors(tmp_path, content, message):
    path = tmp_path / "bad.yaml"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(ContextError) as caught:
        load_context(path)
    assert message in str(caught.value)


def test_missing_file(tmp_path):
    with pytest.raises(ContextError, match="cannot read context file"):
        load_context(tmp_path / "nope.yaml")


def test_empty_context_is_fine(tmp_path):
    path = tmp_path / "empty.yaml"
    path.write_text("", encoding="utf-8")
    context = load_context(path)
    assert context.shapes == {} and context.definitions == {}


def test_from_symbols_for_the_cli():
    context = MathContext.from_symbols({"X": "n x p", "t": "scalar"})
    assert context.shape_of("X") == (n, p)
    assert "t" in context.scalars


def test_context_is_immutable_and_hashable():
    import dataclasses

    first = MathContext.from_mapping(ML_EXAM)
    second = MathContext.from_mapping(ML_EXAM)
    assert first == second and hash(first) == hash(second)
    assert {first: "cached"}[second] == "cached"
    with pytest.raises(dataclasses.FrozenInstanceError):
        first.aliases = {}  # type: ignore[misc]
    other = MathContext.from_mapping({**ML_EXAM, "aliases": {}})
    assert other != first


IDENTITY_SPECS = [
    ("identity d", (4, 4)),
    ("identity d x d", (4, 4)),
    ("d x d identity", (4, 4)),
    ("Identity (d+1)", (5, 5)),
]


@pytest.mark.parametrize("spec, size", IDENTITY_SPECS, ids=[s for s, _ in IDENTITY_SPECS])
def test_identity_matrix_is_the_identity(spec, size):
    context = MathContext.from_mapping({"symbols": {"I": spec}})
    identity = context.matrix("I")
    assert isinstance(identity, sympy.Identity)
    d = Symbol("d", integer=True, positive=True)
    assert tuple(side.subs(d, 4) for side in identity.shape) == size


def test_identity_must_be_square():
    with pytest.raises(ContextError, match="must be square"):
        MathContext.from_mapping({"symbols": {"I": "identity n x d"}})


@pytest.mark.parametrize(
    "a, b, verdict",
    [("I X^T y", "X^T y", "equal"), ("X I", "X", "equal"), ("I + I", "2 I", "equal")],
    ids=["left", "right", "sum"],
)
def test_identity_in_equivalence(a, b, verdict):
    from grader.math import equivalent

    context = MathContext.from_mapping({"symbols": {"X": "n x d", "y": "n x 1", "I": "identity d"}})
    result = equivalent(a, b, context)
    assert result.verdict == verdict, result.reason


CYCLES = [
    ({"a": "b + 1", "b": "a + 1"}, "a -> b -> a"),
    ({"a": "a + 1"}, "a -> a"),
    ({"z1": "w1 x", "a1": "sigma(z1)", "z2": "w2 a1 + z3", "z3": "z2"}, "z2 -> z3 -> z2"),
]


@pytest.mark.parametrize(("definitions", "cycle"), CYCLES, ids=[c for _, c in CYCLES])
def test_definitions_that_refer_to_each_other_are_an_error(tmp_path, definitions, cycle):
    path = tmp_path / "context.yaml"
    path.write_text(
        "functions: [sigma]\ndefinitions:\n"
        + "".join(f"  {name}: {text}\n" for name, text in definitions.items())
    )
    with pytest.raises(ContextError, match=f"definitions refer to each other: {cycle}"):
        load_context(path)


def test_a_chain_of_definitions_is_not_a_cycle(tmp_path):
    path = tmp_path / "context.yaml"
    path.write_text("functions: [sigma]\ndefinitions:\n  z1: w1 x\n  a1: sigma(z1)\n  L: a1 + z1\n")
    assert set(load_context(path).definitions) == {"z1", "a1", "L"}


def test_a_long_alias_chain_resolves_to_its_end():
    aliases = {f"n{i}": f"n{i + 1}" for i in range(5000)}
    context = MathContext.from_mapping({"aliases": aliases})
    assert context.resolve_alias("n0") == "n5000"
    assert context.resolve_alias("n4999") == "n5000"


def test_an_alias_loop_in_a_long_chain_is_named():
    aliases = {f"n{i}": f"n{i + 1}" for i in range(3000)}
    aliases["n3000"] = "n2998"
    with pytest.raises(ContextError, match="alias loop: n2998 -> n2999 -> n3000 -> n2998"):
        MathContext.from_mapping({"aliases": aliases})


# A function derivative's variable is its own: the question's names do not reach it
# (``u: 2 x 1`` or an alias ``u -> v`` once made sigma's derivative a matrix).
@pytest.mark.parametrize(
    "names",
    [
        {"symbols": {"u": "2 x 1", "z": "scalar"}},
        {"symbols": {"v": "2 x 1", "z": "scalar"}, "aliases": {"u": "v"}},
    ],
    ids=["declared matrix", "alias of a matrix"],
)
def test_function_derivative_variable_is_local(names):
    from grader.math import equivalent

    context = MathContext.from_mapping(
        {"functions": ["sigma"], "function_derivatives": {"sigma": "sigma(u) (1 - sigma(u))"}}
        | names
    )
    result = equivalent(r"\sigma(z)(1-\sigma(z))", r"e^{-z}/(1+e^{-z})^2", context)
    assert result.verdict == "equal", result
