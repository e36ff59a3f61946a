"""Reports what the sandbox looks like from inside, as numbers."""

import os
import socket
import sys
import threading


def _can(action):
    try:
        action()
        return 1.0
    except Exception:
        return 0.0


def _thread():
    thread = threading.Thread(target=lambda: None)
    thread.start()
    thread.join()


def _fork():
    pid = os.fork()
    if pid == 0:
        os._exit(0)
    os.waitpid(pid, 0)


def _connect():
    with socket.create_connection(("127.0.0.1", 9), timeout=0.5):
        pass


def _write_here():
    with open("scratch.txt", "w") as handle:
        handle.write("ok")
    os.unlink("scratch.txt")


def probe(repository=None):
    # repository: the grader's checkout as uint8 bytes (only arrays come in)
    repo = bytes(repository).decode() if repository is not None else "/nonexistent"
    return {
        "repo_visible": float(
            any(os.path.exists(f"{repo}/{d}") for d in ("rubrics", "grader", "tests"))
        ),
        "uid": float(os.getuid()),
        "files_here": float(len(os.listdir("."))),
        "work_visible": float(os.path.exists("/work")),
        "proc_visible": float(os.path.exists("/proc/self/status")),
        "tmp_visible": float(os.path.exists("/tmp")),
        "secret_in_env": float("GRADER_TEST_SECRET" in os.environ),
        "omp_threads": float(os.environ.get("OMP_NUM_THREADS", "0")),
        "openblas_threads": float(os.environ.get("OPENBLAS_NUM_THREADS", "0")),
        "repo_on_path": float(
            any(p in (repo, f"{repo}/grader", f"{repo}/tests") for p in sys.path)
        ),
        "can_connect": _can(_connect),
        "can_write_here": _can(_write_here),
    }


def try_fork():
    """1 when a process could be started (the sandbox may end this one instead)."""
    return _can(_fork)


def try_thread():
    return _can(_thread)


def double_in_place(x):
    x *= 2
    return x.sum()


def shout(n):
    print("hello from the student")
    return n


def explode(x):
    helper = {"a": 1}
    return helper["b"] + x
