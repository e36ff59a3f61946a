"""The Dask executor on a LocalCluster of 2 worker processes: the bundled
submissions (with code, so the sandbox runs inside Dask workers) give the
same files byte for byte as the local pool; kill -9 of a worker, or of the
client, during a batch loses nothing and grades nothing twice into the
results; the extra is imported lazily and its absence is one line."""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from grader.batch import grade_batch

distributed = pytest.importorskip("distributed")

from grader.batch.dask_executor import DaskExecutor  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]
RUBRIC = ROOT / "rubrics" / "ml-exam.yaml"
SUBMISSIONS = ROOT / "submissions"
_TIMINGS = re.compile(r'"(sandbox_seconds|cpu_seconds|elapsed|execution_time)": ?[0-9.e-]+')
_JUNIT_TIMES = re.compile(r'time="[0-9.]+"')


@pytest.fixture(scope="module")
def client():
    cluster = distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
    )
    with distributed.Client(cluster) as dask_client:
        yield dask_client
    cluster.close()


def _files(out: Path) -> dict[str, str]:
    """Every file of an --out folder, timings blanked (the only bytes that vary)."""
    found = {}
    for path in sorted(out.rglob("*")):
        if path.is_file() and path.name != ".lock" and "assets" not in path.parts:
            text = path.read_bytes().decode("utf-8", errors="replace")
            found[path.relative_to(out).as_posix()] = _JUNIT_TIMES.sub("T", _TIMINGS.sub("T", text))
    return found


def _class(root: Path, copies: int) -> Path:
    """``copies`` of each bundled submission, under distinct names."""
    folder = root / "class"
    folder.mkdir(parents=True)
    for number in range(copies):
        for source in sorted(SUBMISSIONS.iterdir()):
            if source.name.startswith(("README", "SOURCES")):
                continue
            target = folder / f"s{number:02d}-{source.name}"
            if source.is_dir():
                shutil.copytree(source, target)
            else:
                shutil.copyfile(source, target)
    return folder


@pytest.fixture(scope="module")
def local_reference(tmp_path_factory):
    out = tmp_path_factory.mktemp("local") / "out"
    grade_batch([SUBMISSIONS], RUBRIC, out_dir=out, jobs=2, progress=None)
    return out


def test_dask_gives_the_local_pools_files_byte_for_byte(client, local_reference, tmp_path):
    out = tmp_path / "out"
    result = grade_batch(
        [SUBMISSIONS], RUBRIC, out_dir=out, executor=DaskExecutor(client=client), progress=None
    )
    assert result.graded_now == 5 and not result.failed
    assert _files(out) == _files(local_reference)
    # the code parts were run (in the sandbox, inside a Dask worker), not skipped
    record = json.loads((out / "results" / "typed-perfect.json").read_text())
    code_checks = [
        check
        for part in record["report"]["parts"]
        for check in part["checks"]
        if check["kind"] == "code"
    ]
    assert code_checks and all(check["verdict"] == "correct" for check in code_checks), [
        (c["id"], c["verdict"], c["message"]) for c in code_checks
    ]


class _KillAWorker(DaskExecutor):
    """Kills one worker process with SIGKILL as soon as the first sheet is done."""

    def run(self, tasks, setup, on_done):
        killed: list[int] = []

        def once(outcome):
            on_done(outcome)
            if not killed:
                pids = self._client.run(os.getpid)
                victim = sorted(pids.values())[0]
                os.kill(victim, signal.SIGKILL)
                killed.append(victim)

        super().run(tasks, setup, once)
        assert killed


def test_a_worker_killed_mid_batch_costs_a_retry_not_the_batch(client, tmp_path):
    folder = _class(tmp_path, copies=3)
    out = tmp_path / "out"
    result = grade_batch(
        [folder], RUBRIC, out_dir=out, executor=_KillAWorker(client=client), progress=None
    )
    assert not result.failed, [(o.item.id, o.reason) for o in result.failed]
    assert result.graded_now == 15
    records = sorted((out / "results").glob("*.json"))
    assert len(records) == 15
    # each copy's report is the original's (the same content, graded once)
    scores = {path.stem: json.loads(path.read_text())["report"]["score"] for path in records}
    for name, score in scores.items():
        original = name.split("-", 1)[1]
        assert score == scores[f"s00-{original}"], name
    client.wait_for_workers(2, timeout=120)


def test_the_client_killed_mid_batch_loses_nothing(client, tmp_path):
    folder = _class(tmp_path, copies=4)
    out = tmp_path / "out"
    command = [
        sys.executable,
        "-m",
        "grader",
        "grade",
        str(folder),
        "--rubric",
        str(RUBRIC),
        "--out",
        str(out),
        "--executor",
        "dask",
        "--dask-workers",
        "2",
    ]
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    process = subprocess.Popen(
        command,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,  # its local cluster goes with it
    )

    def recorded() -> int:
        folder = out / "results"
        return len(list(folder.glob("*.json"))) if folder.is_dir() else 0

    try:
        while recorded() < 4:
            assert process.poll() is None, "the batch ended before it could be killed"
            time.sleep(0.05)
    finally:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()
    before = {path.name: path.read_bytes() for path in (out / "results").glob("*.json")}
    assert 4 <= len(before) < 20
    resumed = grade_batch(
        [folder], RUBRIC, out_dir=out, executor=DaskExecutor(client=client), progress=None
    )
    assert resumed.reused == len(before)
    assert resumed.graded_now == 20 - len(before)
    assert not resumed.failed
    after = {path.name: path.read_bytes() for path in (out / "results").glob("*.json")}
    assert len(after) == 20
    # nothing recorded before the kill was graded again (the same bytes)
    for name, data in before.items():
        assert after[name] == data, name
    assert not list(out.rglob(".tmp-*"))


def test_help_does_not_import_distributed_and_a_missing_extra_is_one_line(tmp_path):
    code = (
        "import sys\n"
        "from click.testing import CliRunner\n"
        "from grader.cli import main\n"
        "CliRunner().invoke(main, ['--help'])\n"
        "CliRunner().invoke(main, ['grade', '--help'])\n"
        "print('distributed' in sys.modules)\n"
    )
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    shown = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True
    )
    assert shown.stdout.strip() == "False"
    code = (
        "import sys\n"
        "sys.modules['distributed'] = None  # as if the extra were not installed\n"
        "from grader.cli import main\n"
        "sys.argv = ['grader', 'grade', sys.argv[1], '--rubric', sys.argv[2], '--executor', 'dask']\n"
        "main()\n"
    )
    missing = subprocess.run(
        [sys.executable, "-c", code, str(SUBMISSIONS / "blank.md"), str(RUBRIC)],
        capture_output=True,
        text=True,
        env=env,
    )
    assert missing.returncode == 2
    assert missing.stderr.strip().splitlines() == [
        "error: --executor dask needs the optional extra [dask]: pip install 'grader[dask]' "
        "(the 'distributed' package)"
    ]
