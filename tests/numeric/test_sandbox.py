"""The sandbox from inside (a probe student file) and its wire format."""

from __future__ import annotations

import io
import os
import signal
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from grader.numeric import Call, Sandbox, SandboxError, SandboxLimits, _zygote
from grader.numeric.sandbox import Unsupported, decode_result
from tests.numeric.conftest import FILES

PROBE = (FILES / "students" / "probe.py").read_bytes()
REPOSITORY = Path(__file__).resolve().parents[2]


def _run(sandbox, function, calls, **limits):
    return sandbox.run(
        source=PROBE,
        filename="probe.py",
        function=function,
        calls=calls,
        limits=SandboxLimits(**limits),
    )


def _facts(sandbox) -> dict[str, float]:
    run = _run(sandbox, "probe", [Call()])
    assert run.status == "finished" and run.calls[0].ok, run
    return {k: float(v) for k, v in run.calls[0].value.items()}


def _can_start(sandbox, function: str) -> bool:
    """Whether the probe started a process or thread (``function``): it gets an
    error, or the seccomp filter ends it (the processes limit, broken)."""
    run = _run(sandbox, function, [Call()])
    if run.status != "finished":
        assert run.limits_broken == ["processes"], run
        return False
    return bool(run.calls[0].ok and float(run.calls[0].value) == 1.0)


def _shows(folder: str) -> float:
    """Whether the jail has ``folder``: only as the parent of a bound Python/system dir."""
    return float(any(src.startswith(folder + "/") for src in _zygote._bind_sources()))


def test_isolated_child_sees_only_its_file(isolated_sandbox):
    repository = np.frombuffer(str(REPOSITORY).encode(), dtype=np.uint8)
    run = _run(isolated_sandbox, "probe", [Call((repository,))])
    assert run.status == "finished" and run.calls[0].ok, run
    facts = {k: float(v) for k, v in run.calls[0].value.items()}
    assert facts["uid"] >= 1_000_000  # a fresh unprivileged uid, not root
    assert facts["files_here"] == 1
    assert facts["repo_visible"] == 0  # the rubric, references and grader are out of reach
    assert facts["proc_visible"] == 0
    # /work and /tmp exist inside only when the Python in use lives below them
    # (a venv inside the checkout), and then only that Python's folder is bound.
    assert facts["work_visible"] == _shows("/work")
    assert facts["tmp_visible"] == _shows("/tmp")
    assert facts["repo_on_path"] == 0
    assert facts["can_connect"] == 0
    assert not _can_start(isolated_sandbox, "try_fork")
    assert not _can_start(isolated_sandbox, "try_thread")
    assert facts["can_write_here"] == 1


@pytest.mark.parametrize("isolate", [None, False], ids=["auto", "fallback"])
def test_clean_environment_and_single_threaded_blas(isolate, monkeypatch):
    monkeypatch.setenv("GRADER_TEST_SECRET", "do-not-leak")
    with Sandbox(isolate=isolate) as box:
        facts = _facts(box)
    assert facts["secret_in_env"] == 0
    assert facts["omp_threads"] == facts["openblas_threads"] == 1
    assert facts["files_here"] == 1


def test_each_call_gets_fresh_inputs(sandbox):
    x = np.ones(3)
    run = _run(sandbox, "double_in_place", [Call((x,)), Call((x,))])
    assert [float(c.value) for c in run.calls] == [6.0, 6.0]
    assert (x == 1).all()


def test_exception_points_at_the_students_line(sandbox):
    run = _run(sandbox, "explode", [Call((1,))])
    error = run.calls[0].error
    line = PROBE.decode().splitlines().index('    return helper["b"] + x') + 1
    assert (error.type, error.line, error.in_function) == ("KeyError", line, "explode")
    assert (
        error.describe("probe.py")
        == f"KeyError: 'b' at probe.py:{line} (`return helper[\"b\"] + x`)"
    )


def test_printed_text_comes_back_separately(sandbox):
    run = _run(sandbox, "shout", [Call((2,))])
    assert run.printed == "hello from the student\n" and int(run.calls[0].value) == 2


def test_missing_function(sandbox):
    run = _run(sandbox, "no_such_function", [Call()])
    assert run.missing_function and not run.calls


def test_result_size_limit(sandbox):
    run = _run(sandbox, "double_in_place", [Call((np.ones(10),))] * 50, result_bytes=1000)
    assert run.status == "result_too_large"


def test_zygote_restarts_after_being_killed():
    with Sandbox() as box:
        os.kill(box._process.pid, signal.SIGKILL)
        box._process.wait()
        run = _run(box, "shout", [Call((3,))])
        assert int(run.calls[0].value) == 3


def test_sandbox_that_cannot_start_raises():
    box = Sandbox(python="/nonexistent/python")
    with pytest.raises(SandboxError, match="did not start"):
        box.start()
    box.close()


def _message(header, arrays=()):
    blobs = []
    for array in arrays:
        buffer = io.BytesIO()
        np.save(buffer, array, allow_pickle=True)
        blobs.append(buffer.getvalue())
    return _zygote.pack_message(header, blobs)


MALFORMED = [
    ("empty", b"", "no_result"),
    ("not-a-message", b"hello world", "bad_result"),
    ("header-too-long", b"GRD1\xff\xff\xff\x00{}", "bad_result"),
    ("not-json", b"GRD1\x03\x00\x00\x00abc", "bad_result"),
    ("wrong-call-count", _message({"calls": []}), "bad_result"),
    ("blob-sizes-lie", _zygote.pack_message({"calls": []}, [b"x"])[:-1], "bad_result"),
]


@pytest.mark.parametrize(
    ("data", "status"), [(d, s) for _, d, s in MALFORMED], ids=[m[0] for m in MALFORMED]
)
def test_malformed_results_are_rejected(data, status):
    assert decode_result(data, n_calls=1).status == status


VALUES = [
    # A pickled object array is refused by np.load(allow_pickle=False) itself.
    ("object-array", {"array": 0}, [np.array([object()], dtype=object)], "an unreadable array"),
    ("string-array", {"array": 0}, [np.array(["a"])], "a non-numeric array"),
    ("bad-index", {"array": 5}, [], "a malformed result"),
    ("unknown-node", {"pickle": "x"}, [], "a malformed result"),
    ("unsupported", {"unsupported": "Foo"}, [], "Foo"),
]


@pytest.mark.parametrize(
    ("node", "arrays", "what"), [v[1:] for v in VALUES], ids=[v[0] for v in VALUES]
)
def test_values_that_are_not_numbers_become_unsupported(node, arrays, what):
    run = decode_result(_message({"calls": [{"ok": True, "value": node}]}, arrays), n_calls=1)
    assert run.status == "finished"
    assert isinstance(run.calls[0].value, Unsupported) and run.calls[0].value.what == what


def test_nested_values_round_trip():
    blobs: list[bytes] = []
    node = _zygote._encode({"a": (np.arange(3.0), 2.5), "b": [True, 1]}, blobs)
    run = decode_result(_zygote.pack_message({"calls": [{"ok": True, "value": node}]}, blobs), 1)
    value = run.calls[0].value
    assert value["a"][0].tolist() == [0.0, 1.0, 2.0] and float(value["a"][1]) == 2.5
    assert isinstance(value["a"], tuple) and isinstance(value["b"], list)


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=300))
def test_random_bytes_never_crash_the_decoder(data):
    assert decode_result(b"GRD1" + data, n_calls=1).status in {"bad_result", "finished"}


def test_no_trace_of_an_earlier_students_code_results_or_output(fallback_sandbox):
    """The zygote never holds a student's source, results or printed text (they
    travel in descriptors between the grader and the child), so a later child,
    forked from the zygote, cannot find them in its memory. Needs /proc, so it
    runs in the fallback sandbox; the positive control shows the scan works."""
    marker = b"SECRET-ANSWER-" + os.urandom(8).hex().encode()
    halves = (np.frombuffer(marker[:12], np.uint8), np.frombuffer(marker[12:], np.uint8))
    secret = (
        "import numpy as np\n"
        f"SECRET = {marker!r}\n"
        "def answer():\n"
        "    print(SECRET.decode())\n"
        "    return np.frombuffer(SECRET, np.uint8)\n"
    ).encode()
    scanner = (FILES / "students" / "memory_scan.py").read_bytes()
    limits = SandboxLimits(wall_seconds=20, cpu_seconds=20)

    def run(source: bytes, function: str, args=()):
        return fallback_sandbox.run(
            source=source, filename="s.py", function=function, calls=[Call(args)], limits=limits
        )

    earlier = run(secret, "answer")
    assert marker.decode() in earlier.printed
    assert bytes(earlier.calls[0].value) == marker
    later = run(scanner, "scan", halves)
    assert later.calls[0].ok, later.calls[0].error
    assert float(later.calls[0].value) == 0.0
    control = run(scanner + f"\nSECRET = {marker!r}\n".encode(), "scan", halves)
    assert float(control.calls[0].value) == 1.0


def test_a_set_up_failure_is_the_sandboxs_not_the_students(sandbox):
    run = _run(sandbox, "shout", [Call((1,))], output_bytes=10**30)  # setrlimit rejects it
    assert run.status == "harness_error" and "OverflowError" in run.detail


@pytest.mark.skipif(os.geteuid() != 0, reason="needs root")
def test_root_without_namespaces_still_drops_to_a_fresh_uid():
    """Root without CAP_SYS_ADMIN (a default Docker container): no jail, but the
    child still runs as a fresh uid that cannot fork. The zygote runs in a fork
    of this process, told the Python installation is world-readable (here it is
    under /root, mode 700, so a real zygote keeps root and says so)."""
    import socket as sockets

    ours, theirs = sockets.socketpair()
    pid = os.fork()
    if pid == 0:  # the zygote
        ours.close()
        _zygote._world_traversable = lambda path: True
        try:
            _zygote.Zygote(theirs.fileno(), "off", None).serve()
        finally:
            os._exit(0)
    theirs.close()

    class _Forked:  # the Popen-like handle Sandbox keeps
        stderr = None

        def poll(self):
            return None

        def wait(self, timeout=None):
            os.waitpid(pid, 0)

    box = Sandbox(isolate=False)
    box._socket, box._process = ours, _Forked()
    box.info, _ = _zygote.unpack_message(_zygote.recv_framed(ours.fileno()))
    try:
        assert "unprivileged-uid" in box.info["isolation"]
        facts = _facts(box)
        assert facts["uid"] >= 1_000_000
        assert not _can_start(box, "try_fork") and not _can_start(box, "try_thread")
        assert facts["can_write_here"] == 1 and facts["files_here"] == 1
    finally:
        box.close()


def test_world_traversable(tmp_path):
    inner = tmp_path / "a" / "b"
    inner.mkdir(parents=True)
    (tmp_path / "a").chmod(0o755)
    assert _zygote._world_traversable(str(inner)) is _zygote._world_traversable(str(tmp_path))
    (tmp_path / "a").chmod(0o700)
    assert not _zygote._world_traversable(str(inner))
