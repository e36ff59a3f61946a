"""Run a function under a wall-clock time limit, and stop it for real when time is up.

``run_with_time_limit(func, *args, seconds=2.0, **kwargs)`` returns
``func(*args, **kwargs)`` or raises :class:`TimeLimitExceeded`.

Why not ``signal.alarm``: it only works on the main thread, and a SymPy
computation stuck inside C code or a long loop does not always reach a point
where the signal handler can run. Why not a thread with a timeout: a thread
cannot be killed, so a runaway ``simplify`` would keep burning a core long
after we gave up on it.

How it works (POSIX): calls go to a worker process made with ``os.fork()``.
The worker is forked once and reused, so a call costs a pipe round trip
(about a tenth of a millisecond for small arguments), not a fork. When a call
runs out of time the worker is killed (SIGKILL, so nothing keeps running) and
a fresh one is forked for the next call. The function and its arguments are
pickled to the worker; a function that cannot be pickled (a lambda, a closure)
runs in a one-off forked child instead, which inherits it through the fork.

``os.fork`` is used directly rather than ``multiprocessing`` because
multiprocessing refuses to start children from daemonic processes (the workers
of a ``multiprocessing.Pool``), and grading runs inside such workers. Each
thread gets its own worker (workers are kept per thread), so calls from
several threads do not queue behind each other, and a forked child forgets its
parent's workers (``os.register_at_fork``), so nested use works.

Where ``os.fork`` does not exist (Windows) the function runs in a daemon
thread: the caller still gets ``TimeLimitExceeded`` on time, but the thread
cannot be stopped and runs to its end in the background.

``start_with_time_limit`` is the same call without the wait: the request goes
to the worker at once and the caller goes on with other work (the grader
checks a sheet's derivations while it grades the rest);
``PendingCall.result()`` collects the answer. Started calls queue in the
thread's first worker, one after the other, so they share its warm caches;
the worker reports how long each call took, and a result that took longer
than its ``seconds`` is refused even when collected late. Ordinary calls made
while started calls are queued go to a second worker. Each is reused, so
each keeps its warm caches.
"""

from __future__ import annotations

import gc
import os
import pickle
import select
import signal
import struct
import threading
import time
from collections.abc import Callable
from typing import Any, TypeVar

__all__ = [
    "PendingCall",
    "TimeLimitExceeded",
    "WorkerCrashed",
    "ran_out_count",
    "run_with_time_limit",
    "shutdown_workers",
    "start_with_time_limit",
]

T = TypeVar("T")

_HEADER = struct.Struct("!Q")  # length prefix of each pickled message
# a reply's prefix: seconds the call took, when it ended, and how many calls
# it made itself ran out of time (counted again in the caller: ran_out_count)
_TIMES = struct.Struct("!ddQ")
# Workers kept per thread: the first may be busy with started calls while
# ordinary calls use the second.
_MAX_WORKERS_PER_THREAD = 2
# Requests of started calls waiting in a worker's pipe stay under the pipe's
# capacity (64 KiB on Linux), so that writing one never blocks.
_MAX_QUEUED_BYTES = 48 * 1024
# Once a started call's answer has begun to arrive (the call has finished),
# how long the rest of it may take to come through the pipe.
_TRANSFER_GRACE = 1.0


# How many calls of this process ran out of time or lost their worker, with
# those of the calls it sent to workers: a result computed while this changed
# depends on timing (grader.checks.cache does not keep it for other sheets).
_ran_out = 0


def ran_out_count() -> int:
    """Calls in this process, so far, that ran out of time or whose worker died."""
    return _ran_out


class TimeLimitExceeded(Exception):
    """The function did not finish within ``seconds``; it has been stopped."""

    def __init__(self, seconds: float):
        global _ran_out
        _ran_out += 1
        self.seconds = seconds
        super().__init__(f"timed out after {format_seconds(seconds)}")


class WorkerCrashed(Exception):
    """The worker process died without answering (killed by the OS, out of memory, ...)."""

    def __init__(self, *args: object) -> None:
        global _ran_out
        _ran_out += 1
        super().__init__(*args)


def format_seconds(seconds: float) -> str:
    """``2.0`` -> ``"2s"``, ``0.25`` -> ``"0.25s"``."""
    return f"{seconds:g}s"


def run_with_time_limit(func: Callable[..., T], *args: Any, seconds: float, **kwargs: Any) -> T:
    """Return ``func(*args, **kwargs)``, computed in a worker process.

    Raises :class:`TimeLimitExceeded` after ``seconds`` of wall time (the
    worker is killed, so the computation stops), re-raises any exception
    ``func`` raised, and raises :class:`WorkerCrashed` if the worker died.
    The result must be picklable.
    """
    _check_seconds(seconds)
    if not hasattr(os, "fork"):
        return _run_in_thread(func, args, kwargs, seconds)
    try:
        request = pickle.dumps((func, args, kwargs), protocol=pickle.HIGHEST_PROTOCOL)
    except Exception:
        # Not picklable (lambda, closure, local class): a one-off child inherits it.
        return _run_in_oneoff_child(func, args, kwargs, seconds)
    worker = _idle_worker()
    if worker is None:  # no worker free (started calls queued in them)
        return _run_in_oneoff_child(func, args, kwargs, seconds)
    return worker.call(request, seconds)


def start_with_time_limit(
    func: Callable[..., T], *args: Any, seconds: float, **kwargs: Any
) -> PendingCall:
    """Start ``func(*args, **kwargs)`` in a worker process and return at once.

    ``.result()`` on the returned :class:`PendingCall` gives what
    ``run_with_time_limit`` would have: the value, ``func``'s exception,
    :class:`TimeLimitExceeded` or :class:`WorkerCrashed`. Started calls queue
    in this thread's first worker (so they share its warm caches), each with
    its own ``seconds``, counted from when the call before it ended (or ran
    out of time); a result is refused if the worker took longer than
    ``seconds`` on it. A call lost with the worker (killed because a call
    ahead of it ran out of time) is made again, the ordinary way, when its
    result is asked for; so is a call that could not be started (not
    picklable, no ``os.fork``, too much already queued).

    The worker is watched while ``result()`` waits: a runaway call is killed
    at its deadline, or when its result is asked for if that is later, so
    ask before doing anything long.
    """
    _check_seconds(seconds)
    call = PendingCall(func, args, kwargs, seconds)
    if not hasattr(os, "fork"):
        return call
    try:
        request = pickle.dumps((func, args, kwargs), protocol=pickle.HIGHEST_PROTOCOL)
    except Exception:
        return call
    worker = _queue_worker(len(request))
    if worker is not None:
        try:
            worker.send(call, request)
        except OSError:
            worker.stop()  # died since its last call: the ordinary call at result()
    return call


class PendingCall:
    """A call started by :func:`start_with_time_limit`; ``result()`` once."""

    def __init__(self, func: Callable[..., Any], args: tuple, kwargs: dict, seconds: float) -> None:
        self.seconds = seconds
        self.deadline = time.monotonic() + seconds
        self.size = 0  # bytes of the request queued in the worker's pipe
        self.worker: _Worker | None = None
        # None (not answered yet), ("reply", bytes), ("error", exception) or
        # ("lost",): the worker was stopped before answering
        self.outcome: tuple | None = None
        self._call: tuple | None = (func, args, kwargs)
        self._done = False

    def result(self) -> Any:
        if self._done:
            raise RuntimeError("the result of a started call can be collected only once")
        self._done = True
        func, args, kwargs = self._call or (None, (), {})
        self._call = None
        if self.worker is not None:
            self.worker.collect(self)
        outcome = self.outcome or ("lost",)
        if outcome[0] == "lost":  # never started, or lost with its worker
            return run_with_time_limit(func, *args, seconds=self.seconds, **kwargs)
        if outcome[0] == "error":
            raise outcome[1]
        took, _ = _reply_times(outcome[1])
        value = _unpack_reply(outcome[1])
        if took > self.seconds:
            raise TimeLimitExceeded(self.seconds)
        return value

    def cancel(self) -> None:
        """Give up on the call; if it is still queued or running, its worker is
        stopped (calls queued with it are made again when collected)."""
        if self._done:
            return
        self._done = True
        self._call = None
        if self.worker is not None and self.outcome is None:
            self.worker.stop()


def shutdown_workers() -> None:
    """Stop this thread's worker processes (they are restarted on the next call)."""
    for worker in getattr(_local, "workers", None) or []:
        worker.stop()
    _local.workers = []


def _check_seconds(seconds: float) -> None:
    if seconds is None or seconds <= 0:
        raise ValueError(f"seconds must be a positive number, got {seconds!r}")


# --------------------------------------------------------------------------- workers

_local = threading.local()
# The parent's ends of every live worker's pipes. A newly forked worker closes
# its copies, so that when the parent exits each worker sees end-of-file at
# once instead of waiting for a sibling that happens to hold its pipe open.
_parent_fds: set[int] = set()
_fds_lock = threading.Lock()


def _forget_workers_in_child() -> None:
    # A forked child must not talk to (or kill) its parent's workers.
    global _local, _fds_lock
    _local = threading.local()
    _fds_lock = threading.Lock()  # another thread may have held it at fork time
    for fd in list(_parent_fds):
        try:
            os.close(fd)
        except OSError:
            pass
    _parent_fds.clear()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_forget_workers_in_child)


def _workers() -> list[_Worker]:
    workers: list[_Worker] | None = getattr(_local, "workers", None)
    if workers is None:
        workers = _local.workers = []
    return workers


def _idle_worker() -> _Worker | None:
    """For an ordinary call: this thread's first worker with no started calls
    queued (a dead one is replaced in its place, so each keeps serving the
    same calls, with the same warm caches); a second is forked when the first
    is busy; None when both are."""
    workers = _workers()
    for index, worker in enumerate(workers):
        if not worker.alive():
            workers[index] = worker = _Worker()
        if not worker.queue:
            return worker
    if len(workers) < _MAX_WORKERS_PER_THREAD:
        worker = _Worker()
        workers.append(worker)
        return worker
    return None


def _queue_worker(size: int) -> _Worker | None:
    """For a started call: this thread's first worker, unless its queued
    requests would not fit in the pipe (writing one must never block)."""
    workers = _workers()
    if not workers:
        workers.append(_Worker())
    elif not workers[0].alive():
        workers[0] = _Worker()
    worker = workers[0]
    if worker.queued_bytes + size > _MAX_QUEUED_BYTES:
        return None
    return worker


class _Worker:
    """A forked child that runs pickled calls one at a time, until killed or EOF."""

    def __init__(self) -> None:
        to_child_read, to_child_write = os.pipe()
        from_child_read, from_child_write = os.pipe()
        # Objects alive now (the imported engines, parsed contexts: most of
        # the heap) leave the garbage collector's view, in both processes:
        # full collections after this do not walk them again (70 ms each
        # with SymPy loaded), and the worker's collections do not write to
        # the pages it shares with this process. The cost: a frozen object that
        # later dies inside a reference cycle is never reclaimed; forks are rare
        # (a worker starts once per thread and again only after a kill).
        gc.freeze()
        pid = os.fork()
        if pid == 0:  # the child: serve requests until the parent goes away
            os.close(to_child_write)
            os.close(from_child_read)
            _serve(to_child_read, from_child_write)  # never returns
        os.close(to_child_read)
        os.close(from_child_write)
        with _fds_lock:
            _parent_fds.update((to_child_write, from_child_read))
        self.pid = pid
        self._owner = os.getpid()
        self._write_fd = to_child_write
        self._read_fd = from_child_read
        self._stopped = False
        self.queue: list[PendingCall] = []  # started calls not answered yet, in order
        self.queued_bytes = 0

    def alive(self) -> bool:
        return not self._stopped

    def call(self, request: bytes, seconds: float) -> Any:
        deadline = time.monotonic() + seconds
        try:
            _write_message(self._write_fd, request)
            reply = _read_message(self._read_fd, deadline)
        except TimeoutError:
            self.stop()
            raise TimeLimitExceeded(seconds) from None
        except (OSError, EOFError) as error:
            self.stop()
            raise WorkerCrashed(f"the worker process died: {error}") from None
        except BaseException:
            # Interrupted (Ctrl-C) mid-call: the worker may still answer this
            # request later, which the next call would take for its own reply.
            self.stop()
            raise
        return _unpack_reply(reply)

    def send(self, call: PendingCall, request: bytes) -> None:
        """Queue a started call; ``collect`` reads its answer."""
        start = max(time.monotonic(), self.queue[-1].deadline if self.queue else 0.0)
        _write_message(self._write_fd, request)
        call.deadline = start + call.seconds
        call.size = len(request)
        call.worker = self
        self.queue.append(call)
        self.queued_bytes += call.size

    def collect(self, call: PendingCall) -> None:
        """Read the answers of the started calls, in order, until ``call`` has
        its outcome. An answer already waiting is taken even past its call's
        deadline (``PendingCall.result`` refuses it if the call took too long);
        a call not answered by its deadline has the worker killed."""
        while call.outcome is None and self.queue:
            head = self.queue[0]
            try:
                reply = _read_message(self._read_fd, head.deadline, grace=_TRANSFER_GRACE)
            except TimeoutError:
                self.stop()
                head.outcome = ("error", TimeLimitExceeded(head.seconds))
            except (OSError, EOFError) as error:
                self.stop()
                head.outcome = ("error", WorkerCrashed(f"the worker process died: {error}"))
            except BaseException:
                self.stop()  # interrupted (Ctrl-C): the answers in the pipe are lost
                raise
            else:
                self.queue.pop(0)
                self.queued_bytes -= head.size
                head.outcome = ("reply", reply)
                if self.queue:  # the next call started when this one ended
                    after = self.queue[0]
                    after.deadline = min(after.deadline, _reply_times(reply)[1] + after.seconds)

    def stop(self) -> None:
        if self._stopped:
            return
        self._stopped = True
        if os.getpid() != self._owner:
            # A forked copy of this object (its child forgot it, and the garbage
            # collector ends it): the worker is the parent's, never kill it here.
            return
        for call in self.queue:  # made again, the ordinary way, when collected
            if call.outcome is None:
                call.outcome = ("lost",)
        self.queue.clear()
        self.queued_bytes = 0
        with _fds_lock:
            _parent_fds.difference_update((self._write_fd, self._read_fd))
        for fd in (self._write_fd, self._read_fd):
            try:
                os.close(fd)
            except OSError:
                pass
        try:
            os.kill(self.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        try:
            os.waitpid(self.pid, 0)
        except ChildProcessError:
            pass

    def __del__(self) -> None:  # pragma: no cover - interpreter shutdown order varies
        try:
            self.stop()
        except Exception:
            pass


def _serve(read_fd: int, write_fd: int) -> None:
    """The worker's loop. Leaves with ``os._exit`` so no parent cleanup runs twice."""
    _prepare_child()
    try:
        while True:
            try:
                request = _read_message(read_fd, None)
            except (EOFError, OSError):
                break
            _write_message(write_fd, _execute(request))
    finally:
        os._exit(0)


def _prepare_child() -> None:
    # Ctrl-C goes to the whole process group; the parent decides what to do,
    # the worker should not die mid-call and leave a half-written reply.
    try:
        signal.signal(signal.SIGINT, signal.SIG_IGN)
    except (ValueError, OSError):  # pragma: no cover - not the main thread of the child
        pass
    # The caller may have paused the garbage collector while it loaded things
    # (grader.pipeline does while checks start); a worker serves many
    # calls and must collect its own garbage.
    gc.enable()


def _execute(request: bytes) -> bytes:
    start = time.monotonic()
    ran_out = _ran_out
    try:
        func, args, kwargs = pickle.loads(request)
        result = ("ok", func(*args, **kwargs))
    except BaseException as error:  # noqa: BLE001 - everything goes back to the caller
        result = ("error", error)
    return _pack_reply(result, start, _ran_out - ran_out)


def _pack_reply(result: tuple[str, Any], start: float, ran_out: int = 0) -> bytes:
    """The pickled result after how long the call took and when it ended (the
    monotonic clock is the same for all processes on POSIX): a started call's
    result is refused if it took too long, and the call queued after it has
    its deadline counted from that end. ``ran_out``: the call's own calls
    that ran out of time in the worker (its result depends on timing)."""
    finished = time.monotonic()
    times = _TIMES.pack(finished - start, finished, max(ran_out, 0))
    try:
        return times + pickle.dumps(result, protocol=pickle.HIGHEST_PROTOCOL)
    except Exception as error:
        fallback = RuntimeError(f"the result could not be sent back: {error!r}")
        return times + pickle.dumps(("error", fallback), protocol=pickle.HIGHEST_PROTOCOL)


def _reply_times(reply: bytes) -> tuple[float, float]:
    """(seconds the call took, monotonic time it ended)."""
    took, finished, _ = _TIMES.unpack_from(reply)
    return took, finished


def _unpack_reply(reply: bytes) -> Any:
    """The call's value; re-raises the call's exception. Calls that ran out of
    time inside the worker count in this process too (``ran_out_count``)."""
    global _ran_out
    _ran_out += _TIMES.unpack_from(reply)[2]
    status, value = pickle.loads(memoryview(reply)[_TIMES.size :])
    if status == "ok":
        return value
    if isinstance(value, BaseException):
        raise value
    raise RuntimeError(str(value))  # pragma: no cover - _execute always sends an exception


def _run_in_oneoff_child(func: Callable[..., T], args: tuple, kwargs: dict, seconds: float) -> T:
    read_fd, write_fd = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(read_fd)
        _prepare_child()
        try:
            start = time.monotonic()
            ran_out = _ran_out
            try:
                result = ("ok", func(*args, **kwargs))
            except BaseException as error:  # noqa: BLE001
                result = ("error", error)
            _write_message(write_fd, _pack_reply(result, start, _ran_out - ran_out))
        finally:
            os._exit(0)
    os.close(write_fd)
    try:
        reply = _read_message(read_fd, time.monotonic() + seconds)
    except TimeoutError:
        raise TimeLimitExceeded(seconds) from None
    except (OSError, EOFError) as error:
        raise WorkerCrashed(f"the child process died: {error}") from None
    finally:
        os.close(read_fd)
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        os.waitpid(pid, 0)
    return _unpack_reply(reply)


def _run_in_thread(func: Callable[..., T], args: tuple, kwargs: dict, seconds: float) -> T:
    box: dict[str, Any] = {}

    def target() -> None:
        try:
            box["ok"] = func(*args, **kwargs)
        except BaseException as error:  # noqa: BLE001
            box["error"] = error

    thread = threading.Thread(target=target, daemon=True, name="grader-time-limit")
    thread.start()
    thread.join(seconds)
    if thread.is_alive():
        raise TimeLimitExceeded(seconds)
    if "error" in box:
        raise box["error"]
    return box["ok"]


# --------------------------------------------------------------------------- pipe framing


def _write_message(fd: int, payload: bytes) -> None:
    data = memoryview(_HEADER.pack(len(payload)) + payload)
    while data:
        written = os.write(fd, data)
        data = data[written:]


def _read_message(fd: int, deadline: float | None, *, grace: float | None = None) -> bytes:
    """One message by ``deadline``. With ``grace`` (a started call's answer,
    collected maybe late): what is already there counts even past the deadline,
    and once the answer has begun, the rest may take ``grace`` more seconds."""
    header = _read_exactly(fd, _HEADER.size, deadline, last_look=grace is not None)
    (length,) = _HEADER.unpack(header)
    if grace is not None:
        deadline = max(deadline or 0.0, time.monotonic() + grace)
    return _read_exactly(fd, length, deadline)


def _read_exactly(fd: int, count: int, deadline: float | None, *, last_look: bool = False) -> bytes:
    chunks: list[bytes] = []
    remaining = count
    while remaining:
        if deadline is not None:
            left = deadline - time.monotonic()
            if left <= 0 and not last_look:
                raise TimeoutError
            ready, _, _ = select.select([fd], [], [], max(left, 0.0))
            if not ready:
                raise TimeoutError
        chunk = os.read(fd, min(remaining, 1 << 20))
        if not chunk:
            raise EOFError("pipe closed")
        chunks.append(chunk)
        remaining -= len(chunk)
    return b"".join(chunks)
