"""The result store: one run at a time per out folder; records are atomic
and reused only while their key matches."""

from __future__ import annotations

import subprocess
import sys

import pytest

from grader.batch.store import ResultStore, read_record
from grader.errors import InputError


def test_a_second_run_on_one_out_folder_is_refused(tmp_path):
    with ResultStore(tmp_path / "out"):
        # another process (a lock belongs to a process, not to a file object)
        code = (
            "import sys; from grader.batch.store import ResultStore\n"
            "from grader.errors import InputError\n"
            f"store = ResultStore(__import__('pathlib').Path({str(tmp_path / 'out')!r}))\n"
            "try:\n    store.open()\nexcept InputError as e:\n    print(e.format()); sys.exit(2)\n"
        )
        result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
        assert result.returncode == 2, result.stderr
        assert "another grader run is writing to this folder" in result.stdout
    # released at the end of the run
    with ResultStore(tmp_path / "out"):
        pass


def test_records_are_reused_only_with_the_same_key(tmp_path):
    with ResultStore(tmp_path / "out") as store:
        store.write("alice", {"key": "k1", "status": "graded", "report": {}})
        assert store.reusable("alice", "k1")["status"] == "graded"
        assert store.reusable("alice", "k2") is None
        assert store.reusable("bob", "k1") is None
    record = read_record(tmp_path / "out" / "results" / "alice.json")
    assert record["schema"] == "grader.batch/1"
    assert not list((tmp_path / "out").rglob(".tmp-*"))


def test_a_store_left_locked_by_this_process_is_an_input_error(tmp_path):
    # the same process opening twice (two batches in one program) is refused too
    with ResultStore(tmp_path / "out"):
        second = ResultStore(tmp_path / "out")
        with pytest.raises(InputError):
            second.open()


def test_result_files_follow_the_umask(tmp_path):
    import os
    import stat

    from grader.batch.store import write_atomic

    target = tmp_path / "results" / "alice.json"
    write_atomic(target, "{}")
    mode = stat.S_IMODE(os.stat(target).st_mode)
    umask = os.umask(0)
    os.umask(umask)
    assert mode == 0o666 & ~umask
