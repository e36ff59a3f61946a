"""Class 5: nothing is left behind -- no sandbox folder, no process -- after
one submission, after a batch (workers end with os._exit, without atexit)
and after the grader is killed (the next grader removes what it left).

Each grader here runs with its own TMPDIR, so its folders and its zygotes
(whose command line names their folder) are told apart from any other.
IPC objects and keys live and die with each job's namespaces and keyring
(tests/numeric/test_attack_namespaces.py runs every attack twice).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from tests.numeric.conftest import REPO, attack_file, attack_rubric, class_of_three, grade_cli


def _folders(scratch: Path) -> list[str]:
    return sorted(p.name for p in scratch.iterdir() if p.name.startswith("grader-"))


def _processes(scratch: Path) -> list[int]:
    """Processes whose command line names ``scratch`` (the zygotes started there)."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit() and int(entry.name) != os.getpid():
            try:
                if str(scratch).encode() in (entry / "cmdline").read_bytes():
                    found.append(int(entry.name))
            except OSError:
                pass
    return found


def _orphan_cgroups() -> list[str]:
    """Job memory cgroups (``grader-<zygote pid>-<n>``) whose zygote is gone."""
    for line in Path("/proc/self/cgroup").read_text().splitlines():
        hierarchy, controllers, path = line.split(":", 2)
        if "memory" in controllers.split(","):
            folder = Path("/sys/fs/cgroup/memory" + path)
            break
        if hierarchy == "0" and not controllers:
            folder = Path("/sys/fs/cgroup" + path)
    else:
        return []
    if not folder.is_dir():
        return []
    names = [p.name for p in folder.iterdir() if p.name.startswith("grader-")]
    return [n for n in names if not Path(f"/proc/{n.split('-')[1]}").exists()]


def _until(condition, what: str, *, tries: int = 600) -> None:
    """Wait (0.05 s steps, bounded) until ``condition()`` holds."""
    for _ in range(tries):
        if condition():
            return
        time.sleep(0.05)
    raise AssertionError(f"still waiting for {what}")


def test_nothing_left_after_one_submission_and_a_batch(tmp_path):
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    folder = class_of_three(tmp_path, {"linreg.py": attack_file("sysv_shm")})
    grade_cli([folder / "mallory"], tmpdir=scratch)
    assert _folders(scratch) == [] and _processes(scratch) == []
    reports = grade_cli([folder], jobs=2, tmpdir=scratch)
    assert reports["alice"]["score"] == reports["bob"]["score"] == 1
    assert _folders(scratch) == [] and _processes(scratch) == []
    assert _orphan_cgroups() == []


def test_nothing_left_after_the_grader_is_killed(tmp_path):
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    folder = class_of_three(tmp_path, {"linreg.py": attack_file("sleep")})
    command = [sys.executable, "-m", "grader", "grade", str(folder), "--rubric"]
    command += [str(attack_rubric()), "--jobs", "2", "--format", "json"]
    env = {**os.environ, "PYTHONPATH": str(REPO), "TMPDIR": str(scratch)}
    grader = subprocess.Popen(
        command,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        _until(lambda: _folders(scratch) and _processes(scratch), "a sandbox to start")
    finally:
        os.killpg(grader.pid, signal.SIGKILL)  # the grader and its workers, at once
        grader.wait()
    # Zygotes see their grader's socket close and end (after their job's wall limit).
    _until(lambda: not _processes(scratch), "the zygotes to end")
    assert _folders(scratch)  # nobody was left to remove them ...
    grade_cli([folder / "alice"], tmpdir=scratch)
    assert _folders(scratch) == []  # ... the next grader did
    assert _orphan_cgroups() == []


def _parent(pid: int) -> int:
    stat = Path(f"/proc/{pid}/stat").read_bytes()
    return int(stat.rsplit(b")", 1)[1].split()[1])


def _running(pid: int) -> bool:
    try:
        stat = Path(f"/proc/{pid}/stat").read_bytes()
    except OSError:
        return False
    return stat.rsplit(b")", 1)[1].split()[0] not in (b"Z", b"X")


def test_a_job_dies_with_its_zygote(tmp_path):
    """A zygote killed mid-job (out of memory, say) takes its job with it: a
    sleeping student process is not left running for ever."""
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    folder = class_of_three(tmp_path, {"linreg.py": attack_file("sleep")}) / "mallory"
    command = [sys.executable, "-m", "grader", "grade", str(folder), "--rubric"]
    command += [str(attack_rubric()), "--format", "json"]
    env = {**os.environ, "PYTHONPATH": str(REPO), "TMPDIR": str(scratch)}
    grader = subprocess.Popen(
        command,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        jobs: list[int] = []

        def a_job_runs() -> bool:
            found = _processes(scratch)
            jobs[:] = [p for p in found if _parent(p) in found]
            return bool(jobs)

        _until(a_job_runs, "a job to start")
        (zygote,) = {_parent(job) for job in jobs}
        os.kill(zygote, signal.SIGKILL)
        _until(lambda: not any(_running(job) for job in jobs), "the job to end")
    finally:
        os.killpg(grader.pid, signal.SIGKILL)
        grader.wait()


SLEEPER = b"""
import os, time

def start_a_sleeper():
    if os.fork() == 0:
        time.sleep(60)
        os._exit(0)
    return float(os.getuid())
"""


def _processes_of(uid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                status = (entry / "status").read_text()
            except OSError:
                continue
            line = next(line for line in status.splitlines() if line.startswith("Uid:"))
            if int(line.split()[1]) == uid and _running(int(entry.name)):
                found.append(int(entry.name))
    return found


def test_what_a_job_starts_ends_with_it(isolated_sandbox):
    """With processes: 2 a job may fork; its own PID namespace ends the rest with it."""
    from grader.numeric import Call, SandboxLimits

    run = isolated_sandbox.run(
        source=SLEEPER,
        filename="s.py",
        function="start_a_sleeper",
        calls=[Call()],
        limits=SandboxLimits(processes=2, wall_seconds=5),
    )
    assert run.status == "finished" and run.calls[0].ok, run
    uid = int(run.calls[0].value)
    assert uid >= 1_000_000
    _until(lambda: not _processes_of(uid), "the sleeper to end")
