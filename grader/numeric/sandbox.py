"""Running student code in a separate, limited process (DESIGN.md decision 5).

The grader's process never imports or executes student code. A
:class:`Sandbox` starts one helper process, the *zygote* (``_zygote.py``, run
with ``python -I`` and a clean environment: single-threaded BLAS, no
``PYTHONPATH``, no home), which imports NumPy once and then forks a fresh
child per job. The child gets resource limits (address space, CPU time, file
size, open files, no subprocesses), a working folder holding only a copy of
the student's files (the main file and the submission's other ``.py`` files,
importable by module name but never shadowing Python's or NumPy's modules),
and, when the zygote runs as root, no network, a private read-only root
without the repository, a fresh unprivileged uid, and its own PID and IPC
namespaces; everywhere, a seccomp filter and a new session keyring where
the kernel allows (``info["isolation"]`` lists what applied; the
result's ``limits_broken`` the limits a run went past).

What comes back is only data: the child's result bytes are decoded here with
``np.load(..., allow_pickle=False)``, numeric dtypes only, sizes checked.
Exit codes and printed text are reported, never trusted.
"""

from __future__ import annotations

import atexit
import io
import os
import selectors
import shutil
import socket
import struct
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from grader.numeric import _zygote

__all__ = [
    "Call",
    "CallOutcome",
    "SandboxError",
    "SandboxLimits",
    "Sandbox",
    "SandboxRun",
    "StudentError",
    "Unsupported",
    "default_sandbox",
]


class SandboxError(RuntimeError):
    """The sandbox itself failed (not the student's fault): flag for review."""


@dataclass(frozen=True)
class SandboxLimits:
    """Limits for one job (one test): the child is killed when it passes them."""

    wall_seconds: float = 5.0
    cpu_seconds: float = 5.0
    memory_mb: int = 512
    output_bytes: int = 1_000_000  # printed text and any file it writes (RLIMIT_FSIZE)
    result_bytes: int = 64_000_000  # what the child may send back
    disk_mb: int = 16  # its working folder (a tmpfs when isolated)
    processes: int = 1  # RLIMIT_NPROC for its fresh uid: 1 = no fork, no threads

    def to_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


@dataclass(frozen=True)
class Call:
    """One call of the student's function: positional and keyword arguments."""

    args: tuple[Any, ...] = ()
    kwargs: dict[str, Any] = field(default_factory=dict)
    pick: tuple[str | int, ...] = ()  # send back only this part of the result (a key path)


@dataclass(frozen=True)
class StudentError:
    """An exception in the student's code, located in the student's own file."""

    type: str
    message: str = ""
    line: int | None = None
    code: str = ""
    in_function: str | None = None
    file: str | None = None  # which of the student's files (None: the main file)

    def describe(self, filename: str) -> str:
        where = f" at {self.file or filename}:{self.line}" if self.line else ""
        code = f" (`{self.code.strip()}`)" if self.code.strip() else ""
        message = f": {self.message}" if self.message else ""
        return f"{self.type}{message}{where}{code}"


@dataclass(frozen=True)
class Unsupported:
    """A returned value that is not numbers (an object, a string, ...)."""

    what: str


@dataclass(frozen=True)
class CallOutcome:
    ok: bool
    value: Any = None  # ndarray | tuple | list | dict | Unsupported
    error: StudentError | None = None
    seconds: float = 0.0
    picked: bool = False  # value is already the part named by Call.pick


@dataclass
class SandboxRun:
    """What happened to one job, as observed from outside the child."""

    status: str  # finished | timeout | result_too_large | no_result | bad_result | harness_error
    calls: list[CallOutcome] = field(default_factory=list)
    import_error: StudentError | None = None
    missing_function: bool = False
    wall_seconds: float = 0.0
    cpu_seconds: float = 0.0
    max_rss_kb: int = 0
    exit_code: int | None = None
    signal: int | None = None
    printed: str = ""
    printed_bytes: int = 0
    detail: str = ""
    phases_ms: dict[str, float] = field(default_factory=dict)  # zygote-side timings
    # The submission's other files the child did not provide because Python, an
    # installed package or the grader has a module of that name (a student numpy.py).
    withheld: list[str] = field(default_factory=list)
    # Limits the run went past though it went on (the code caught the error):
    # output, files, memory, processes. Such a run earns nothing.
    limits_broken: list[str] = field(default_factory=list)


# Limits a run can go past and go on (the zygote reports the last three).
LIMIT_NAMES = ("output", "files", "memory", "processes")


# ----------------------------------------------------------------- encoding
def _array_bytes(value: Any) -> bytes:
    import numpy as np

    buffer = io.BytesIO()
    np.save(buffer, np.asarray(value, order="C"), allow_pickle=False)
    return buffer.getvalue()


def _encode_calls(calls: list[Call]) -> tuple[list[dict], list[bytes]]:
    """Calls as JSON, arrays as .npy blobs (shared arrays sent once)."""
    import numpy as np

    blobs: list[bytes] = []
    seen: dict[int, int] = {}
    keep_alive = []

    def encode(value: Any) -> dict:
        if isinstance(value, np.ndarray | np.generic):
            key = id(value)
            if key not in seen:
                keep_alive.append(value)
                blobs.append(_array_bytes(value))
                seen[key] = len(blobs)  # blob 0 is the source file
            return {"blob": seen[key] - 1}
        if value is None or isinstance(value, bool | int | float | str):
            return {"json": value}
        raise TypeError(f"cannot send a {type(value).__name__} to the sandbox")

    encoded = [
        {
            "args": [encode(a) for a in call.args],
            "kwargs": {k: encode(v) for k, v in call.kwargs.items()},
            "pick": list(call.pick),
        }
        for call in calls
    ]
    return encoded, blobs


@dataclass
class _DecodeBudget:
    """What one result may still cost to rebuild: nodes, and blobs not yet used.

    Each blob is decoded at most once (the child's encoder never shares one),
    so the arrays rebuilt never add up to more than the result bytes received,
    which the result size limit already bounds."""

    nodes: int
    unused: set[int]


def _decode_value(node: Any, blobs: list[bytes], budget: _DecodeBudget, depth: int = 0) -> Any:
    """Rebuild a returned value; anything unexpected becomes ``Unsupported``."""
    import numpy as np

    budget.nodes -= 1
    if budget.nodes < 0 or depth > 8 or not isinstance(node, dict) or len(node) > 2:
        return Unsupported("a malformed result")
    if "array" in node:
        index = node["array"]
        if not isinstance(index, int) or index not in budget.unused:
            return Unsupported("a malformed result")  # out of range, or a blob used twice
        budget.unused.discard(index)
        try:
            array = np.load(io.BytesIO(blobs[index]), allow_pickle=False)
        except Exception:  # noqa: BLE001 - any unreadable blob is the child's doing
            return Unsupported("an unreadable array")
        if not isinstance(array, np.ndarray) or array.dtype.kind not in "biufc":
            return Unsupported("a non-numeric array")
        return array
    if "seq" in node and isinstance(node["seq"], list):
        items = [_decode_value(v, blobs, budget, depth + 1) for v in node["seq"]]
        return tuple(items) if node.get("tuple") else items
    if "map" in node and isinstance(node["map"], dict):
        return {str(k): _decode_value(v, blobs, budget, depth + 1) for k, v in node["map"].items()}
    if "unsupported" in node:
        return Unsupported(str(node["unsupported"])[:100])
    return Unsupported("a malformed result")


def _student_error(info: Any) -> StudentError:
    if not isinstance(info, dict):
        return StudentError("Error")
    line = info.get("line")
    file = info.get("file")
    return StudentError(
        file=file[:100] if isinstance(file, str) and file else None,
        type=str(info.get("type", "Error"))[:100],
        message=str(info.get("message", ""))[:500],
        line=line if isinstance(line, int) and not isinstance(line, bool) else None,
        code=str(info.get("code", ""))[:200],
        in_function=str(info["in_function"])[:100] if info.get("in_function") else None,
    )


def decode_result(data: bytes, n_calls: int) -> SandboxRun:
    """Parse the child's raw result bytes; never trusts them, never raises.

    The set-up's report (a harness failure, the helper files withheld) is not
    read from here: student code could write anything into these bytes, so it
    comes on the set-up channel (``Sandbox.run``)."""
    if not data:
        return SandboxRun(status="no_result")
    try:
        return _decode_result(data, n_calls)
    except (ValueError, UnicodeDecodeError, RecursionError) as exc:
        # RecursionError: JSON nested thousands deep, meant to break the decoder.
        why = "nested too deeply" if isinstance(exc, RecursionError) else str(exc)[:200]
        return SandboxRun(status="bad_result", detail=why)


def _decode_result(data: bytes, n_calls: int) -> SandboxRun:
    header, blobs = _zygote.unpack_message(data)
    run = SandboxRun(status="finished")
    if header.get("import_error"):
        info = header["import_error"]
        if isinstance(info, dict) and info.get("type") == "MissingFunction":
            run.missing_function = True
        else:
            run.import_error = _student_error(info)
        return run
    calls = header.get("calls")
    if not isinstance(calls, list) or len(calls) != n_calls:
        return SandboxRun(status="bad_result", detail="wrong number of call results")
    budget = _DecodeBudget(nodes=100_000, unused=set(range(len(blobs))))
    for entry in calls:
        if not isinstance(entry, dict):
            return SandboxRun(status="bad_result", detail="malformed call result")
        seconds = entry.get("seconds", 0.0)
        seconds = float(seconds) if isinstance(seconds, int | float) else 0.0
        if entry.get("ok") is True:
            value = _decode_value(entry.get("value"), blobs, budget)
            picked = entry.get("picked") is True
            run.calls.append(CallOutcome(ok=True, value=value, seconds=seconds, picked=picked))
        else:
            run.calls.append(
                CallOutcome(ok=False, error=_student_error(entry.get("error")), seconds=seconds)
            )
    return run


def _apply_setup(run: SandboxRun, setup: Any, status: str) -> SandboxRun:
    """The child's set-up report (sent before any student code ran) decides
    whether a failure is the sandbox's: a harness error, or no report at all."""
    setup = setup if isinstance(setup, dict) else {}
    if setup.get("harness_error"):
        return SandboxRun(status="harness_error", detail=str(setup["harness_error"])[:300])
    if not setup.get("ready"):
        # No student code ran: whatever ended the child (a limit, a signal) hit our set-up.
        return SandboxRun(status="harness_error", detail=f"the child's set-up ended ({status})")
    withheld = setup.get("withheld")
    if isinstance(withheld, list):
        run.withheld = [str(name)[:100] for name in withheld[:100]]
    return run


# ----------------------------------------------------------------- sandbox
def _is_module_file(name: str) -> bool:
    """``helpers.py``: a plain importable module name (no folder, no dots)."""
    return name.endswith(".py") and name[:-3].isidentifier() and name.isascii()


def _clean_environment() -> dict[str, str]:
    threads = {
        k: "1"
        for k in (
            "OMP_NUM_THREADS",
            "OPENBLAS_NUM_THREADS",
            "MKL_NUM_THREADS",
            "VECLIB_MAXIMUM_THREADS",
            "NUMEXPR_NUM_THREADS",
        )
    }
    return {
        "PATH": "/usr/bin:/bin",
        "LANG": "C.UTF-8",
        "HOME": "/nonexistent",
        "PYTHONHASHSEED": "0",
        "PYTHONDONTWRITEBYTECODE": "1",
        "PYTHONNOUSERSITE": "1",
        **threads,
    }


# A sandbox's folder: grader-sandbox-<PID namespace>-<pid of its grader process>-<random>.
_FOLDER_PREFIX = "grader-sandbox-"


def _pid_namespace() -> int:
    try:
        return os.stat("/proc/self/ns/pid").st_ino
    except OSError:
        return 0


def _process_alive(pid: int) -> bool:
    """Whether ``pid`` runs (a zombie, killed and not yet collected, does not)."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as handle:
            state = handle.read().rsplit(b")", 1)[-1].split()[0]
        return state not in (b"Z", b"X")
    except FileNotFoundError:
        return False
    except (OSError, IndexError):
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return False
        except PermissionError:
            pass
        return True


def _remove_stale_folders() -> None:
    """Remove the folders of sandboxes whose grader process is gone without
    closing them (killed, crashed): in our PID namespace only, where the pid
    in the name can be checked (another container's pids are not ours)."""
    prefix = f"{_FOLDER_PREFIX}{_pid_namespace()}-"
    try:
        entries = list(os.scandir(tempfile.gettempdir()))
    except OSError:
        return
    for entry in entries:
        owner = entry.name[len(prefix) :].split("-", 1)[0]
        if not entry.name.startswith(prefix) or not owner.isdigit():
            continue
        if not _process_alive(int(owner)) and entry.is_dir(follow_symlinks=False):
            shutil.rmtree(entry.path, ignore_errors=True)


class Sandbox:
    """A zygote process serving jobs; one job at a time (a lock serialises threads).

    ``isolate``: ``None`` (default) isolates when running as root, ``True``
    demands it (the hello says when it could not), ``False`` runs with limits
    only (useful to test the fallback). Start-up is lazy; ``close()`` ends it.
    """

    def __init__(self, *, isolate: bool | None = None, python: str | None = None):
        self.isolate = isolate
        self.python = python or sys.executable
        self._process: subprocess.Popen | None = None
        self._socket: socket.socket | None = None
        self._folder: str | None = None  # this sandbox's folder: jail mount point, jobs
        self._lock = threading.Lock()
        self._owner_pid = os.getpid()
        self.info: dict[str, Any] = {}

    # -- life cycle
    def start(self) -> None:
        if self._process is not None and self._process.poll() is None:
            return
        if self._process is not None:
            self.close()  # a zygote that died: release its socket and folder first
        self._owner_pid = os.getpid()
        parent_end, child_end = socket.socketpair()
        mode = {None: "auto", True: "on", False: "off"}[self.isolate]
        _remove_stale_folders()
        self._folder = tempfile.mkdtemp(prefix=f"{_FOLDER_PREFIX}{_pid_namespace()}-{os.getpid()}-")
        os.chmod(self._folder, 0o711)  # the children's fresh uids pass through to their job
        os.mkdir(os.path.join(self._folder, "jail"), 0o755)
        command = [
            self.python,
            "-I",
            _zygote.__file__,
            "--socket-fd",
            str(child_end.fileno()),
            "--isolate",
            mode,
            "--jail-root",
            os.path.join(self._folder, "jail"),
        ]
        try:
            self._process = subprocess.Popen(
                command,
                pass_fds=[child_end.fileno()],
                env=_clean_environment(),
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.PIPE,
                cwd="/",
                start_new_session=True,
                close_fds=True,
            )
        except OSError as exc:
            parent_end.close()
            self.close()
            raise SandboxError(f"the sandbox did not start: {exc}") from exc
        finally:
            child_end.close()
        self._socket = parent_end
        payload = _zygote.recv_framed(parent_end.fileno())
        if payload is None:
            error = self._process.stderr.read().decode(errors="replace")[-500:]
            self.close()
            raise SandboxError(f"the sandbox did not start: {error.strip() or 'no output'}")
        self.info, _ = _zygote.unpack_message(payload)
        if "multiprocessing" in sys.modules:
            # A batch worker ends with os._exit, after multiprocessing's finalizers
            # but without atexit: close there too, or the zygote's folder stays.
            import multiprocessing.util

            multiprocessing.util.Finalize(self, self.close, exitpriority=10)

    def close(self) -> None:
        if os.getpid() != self._owner_pid:
            # A forked copy of the grader: the zygote belongs to the parent.
            self._socket = self._process = self._folder = None
            return
        if self._socket is not None:
            self._socket.close()
            self._socket = None
        if self._process is not None:
            try:
                self._process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self._process.kill()
                self._process.wait()
            if self._process.stderr:
                self._process.stderr.close()
            self._process = None
        if self._folder:
            shutil.rmtree(self._folder, ignore_errors=True)
            self._folder = None

    def __enter__(self) -> Sandbox:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- jobs
    def visible_paths(self) -> list[str]:
        """Host paths a child can read (isolated mode); everything when not isolated."""
        self.start()
        return list(self.info.get("visible", [])) if self.info.get("isolated") else ["/"]

    def run(
        self,
        *,
        source: bytes,
        filename: str,
        function: str,
        calls: list[Call],
        limits: SandboxLimits,
        helpers: dict[str, bytes] | None = None,
    ) -> SandboxRun:
        """Run ``function`` from the student file (given as bytes) on each call.

        ``helpers``: the submission's other files (``{"helpers.py": bytes}``),
        which the student's code may import by module name (``import helpers``).
        They travel with the main file in a descriptor, never through the zygote.
        """
        helpers = dict(helpers or {})
        for name in helpers:
            if not _is_module_file(name) or name == Path(filename).name:
                raise ValueError(f"not a plain module file name: {name!r}")
        bundle = _zygote.pack_message(
            {"files": [Path(filename).name, *helpers]}, [source, *helpers.values()]
        )
        encoded, blobs = _encode_calls(calls)
        job = {
            "module": Path(filename).stem or "submission",
            "filename": Path(filename).name,
            "function": function,
            "calls": encoded,
            "limits": limits.to_dict(),
        }
        message = _zygote.pack_message(job, blobs)
        with self._lock:
            for attempt in (1, 2):
                try:
                    self.start()
                    reply, data, printed, printed_bytes = self._exchange(message, bundle, limits)
                    break
                except OSError as exc:
                    self.close()
                    if attempt == 2:
                        raise SandboxError(f"the sandbox failed: {exc}") from exc
        response, _ = _zygote.unpack_message(reply)
        status = response.get("status")
        if status == "sandbox_error":
            raise SandboxError(f"the sandbox failed: {response.get('error', '')}")
        if data is None:
            status = "result_too_large"
        run = decode_result(data, len(calls)) if status == "finished" else SandboxRun(status=status)
        run = _apply_setup(run, response.get("setup"), status)
        run.wall_seconds = float(response.get("wall_seconds", 0.0))
        run.cpu_seconds = float(response.get("cpu_seconds", 0.0))
        run.max_rss_kb = int(response.get("max_rss_kb", 0))
        run.exit_code = response.get("exit_code")
        run.signal = response.get("signal")
        run.printed = printed
        run.printed_bytes = printed_bytes
        broken = response.get("limits_broken")
        if printed_bytes >= limits.output_bytes:  # cut at the limit (RLIMIT_FSIZE)
            run.limits_broken.append("output")
        if isinstance(broken, list):
            run.limits_broken += [name for name in LIMIT_NAMES if name in broken]
        errors = [run.import_error, *(call.error for call in run.calls)]
        if any(e is not None and e.type == "MemoryError" for e in errors):
            # Out of address space: in one call of the job or at import, the run broke it.
            run.limits_broken.append("memory")
        phases = response.get("phases_ms")
        if isinstance(phases, dict):
            run.phases_ms = {str(k): float(v) for k, v in phases.items()}
        return run

    def _exchange(
        self, message: bytes, source: bytes, limits: SandboxLimits
    ) -> tuple[bytes, bytes | None, str, int]:
        """Send one job; collect the zygote's reply and, straight from the child,
        its result bytes (None when over the limit) and printed text."""
        read_fd, write_fd = os.pipe()
        source_fd = os.memfd_create("student-files", os.MFD_CLOEXEC)
        output_fd = os.memfd_create("student-output", os.MFD_CLOEXEC)
        try:
            view = memoryview(source)
            while view:
                view = view[os.write(source_fd, view) :]
            head = struct.pack("<Q", len(message))
            socket.send_fds(self._socket, [head], [write_fd, source_fd, output_fd])
            self._socket.sendall(message)
            os.close(write_fd)
            write_fd = -1
            chunks, size, too_large, reply = [], 0, False, None
            selector = selectors.DefaultSelector()
            selector.register(read_fd, selectors.EVENT_READ)
            selector.register(self._socket, selectors.EVENT_READ)
            # The zygote kills the child at the wall limit; this is only a backstop.
            deadline = time.monotonic() + limits.wall_seconds + 30
            while reply is None:
                events = selector.select(max(0.0, deadline - time.monotonic()))
                if not events:
                    raise OSError("the sandbox did not answer")
                for key, _ in events:
                    if key.fileobj == read_fd:
                        chunk = os.read(read_fd, 1 << 20)
                        size += len(chunk)
                        if not chunk or size > limits.result_bytes:
                            # Closing our end makes a child that keeps writing fail (EPIPE).
                            too_large = too_large or bool(chunk)
                            selector.unregister(read_fd)
                        else:
                            chunks.append(chunk)
                    else:
                        reply = _zygote.recv_framed(self._socket.fileno())
                        if reply is None:
                            raise OSError("the sandbox closed its connection")
            selector.close()
            if not too_large:
                # The child is gone; read what it left (a grandchild would hold the
                # pipe open, so do not wait for EOF).
                os.set_blocking(read_fd, False)
                try:
                    while chunk := os.read(read_fd, 1 << 20):
                        size += len(chunk)
                        if size > limits.result_bytes:
                            too_large = True
                            break
                        chunks.append(chunk)
                except BlockingIOError:
                    pass
            printed = os.pread(output_fd, 4096, 0).decode("utf-8", "replace")
            printed_bytes = os.fstat(output_fd).st_size
            return reply, None if too_large else b"".join(chunks), printed, printed_bytes
        finally:
            for fd in (read_fd, write_fd, source_fd, output_fd):
                if fd >= 0:
                    os.close(fd)


_default: Sandbox | None = None
_default_lock = threading.Lock()


def default_sandbox() -> Sandbox:
    """One sandbox per grader process, started on first use, closed at exit."""
    global _default
    with _default_lock:
        if _default is None:
            _default = Sandbox()
            atexit.register(_default.close)
        return _default


def _forget_default() -> None:
    global _default
    _default = None


# A forked grader process (batch workers) starts its own zygote on first use.
os.register_at_fork(after_in_child=_forget_default)
