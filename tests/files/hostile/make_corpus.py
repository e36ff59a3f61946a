"""Writes the hostile-input corpus beside this file (run it again after an
edit; the files are checked in so the fuzz tests need no generation step).

    python tests/files/hostile/make_corpus.py

Each file is one input an attacker or a careless user could send; the fuzz
suite (tests/fuzz/) asserts each ends in a report or one clear error.
"""

from __future__ import annotations

import json
from pathlib import Path

HERE = Path(__file__).resolve().parent


def alias_bomb(levels: int = 12, width: int = 9) -> str:
    lines = ["a0: &a0 [" + ", ".join(["lol"] * width) + "]"]
    lines += [f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * width) + "]" for i in range(1, levels)]
    return "\n".join(lines) + "\n"


SHEETS: dict[str, bytes | str] = {
    "huge-powers.md": "## Q2\n\n(c)\n"
    + "".join(
        f"$$\\frac{{\\partial L}}{{\\partial z_2}} = a_2 - y + x^{{{10**k}}}$$\n"
        for k in range(2, 14)
    ),
    "underflow.md": "## Q2\n\n(c)\n$$\\frac{\\partial L}{\\partial z_2} = a_2 - y + e^{-800}$$\n"
    "$$= a_2 - y + \\exp(-10^4)$$\n",
    "tower.md": "## Q1\n\n(c)\n$$y = x^{x^{x^{x^{x^{x^{x^{x^{x^{x}}}}}}}}}$$\n$$y = 10^{10^{10^{10}}}$$\n",
    "deep-braces.md": "## Q1\n\n(b)\n$$" + "{" * 5000 + "x" + "}" * 5000 + "$$\n",
    "deep-fracs.md": "## Q1\n\n(b)\n$$" + "\\frac{1}{" * 800 + "x" + "}" * 800 + "$$\n",
    "deep-parens.md": "## Q1\n\n(b)\n$$" + "(" * 5000 + "x" + ")" * 5000 + "$$\n",
    "unbalanced.md": "## Q1\n\n(a) $$ x + \\frac{1}{2 $$ \\begin{pmatrix} 1 & 2 \\\\ $\n(b) }}}} $x^$\n",
    "long-line.md": "## Q1\n\n(a) " + "regression " * 5000 + "\n",
    "many-lines.md": "## Q2\n\n(c)\n" + "$$ x + 1 = x + 1 $$\n" * 3000,
    "zero-division.md": "## Q1\n\n(b)\n$$ 1/0 = 1/0 $$\n$$ 0^{-1} = \\frac{0}{0} $$\n$$ \\log(0) = \\infty $$\n",
    "control-chars.md": "## Q1\n\n(a) Linear\u202eregression\u200b\u0007 is \ufeffsupervised\x1b[31m learning.\n",
    "lone-surrogate.md": b"## Q1\n\n(a) Linear regression \xed\xa0\x80 is supervised.\n",
    "nul-bytes.md": b"## Q1\n\n(a) Linear\x00regression\n",
    "utf16.md": "## Q1\n\n(a) Linear regression is supervised.\n".encode("utf-16"),
    "invalid-utf8.md": b"## Q1\n\n(a) \xff\xfe\xfa regression\n",
    "empty.md": b"",
    "labels-only.md": "## Q1\n" * 500 + "(a)\n" * 500,
    "html-script.md": "## Q1\n\n(a) <script>alert(1)</script><img src=x onerror=alert(1)> regression\n",
    "csv-formula.md": '## Q1\n\n(a) =HYPERLINK("http://x","y") +cmd|\' /C calc\'!A0\n',
    "huge-number.md": "## Q1\n\n(b)\n$$ y = " + "9" * 5000 + " x $$\n$$ y = 1e999999 $$\n",
    "matrix-monster.md": "## Q1\n\n(c)\n$$\\begin{pmatrix}"
    + " & ".join(["x"] * 400)
    + "\\\\" * 200
    + "\\end{pmatrix}$$\n",
}

ANSWERS: dict[str, bytes | str] = {
    "alias-bomb.yaml": alias_bomb(),
    "python-tag.yaml": "q1.a: !!python/object/apply:os.system ['echo pwned']\n",
    "custom-tag.yaml": "q1.a: !secret x\n",
    "deep-nesting.yaml": "q1.a: " + "[" * 3000 + "]" * 3000 + "\n",
    "deep-nesting.json": '{"q1.a": ' + "[" * 3000 + "]" * 3000 + "}\n",
    "not-a-mapping.yaml": "- q1.a\n- q1.b\n",
    "non-string-keys.yaml": "1: x\n? [a, b]\n: y\nnull: z\n",
    "duplicate-keys.yaml": "q1.a: first\nq1.a: second\n",
    "huge-int.yaml": "q1.b: " + "9" * 6000 + "\n",
    "nan.json": '{"q1.b": NaN, "q1.c": Infinity}\n',
    "lone-surrogate.json": '{"q1.a": "regression \\ud800 supervised"}\n',
    "lone-surrogate-raw.yaml": b"q1.a: regression \xed\xa0\x80\n",
    "unknown-parts.yaml": "q9.z: x\nq1.a: Linear regression is supervised learning.\n",
    "binary.yaml": b"\x89PNG\r\n\x1a\n\x00\x00\x00",
    "merge-keys.yaml": "base: &b {q1.a: x}\nq1.b:\n  <<: *b\n",
    "anchors-only.yaml": "q1.a: &x supervised\nq1.b: *x\n",
    "long-value.json": json.dumps({"q1.a": "supervised " * 5000}),
}

RUBRICS: dict[str, str] = {
    "alias-bomb.yaml": "id: x\n" + alias_bomb(),
    "python-tag.yaml": "id: !!python/object/apply:os.system ['echo pwned']\nquestions: []\n",
    "deep-nesting.yaml": "id: x\nquestions: " + "[" * 3000 + "]" * 3000 + "\n",
    "context-etc-passwd.yaml": "id: x\ncontext: /etc/passwd\nquestions: []\n",
    "context-dev-zero.yaml": "id: x\ncontext: /dev/zero\nquestions: []\n",
    "context-parent.yaml": "id: x\ncontext: ../../../../../../etc/hostname\nquestions: []\n",
    "references-outside.yaml": """id: x
questions:
  - id: q1
    points: 1
    parts:
      - id: a
        points: 1
        checks:
          - kind: code
            id: c
            file: linreg.py
            function: f
            references: /etc/passwd
            points: 1
""",
    "negative-points.yaml": "id: x\nquestions:\n  - id: q1\n    points: -5\n    parts: []\n",
    "huge-points.yaml": "id: x\nquestions:\n  - id: q1\n    points: 1e400\n    parts: []\n",
    "not-a-mapping.yaml": "- id\n- questions\n",
    "unknown-kind.yaml": """id: x
questions:
  - id: q1
    points: 1
    parts:
      - id: a
        points: 1
        checks:
          - kind: eval
            id: c
            points: 1
            code: "__import__('os').system('id')"
""",
    "bad-expression.yaml": """id: x
questions:
  - id: q1
    points: 1
    parts:
      - id: a
        points: 1
        checks:
          - kind: expression
            id: c
            points: 1
            answer: "\\\\frac{1}{"
""",
    "empty.yaml": "",
    "lone-surrogate.yaml": 'id: "x\\ud800"\nquestions: []\n',
}

CONTEXTS: dict[str, str] = {
    "cycle.yaml": "definitions:\n  - a = b + 1\n  - b = a + 1\n",
    "self-cycle.yaml": "definitions:\n  - a = a + 1\n",
    "alias-chain.yaml": "aliases:\n" + "".join(f"  a{i}: a{i + 1}\n" for i in range(3000)),
    "alias-cycle.yaml": "aliases:\n  a: b\n  b: a\n",
    "alias-bomb.yaml": alias_bomb(),
    "deep-nesting.yaml": "symbols: " + "{a: " * 2000 + "x" + "}" * 2000 + "\n",
    "bad-shapes.yaml": "symbols:\n  X: n x x x x\n  Y: -3 x 0\n  Z: 99999999999 x 99999999999\n",
    "many-symbols.yaml": "symbols:\n" + "".join(f"  s{i}: n x 1\n" for i in range(5000)),
    "not-a-mapping.yaml": "- symbols\n",
    "python-tag.yaml": "symbols: !!python/name:os.system\n",
}

# (a, b) pairs for `grader equiv` and grader.equivalent
EXPRESSIONS: list[tuple[str, str]] = [
    ("y + e^{-800}", "y"),
    ("y + \\exp(-10^4)", "y"),
    ("y + x^{5000}", "y"),
    ("a_2 - y + x^{100000}", "a_2 - y"),
    ("1/0", "1/0"),
    ("0/0", "0/0"),
    ("\\log(0)", "-\\infty"),
    ("10^{10^{10}}", "10^{10^{10}} + 1"),
    ("x^{x^{x^{x^{x}}}}", "x^{x^{x^{x^{x}}}}"),
    ("(" * 3000 + "x" + ")" * 3000, "x"),
    ("\\frac{1}{" * 500 + "x" + "}" * 500, "x"),
    ("x" + " + x" * 5000, "5001 x"),
    ("\\sqrt{-1}", "i"),
    ("\\sum_{i=1}^{10^{12}} i", "\\frac{10^{12}(10^{12}+1)}{2}"),
    ("\\int_0^1 x dx", "1/2"),
    ("X^T X", "X X^T"),
    ("\\ud800", "x"),
    ("", ""),
    ("\x00", "x"),
    ("9" * 5000, "9" * 5000),
    ("1e999999", "\\infty"),
    ("\\begin{pmatrix}" + "x & " * 300 + "x\\end{pmatrix}", "x"),
    ("a = b", "b = a"),
    ("\\frac{\\partial L}{\\partial z_2}", "a_2 - y"),
    ("=", "="),
    ("x^{-10^{10}}", "0"),
]

HTTP_BODIES: dict[str, bytes | str] = {
    "alias-bomb-files.json": json.dumps({"files": {"answers.yaml": alias_bomb(20)}}),
    "alias-bomb-answer.json": json.dumps({"answers": {"q1.a": alias_bomb(20)}}),
    "deep-json.json": '{"sheet": ' + "[" * 20000 + "]" * 20000 + "}",
    "deep-json-object.json": '{"answers": ' + '{"a": ' * 10000 + "1" + "}" * 10000 + "}",
    "lone-surrogate.json": '{"sheet": "## Q1\\n\\n(a) regression \\ud800"}',
    "lone-surrogate-answer.json": '{"answers": {"q1.a": "x\\udfff"}}',
    "nul.json": '{"sheet": "## Q1\\n\\n(a) \\u0000"}',
    "not-json.json": "{'sheet': 'x'",
    "binary.json": b"\x89PNG\r\n\x1a\n\x00\x00",
    "invalid-utf8.json": b'{"sheet": "\xff\xfe"}',
    "wrong-types.json": '{"sheet": 5, "answers": [1, 2], "files": "x"}',
    "huge-int.json": '{"sheet": ' + "9" * 100000 + "}",
    "many-keys.json": json.dumps({"answers": {f"q{i}.a": "x" for i in range(3000)}}),
    "bad-file-names.json": json.dumps({"files": {"../../etc/passwd": "x", "sheet.md": "y"}}),
    "many-files.json": json.dumps({"files": {f"f{i}.py": "x" for i in range(500)}}),
    "python-tag-file.json": json.dumps(
        {"files": {"answers.yaml": "q1.a: !!python/object/apply:os.system ['id']\n"}}
    ),
    "huge-powers.json": json.dumps(
        {"answers": {"q2.c": "".join(f"$$ a_2 - y + x^{{{10**k}}} $$\n" for k in range(2, 14))}}
    ),
    "empty.json": "",
    "null.json": "null",
    "array.json": "[]",
}

# name -> (header name, header value bytes) sent with a normal body
HTTP_HEADERS: dict[str, list[tuple[str, bytes]]] = {
    "non-ascii-token": [("authorization", "Bearer s\u00e9cret".encode("latin-1"))],
    "utf8-token": [("authorization", "Bearer \u2603".encode())],
    "empty-bearer": [("authorization", b"Bearer ")],
    "basic-auth": [("authorization", b"Basic YWRtaW46YWRtaW4=")],
    "forwarded-for-spoof": [("x-forwarded-for", b"1.2.3.4, 5.6.7.8")],
    "forwarded-for-garbage": [("x-forwarded-for", b"\xff\xfe not an address")],
    "student-id-garbage": [("x-student-id", b"\xff" * 5000)],
    "bad-content-length": [("content-length", b"-1")],
    "huge-content-length": [("content-length", b"99999999999999999999")],
    "content-type-xml": [("content-type", b"application/xml")],
    "content-type-multipart-no-boundary": [("content-type", b"multipart/form-data")],
    "content-type-garbage": [("content-type", b"\x00\xff;;;charset=\xff")],
    "accept-garbage": [("accept", b"\xff" * 1000)],
    "many-headers": [(f"x-h{i}", b"v") for i in range(80)],
}


def _write(folder: str, name: str, data: bytes | str) -> None:
    path = HERE / folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data if isinstance(data, bytes) else data.encode("utf-8", "surrogatepass"))


def main() -> None:
    for folder, table in (
        ("sheets", SHEETS),
        ("answers", ANSWERS),
        ("rubrics", RUBRICS),
        ("contexts", CONTEXTS),
        ("http", HTTP_BODIES),
    ):
        for name, data in table.items():
            _write(folder, name, data)
    _write(
        "",
        "expressions.jsonl",
        "".join(json.dumps({"a": a, "b": b}) + "\n" for a, b in EXPRESSIONS),
    )
    headers = {
        name: [[key, value.decode("latin-1")] for key, value in pairs]
        for name, pairs in HTTP_HEADERS.items()
    }
    _write("", "headers.json", json.dumps(headers, indent=1, ensure_ascii=True) + "\n")


if __name__ == "__main__":
    main()
