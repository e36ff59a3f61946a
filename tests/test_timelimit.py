"""grader.timelimit: results come back, errors are re-raised, and a call that
runs out of time is stopped for real (its process is gone), on any thread and
inside daemonic pool workers."""

from __future__ import annotations

import multiprocessing
import os
import threading
import time

import pytest

from grader.timelimit import TimeLimitExceeded, run_with_time_limit, shutdown_workers


def add(a: int, b: int, *, times: int = 1) -> int:
    return (a + b) * times


def whoami() -> int:
    return os.getpid()


def burn_forever() -> None:
    # A runaway pure-Python loop: only killing the process stops it.
    x = 0
    while True:
        x += 1


def sleep_for(seconds: float) -> str:
    time.sleep(seconds)
    return "woke"


def fail(message: str) -> None:
    raise ValueError(message)


def nested() -> int:
    # A timed call from inside a timed call (the worker forks its own worker).
    return run_with_time_limit(add, 20, 1, seconds=10, times=2)


def _process_exists(pid: int) -> bool:
    """Alive and not a zombie (an orphan's zombie waits for init, which may be slow)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii") as stat:
            return stat.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return True


def test_returns_the_result_with_args_and_kwargs():
    assert run_with_time_limit(add, 2, 3, seconds=10, times=4) == 20


def test_runs_in_another_process_which_is_reused():
    first = run_with_time_limit(whoami, seconds=10)
    second = run_with_time_limit(whoami, seconds=10)
    assert first != os.getpid()
    assert first == second


@pytest.mark.parametrize("message", ["plain", "with: colon", ""], ids=["plain", "colon", "empty"])
def test_reraises_the_functions_exception(message):
    with pytest.raises(ValueError) as caught:
        run_with_time_limit(fail, message, seconds=10)
    assert str(caught.value) == message


def test_timeout_kills_a_cpu_bound_runaway_and_a_fresh_worker_follows():
    pid = run_with_time_limit(whoami, seconds=10)
    with pytest.raises(TimeLimitExceeded) as caught:
        run_with_time_limit(burn_forever, seconds=0.3)
    assert str(caught.value) == "timed out after 0.3s"
    assert caught.value.seconds == 0.3
    assert not _process_exists(pid)  # killed and reaped, not burning CPU
    new_pid = run_with_time_limit(whoami, seconds=10)
    assert new_pid != pid
    assert run_with_time_limit(add, 1, 1, seconds=10) == 2


def test_sleeping_call_times_out():
    with pytest.raises(TimeLimitExceeded):
        run_with_time_limit(sleep_for, 30, seconds=0.2)


def test_unpicklable_function_runs_in_a_one_off_child():
    offset = 5
    assert run_with_time_limit(lambda v: v + offset, 1, seconds=10) == 6
    with pytest.raises(TimeLimitExceeded):
        run_with_time_limit(lambda: burn_forever(), seconds=0.2)


def test_works_off_the_main_thread():
    results: list[object] = []

    def in_thread() -> None:
        results.append(run_with_time_limit(add, 1, 2, seconds=10))
        try:
            run_with_time_limit(burn_forever, seconds=0.2)
        except TimeLimitExceeded as error:
            results.append(str(error))
        shutdown_workers()

    threads = [threading.Thread(target=in_thread) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(map(str, results)) == ["3", "3", "timed out after 0.2s", "timed out after 0.2s"]


def _in_pool_worker(_: int) -> tuple[int, str]:
    value = run_with_time_limit(add, 3, 4, seconds=10)
    try:
        run_with_time_limit(burn_forever, seconds=0.2)
        outcome = "no timeout"
    except TimeLimitExceeded as error:
        outcome = str(error)
    return value, outcome


def test_works_inside_daemonic_pool_workers():
    # multiprocessing.Process cannot start from a daemonic Pool worker; os.fork can.
    with multiprocessing.get_context("fork").Pool(2) as pool:
        results = pool.map(_in_pool_worker, range(2))
    assert results == [(7, "timed out after 0.2s")] * 2


def test_nested_calls():
    assert run_with_time_limit(nested, seconds=10) == 42


@pytest.mark.parametrize("seconds", [0, -1], ids=["zero", "negative"])
def test_rejects_a_non_positive_limit(seconds):
    with pytest.raises(ValueError):
        run_with_time_limit(add, 1, 2, seconds=seconds)


def test_workers_exit_when_their_parent_does():
    # Two threads, two workers; the parent exits without stopping them: each
    # worker sees end-of-file on its pipe (no sibling holds it open) and exits.
    import subprocess
    import sys

    code = (
        "import os, threading\n"
        "from grader.timelimit import run_with_time_limit\n"
        "pids = []\n"
        "def go():\n"
        "    pids.append(run_with_time_limit(os.getpid, seconds=10))\n"
        "threads = [threading.Thread(target=go) for _ in range(2)]\n"
        "[t.start() for t in threads]; [t.join() for t in threads]\n"
        "pids.append(run_with_time_limit(os.getpid, seconds=10))\n"
        "print(' '.join(map(str, pids)))\n"
        "os._exit(0)\n"  # no cleanup at all: workers are left to notice
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    pids = [int(p) for p in out.stdout.split()]
    assert len(set(pids)) == 3
    deadline = time.monotonic() + 20
    while any(_process_exists(pid) for pid in pids) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not any(_process_exists(pid) for pid in pids)


def test_an_interrupted_call_does_not_leave_a_stale_reply(monkeypatch):
    import grader.timelimit as timelimit

    pid = run_with_time_limit(whoami, seconds=10)
    real_read = timelimit._read_message
    calls = {"n": 0}

    def interrupted_read(fd, deadline):
        calls["n"] += 1
        if calls["n"] == 1:
            raise KeyboardInterrupt
        return real_read(fd, deadline)

    monkeypatch.setattr(timelimit, "_read_message", interrupted_read)
    with pytest.raises(KeyboardInterrupt):
        run_with_time_limit(sleep_for, 0.2, seconds=10)
    # the interrupted worker is gone; the next call gets its own answer
    assert run_with_time_limit(add, 2, 2, seconds=10) == 4
    assert not _process_exists(pid)


# ---- started calls (start_with_time_limit): queued in one warm worker


def test_started_calls_return_in_order_from_one_worker():
    from grader.timelimit import start_with_time_limit

    shutdown_workers()
    calls = [start_with_time_limit(add, i, 1, seconds=5) for i in range(5)]
    pid_call = start_with_time_limit(whoami, seconds=5)
    assert [call.result() for call in calls] == [1, 2, 3, 4, 5]
    assert pid_call.result() != os.getpid()


def test_started_call_reraises_the_functions_error():
    from grader.timelimit import start_with_time_limit

    call = start_with_time_limit(fail, "bad input", seconds=5)
    with pytest.raises(ValueError, match="bad input"):
        call.result()


def test_a_runaway_started_call_is_killed_and_the_next_one_still_answers():
    from grader.timelimit import start_with_time_limit

    shutdown_workers()
    runaway = start_with_time_limit(burn_forever, seconds=0.3)
    after = start_with_time_limit(add, 2, 3, seconds=5)
    with pytest.raises(TimeLimitExceeded):
        runaway.result()  # returns only because the worker was killed
    assert after.result() == 5  # lost with the killed worker, made again


def test_a_slow_started_call_is_refused_even_when_collected_late():
    from grader.timelimit import start_with_time_limit

    call = start_with_time_limit(sleep_for, 0.5, seconds=0.2)
    time.sleep(0.8)
    with pytest.raises(TimeLimitExceeded):
        call.result()


def test_a_started_call_gives_its_result_once_and_can_be_cancelled():
    from grader.timelimit import start_with_time_limit

    call = start_with_time_limit(add, 1, 1, seconds=5)
    assert call.result() == 2
    with pytest.raises(RuntimeError, match="only once"):
        call.result()
    cancelled = start_with_time_limit(sleep_for, 30, seconds=60)
    cancelled.cancel()
    assert run_with_time_limit(add, 4, 4, seconds=5) == 8  # workers still serve
