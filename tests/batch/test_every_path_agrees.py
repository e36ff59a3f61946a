"""One finder, one policy for bad input: the same folder gives the same
submissions and the same reports on every path (the Python API, `grader
grade` one sheet after another, `--jobs 2`, `--out DIR`, the Dask executor on
a LocalCluster of 2 worker processes, the HTTP service),
and a sheet that cannot be graded (empty, blank, binary, not UTF-8) fails with
the same reason everywhere while the others are graded."""

from __future__ import annotations

import json
import re
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner

from grader import api
from grader.cli import main
from grader.submission import discover_submissions, submission_files
from grader.submission.ocr import needs_ocr_message

ROOT = Path(__file__).resolve().parents[2]
ML_RUBRIC = ROOT / "rubrics" / "ml-exam.yaml"
MINI_RUBRIC = ROOT / "tests" / "files" / "mini-rubric.yaml"
SUBMISSIONS = ROOT / "submissions"

_TIMING_KEYS = {"sandbox_seconds", "cpu_seconds"}

Results = dict[str, tuple[str, object]]  # name -> ("graded", report dict) | ("failed", reason)


def _copy(source: Path, target: Path) -> None:
    if source.is_dir():
        shutil.copytree(source, target)
    else:
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source, target)


def _write(path: Path, data: bytes | str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data.encode() if isinstance(data, str) else data)


def student_folder_with_data(root: Path) -> Path:
    """One student: sheet.md, code, and a data/ folder (with a .json in it)."""
    alice = root / "alice"
    _copy(SUBMISSIONS / "typed-mistakes", alice)
    _write(alice / "data" / "train.csv", "x,y\n1,2\n")
    _write(alice / "data" / "meta.json", '{"rows": 1}\n')
    return alice


def class_folder(root: Path) -> Path:
    """A loose sheet, a student's folder, a folder without a sheet, and files
    that are no submission."""
    course = root / "course"
    _copy(SUBMISSIONS / "seed-student-ocr.md", course / "ann.md")
    _copy(SUBMISSIONS / "typed-perfect", course / "bob")
    _write(course / "README.md", "# the course\n")
    _write(course / ".hidden.md", "not a submission\n")
    _write(course / "notes" / "scan.png", b"\x89PNG\r\n\x1a\n")
    return course


def student_with_a_linked_file(root: Path) -> Path:
    """A code file that is a link to the rubric's reference code: never
    followed on any path (a remote worker gets the link, not the content)."""
    eve = root / "eve"
    _copy(SUBMISSIONS / "typed-mistakes", eve)
    (eve / "linreg.py").unlink()
    (eve / "linreg.py").symlink_to(ROOT / "rubrics" / "ml-exam-references.py")
    return eve


def class_with_links_and_images(root: Path) -> Path:
    """Links never followed and never skipped: a link to a classmate's sheet,
    a dangling link, a student whose only sheet is a dangling link, a link to
    a folder outside the class; and a few hundred images that are no
    submission (loose, and in a student's folder)."""
    course = root / "links"
    _copy(SUBMISSIONS / "typed-perfect", course / "bob")
    _copy(SUBMISSIONS / "typed-perfect", root / "outside" / "henry")
    (course / "ann.md").symlink_to(course / "bob" / "sheet.md")
    (course / "erin.md").symlink_to(root / "missing.md")
    (course / "frank").mkdir()
    (course / "frank" / "sheet.md").symlink_to("nothing.md")
    (course / "henry").symlink_to(root / "outside" / "henry", target_is_directory=True)
    for i in range(300):
        _write(course / f"scan-{i}.png", b"\x89PNG\r\n\x1a\n")
        _write(course / "bob" / f"figure-{i}.jpg", b"\xff\xd8\xff")
    return course


_LINKED_FILE = "a symbolic link, not a plain file: not read (submit the file itself)"


def bad_input_folder(root: Path) -> Path:
    """One good sheet among sheets that cannot be graded."""
    course = root / "bad"
    _write(course / "good.md", "## Q1\n\n(a) Linear regression is supervised learning.\n")
    _write(course / "empty.md", b"")
    _write(course / "blank.md", "\n   \n\t\n")
    _write(course / "binary.md", b"\x89PNG\r\n\x1a\n\x00\x00")
    _write(course / "latin.md", "## Q1\n\n(a) r\xe9gression supervis\xe9e\n".encode("cp1252"))
    return course


FOLDERS = [
    (student_folder_with_data, ML_RUBRIC, {"alice": "graded"}),
    (
        class_folder,
        ML_RUBRIC,
        {
            "ann": "graded",
            "bob": "graded",
            # a folder holding only an image is a scan: said, with how to read it, not skipped
            "notes": needs_ocr_message("scan.png is an image"),
        },
    ),
    (student_with_a_linked_file, ML_RUBRIC, {"eve": "graded"}),
    (
        class_with_links_and_images,
        ML_RUBRIC,
        {
            "bob": "graded",
            "ann": _LINKED_FILE,
            "erin": "a symbolic link to nothing (its target is missing): not read "
            "(links are never followed; submit the files themselves)",
            "frank": _LINKED_FILE,
            "henry": "a symbolic link to a folder: not read "
            "(links are never followed; submit the files themselves)",
        },
    ),
    (
        bad_input_folder,
        MINI_RUBRIC,
        {
            "good": "graded",
            "empty": "empty answer sheet (no text in it)",
            "blank": "empty answer sheet (no text in it)",
            "binary": "binary file (a PNG image), not a text answer sheet",
            "latin": "not UTF-8 (it reads as Windows-1252): save the sheet as UTF-8",
        },
    ),
]


def _normal(node):
    """A report without its timings (the only bytes that differ between runs)."""
    if isinstance(node, dict):
        return {k: _normal(v) for k, v in node.items() if k not in _TIMING_KEYS}
    if isinstance(node, list):
        return [_normal(v) for v in node]
    return node


def _reason(text: str) -> str:
    # "path/to/empty.md: empty answer sheet ..." -> "empty answer sheet ..."
    return re.sub(r"^[^\s:]+: ", "", text.strip())


def _name(path: str) -> str:
    return Path(path).stem


def via_api(folder: Path, rubric: Path, tmp_path: Path) -> Results:
    results: Results = {}
    for outcome in api.grade_paths([folder], rubric, strict=True):
        if outcome.report is None:
            results[_name(outcome.path)] = ("failed", _reason(outcome.error or ""))
        else:
            results[_name(outcome.path)] = ("graded", _normal(outcome.report.to_json_dict()))
    return results


def _submission_name(path: str, folder: Path) -> str:
    """The submission a path in an error line belongs to: the CLI names the
    file at fault (``frank/sheet.md``), the submission is ``frank``."""
    relative = Path(path).relative_to(folder) if Path(path).is_relative_to(folder) else None
    return _name(relative.parts[0] if relative and relative.parts else path)


def _cli_json(args: list[str]) -> Results:
    folder = Path(args[0])
    result = CliRunner().invoke(main, ["grade", *args, "--format", "json"])
    assert result.exit_code in (0, 2), result.output
    results: Results = {}
    text = result.stdout.strip()
    if text.startswith("{\n"):  # one submission: its indented report
        documents = [json.loads(text)]
    else:  # several: JSON Lines
        documents = [json.loads(line) for line in text.splitlines()]
    for report in documents:
        results[_name(report["submission"]["path"])] = ("graded", _normal(report))
    for line in result.stderr.splitlines():
        match = re.match(r"^error: (\S+): (.*)$", line)
        if match:
            name = _submission_name(match.group(1), folder)
            results[name] = ("failed", _reason(match.group(2)))
    assert (result.exit_code == 2) == any(s == "failed" for s, _ in results.values())
    return results


def via_cli(folder: Path, rubric: Path, tmp_path: Path) -> Results:
    return _cli_json([str(folder), "--rubric", str(rubric)])


def via_jobs(folder: Path, rubric: Path, tmp_path: Path) -> Results:
    return _cli_json([str(folder), "--rubric", str(rubric), "--jobs", "2"])


def via_out(folder: Path, rubric: Path, tmp_path: Path) -> Results:
    out = tmp_path / "out"
    result = CliRunner().invoke(
        main, ["grade", str(folder), "--rubric", str(rubric), "--out", str(out)]
    )
    assert result.exit_code in (0, 2), result.output
    results: Results = {}
    for path in sorted((out / "results").glob("*.json")):
        record = json.loads(path.read_text(encoding="utf-8"))
        name = _name(record["submission"]["path"])
        if record["status"] == "graded":
            results[name] = ("graded", _normal(record["report"]))
        else:
            results[name] = ("failed", _reason(record["reason"]))
    return results


def via_dask(folder: Path, rubric: Path, tmp_path: Path, client) -> Results:
    """``grade_batch`` with the Dask executor, read back from its result store."""
    from grader.batch import grade_batch
    from grader.batch.dask_executor import DaskExecutor

    out = tmp_path / "out"
    grade_batch([folder], rubric, out_dir=out, executor=DaskExecutor(client=client), progress=None)
    results: Results = {}
    for path in sorted((out / "results").glob("*.json")):
        record = json.loads(path.read_text(encoding="utf-8"))
        name = _name(record["submission"]["path"])
        if record["status"] == "graded":
            results[name] = ("graded", _normal(record["report"]))
        else:
            results[name] = ("failed", _reason(record["reason"]))
    return results


PATHS: dict[str, Callable[..., Results]] = {
    "api": via_api,
    "cli": via_cli,
    "jobs-2": via_jobs,
    "out": via_out,
    "dask": via_dask,
}


@pytest.fixture(scope="module")
def dask_client():
    distributed = pytest.importorskip("distributed")
    cluster = distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
    )
    with distributed.Client(cluster) as client:
        yield client
    cluster.close()


@pytest.mark.parametrize("path_name", list(PATHS))
@pytest.mark.parametrize(
    ("make_folder", "rubric", "expected"),
    FOLDERS,
    ids=[make.__name__ for make, _, _ in FOLDERS],
)
def test_every_path_finds_and_grades_the_same(
    make_folder, rubric, expected, path_name, tmp_path, reference_results, request
):
    folder = make_folder(tmp_path / "in")
    extra = (request.getfixturevalue("dask_client"),) if path_name == "dask" else ()
    results = PATHS[path_name](folder, rubric, tmp_path, *extra)
    assert {name: status for name, (status, _) in results.items()} == {
        name: ("graded" if want == "graded" else "failed") for name, want in expected.items()
    }
    for name, want in expected.items():
        if want != "graded":
            assert results[name][1] == want, name
    if make_folder is student_with_a_linked_file:
        warnings = results["eve"][1]["warnings"]
        assert "linreg.py: a symbolic link, not a plain file: not read" in warnings
    # the same reports as the sequential API, byte for byte but the timings
    reference = reference_results(make_folder, rubric)
    for name, (status, report) in results.items():
        if status == "graded":
            want = reference[name][1]
            assert json.dumps(report, sort_keys=True) == json.dumps(
                _relocated(want, reference["__root__"], folder), sort_keys=True
            ), name


def _relocated(report, old_root: str, new_root: Path):
    """The reference report with its paths moved to this test's folder."""
    text = json.dumps(report).replace(json.dumps(old_root)[1:-1], json.dumps(str(new_root))[1:-1])
    return json.loads(text)


@pytest.fixture(scope="module")
def reference_results(tmp_path_factory):
    """Each folder graded once through the sequential API (the reference)."""
    cache: dict = {}

    def get(make_folder, rubric):
        key = (make_folder.__name__, str(rubric))
        if key not in cache:
            folder = make_folder(tmp_path_factory.mktemp("reference") / "in")
            results = via_api(folder, rubric, folder)
            results["__root__"] = str(folder)  # type: ignore[assignment]
            cache[key] = results
        return cache[key]

    return get


@pytest.mark.parametrize(
    ("make_folder", "rubric", "expected"),
    FOLDERS,
    ids=[make.__name__ for make, _, _ in FOLDERS],
)
def test_the_service_grades_each_found_submission_the_same(
    make_folder, rubric, expected, tmp_path, reference_results, grading_service
):
    """Each submission the finder sees, uploaded as its files, gets the same
    report (less where it came from) or the same refusal as on the command line."""
    folder = make_folder(tmp_path / "in")
    if any(path.is_symlink() for path in folder.rglob("*")):
        pytest.skip("an upload carries file contents, not links")
    reference = reference_results(make_folder, rubric)
    client, token = grading_service
    exam = rubric.stem
    found = discover_submissions(folder)
    assert sorted(_name(str(path)) for path in found) == sorted(expected)
    for path in found:
        name = _name(str(path))
        files = [
            ("files", (relative, file.read_bytes()))
            for relative, file in submission_files(path)
            if "/" not in relative  # the service takes one folder's files, no sub-folders
        ]
        response = client.post(
            f"/api/exams/{exam}/grade/upload",
            files=files,
            headers={"Authorization": f"Bearer {token}"},
        )
        if expected[name] == "graded":
            assert response.status_code == 200, response.text
            got = _normal(response.json())
            want = reference[name][1]
            for report in (got, want):
                report.pop("submission")
            assert json.dumps(got, sort_keys=True) == json.dumps(want, sort_keys=True), name
        else:
            assert response.status_code == 400, response.text
            assert _reason(response.json()["error"]["message"]) == expected[name], name


@pytest.fixture(scope="module")
def grading_service():
    pytest.importorskip("fastapi")
    from fastapi.testclient import TestClient

    from grader.service.app import ServiceSettings, create_app

    token = "every-path-token"
    settings = ServiceSettings(
        rubrics={"ml-exam": ML_RUBRIC, "mini-rubric": MINI_RUBRIC},
        instructor_token=token,
        workers=2,
        rate_per_minute=0,
    )
    with TestClient(create_app(settings)) as client:
        yield client, token
