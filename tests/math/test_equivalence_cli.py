"""`grader equiv`: one pair (text or JSON, exit 0 whatever the verdict, exit 2
with one `error:` line for bad input) and `--batch` (one JSON verdict per line,
in order; a bad line is `undetermined` with its reason, the others answered)."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from click.testing import CliRunner

from grader.cli import main

LR = json.dumps({"X": "n x (d+1)", "y": "n x 1", "beta": "(d+1) x 1"})
HUGE = "x + " * 2_500_000 + "x"  # 10 MB
NESTED = "(" * 5000 + "x" + ")" * 5000


def run(*args: str, stdin: str | None = None):
    return CliRunner().invoke(main, ["equiv", *args], input=stdin)


@pytest.mark.parametrize(
    "args, first_line",
    [
        (("x^2 - 1", "(x-1)(x+1)"), "equal: equal at 16 random points"),
        (("y - a_2", "a_2 - y"), "not_equal (sign_flip): a is -b (a sign flip)"),
        (
            ("X^T X", "X X^T", "--symbols", LR),
            "not_equal (shape_mismatch): the shapes differ: a is (d + 1) x (d + 1), b is n x n",
        ),
        (("B", "beta", "--aliases", '{"B": "beta"}'), "equal: equal at 16 random points"),
        (
            ("x^x = 2", r"x \ln x = \ln 2"),
            "undetermined: could not compare the equations' solution sets",
        ),
    ],
    ids=["equal", "sign-flip", "shape-mismatch", "alias", "undetermined"],
)
def test_one_pair_prints_the_verdict_and_exits_0(args, first_line):
    result = run(*args)
    assert result.exit_code == 0, result.output
    assert result.output.splitlines()[0] == first_line


def test_details_are_printed_under_the_verdict():
    result = run("X^T X", "X X^T", "--symbols", LR)
    assert result.output.splitlines()[1:] == ["  a_shape: (d + 1) x (d + 1)", "  b_shape: n x n"]


def test_json_output():
    result = run("2x", "x", "--json")
    assert result.exit_code == 0
    data = json.loads(result.output)
    assert data["verdict"] == "not_equal"
    assert data["diagnosis"] == "constant_factor"
    assert data["details"]["factor"] == "2"


@pytest.mark.parametrize(
    "args, message",
    [
        (("x", "x", "--symbols", "{X: 1}"), "error: --symbols: invalid JSON"),
        (("x", "x", "--symbols", "[1]"), "error: --symbols: expected a JSON object"),
        (("x", "x", "--aliases", "nope"), "error: --aliases: invalid JSON"),
        (("x", "x", "--symbols", '{"X": "n by p"}'), "error: "),
        (("x +", "x"), "error: could not parse a at column"),
        ((HUGE, "x"), "error: could not parse a: the expression is too long"),
        (("10^{10^{10}}", "1"), "error: could not parse a at column"),
        ((NESTED, "x"), "error: could not parse a"),
        (("x",), "error: give two expressions A and B, or --batch FILE"),
        (("x", "y", "--batch", "-"), "error: give either A and B or --batch FILE, not both"),
        (("--batch", "/nonexistent/pairs.jsonl"), "error: "),
    ],
    ids=[
        "bad-symbols-json",
        "symbols-not-object",
        "bad-aliases-json",
        "unknown-shape-syntax",
        "unreadable",
        "10MB",
        "huge-number",
        "5000-parentheses",
        "one-expression",
        "pair-and-batch",
        "unreadable-file",
    ],
)
def test_bad_input_exits_2_with_one_line(args, message):
    result = run(*args)
    assert result.exit_code == 2, result.output
    lines = result.output.strip().splitlines()
    assert len(lines) == 1, result.output
    assert lines[0].startswith(message), lines[0]


def test_unknown_shape_syntax_names_the_shape():
    result = run("x", "x", "--symbols", '{"X": "n by p"}')
    assert "n by p" in result.output


def test_batch_answers_every_line_in_order(tmp_path):
    lines = [
        json.dumps({"a": "X^T (X beta - y)", "b": "X^T X beta - X^T y", "symbols": json.loads(LR)}),
        '{"a": "x", "b": ',  # invalid JSON
        json.dumps({"a": "x", "b": "x", "symbols": {"X": "n by p"}}),  # unknown shape syntax
        json.dumps({"a": HUGE, "b": "x"}),
        json.dumps({"a": "10^{10^{10}}", "b": "1"}),
        json.dumps({"a": NESTED, "b": "x"}),
        "",
        json.dumps({"a": "y - a_2", "b": "a_2 - y"}),
        json.dumps({"a": "x"}),
    ]
    path = tmp_path / "pairs.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    result = run("--batch", str(path))
    assert result.exit_code == 0, result.output
    out = [json.loads(line) for line in result.output.splitlines()]
    assert [o["line"] for o in out] == [1, 2, 3, 4, 5, 6, 8, 9]
    assert [o["verdict"] for o in out] == [
        "equal",
        "undetermined",
        "undetermined",
        "undetermined",
        "undetermined",
        "undetermined",
        "not_equal",
        "undetermined",
    ]
    reasons = [o["reason"] for o in out]
    assert reasons[1].startswith("line 2: invalid JSON: ")
    assert reasons[2].startswith("line 3: bad context: ") and "n by p" in reasons[2]
    assert reasons[3].startswith("line 4: could not parse a: the expression is too long")
    assert reasons[4].startswith("line 5: could not parse a at column") and "large" in reasons[4]
    assert reasons[5].startswith("line 6: could not parse a")
    assert out[6]["diagnosis"] == "sign_flip"
    assert reasons[7] == "line 9: missing 'b'"


def test_batch_reads_stdin():
    stdin = json.dumps({"a": "0.5", "b": "1/2"}) + "\n" + json.dumps({"a": "0.33", "b": "1/3"})
    result = run("--batch", "-", stdin=stdin)
    assert result.exit_code == 0
    verdicts = [json.loads(line)["verdict"] for line in result.output.splitlines()]
    assert verdicts == ["equal", "not_equal"]


def test_batch_item_context_is_laid_over_the_command_context():
    item = {"a": "B^T B", "b": "beta^T beta", "aliases": {"B": "beta"}}
    result = run("--batch", "-", "--symbols", '{"beta": "p x 1"}', stdin=json.dumps(item))
    assert json.loads(result.output)["verdict"] == "equal"


def test_equiv_help_does_not_import_sympy():
    code = (
        "import sys\n"
        "from grader.cli import main\n"
        "try:\n    main(['equiv', '--help'])\nexcept SystemExit:\n    pass\n"
        "print('sympy' in sys.modules)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip().splitlines()[-1] == "False"


def test_context_file_with_definitions(tmp_path):
    context = tmp_path / "q2.yaml"
    context.write_text(
        "symbols: {sigma: function}\n"
        "definitions:\n  z1: w1 x + b1\n  a1: sigma(z1)\n"
        "function_derivatives:\n  sigma: sigma(u) (1 - sigma(u))\n",
        encoding="utf-8",
    )
    result = run(r"\sigma(z_1)(1 - \sigma(z_1))", "a_1 - a_1^2", "--context", str(context))
    assert result.exit_code == 0, result.output
    assert result.output.startswith("equal: ")
    missing = run("--context", str(tmp_path / "missing.yaml"), "x", "x")
    assert missing.exit_code == 2
    assert missing.output.startswith("error: ")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ("x", "x", "--symbols", '{"a":' * 5000 + "1" + "}" * 5000),
            "--symbols: invalid JSON: nested too deeply",
        ),
        (("x", "x", "--context", "/dev/zero"), "/dev/zero: not a regular file"),
        (("--batch", "/dev/zero"), "/dev/zero: line 1 is longer than"),
    ],
    ids=["deep-symbols", "context-device", "batch-device"],
)
def test_hostile_input_is_one_error_line(args, message):
    result = run(*args)
    assert result.exit_code == 2
    assert result.output.strip().startswith("error: ") and message in result.output
    assert "Traceback" not in result.output and len(result.output.strip().splitlines()) == 1
