"""The sandbox's worker side: a zygote that forks one child per test.

This file runs as a script in a separate Python process (``python -I
_zygote.py --socket-fd N``) started by :mod:`grader.numeric.sandbox`. It
imports only the standard library, NumPy and its two siblings
``_seccomp.py`` and ``_jobcgroup.py`` (by file path), so nothing of the
grader (and no rubric, no reference) is in its memory. Start-up:

1. import NumPy once (so each child starts with it already loaded: a fork
   costs a few milliseconds, a fresh interpreter with NumPy ~150 ms);
2. when running as root and isolation is on: enter new mount, network, IPC
   and UTS namespaces (no network at all), build a minimal root on a tmpfs
   holding read-only binds of the system and Python directories only, and
   ``chroot`` into it, so the repository, the rubric and the references do
   not exist for the children;
3. try, in throwaway children, what each job can have here (its own PID and
   IPC namespaces, the seccomp filter, a new session keyring, a memory
   cgroup: ``Protections``);
4. say hello (what isolation it got, and notes on what it did not) and serve
   jobs, one at a time.

Per job it makes a fresh folder (its own small tmpfs, size and inodes
limited, when isolated), new PID and IPC namespaces and a memory cgroup for
the next child where it can, and forks a child that joins them and a new
session keyring, writes the student's files (the main file and the
submission's other ``.py`` files, read from a descriptor the grader passes),
sets resource limits, drops to a fresh unprivileged uid, installs the
seccomp filter, reports its set-up on a pipe it then closes, runs the calls
and writes the results to a pipe the grader reads: the parent decodes them
defensively and does every comparison itself.

Wire format (parent <-> zygote, child -> parent): ``MAGIC``, a 4-byte header
length, a JSON header whose ``"blobs"`` lists the sizes of the binary parts,
then the binary parts (``.npy`` bytes, written with ``allow_pickle=False``).
"""

from __future__ import annotations

import ctypes
import io
import json
import os
import select
import signal
import struct
import sys
import time

MAGIC = b"GRD1"
MAX_HEADER_BYTES = 8 * 1024 * 1024


# ---------------------------------------------------------------- wire format
def pack_message(header: dict, blobs: list[bytes]) -> bytes:
    header = dict(header, blobs=[len(b) for b in blobs])
    raw = json.dumps(header).encode()
    return b"".join([MAGIC, struct.pack("<I", len(raw)), raw, *blobs])


def unpack_message(data: bytes) -> tuple[dict, list[bytes]]:
    """Split a message into header and blobs; ValueError when malformed."""
    if len(data) < 8 or data[:4] != MAGIC:
        raise ValueError("not a sandbox message")
    (size,) = struct.unpack("<I", data[4:8])
    if size > MAX_HEADER_BYTES or 8 + size > len(data):
        raise ValueError("header length out of range")
    header = json.loads(data[8 : 8 + size])
    if not isinstance(header, dict):
        raise ValueError("header is not an object")
    sizes = header.get("blobs", [])
    if not isinstance(sizes, list) or not all(
        isinstance(s, int) and not isinstance(s, bool) and s >= 0 for s in sizes
    ):
        raise ValueError("bad blob sizes")
    offset = 8 + size
    if offset + sum(sizes) != len(data):
        raise ValueError("blob sizes do not add up")
    blobs = []
    for s in sizes:
        blobs.append(data[offset : offset + s])
        offset += s
    return header, blobs


def send_framed(sock_fd: int, payload: bytes) -> None:
    """Length-prefixed write of a whole message on a stream socket."""
    data = struct.pack("<Q", len(payload)) + payload
    view = memoryview(data)
    while view:
        written = os.write(sock_fd, view)
        view = view[written:]


def _read_exact(fd: int, size: int) -> bytes | None:
    chunks = []
    while size:
        chunk = os.read(fd, min(size, 1 << 20))
        if not chunk:
            return None
        chunks.append(chunk)
        size -= len(chunk)
    return b"".join(chunks)


def recv_framed(sock_fd: int) -> bytes | None:
    head = _read_exact(sock_fd, 8)
    if head is None:
        return None
    (size,) = struct.unpack("<Q", head)
    return _read_exact(sock_fd, size)


# ---------------------------------------------------------------- linux calls
_CLONE_NEWNS = 0x00020000
_CLONE_NEWUTS = 0x04000000
_CLONE_NEWIPC = 0x08000000
_CLONE_NEWNET = 0x40000000
_CLONE_NEWPID = 0x20000000
_MS_RDONLY = 1
_MS_NOSUID = 2
_MS_NODEV = 4
_MS_REMOUNT = 32
_MS_BIND = 4096
_MS_REC = 16384
_MS_PRIVATE = 1 << 18
_MNT_DETACH = 2
_PR_SET_PDEATHSIG = 1
_PR_SET_DUMPABLE = 4
_PR_SET_CHILD_SUBREAPER = 36
_KEYCTL_JOIN_SESSION_KEYRING = 1
_JOB_INODES = 512  # files and folders a job's tmpfs may hold
_PR_SET_NO_NEW_PRIVS = 38

_libc = ctypes.CDLL(None, use_errno=True)
# The seccomp filter builder (``_seccomp.py`` beside this file), loaded by
# ``main`` before the jail hides this folder; None: no filter.
_seccomp = None
_jobcgroup = None  # ``_jobcgroup.py``, likewise


def _load_sibling(name: str):
    import importlib.util

    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), name + ".py")
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _join_new_session_keyring() -> None:
    """A fresh, empty session keyring for this process (the grader's keys are
    out of reach; the keyring goes when the job's last process does)."""
    number = _seccomp.syscall_number("keyctl") if _seccomp else None
    if number is None:
        raise OSError(38, "keyctl: unknown system call number here")
    _libc.syscall.restype = ctypes.c_long
    if _libc.syscall(number, _KEYCTL_JOIN_SESSION_KEYRING, None) < 0:
        code = ctypes.get_errno()
        raise OSError(code, f"keyctl(JOIN_SESSION_KEYRING): {os.strerror(code)}")


def _check(result: int, what: str) -> None:
    if result != 0:
        errno = ctypes.get_errno()
        raise OSError(errno, f"{what}: {os.strerror(errno)}")


def _mount(source: str | None, target: str, fstype: str | None, flags: int, data: str | None):
    enc = lambda s: None if s is None else s.encode()  # noqa: E731
    _check(_libc.mount(enc(source), enc(target), enc(fstype), flags, enc(data)), f"mount {target}")


def _umount(target: str) -> None:
    _libc.umount2(target.encode(), _MNT_DETACH)


# ---------------------------------------------------------------- the jail
def _world_traversable(path: str) -> bool:
    """Every directory from / down to ``path`` can be entered by any user."""
    import stat

    path = os.path.realpath(path)
    while True:
        try:
            if not os.stat(path).st_mode & stat.S_IXOTH:
                return False
        except OSError:
            return False
        if path == "/":
            return True
        path = os.path.dirname(path)


def _bind_sources() -> list[str]:
    """System and Python directories the children may read (nothing else)."""
    import numpy

    candidates = ["/usr", "/lib", "/lib64", "/lib32", "/libx32", "/bin", "/sbin"]
    candidates += [sys.prefix, sys.base_prefix, sys.exec_prefix]
    candidates.append(os.path.dirname(os.path.dirname(os.path.abspath(numpy.__file__))))
    chosen: list[str] = []
    for path in sorted({os.path.realpath(p) if not os.path.islink(p) else p for p in candidates}):
        if not os.path.lexists(path):
            continue
        if any(path == c or path.startswith(c.rstrip("/") + "/") for c in chosen):
            continue
        chosen.append(path)
    return chosen


def build_jail(root: str) -> list[str]:
    """Namespaces + a minimal read-only root at ``root``; chroot into it."""
    _check(_libc.unshare(_CLONE_NEWNS | _CLONE_NEWNET | _CLONE_NEWIPC | _CLONE_NEWUTS), "unshare")
    _mount(None, "/", None, _MS_REC | _MS_PRIVATE, None)
    _mount("tmpfs", root, "tmpfs", _MS_NOSUID | _MS_NODEV, "size=16m,nr_inodes=1024,mode=755")
    bound = []
    for src in _bind_sources():
        dst = root + src
        if os.path.islink(src):
            os.makedirs(os.path.dirname(dst), exist_ok=True)
            os.symlink(os.readlink(src), dst)
            continue
        os.makedirs(dst, exist_ok=True)
        _mount(src, dst, None, _MS_BIND | _MS_REC, None)
        _mount(None, dst, None, _MS_REMOUNT | _MS_BIND | _MS_RDONLY | _MS_NOSUID, None)
        bound.append(src)
    os.makedirs(root + "/dev")
    for name in ("null", "zero", "urandom", "random"):
        src, dst = "/dev/" + name, root + "/dev/" + name
        if os.path.exists(src):
            open(dst, "w").close()
            _mount(src, dst, None, _MS_BIND, None)
    os.makedirs(root + "/jobs", mode=0o711)
    os.chmod(root + "/jobs", 0o711)
    os.chroot(root)
    os.chdir("/")
    return bound


# ---------------------------------------------------------------- the child
def _describe_exception(exc: BaseException, student_files: dict[str, str]) -> dict:
    """The exception's type and message and, when it arose in one of the
    student's files (``student_files``: path in the job folder -> plain file
    name), that file, line and code: the student's own place, never ours."""
    import traceback

    info: dict = {"type": type(exc).__name__}
    try:
        info["message"] = str(exc)[:500]
    except BaseException:  # noqa: BLE001 - a student's __str__ may raise anything
        info["message"] = ""
    try:
        frames = traceback.extract_tb(exc.__traceback__)
        own = [f for f in frames if f.filename in student_files]
        if isinstance(exc, SyntaxError) and exc.filename in student_files:
            # A file that does not compile has no frame of its own: use the error's place.
            info["message"] = str(exc.msg)[:500]
            info["file"] = student_files[exc.filename]
            if exc.lineno:
                info["line"] = exc.lineno
            info["code"] = (exc.text or "").strip()[:200]
        elif own:
            info["file"] = student_files[own[-1].filename]
            info["line"] = own[-1].lineno
            info["code"] = (own[-1].line or "")[:200]
            info["in_function"] = own[-1].name
    except BaseException:  # noqa: BLE001
        pass
    return info


def _encode(value, blobs: list[bytes], depth: int = 0):
    """A return value as JSON + .npy blobs: arrays, numbers, tuples, lists, dicts."""
    import numpy as np

    if depth > 6:
        return {"unsupported": "nested too deeply"}
    if isinstance(value, (tuple, list)):
        return {
            "seq": [_encode(v, blobs, depth + 1) for v in value[:64]],
            "tuple": isinstance(value, tuple),
        }
    if isinstance(value, dict):
        out = {}
        for key in list(value)[:64]:
            if not isinstance(key, str):
                return {"unsupported": f"dict with a {type(key).__name__} key"}
            out[key] = _encode(value[key], blobs, depth + 1)
        return {"map": out}
    if isinstance(value, (bool, int, float, complex, np.ndarray, np.generic)):
        array = np.asarray(value)
        if array.dtype.kind not in "biufc":
            return {"unsupported": f"array of dtype {array.dtype}"}
        buffer = io.BytesIO()
        np.save(buffer, np.asarray(array, order="C"), allow_pickle=False)
        blobs.append(buffer.getvalue())
        return {"array": len(blobs) - 1}
    return {"unsupported": type(value).__name__}


def _pick(value, path: list):
    """Only the part of a result the grader needs (e.g. the loss of a dict);
    the whole value when the path does not fit, for the grader to explain."""
    if not path:
        return value, False
    whole = value
    try:
        for key in path:
            if isinstance(key, str) and not isinstance(value, dict):
                return whole, False
            if isinstance(key, int) and not isinstance(value, (tuple, list)):
                return whole, False
            value = value[key]
    except (KeyError, IndexError, TypeError):
        return whole, False
    return value, True


def _decode_input(item, blobs: list):
    if "blob" in item:
        return blobs[item["blob"]].copy()  # a fresh copy per call: in-place edits stay local
    return item["json"]


class _SubmissionFinder:
    """Finds the submission's other files by module name (``import helpers``).

    It sits LAST on ``sys.meta_path``: a module that Python, NumPy or an
    installed package already provides is always found first, so a student
    ``numpy.py`` or ``json.py`` can shadow nothing (the child withholds such
    files and says so). Top-level names only; the files are in the job folder,
    which is not on ``sys.path``.
    """

    def __init__(self, files: dict[str, str]):
        self.files = files  # module name -> path in the job folder

    def find_spec(self, name, path=None, target=None):
        import importlib.util

        if path is None and name in self.files:
            return importlib.util.spec_from_file_location(name, self.files[name])
        return None


# Never provided as a student's module, whether or not this Python can import it.
RESERVED_MODULES = frozenset({"grader", "numpy", "_zygote", "__main__", "sitecustomize"})


def _provide_helpers(helpers: dict[str, str]) -> list[str]:
    """Make the helper files importable; return the names withheld because
    Python or an installed package already has a module of that name."""
    import importlib.util

    provided, withheld = {}, []
    for name, path in helpers.items():
        try:
            taken = (
                name in RESERVED_MODULES
                or name in sys.modules
                or name in sys.builtin_module_names
                or importlib.util.find_spec(name) is not None
            )
        except Exception:  # noqa: BLE001 - an odd name: do not provide it
            taken = True
        if taken:
            withheld.append(name)
        else:
            provided[name] = path
    if provided:
        sys.meta_path.append(_SubmissionFinder(provided))
    return withheld


def _run_child(
    job: dict, blobs: list, student_path: str, helpers: dict[str, str], result_fd: int
) -> None:
    """Import the student's module, run the calls, write the results."""
    import importlib.util

    out_blobs: list[bytes] = []
    header: dict = {"import_error": None, "calls": []}
    student_files = {student_path: os.path.basename(student_path)}
    student_files.update({path: os.path.basename(path) for path in helpers.values()})
    try:
        spec = importlib.util.spec_from_file_location(job["module"], student_path)
        module = importlib.util.module_from_spec(spec)
        sys.modules[job["module"]] = module
        spec.loader.exec_module(module)
        function = getattr(module, job["function"], None)
        if function is None or not callable(function):
            header["import_error"] = {"type": "MissingFunction", "message": job["function"]}
        else:
            for call in job["calls"]:
                args = [_decode_input(a, blobs) for a in call["args"]]
                kwargs = {k: _decode_input(v, blobs) for k, v in call["kwargs"].items()}
                start = time.perf_counter()
                try:
                    value = function(*args, **kwargs)
                    value, picked = _pick(value, call.get("pick") or [])
                    entry = {"ok": True, "value": _encode(value, out_blobs), "picked": picked}
                except BaseException as exc:  # noqa: BLE001 - SystemExit counts too
                    entry = {"ok": False, "error": _describe_exception(exc, student_files)}
                entry["seconds"] = time.perf_counter() - start
                header["calls"].append(entry)
    except BaseException as exc:  # noqa: BLE001 - import-time SystemExit, errors
        header["import_error"] = _describe_exception(exc, student_files)
    payload = pack_message(header, out_blobs)
    view = memoryview(payload)
    while view:
        view = view[os.write(result_fd, view) :]


def _write_submission(bundle: bytes, job_dir: str, student_path: str) -> dict[str, str]:
    """Write the files of the bundle (the main file first) into the job folder;
    return the other files as module name -> path. A name that is not a plain
    ``name.py`` is refused: the grader sends only those, so it is our failure."""
    header, contents = unpack_message(bundle)
    names = header.get("files")
    if not isinstance(names, list) or len(names) != len(contents) or not names:
        raise ValueError("malformed submission bundle")
    helpers: dict[str, str] = {}
    main = os.path.basename(student_path)
    for index, (name, content) in enumerate(zip(names, contents, strict=True)):
        stem = name[:-3] if isinstance(name, str) and name.endswith(".py") else ""
        if (name != main) if index == 0 else (not stem.isidentifier() or name == main):
            raise ValueError(f"bad file name in the submission bundle: {name!r}")
        path = student_path if index == 0 else os.path.join(job_dir, name)
        with open(path, "wb") as handle:
            handle.write(content)
        if index:
            helpers[stem] = path
    return helpers


def _count_processes(uid: int) -> int:
    count = 0
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                if os.stat(f"/proc/{entry}").st_uid == uid:
                    count += 1
            except OSError:
                pass
    return count


def _child_main(job, blobs, job_dir, student_path, fds, setup_fd, uid, vsize, protect) -> None:
    """The child: set up (limits, uid, files), report the set-up on ``setup_fd``
    and close it, then run the student's code. Only set-up code ever writes to
    ``setup_fd``: a "not your fault" cannot be forged by the student's code.
    ``protect``: the zygote's ``Protections`` (what this machine allows)."""
    import fcntl
    import resource

    try:
        os.setsid()
        if protect.cgroup_procs_fd is not None:
            os.write(protect.cgroup_procs_fd, b"0")  # into the job's memory cgroup
        result_fd, source_fd, output_fd = fds
        null = os.open("/dev/null", os.O_RDONLY)
        # Copy the four to 10+ first so the dup2s below cannot clobber one.
        result_fd, source_fd, output_fd, setup_fd = (
            fcntl.fcntl(fd, fcntl.F_DUPFD, 10) for fd in (result_fd, source_fd, output_fd, setup_fd)
        )
        os.dup2(null, 0)
        os.dup2(output_fd, 1)
        os.dup2(output_fd, 2)
        os.dup2(result_fd, 3)
        os.dup2(source_fd, 4)
        os.dup2(setup_fd, 5)
        os.closerange(6, 1 << 16)
        setup_fd = 5
        if protect.keyring:
            _join_new_session_keyring()  # as root, before the uid changes
        for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGPIPE, signal.SIGCHLD):
            signal.signal(sig, signal.SIG_DFL)
        # Writing past RLIMIT_FSIZE then fails with EFBIG instead of killing us.
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        limits = job["limits"]
        cpu = max(1, int(limits["cpu_seconds"] + 0.999))
        resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu + 1))
        memory = vsize + int(limits["memory_mb"]) * 1024 * 1024
        resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
        resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
        resource.setrlimit(resource.RLIMIT_NOFILE, (64, 64))
        if uid is not None:
            # A fresh uid owns no other process: NPROC=1 forbids fork and threads.
            nproc = int(limits["processes"])
            resource.setrlimit(resource.RLIMIT_NPROC, (nproc, nproc))
            os.setgroups([])
            os.setresgid(uid, uid, uid)
            os.setresuid(uid, uid, uid)
        elif os.geteuid() != 0:
            # Shared uid: allow only a few more processes than it runs now.
            nproc = _count_processes(os.getuid()) + int(limits["processes"])
            resource.setrlimit(resource.RLIMIT_NPROC, (nproc, nproc))
        # Killed with the zygote, should it die first (set after the uid change,
        # which clears it; the seccomp filter keeps the student from clearing it).
        _libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
        _libc.prctl(_PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0)
        os.chdir(job_dir)
        # The student's own copy of the files, written as the student's uid: a
        # bundle (main file first, then the submission's other .py files).
        source, offset = [], 0
        while chunk := os.pread(4, 1 << 20, offset):
            source.append(chunk)
            offset += len(chunk)
        os.close(4)
        helpers = _write_submission(b"".join(source), job_dir, student_path)
        # From here on, no file (nor the printed output) may grow past this.
        size = int(limits["output_bytes"])
        resource.setrlimit(resource.RLIMIT_FSIZE, (size, size))
        sys.path[:] = [p for p in sys.path if p and os.path.isabs(p)]
        sys.argv[:] = [student_path]
        withheld = _provide_helpers(helpers)
        if protect.seccomp:
            _seccomp.install(processes=int(limits["processes"]))
        os.write(setup_fd, json.dumps({"ready": True, "withheld": withheld}).encode())
        os.close(setup_fd)
    except BaseException as exc:  # noqa: BLE001 - the sandbox's own failure, not the student's
        try:
            os.write(setup_fd, json.dumps({"harness_error": repr(exc)[:300]}).encode())
        except BaseException:  # noqa: BLE001
            pass
        os._exit(0)
    try:
        _run_child(job, blobs, student_path, helpers, 3)
    except BaseException:  # noqa: BLE001 - never return into the zygote's loop
        pass
    finally:
        try:
            sys.stdout.flush()
            sys.stderr.flush()
        except BaseException:  # noqa: BLE001
            pass
        os._exit(0)


def _read_setup(fd: int) -> dict:
    """What the child's set-up reported (written before any student code ran);
    ``{}`` when it ended before reporting."""
    try:
        os.set_blocking(fd, False)
        data = os.read(fd, 1 << 16)
        setup = json.loads(data) if data else {}
        return setup if isinstance(setup, dict) else {}
    except (OSError, ValueError):
        return {}
    finally:
        os.close(fd)


# ---------------------------------------------------------------- the zygote
class Protections:
    """The protections each job gets on this machine, beyond the rlimits."""

    def __init__(self, *, namespaces: bool = False):
        self.namespaces = namespaces  # own IPC and PID namespaces per job
        self.seccomp = False
        self.keyring = False
        self.memory_cgroup = False
        self.cgroup_procs_fd: int | None = None  # set per job when a memory cgroup is used

    def names(self) -> list[str]:
        names = []
        if self.namespaces:
            names += ["ipc-namespace-per-job", "pid-namespace-per-job", "tmpfs-limits"]
        if self.seccomp:
            names.append("seccomp")
        if self.keyring:
            names.append("session-keyring")
        if self.memory_cgroup:
            names.append("memory-cgroup")
        return names


def _probe(action) -> bool:
    """Whether ``action()`` succeeds in a throwaway child process."""
    pid = os.fork()
    if pid == 0:
        try:
            action()
            os._exit(0)
        except BaseException:  # noqa: BLE001
            os._exit(1)
    _, status = os.waitpid(pid, 0)
    return os.WIFEXITED(status) and os.WEXITSTATUS(status) == 0


def _install_filter_probe() -> None:
    """The filter installs here (a container's own filter may forbid it)."""
    _libc.prctl(_PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0)
    _seccomp.install(processes=1)


def _reap_orphans() -> None:
    """Collect processes of a job that outlived their parent (we are their
    subreaper): no zombie is left behind."""
    while True:
        try:
            pid, _ = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return


class Zygote:
    def __init__(self, sock_fd: int, isolate: str, jail_root: str | None):
        self.sock_fd = sock_fd
        # Opened before any chroot (no /proc, no /sys in the jail): our own PID
        # namespace, and our memory cgroup's folder when we may make cgroups there.
        self.pid_namespace_fd = os.open("/proc/self/ns/pid", os.O_RDONLY | os.O_CLOEXEC)
        self.cgroups = None
        if os.geteuid() == 0 and _jobcgroup is not None:
            self.cgroups = _jobcgroup.MemoryCgroups.open()
        self.counter = 0
        self.notes: list[str] = []
        self.isolation: list[str] = ["process", "rlimits", "clean-env", "temp-cwd", "process-group"]
        self.bound: list[str] = []
        self.isolated = False
        self.drop_uid = False  # run each child as a fresh unprivileged uid
        # Opened before any chroot: it keeps reporting this process's size.
        self.statm = os.open("/proc/self/statm", os.O_RDONLY)
        root = os.geteuid() == 0
        want = isolate == "on" or (isolate == "auto" and root)
        if want and not root:
            self.notes.append("isolation requested but not running as root")
        elif want and jail_root:
            try:
                self.bound = build_jail(jail_root)
                self.isolated = self.drop_uid = True
                self.isolation += ["no-network", "private-root", "read-only-system"]
            except OSError as exc:
                self.notes.append(
                    f"namespaces unavailable ({exc}): no network/filesystem isolation"
                )
        elif not root:
            self.notes.append("not root: no network, filesystem or uid isolation")
        else:
            self.notes.append("isolation turned off: no network or filesystem isolation")
        if root and not self.isolated:
            # Still never run student code as root when a fresh uid can use Python.
            if all(_world_traversable(p) for p in _bind_sources() if not os.path.islink(p)):
                self.drop_uid = True
            else:
                self.notes.append(
                    "children run as root: the Python installation is not readable by other users"
                )
        if self.drop_uid:
            self.isolation += ["unprivileged-uid", "no-subprocesses"]
        self.protect = self._probe_protections()
        self.isolation += self.protect.names()
        if not self.isolated:
            # Beside the jail's mount point, in the grader's folder for this sandbox
            # (removed by the grader, or by the next grader when this one crashed).
            if jail_root:
                self.jobs_root = os.path.join(os.path.dirname(jail_root), "jobs")
                os.mkdir(self.jobs_root, 0o711)
            else:
                self.jobs_root = __import__("tempfile").mkdtemp(prefix="grader-jobs-")
            os.chmod(self.jobs_root, 0o711)
        else:
            self.jobs_root = "/jobs"

    def _probe_protections(self) -> Protections:
        """What this machine lets each job have, tried once here (a job that
        then cannot have it fails as the sandbox's error, never silently)."""
        protect = Protections(
            namespaces=self.isolated and _probe(self._new_namespaces_for_next_child)
        )
        if _seccomp is not None and _seccomp.supported() and _probe(_install_filter_probe):
            protect.seccomp = True
            _seccomp.program(1)  # built once here, inherited by every child
        else:
            self.notes.append("no seccomp filter (kernel or architecture without it)")
        if _probe(_join_new_session_keyring):
            protect.keyring = True
        else:
            self.notes.append("no private session keyring (keyctl refused here)")
        if not protect.namespaces:
            self.notes.append("no per-job IPC and PID namespaces (needs root with namespaces)")
        protect.memory_cgroup = self.cgroups is not None
        if not protect.memory_cgroup:
            self.notes.append("no memory cgroup per job (needs root and a writable memory cgroup)")
        return protect

    def hello(self) -> dict:
        return {
            "ready": True,
            "pid": os.getpid(),
            "isolated": self.isolated,
            "isolation": self.isolation,
            "notes": self.notes,
            "visible": self.bound,
        }

    def _vsize(self) -> int:
        pages = int(os.pread(self.statm, 64, 0).split()[0])
        return pages * os.sysconf("SC_PAGE_SIZE")

    def run_job(self, job: dict, raw_blobs: list[bytes], fds: list[int]) -> dict:
        """Fork a child for ``job``. ``fds``: the result pipe's write end, a
        memfd holding the student's files (a bundle), a memfd for printed output -- all
        from the grader, so this process never holds a student's code or results
        (a later child, forked from here, could otherwise find them in memory)."""
        import numpy as np

        began = time.monotonic()
        result_fd, source_fd, output_fd = fds
        blobs = [np.load(io.BytesIO(b), allow_pickle=False) for b in raw_blobs]
        self.counter += 1
        name = f"j{os.getpid()}-{self.counter}"
        job_dir = os.path.join(self.jobs_root, name)
        uid = None
        if self.drop_uid:
            uid = 1_000_000 + int.from_bytes(os.urandom(4), "little") % 1_000_000_000
        os.mkdir(job_dir, 0o700)
        if uid is not None and not self.isolated:
            os.chown(job_dir, uid, uid)
        if self.isolated:
            disk = int(job["limits"]["disk_mb"])
            options = f"size={disk}m,nr_inodes={_JOB_INODES},mode=700,uid={uid},gid={uid}"
            _mount("tmpfs", job_dir, "tmpfs", _MS_NOSUID | _MS_NODEV, options)
        student_path = os.path.join(job_dir, os.path.basename(job["filename"]))
        vsize = self._vsize()
        setup_read, setup_write = os.pipe()
        if self.protect.namespaces:
            self._new_namespaces_for_next_child()
        cgroup = None
        if self.cgroups is not None:
            limits = job["limits"]
            # Its memory, its tmpfs and its output, and room for the interpreter's own pages.
            size = (int(limits["memory_mb"]) + int(limits["disk_mb"]) + 64) << 20
            cgroup = self.cgroups.create(str(self.counter), size + int(limits["output_bytes"]))
            self.protect.cgroup_procs_fd = self.cgroups.join_fd(cgroup)
        start = time.monotonic()
        pid = os.fork()
        if pid == 0:
            os.close(setup_read)
            _child_main(
                job, blobs, job_dir, student_path, fds, setup_write, uid, vsize, self.protect
            )
        for fd in (result_fd, source_fd, output_fd, setup_write):
            os.close(fd)  # the grader sees EOF on the result pipe once the child is gone
        if self.protect.cgroup_procs_fd is not None:
            os.close(self.protect.cgroup_procs_fd)
            self.protect.cgroup_procs_fd = None
        if self.protect.namespaces:
            # Our later forks (a probe) go to our own PID namespace, not the job's.
            _check(_libc.setns(self.pid_namespace_fd, _CLONE_NEWPID), "setns(PID)")
        forked = time.monotonic()
        response = self._wait(pid, start, job["limits"], uid)
        response["setup"] = _read_setup(setup_read)
        response["limits_broken"] = self._files_over_limit(job_dir, job["limits"])
        if self.protect.seccomp and response["signal"] == signal.SIGSYS:
            response["limits_broken"].append("processes")  # the filter's answer to a fork
        _reap_orphans()
        if cgroup is not None:
            if self.cgroups.limit_hit(cgroup):
                response["limits_broken"].append("memory")
            self.cgroups.remove(cgroup)
        waited = time.monotonic()
        if self.isolated:
            _umount(job_dir)
        __import__("shutil").rmtree(job_dir, ignore_errors=True)
        # Where the time went (for bench/sandbox.py): set-up, fork, child, clean-up.
        response["phases_ms"] = {
            "setup": (start - began) * 1e3,
            "fork": (forked - start) * 1e3,
            "child": (waited - forked) * 1e3,
            "cleanup": (time.monotonic() - waited) * 1e3,
        }
        return response

    def _new_namespaces_for_next_child(self) -> None:
        """The next child gets its own PID namespace (it is pid 1 there: it sees
        no other process, cannot stop itself, and whatever it starts dies with
        it) and IPC namespace (System V objects die with the job). Done here,
        not in the child: no second fork per job. ``setns`` first points our
        children's PID namespace back at ours, or a second unshare is refused."""
        _check(_libc.setns(self.pid_namespace_fd, _CLONE_NEWPID), "setns(PID)")
        _check(_libc.unshare(_CLONE_NEWPID | _CLONE_NEWIPC), "unshare(PID, IPC)")

    def _files_over_limit(self, job_dir: str, limits: dict) -> list[str]:
        """``["files"]`` when the child filled its folder (a tmpfs when isolated)
        or cut a file at the file-size limit (a file of exactly that size).
        Looks at no more than 1,000 entries and follows no link."""
        size = int(limits["output_bytes"])
        try:
            if self.isolated:
                usage = os.statvfs(job_dir)
                if usage.f_bavail == 0 or usage.f_favail == 0:
                    return ["files"]
            seen, folders = 0, [job_dir]
            while folders and seen < 1000:
                with os.scandir(folders.pop()) as entries:
                    for entry in entries:
                        seen += 1
                        if entry.is_dir(follow_symlinks=False):
                            folders.append(entry.path)
                        elif entry.is_file(follow_symlinks=False):
                            if entry.stat(follow_symlinks=False).st_size == size:
                                return ["files"]
        except OSError:
            pass
        return []

    def _wait(self, pid: int, start: float, limits: dict, uid: int | None) -> dict:
        """Wait for the child to end, or kill it at the wall-time limit."""
        deadline = start + float(limits["wall_seconds"])
        pidfd = os.pidfd_open(pid)
        status = "finished"
        ready, _, _ = select.select([pidfd], [], [], max(0.0, deadline - time.monotonic()))
        if not ready:
            status = "timeout"
        self._kill(pid, uid, int(limits["processes"]))
        _, wait_status, usage = os.wait4(pid, 0)
        os.close(pidfd)
        return {
            "status": status,
            "wall_seconds": time.monotonic() - start,
            "cpu_seconds": usage.ru_utime + usage.ru_stime,
            "max_rss_kb": usage.ru_maxrss,
            "exit_code": os.WEXITSTATUS(wait_status) if os.WIFEXITED(wait_status) else None,
            "signal": os.WTERMSIG(wait_status) if os.WIFSIGNALED(wait_status) else None,
        }

    def _kill(self, pid: int, uid: int | None, processes: int) -> None:
        for target in (
            lambda: os.killpg(pid, signal.SIGKILL),
            lambda: os.kill(pid, signal.SIGKILL),
        ):
            try:
                target()
            except (ProcessLookupError, PermissionError):
                pass
        if uid is not None and processes > 1 and not self.protect.namespaces:
            # Anything else that uid owns: kill(-1) as that uid. (With NPROC=1 the
            # child could not fork, so there is nothing else and no helper to pay for;
            # in its own PID namespace, all it started dies with it.)
            helper = os.fork()
            if helper == 0:
                try:
                    os.setresuid(uid, uid, uid)
                    os.kill(-1, signal.SIGKILL)
                except BaseException:  # noqa: BLE001
                    pass
                os._exit(0)
            os.waitpid(helper, 0)

    def serve(self) -> None:
        import socket

        sock = socket.socket(fileno=self.sock_fd)
        send_framed(self.sock_fd, pack_message(self.hello(), []))
        while True:
            head, fds, _, _ = socket.recv_fds(sock, 8, 3)
            if not head:
                for fd in fds:
                    os.close(fd)
                if not self.isolated:
                    __import__("shutil").rmtree(self.jobs_root, ignore_errors=True)
                return
            if len(head) < 8:
                head += _read_exact(self.sock_fd, 8 - len(head)) or b""
            payload = _read_exact(self.sock_fd, struct.unpack("<Q", head)[0])
            try:
                if payload is None or len(fds) != 3:
                    raise ValueError("a job needs a payload and three descriptors")
                job, blobs = unpack_message(payload)
                response = self.run_job(job, blobs, fds)
            except Exception as exc:  # noqa: BLE001 - report, keep serving
                for fd in fds:
                    try:
                        os.close(fd)
                    except OSError:
                        pass
                response = {"status": "sandbox_error", "error": repr(exc)[:500]}
            send_framed(self.sock_fd, pack_message(response, []))


def main(argv: list[str]) -> None:
    import argparse

    parser = argparse.ArgumentParser()
    parser.add_argument("--socket-fd", type=int, required=True)
    parser.add_argument("--isolate", choices=["auto", "on", "off"], default="auto")
    parser.add_argument("--jail-root", default=None)
    options = parser.parse_args(argv)
    # No PR_SET_PDEATHSIG: it fires when the *thread* that started us ends (a
    # worker thread of the grader). The socket closing when the grader exits
    # ends the loop instead.
    sys.dont_write_bytecode = True
    global _seccomp, _jobcgroup
    try:
        _seccomp = _load_sibling("_seccomp")
        _jobcgroup = _load_sibling("_jobcgroup")
    except Exception:  # noqa: BLE001 - no filter, no cgroups; the hello's notes say so
        _seccomp = _jobcgroup = None
    # Orphans of a job (a process whose parent was killed) come to us, to be reaped.
    _libc.prctl(_PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0)
    # Not dumpable: a child running as our uid (no root) cannot open
    # /proc/<zygote>/fd/* (the set-up pipe's other end) nor read our memory.
    _libc.prctl(_PR_SET_DUMPABLE, 0, 0, 0, 0)
    import fcntl  # noqa: F401 - children need these; load them once here
    import importlib.util  # noqa: F401
    import resource  # noqa: F401
    import traceback  # noqa: F401

    import numpy  # noqa: F401 - loaded once here, inherited by every child

    Zygote(options.socket_fd, options.isolate, options.jail_root).serve()


if __name__ == "__main__":
    main(sys.argv[1:])
