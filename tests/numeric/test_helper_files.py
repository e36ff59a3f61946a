"""A submission of several files: the main file imports the student's other
``.py`` files by module name (``from helpers import solve``).

They travel with the main file (a descriptor from the grader to the child,
never through the zygote), are importable only under names that Python, NumPy
or an installed package do not already have, and errors in them point at the
student's own file and line.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import numpy as np
import pytest

from grader.numeric import Call, SandboxLimits, run_code_check
from grader.numeric import run as numeric_run
from tests.numeric.conftest import FILES, REFERENCES, exam_checks

LINREG_CHECKS = exam_checks()["q1.e"]  # fit_normal_equation, gradient_descent
NORMAL = LINREG_CHECKS[0]
ATTACKS = FILES / "attacks" / "multi"
HELPERS_OK = FILES / "multi" / "helpers_ok"

IMPORTS_HELPER = (
    "import numpy as np\n"
    "from helpers import solve\n"
    "\n"
    "\n"
    "def fit_normal_equation(X, y):\n"
    "    return solve(X, y)\n"
)


def _folder(tmp_path: Path, files: dict[str, str], name: str = "submission") -> Path:
    folder = tmp_path / name
    folder.mkdir()
    for filename, text in files.items():
        (folder / filename).parent.mkdir(parents=True, exist_ok=True)
        (folder / filename).write_text(text)
    return folder


def _line_of(source: str, code: str) -> int:
    """The line of ``code`` in ``source``, found rather than written in."""
    return [line.strip() for line in source.splitlines()].index(code) + 1


def _only_test(folder: Path, sandbox):
    result = run_code_check(NORMAL, folder, references=REFERENCES, sandbox=sandbox)
    (test,) = result.tests
    return result, test


# ----------------------------------------------------------------- working
@pytest.mark.parametrize("which", ["sandbox", "fallback_sandbox"], ids=["auto", "fallback"])
def test_main_file_importing_a_helper_gets_full_marks(request, which):
    sandbox = request.getfixturevalue(which)
    for spec in LINREG_CHECKS:
        result = run_code_check(spec, HELPERS_OK, references=REFERENCES, sandbox=sandbox)
        assert result.score == spec.points, [t.diagnostic for t in result.tests]
        assert not result.needs_review and not result.messages


@pytest.mark.parametrize("which", ["sandbox", "fallback_sandbox"], ids=["auto", "fallback"])
def test_helper_named_like_a_grader_module_is_the_students(request, tmp_path, which):
    """The zygote runs with ``python -I``, so its own folder (grader/numeric:
    run.py, spec.py ...) is not on the child's path: a student's spec.py is theirs."""
    sandbox = request.getfixturevalue(which)
    helpers = (HELPERS_OK / "helpers.py").read_text().replace("solve_normal_equation", "solve")
    folder = _folder(
        tmp_path,
        {"linreg.py": IMPORTS_HELPER.replace("helpers", "spec"), "spec.py": helpers},
    )
    result, test = _only_test(folder, sandbox)
    assert test.passed, test.diagnostic
    assert not result.messages


# ----------------------------------------------------------------- errors point at the student
HELPER_ERRORS = [
    # id, helpers.py (None: not submitted), where the error is, words in the diagnostic
    ("missing", None, ("linreg.py", "from helpers import solve"), ["ModuleNotFoundError"]),
    (
        "raises-in-call",
        "def solve(X, y):\n    table = {}\n    return table['beta'] + X\n",
        ("helpers.py", "return table['beta'] + X"),
        ["raised KeyError: 'beta'"],
    ),
    (
        "raises-at-import",
        "import numpy as np\n\nSCALE = 1 / 0\n\n\ndef solve(X, y):\n    return X\n",
        ("helpers.py", "SCALE = 1 / 0"),
        ["importing linreg.py failed: ZeroDivisionError: division by zero"],
    ),
    (
        "syntax-error",
        "def solve(X, y):\n    return np.linalg.solve(X.T @ X, X.T @ y\n\nx = 1\n",
        ("helpers.py", "return np.linalg.solve(X.T @ X, X.T @ y"),
        ["importing linreg.py failed: SyntaxError"],
    ),
    (
        "name-not-in-helper",
        "def solver(X, y):\n    return X\n",
        ("linreg.py", "from helpers import solve"),
        ["ImportError: cannot import name 'solve' from 'helpers'"],
    ),
]


@pytest.mark.parametrize(
    ("helper", "where", "words"),
    [e[1:] for e in HELPER_ERRORS],
    ids=[e[0] for e in HELPER_ERRORS],
)
def test_an_error_points_at_the_students_file_and_line(sandbox, tmp_path, helper, where, words):
    files = {"linreg.py": IMPORTS_HELPER}
    if helper is not None:
        files["helpers.py"] = helper
    result, test = _only_test(_folder(tmp_path, files), sandbox)
    filename, code = where
    line = _line_of(files[filename], code)
    assert result.score == 0 and test.status == "error"
    assert f"at {filename}:{line}" in test.diagnostic, test.diagnostic
    for word in words:
        assert word in test.diagnostic, test.diagnostic


def test_a_syntax_error_in_the_main_file_points_at_its_line(sandbox, tmp_path):
    source = IMPORTS_HELPER.replace("return solve(X, y)", "return solve(X, y")
    result, test = _only_test(_folder(tmp_path, {"linreg.py": source}), sandbox)
    line = _line_of(source, "return solve(X, y")
    assert test.diagnostic == (
        "importing linreg.py failed: SyntaxError: '(' was never closed "
        f"at linreg.py:{line} (`return solve(X, y`)"
    )


SENT = [
    # id, files in the submission, the main file as found, the files sent with it
    ("siblings", ["linreg.py", "helpers.py", "b.py"], "linreg.py", ["b.py", "helpers.py"]),
    ("main-under-another-spelling", ["code/Linreg.py", "code/h.py"], "code/Linreg.py", ["h.py"]),
    ("not-module-names", ["linreg.py", "my-notes.py", "2b.py", "notes.txt"], "linreg.py", []),
    ("subfolders-and-hidden", ["linreg.py", "lib/h.py", ".h.py"], "linreg.py", []),
]


@pytest.mark.parametrize(("files", "main", "sent"), [x[1:] for x in SENT], ids=[x[0] for x in SENT])
def test_which_files_go_with_the_main_file(tmp_path, files, main, sent):
    folder = _folder(tmp_path, {name: "x = 1\n" for name in files})
    helpers, left_out = numeric_run._read_helper_files(folder / main, "linreg.py")
    assert sorted(helpers) == sent and not left_out


NOT_PROVIDED = [
    # id, files besides linreg.py
    ("in-a-subfolder", {"lib/helpers.py": "def solve(X, y):\n    return X\n"}),
    ("not-a-module-name", {"my-helpers.py": "def solve(X, y):\n    return X\n"}),
]


@pytest.mark.parametrize("extra", [n[1] for n in NOT_PROVIDED], ids=[n[0] for n in NOT_PROVIDED])
def test_only_plain_module_files_next_to_the_main_file_are_provided(sandbox, tmp_path, extra):
    files = {"linreg.py": IMPORTS_HELPER, **extra}
    _, test = _only_test(_folder(tmp_path, files), sandbox)
    assert "ModuleNotFoundError: No module named 'helpers'" in test.diagnostic


def test_a_linked_helper_is_not_provided(sandbox, tmp_path):
    """A link could point anywhere on the grader's machine (the references)."""
    folder = _folder(tmp_path, {"linreg.py": IMPORTS_HELPER})
    (folder / "helpers.py").symlink_to(REFERENCES)
    result, test = _only_test(folder, sandbox)
    assert "No module named 'helpers'" in test.diagnostic
    note = (
        "helpers.py was not given to linreg.py: helpers.py is a symbolic link, not a plain "
        "file: it was not read (links are never followed; submit the file itself)"
    )
    assert note in test.diagnostic
    assert result.messages == [note] and result.needs_review


# ----------------------------------------------------------------- limits
def _padded(size: int) -> str:
    body = "def solve(X, y):\n    return X\n"
    return body + "#" * (size - len(body) - 1) + "\n"


LIMITS = [
    # id, files besides linreg.py, words in the diagnostic
    (
        "too-many",
        {"helpers.py": _padded(100), **{f"extra{i}.py": "x = 1\n" for i in range(20)}},
        ["21 other Python files (at most 20)", "none of them was given to linreg.py"],
    ),
    (
        "too-large",
        {"helpers.py": _padded(numeric_run.MAX_HELPER_BYTES + 1)},
        [f"{numeric_run.MAX_HELPER_BYTES + 1} bytes of other Python files (at most 1000000)"],
    ),
]


@pytest.mark.parametrize(("extra", "words"), [x[1:] for x in LIMITS], ids=[x[0] for x in LIMITS])
def test_too_many_or_too_large_helper_files_are_explained(sandbox, tmp_path, extra, words):
    result, test = _only_test(_folder(tmp_path, {"linreg.py": IMPORTS_HELPER, **extra}), sandbox)
    assert "ModuleNotFoundError: No module named 'helpers'" in test.diagnostic
    assert len(result.messages) == 1  # one note for all the files left out
    for word in words:
        assert word in test.diagnostic and word in result.messages[0]


def test_at_the_limits_everything_is_provided(sandbox, tmp_path):
    limit = numeric_run.MAX_HELPER_FILES
    extra = {f"extra{i}.py": "x = 1\n" for i in range(limit - 1)}
    used = sum(len(text) for text in extra.values())
    extra["helpers.py"] = (
        "import numpy as np\n\n\ndef solve(X, y):\n    return np.linalg.solve(X.T @ X, X.T @ y)\n"
    )
    extra["helpers.py"] += "#" * (numeric_run.MAX_HELPER_BYTES - used - len(extra["helpers.py"]))
    result, test = _only_test(_folder(tmp_path, {"linreg.py": IMPORTS_HELPER, **extra}), sandbox)
    assert test.passed, test.diagnostic
    assert not result.messages


# ----------------------------------------------------------------- attacks
SHADOWS = [
    # attack folder, the file the child must not load, what its fake prints
    ("shadow_numpy", "numpy", "FAKE NUMPY LOADED"),
    ("shadow_json", "json", "FAKE JSON LOADED"),
    ("shadow_grader", "grader", "FAKE GRADER LOADED"),
]


@pytest.mark.parametrize("which", ["sandbox", "fallback_sandbox"], ids=["auto", "fallback"])
@pytest.mark.parametrize(("attack", "module", "printed"), SHADOWS, ids=[s[0] for s in SHADOWS])
def test_a_helper_cannot_shadow_python_numpy_or_the_grader(
    request, tmp_path, which, attack, module, printed
):
    sandbox = request.getfixturevalue(which)
    folder = tmp_path / attack
    shutil.copytree(ATTACKS / attack, folder)
    result, test = _only_test(folder, sandbox)
    assert result.score == 0 and test.status == "failed"
    assert "all zeros" in test.diagnostic  # judged on what the real NumPy computed
    assert printed not in result.printed  # the fake was never even imported
    assert result.messages == [
        f"{module}.py was not given to linreg.py: {module} is already the name of a module "
        f"of Python, of an installed package or of the grader; rename your file "
        f"(e.g. my_{module}.py)"
    ]
    # ... and the grader's own NumPy and package are untouched.
    assert np.allclose is not None and not np.allclose(1.0, 2.0)
    assert run_code_check.__module__ == "grader.numeric.run"


@pytest.mark.parametrize("module", ["numpy", "json", "statistics", "grader", "random"])
def test_a_withheld_helper_is_named_in_the_failure(sandbox, tmp_path, module):
    """Code that needs its numpy.py gets an ImportError saying why it is missing."""
    folder = _folder(
        tmp_path,
        {
            "linreg.py": IMPORTS_HELPER.replace("from helpers", f"from {module}"),
            f"{module}.py": "def solve(X, y):\n    return X\n",
        },
    )
    result, test = _only_test(folder, sandbox)
    assert test.status == "error" and result.score == 0
    assert f"{module}.py was not given to linreg.py" in test.diagnostic, test.diagnostic


@pytest.mark.parametrize(
    "name", ["../helpers.py", "lib/helpers.py", "helpers.txt", "1helpers.py", "probe.py"]
)
def test_the_sandbox_refuses_helper_names_that_are_not_plain_modules(sandbox, name):
    with pytest.raises(ValueError, match="not a plain module file name"):
        sandbox.run(
            source=b"def f():\n    return 1\n",
            filename="probe.py",
            function="f",
            calls=[Call()],
            limits=SandboxLimits(),
            helpers={name: b"x = 1\n"},
        )


def test_the_isolated_child_sees_its_files_and_nothing_else(isolated_sandbox):
    source = (
        b"import os\n"
        b"import numpy as np\n"
        b"import helpers\n\n\n"
        b"def f():\n"
        b"    return np.array([len(os.listdir('.')), helpers.VALUE])\n"
    )
    run = isolated_sandbox.run(
        source=source,
        filename="main.py",
        function="f",
        calls=[Call()],
        limits=SandboxLimits(),
        helpers={"helpers.py": b"VALUE = 7\n", "other.py": b"VALUE = 8\n"},
    )
    assert run.calls[0].ok, run.calls[0].error
    assert run.calls[0].value.tolist() == [3, 7]


def test_no_trace_of_an_earlier_students_helper_files(fallback_sandbox):
    """A helper file travels like the main file (a descriptor from the grader to
    the child), so a later child, forked from the zygote, cannot find it in
    memory. The positive control shows the scan works."""
    marker = b"SECRET-HELPER-" + os.urandom(8).hex().encode()
    halves = (np.frombuffer(marker[:12], np.uint8), np.frombuffer(marker[12:], np.uint8))
    scanner = (FILES / "students" / "memory_scan.py").read_bytes()
    limits = SandboxLimits(wall_seconds=20, cpu_seconds=20)
    secret = f"SECRET = {marker!r}\n".encode()
    main = b"import numpy as np\nfrom secrets_of_mine import SECRET\n\n\ndef answer():\n"
    main += b"    return np.frombuffer(SECRET, np.uint8)\n"

    def run(source: bytes, function: str, args=(), helpers=None):
        outcome = fallback_sandbox.run(
            source=source,
            filename="s.py",
            function=function,
            calls=[Call(args)],
            limits=limits,
            helpers=helpers,
        )
        assert outcome.calls[0].ok, outcome.calls[0].error
        return outcome.calls[0].value

    assert bytes(run(main, "answer", helpers={"secrets_of_mine.py": secret})) == marker
    assert float(run(scanner, "scan", halves)) == 0.0
    assert float(run(scanner, "scan", halves, helpers={"control.py": secret})) == 1.0
