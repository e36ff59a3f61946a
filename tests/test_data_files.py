import io
import re
from pathlib import Path

import pytest

from grader.data_files import bounded_lines, parse_yaml_or_json, read_text_file
from grader.errors import ContextError, SubmissionError

GOOD = [
    ("a.yaml", "x: 1\ny: [a, b]\n", {"x": 1, "y": ["a", "b"]}),
    ("a.yml", "", None),
    ("a.json", '{"x": 1}', {"x": 1}),
    ("a.JSON", "[1, 2]", [1, 2]),
]


@pytest.mark.parametrize("name, text, expected", GOOD, ids=[case[0] for case in GOOD])
def test_reads_yaml_or_json_by_suffix(name, text, expected):
    assert parse_yaml_or_json(text, Path(name), error=ContextError) == expected


BAD = [
    ("a.yaml", "x: [1,\ny: 2\n", ContextError, "a.yaml:3: invalid YAML"),
    ("a.json", '{\n"x": }', SubmissionError, "a.json:2: invalid JSON"),
    ("a.json", "x: 1", SubmissionError, "a.json:1: invalid JSON"),
]


@pytest.mark.parametrize("name, text, error, message", BAD, ids=["yaml", "json", "yaml-as-json"])
def test_syntax_errors_name_file_and_line(name, text, error, message):
    with pytest.raises(error) as raised:
        parse_yaml_or_json(text, Path(name), error=error)
    assert raised.value.format().startswith(message)


# Hostile input: each ends in one clear error within its bound, or clean data.
BOMB = "a: &a [x, x, x, x, x, x, x, x, x]\n" + "".join(
    f"{chr(98 + i)}: &{chr(98 + i)} [*{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}]\n"
    for i in range(8)
)
HOSTILE = [
    ("bomb.yaml", BOMB, "invalid YAML: aliases (*name) are not allowed here"),
    ("tag.yaml", "x: !!python/name:os.system\n", "tags (tag:yaml.org,2002:python/name"),
    ("set.yaml", "x: !!set {a, b}\n", "tags (tag:yaml.org,2002:set) are not allowed"),
    ("deep.yaml", "[" * 150 + "]" * 150, "nested deeper than 100"),
    ("deep.json", "[" * 150 + "]" * 150, "nested deeper than 100"),
    ("deeper.json", "[" * 50_000 + "]" * 50_000, "nested deeper than 100"),
    ("digits.yaml", "x: " + "9" * 6000, "invalid YAML: a number with too many digits"),
    ("digits.json", '{"x": ' + "9" * 6000 + "}", "invalid JSON: a number with too many digits"),
]


@pytest.mark.parametrize("name, text, message", HOSTILE, ids=[case[0] for case in HOSTILE])
def test_hostile_data_is_refused_in_one_line(name, text, message):
    with pytest.raises(SubmissionError, match=re.escape(message)):
        parse_yaml_or_json(text, Path(name), error=SubmissionError)


def test_quoted_tags_and_anchors_in_text_are_plain_strings():
    data = parse_yaml_or_json('x: "&a *a !!str"\n', Path("a.yaml"), error=SubmissionError)
    assert data == {"x": "&a *a !!str"}


@pytest.mark.parametrize("name", ["a.json", "a.yaml"])
def test_lone_surrogates_become_replacement_characters(name):
    text = (
        '{"answer": "x \\ud800 y", "\\udfff": 1}'
        if name.endswith("json")
        else 'answer: "x \\ud800 y"\n'
    )
    data = parse_yaml_or_json(text, Path(name), error=SubmissionError)
    assert data["answer"] == "x \ufffd y"
    for value in [*data, *map(str, data.values())]:
        value.encode("utf-8")  # writable anywhere


def test_a_file_read_whole_has_a_size_cap(tmp_path):
    path = tmp_path / "big.yaml"
    path.write_text("x" * 101)
    with pytest.raises(ContextError, match="larger than 100 bytes"):
        read_text_file(path, error=ContextError, limit=100)
    assert read_text_file(path, error=ContextError, limit=101) == "x" * 101


def test_a_device_is_not_read(tmp_path):
    with pytest.raises(ContextError, match="/dev/zero: not a regular file"):
        read_text_file("/dev/zero", error=ContextError)
    with pytest.raises(ContextError, match="cannot read context file: No such file"):
        read_text_file(tmp_path / "nope.yaml", error=ContextError, what="context file")


def test_lines_have_a_length_cap():
    stream = io.StringIO("short\n" + "y" * 50 + "\nnever read\n")
    lines = bounded_lines(stream, where="pairs.jsonl", error=ContextError, limit=20)
    assert next(lines) == "short\n"
    with pytest.raises(ContextError, match="pairs.jsonl: line 2 is longer than 20 characters"):
        next(lines)
