"""The one process pool: workers that are killed at their deadline.

Used by the batch (``--jobs N``: one sheet at a time per worker, killed past
``--sheet-time-limit``) and by the HTTP service (a request past its deadline
answers 504 *and* its worker is killed, so the work stops). A worker that
dies or is killed is replaced; the pool never breaks for good, unlike
``concurrent.futures.ProcessPoolExecutor`` (one dead worker makes it
``BrokenProcessPool`` forever, and a timed-out future keeps its worker busy).

    pool = WorkerPool(2, handler=grade_one, initializer=load, initargs=(paths,))
    future = pool.submit(task, time_limit=30)      # a concurrent.futures.Future
    future.result()    # the handler's value, or WorkerTimeout / WorkerDied
    pool.close()

Each worker runs ``state = initializer(*initargs)`` once (default: the
``initargs`` tuple itself), then ``handler(state, task)`` per task; tasks and
results cross a pipe (pickled). With the ``fork`` start method (the batch,
on Linux) the handler and state are inherited, not pickled. A dispatcher
thread in the parent hands out tasks, collects results, and kills a worker
when its task passes ``time_limit`` (seconds from the task's start on the
worker) or ``deadline`` (a ``time.monotonic()`` instant, e.g. a request's).
"""

from __future__ import annotations

import multiprocessing
import os
import signal
import threading
import time
from collections import deque
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass, field
from multiprocessing.connection import wait as wait_for
from typing import Generic, TypeVar

Task = TypeVar("Task")
Result = TypeVar("Result")


class WorkerTimeout(Exception):
    """The task ran past its time limit or deadline; its worker was killed."""

    def __init__(self, limit: float) -> None:
        super().__init__(f"took longer than {limit:g} s; the worker was stopped")
        self.limit = limit


class WorkerDied(Exception):
    """The worker process died during the task (out of memory, a crash)."""

    def __init__(self, exitcode: int | None, *, elapsed: float = 0.0) -> None:
        how = (
            f"signal {-exitcode}"
            if exitcode is not None and exitcode < 0
            else f"exit code {exitcode}"
        )
        super().__init__(f"the worker process died ({how})")
        self.exitcode = exitcode
        self.elapsed = elapsed


class HandlerError(Exception):
    """The handler raised an exception that could not be sent back as it was."""


def _worker_main(conn, initializer, initargs, handler) -> None:
    # Ctrl-C goes to the whole process group: the parent decides what to do.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    parent = os.getppid()
    state = initializer(*initargs) if initializer is not None else initargs
    try:
        conn.send(("ready", None, None))
    except OSError:
        return
    while True:
        # A forked worker also holds copies of its siblings' pipe ends, so EOF
        # alone does not tell that the parent was killed (kill -9): watch its pid.
        try:
            while not conn.poll(1.0):
                if os.getppid() != parent:
                    return
            message = conn.recv()
        except (EOFError, OSError):  # the parent is gone: stop quietly
            return
        if message is None:
            return
        task_id, task = message
        try:
            reply = ("ok", task_id, handler(state, task))
        except BaseException as error:  # noqa: BLE001 - sent to the caller's future
            reply = ("error", task_id, error)
        try:
            try:
                conn.send(reply)
            except Exception:  # an exception or value that does not pickle
                conn.send(
                    ("error", task_id, HandlerError(f"{type(reply[2]).__name__}: {reply[2]}"))
                )
        except OSError:
            return


@dataclass
class _Job(Generic[Task]):
    id: int
    task: Task
    future: Future
    time_limit: float | None
    deadline: float | None
    started: float = 0.0

    def kill_at(self) -> float | None:
        ends = [t for t in (self.deadline,) if t is not None]
        if self.time_limit is not None:
            ends.append(self.started + self.time_limit)
        return min(ends) if ends else None

    def limit(self) -> float:
        if self.time_limit is not None and (
            self.deadline is None or self.started + self.time_limit <= self.deadline
        ):
            return self.time_limit
        return max(0.0, (self.deadline or 0.0) - self.started)


@dataclass(frozen=True)
class PoolHealth:
    """A snapshot of a ``WorkerPool`` (``WorkerPool.health``)."""

    size: int
    alive: int
    ready: int
    running: int
    queued: int
    replaced: int
    dispatching: bool


@dataclass
class _Worker:
    process: multiprocessing.process.BaseProcess
    conn: object
    ready: bool = False
    job: _Job | None = None
    started_at: float = field(default_factory=time.monotonic)


class WorkerPool(Generic[Task, Result]):
    """``size`` worker processes, each running one task at a time (see the
    module docstring). Thread-safe ``submit``; ``close`` ends the workers."""

    def __init__(
        self,
        size: int,
        *,
        handler: Callable[..., Result],
        initializer: Callable[..., object] | None = None,
        initargs: tuple = (),
        start_method: str | None = None,
    ) -> None:
        if size < 1:
            raise ValueError("a pool needs at least one worker")
        methods = multiprocessing.get_all_start_methods()
        method = start_method or ("fork" if "fork" in methods else "spawn")
        self._context = multiprocessing.get_context(method)
        self._handler = handler
        self._initializer = initializer
        self._initargs = initargs
        self._lock = threading.Lock()
        self._queue: deque[_Job] = deque()
        self._next_id = 0
        self._closed = False
        self._wake_read, self._wake_write = os.pipe()
        # A full wake-up pipe already means "look again": never block on it
        # (a batch submits every sheet at once).
        os.set_blocking(self._wake_write, False)
        self.replaced = 0  # workers started again after a death or a kill
        self._ready = threading.Condition(self._lock)
        # The first workers start here, in the caller's thread (fork is safest
        # before the dispatcher thread exists); replacements start in the dispatcher.
        self._workers = [self._spawn() for _ in range(size)]
        self._thread = threading.Thread(target=self._dispatch, name="grader-pool", daemon=True)
        self._thread.start()

    # -- public

    def submit(
        self, task: Task, *, time_limit: float | None = None, deadline: float | None = None
    ) -> Future:
        """Queue ``task``; the future gets ``handler(state, task)``, or raises
        ``WorkerTimeout`` / ``WorkerDied`` / the handler's exception."""
        future: Future = Future()
        with self._lock:
            if self._closed:
                raise RuntimeError("the pool is closed")
            self._next_id += 1
            self._queue.append(_Job(self._next_id, task, future, time_limit, deadline))
        self._wake()
        return future

    def pids(self) -> list[int]:
        """The worker processes' ids (for tests and monitoring)."""
        with self._lock:
            return [w.process.pid for w in self._workers if w.process.pid is not None]

    def health(self) -> PoolHealth:
        """What the pool can do now (for a health route): its workers alive
        and ready, tasks running and queued, workers replaced so far, and
        whether it still hands out tasks at all."""
        with self._lock:
            workers = list(self._workers)
            queued = len(self._queue)
            closed = self._closed
        alive = [w for w in workers if w.process.is_alive()]
        return PoolHealth(
            size=len(workers),
            alive=len(alive),
            ready=sum(w.ready for w in alive),
            running=sum(w.job is not None for w in workers),
            queued=queued,
            replaced=self.replaced,
            dispatching=not closed and self._thread.is_alive(),
        )

    def wait_ready(self, timeout: float | None = None) -> bool:
        """Wait until every worker has run its initializer."""
        end = None if timeout is None else time.monotonic() + timeout
        with self._ready:
            while not all(w.ready for w in self._workers):
                left = None if end is None else end - time.monotonic()
                if left is not None and left <= 0:
                    return False
                self._ready.wait(left if left is not None else 1.0)
        return True

    def close(self, *, kill: bool = False) -> None:
        """Stop the workers (``kill``: at once, abandoning running tasks);
        queued tasks are cancelled."""
        with self._lock:
            if self._closed:
                return
            self._closed = True
            queued = list(self._queue)
            self._queue.clear()
        for job in queued:
            job.future.cancel()
        self._wake()
        self._thread.join(timeout=10)
        for worker in self._workers:
            try:
                if kill or worker.job is not None:
                    worker.process.kill()
                else:
                    worker.conn.send(None)
            except (OSError, ValueError):
                pass
        for worker in self._workers:
            worker.process.join(timeout=5 if not kill else 1)
            if worker.process.is_alive():
                worker.process.kill()
                worker.process.join(timeout=1)
            if worker.job is not None and not worker.job.future.done():
                worker.job.future.set_exception(WorkerDied(worker.process.exitcode))
            worker.conn.close()
        os.close(self._wake_read)
        os.close(self._wake_write)

    def __enter__(self) -> WorkerPool:
        return self

    def __exit__(self, *exc_info) -> None:
        self.close(kill=exc_info[0] is not None)

    # -- the dispatcher thread

    def _wake(self) -> None:
        try:
            os.write(self._wake_write, b"x")
        except OSError:
            pass

    def _spawn(self) -> _Worker:
        parent_end, child_end = self._context.Pipe()
        process = self._context.Process(
            target=_worker_main,
            args=(child_end, self._initializer, self._initargs, self._handler),
            daemon=True,
        )
        process.start()
        child_end.close()
        return _Worker(process=process, conn=parent_end)

    def _replace(self, worker: _Worker) -> None:
        if worker.process.is_alive():
            worker.process.kill()
        worker.process.join(timeout=5)
        worker.conn.close()
        fresh = self._spawn()
        with self._lock:
            self._workers[self._workers.index(worker)] = fresh
            self.replaced += 1

    def _assign(self) -> None:
        now = time.monotonic()
        with self._lock:
            for worker in self._workers:
                if not worker.ready or worker.job is not None:
                    continue
                while self._queue:
                    job = self._queue.popleft()
                    if not job.future.set_running_or_notify_cancel():
                        continue  # cancelled while queued
                    if job.deadline is not None and now >= job.deadline:
                        job.future.set_exception(WorkerTimeout(job.deadline - now))
                        continue
                    job.started = now
                    worker.job = job
                    try:
                        worker.conn.send((job.id, job.task))
                    except (OSError, ValueError):
                        pass  # a dead worker: found below by its sentinel
                    break

    def _dispatch(self) -> None:
        while True:
            with self._lock:
                if self._closed:
                    return
            self._assign()
            self._expire_queued()
            now = time.monotonic()
            ends = [w.job.kill_at() for w in self._workers if w.job is not None]
            ends += [j.deadline for j in self._queue if j.deadline is not None]
            ends = [t for t in ends if t is not None]
            timeout = max(0.0, min(ends) - now) if ends else None
            watched = [self._wake_read]
            for worker in self._workers:
                watched += [worker.conn, worker.process.sentinel]
            ready = wait_for(watched, timeout=timeout)
            if self._wake_read in ready:
                try:
                    os.read(self._wake_read, 4096)
                except OSError:
                    return
            for worker in list(self._workers):
                self._service(worker, ready)

    def _expire_queued(self) -> None:
        now = time.monotonic()
        with self._lock:
            expired = [j for j in self._queue if j.deadline is not None and now >= j.deadline]
            for job in expired:
                self._queue.remove(job)
        for job in expired:
            if job.future.set_running_or_notify_cancel():
                job.future.set_exception(WorkerTimeout(0.0))

    def _service(self, worker: _Worker, ready: list) -> None:
        if worker.conn in ready or _poll(worker.conn):
            try:
                kind, task_id, value = worker.conn.recv()
            except (EOFError, OSError):
                kind = None
            if kind == "ready":
                with self._ready:
                    worker.ready = True
                    self._ready.notify_all()
                return
            job = worker.job
            if kind is not None and job is not None and task_id == job.id:
                worker.job = None
                if kind == "ok":
                    _resolve(job.future, result=value)
                else:
                    _resolve(job.future, error=value)
                return
        job = worker.job
        if worker.process.sentinel in ready or not worker.process.is_alive():
            worker.process.join(timeout=1)
            code = worker.process.exitcode
            with self._lock:
                closed = self._closed
            if closed:
                return
            self._replace(worker)
            if job is not None:
                _resolve(job.future, error=WorkerDied(code, elapsed=time.monotonic() - job.started))
            return
        if job is None:
            return
        kill_at = job.kill_at()
        if kill_at is not None and time.monotonic() >= kill_at:
            self._replace(worker)
            _resolve(job.future, error=WorkerTimeout(job.limit()))


def _poll(conn) -> bool:
    try:
        return conn.poll()
    except (OSError, ValueError):
        return False


def _resolve(future: Future, *, result: object = None, error: BaseException | None = None) -> None:
    if future.done():  # cancelled by the caller
        return
    if error is not None:
        future.set_exception(error)
    else:
        future.set_result(result)
