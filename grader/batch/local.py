"""The local executor (the default): worker processes of the one pool
(``grader.batch.pool``), fed one sheet at a time, each killed and replaced if
its sheet passes ``sheet_time_limit``; a worker that dies costs its sheet."""

from __future__ import annotations

import queue
from collections.abc import Callable, Sequence
from concurrent.futures import Future
from pathlib import Path

from grader.batch.pool import WorkerDied, WorkerPool, WorkerTimeout
from grader.batch.sheets import GradingSetup, SheetOutcome, SheetTask, grade_sheet
from grader.batch.store import write_atomic


def _grade_in_worker(setup: GradingSetup, task: SheetTask) -> SheetOutcome:
    """In a worker: grade, then write the per-student files here, so that the
    batch's file writing runs in parallel; the parent writes the record."""
    outcome = grade_sheet(
        setup.grade_fn,
        setup.rubric,
        task,
        time_limit=setup.time_limit,
        formats=setup.formats,
    )
    if outcome.files and setup.out_dir is not None:
        try:
            for where, text in outcome.files.items():
                write_atomic(Path(setup.out_dir) / where, text, fsync=False)
        except Exception as error:
            outcome.warning = f"feedback files not written: {type(error).__name__}: {error}"
    outcome.files = {}
    return outcome


def _state(setup: GradingSetup) -> GradingSetup:
    return setup


class LocalExecutor:
    """``jobs`` worker processes on this machine (forked: they inherit the
    loaded rubric and engines)."""

    def __init__(self, jobs: int, *, sheet_time_limit: float | None) -> None:
        self.jobs = jobs
        self.sheet_time_limit = sheet_time_limit

    def run(
        self,
        tasks: Sequence[SheetTask],
        setup: GradingSetup,
        on_done: Callable[[SheetOutcome], None],
    ) -> None:
        finished: queue.Queue[tuple[SheetTask, Future]] = queue.Queue()
        pool = WorkerPool(
            max(1, min(self.jobs, len(tasks))),
            handler=_grade_in_worker,
            initializer=_state,
            initargs=(setup,),
        )
        try:
            for task in tasks:
                future = pool.submit(task, time_limit=self.sheet_time_limit)
                future.add_done_callback(lambda f, t=task: finished.put((t, f)))
            for _ in range(len(tasks)):
                while True:
                    try:  # a timeout, so that Ctrl-C is seen at once
                        task, future = finished.get(timeout=0.5)
                        break
                    except queue.Empty:
                        continue
                on_done(self._outcome(task, future))
        except BaseException:
            pool.close(kill=True)
            raise
        pool.close()

    def _outcome(self, task: SheetTask, future: Future) -> SheetOutcome:
        try:
            return future.result()
        except WorkerTimeout:
            limit = self.sheet_time_limit or 0.0
            return SheetOutcome(
                task.index,
                "failed",
                reason=f"took longer than the per-sheet limit of {limit:g} s",
                elapsed=limit,
            )
        except WorkerDied as error:
            return SheetOutcome(task.index, "failed", reason=str(error), elapsed=error.elapsed)
        except Exception as error:  # noqa: BLE001 - the sheet fails, the batch goes on
            return SheetOutcome(task.index, "failed", reason=f"internal error: {error}")
