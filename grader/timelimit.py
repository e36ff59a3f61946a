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
"""

from __future__ import annotations

import os
import pickle
import select
import signal
import struct
import threading
import time
from collections.abc import Callable
from typing import Any, TypeVar

__all__ = ["TimeLimitExceeded", "WorkerCrashed", "run_with_time_limit", "shutdown_workers"]

T = TypeVar("T")

_HEADER = struct.Struct("!Q")  # length prefix of each pickled message


class TimeLimitExceeded(Exception):
    """The function did not finish within ``seconds``; it has been stopped."""

    def __init__(self, seconds: float):
        self.seconds = seconds
        super().__init__(f"timed out after {format_seconds(seconds)}")


class WorkerCrashed(Exception):
    """The worker process died without answering (killed by the OS, out of memory, ...)."""


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
    if seconds is None or seconds <= 0:
        raise ValueError(f"seconds must be a positive number, got {seconds!r}")
    if not hasattr(os, "fork"):
        return _run_in_thread(func, args, kwargs, seconds)
    try:
        request = pickle.dumps((func, args, kwargs), protocol=pickle.HIGHEST_PROTOCOL)
    except Exception:
        # Not picklable (lambda, closure, local class): a one-off child inherits it.
        return _run_in_oneoff_child(func, args, kwargs, seconds)
    worker = _worker_for_this_thread()
    return worker.call(request, seconds)


def shutdown_workers() -> None:
    """Stop this thread's worker process (it is restarted on the next call)."""
    worker = getattr(_local, "worker", None)
    if worker is not None:
        worker.stop()
        _local.worker = None


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


def _worker_for_this_thread() -> _Worker:
    worker = getattr(_local, "worker", None)
    if worker is None or not worker.alive():
        worker = _Worker()
        _local.worker = worker
    return worker


class _Worker:
    """A forked child that runs pickled calls one at a time, until killed or EOF."""

    def __init__(self) -> None:
        to_child_read, to_child_write = os.pipe()
        from_child_read, from_child_write = os.pipe()
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
        self._write_fd = to_child_write
        self._read_fd = from_child_read
        self._stopped = False

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

    def stop(self) -> None:
        if self._stopped:
            return
        self._stopped = True
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


def _execute(request: bytes) -> bytes:
    try:
        func, args, kwargs = pickle.loads(request)
        result = ("ok", func(*args, **kwargs))
    except BaseException as error:  # noqa: BLE001 - everything goes back to the caller
        result = ("error", error)
    try:
        return pickle.dumps(result, protocol=pickle.HIGHEST_PROTOCOL)
    except Exception as error:
        fallback = RuntimeError(f"the result could not be sent back: {error!r}")
        return pickle.dumps(("error", fallback), protocol=pickle.HIGHEST_PROTOCOL)


def _unpack_reply(reply: bytes) -> Any:
    status, value = pickle.loads(reply)
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
            try:
                result = ("ok", func(*args, **kwargs))
            except BaseException as error:  # noqa: BLE001
                result = ("error", error)
            try:
                payload = pickle.dumps(result, protocol=pickle.HIGHEST_PROTOCOL)
            except Exception as error:
                payload = pickle.dumps(
                    ("error", RuntimeError(f"the result could not be sent back: {error!r}"))
                )
            _write_message(write_fd, payload)
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


def _read_message(fd: int, deadline: float | None) -> bytes:
    (length,) = _HEADER.unpack(_read_exactly(fd, _HEADER.size, deadline))
    return _read_exactly(fd, length, deadline)


def _read_exactly(fd: int, count: int, deadline: float | None) -> bytes:
    chunks: list[bytes] = []
    remaining = count
    while remaining:
        if deadline is not None:
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError
            ready, _, _ = select.select([fd], [], [], left)
            if not ready:
                raise TimeoutError
        chunk = os.read(fd, min(remaining, 1 << 20))
        if not chunk:
            raise EOFError("pipe closed")
        chunks.append(chunk)
        remaining -= len(chunk)
    return b"".join(chunks)
