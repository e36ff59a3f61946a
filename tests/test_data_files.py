from pathlib import Path

import pytest

from grader.data_files import parse_yaml_or_json
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
