"""The one process pool: results come back, a task past its limit has its
worker killed and replaced, a worker that dies costs its task only, and the
pool keeps serving after both."""

from __future__ import annotations

import os
import time

import pytest

from grader.batch.pool import WorkerDied, WorkerPool, WorkerTimeout


def _handle(state, task):
    kind, value = task
    if kind == "double":
        return state["factor"] * value
    if kind == "sleep":
        time.sleep(value)
        return "woke"
    if kind == "die":
        os._exit(value)
    if kind == "raise":
        raise ValueError(value)
    if kind == "pid":
        return os.getpid()
    raise AssertionError(kind)


def _init(factor):
    return {"factor": factor}


def _alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as handle:
            return handle.read().split(")")[-1].split()[0] != "Z"
    except FileNotFoundError:
        return False


@pytest.fixture
def pool():
    with WorkerPool(2, handler=_handle, initializer=_init, initargs=(3,)) as created:
        yield created


def test_results_come_back_in_any_order(pool):
    futures = [pool.submit(("double", n)) for n in range(10)]
    assert [f.result(timeout=60) for f in futures] == [3 * n for n in range(10)]


def test_a_task_past_its_limit_is_killed_and_the_pool_goes_on(pool):
    pid = pool.submit(("pid", None)).result(timeout=60)
    slow = [pool.submit(("sleep", 600), time_limit=0.5) for _ in range(2)]
    for future in slow:
        with pytest.raises(WorkerTimeout):
            future.result(timeout=60)
    if os.path.isdir("/proc"):
        assert not _alive(pid), "a killed worker is gone, not left running"
    assert pool.replaced == 2
    assert pool.submit(("double", 2)).result(timeout=60) == 6


def test_a_deadline_counts_from_submission(pool):
    future = pool.submit(("sleep", 600), deadline=time.monotonic() + 0.5)
    with pytest.raises(WorkerTimeout):
        future.result(timeout=60)
    assert pool.submit(("double", 1)).result(timeout=60) == 3


def test_a_dead_worker_costs_its_task_only(pool):
    with pytest.raises(WorkerDied, match="exit code 7"):
        pool.submit(("die", 7)).result(timeout=60)
    assert [pool.submit(("double", n)).result(timeout=60) for n in range(4)] == [0, 3, 6, 9]
    assert pool.replaced == 1


def test_a_handler_error_reaches_the_caller(pool):
    with pytest.raises(ValueError, match="bad sheet"):
        pool.submit(("raise", "bad sheet")).result(timeout=60)
    assert pool.replaced == 0


def test_spawned_workers_run_the_initializer():
    with WorkerPool(
        1, handler=_handle, initializer=_init, initargs=(5,), start_method="spawn"
    ) as spawned:
        assert spawned.wait_ready(timeout=120)
        assert spawned.submit(("double", 2)).result(timeout=60) == 10


def test_forked_workers_leave_the_parents_time_limit_worker_alone():
    # A forked worker drops its copy of the parent's time-limit worker; that
    # copy must not kill the parent's worker (the math engine's derivations
    # then came back undetermined in the parent).
    from grader import timelimit

    first = timelimit.run_with_time_limit(os.getpid, seconds=30)
    with WorkerPool(2, handler=_handle, initializer=_init, initargs=(1,)) as pool:
        assert [pool.submit(("double", n)).result(timeout=60) for n in range(4)] == [0, 1, 2, 3]
    assert timelimit.run_with_time_limit(os.getpid, seconds=30) == first
