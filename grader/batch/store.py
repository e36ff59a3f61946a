"""The result store of a batch: ``OUT/results/<name>.json``, one record per
submission, the single source of truth of an ``--out`` folder.

- **Atomic**: each record (and every other file) is written to a temp file in
  the same folder, fsynced, then ``os.replace``d, so a file is either absent
  or complete, whatever happens (Ctrl-C, ``kill -9``, a power cut).
- **Resumable**: a record carries the **key** of its inputs (the submission's
  files, the rubric and the files it names, the grader version); a run
  reuses every record whose key still matches and grades the rest.
- **Locked**: one run at a time per out folder (a lock on ``OUT/.lock``);
  a second run is refused with a one-line error instead of interleaving.

Executors never write records: they return outcomes and the client (this
process) writes them, so a Dask batch has one writer like a local one.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from grader import __version__
from grader.errors import InputError

RECORD_SCHEMA = "grader.batch/1"

# Out folders this process holds (a POSIX lock does not stop the same process).
_HELD: set[Path] = set()


# --- keys ----------------------------------------------------------------------


def rubric_sha256(rubric_path: Path) -> str:
    """sha256 of the rubric file and of each file next to it that it names
    (reference code, a context file): a change to any of them regrades all."""
    digest = hashlib.sha256()
    text = rubric_path.read_bytes()
    digest.update(text)
    decoded = text.decode("utf-8", errors="replace")
    for sibling in sorted(rubric_path.parent.iterdir()):
        if sibling.is_file() and sibling != rubric_path and sibling.name in decoded:
            digest.update(sibling.name.encode() + b"\0")
            digest.update(hashlib.sha256(sibling.read_bytes()).digest())
    return digest.hexdigest()


def result_key(submission_hash: str, rubric_hash: str, version: str = __version__) -> str:
    return hashlib.sha256(f"{submission_hash}:{rubric_hash}:{version}".encode()).hexdigest()


# --- writing files safely ------------------------------------------------------


# The process's umask, read once at import (reading it means setting it).
_UMASK = os.umask(0o022)
os.umask(_UMASK)


def write_atomic(
    path: Path, data: str | bytes, *, fsync: bool = True, sync_dir: bool | None = None
) -> None:
    """Write ``path`` so that it is either the old file or the whole new one,
    never half-written: a temp file in the same folder, fsync, ``os.replace``,
    then (``sync_dir``, default: as ``fsync``) fsync of the folder so that the
    rename itself survives a power cut."""
    path.parent.mkdir(parents=True, exist_ok=True)
    payload = data.encode("utf-8") if isinstance(data, str) else data
    fd, temp = tempfile.mkstemp(prefix=".tmp-", dir=path.parent)
    try:
        os.fchmod(fd, 0o666 & ~_UMASK)  # mkstemp makes 0600; results follow the umask
        with os.fdopen(fd, "wb") as handle:
            handle.write(payload)
            if fsync:
                handle.flush()
                os.fsync(handle.fileno())
        os.replace(temp, path)
    except BaseException:
        try:
            os.unlink(temp)
        except FileNotFoundError:
            pass
        raise
    if fsync if sync_dir is None else sync_dir:
        fsync_dir(path.parent)


def fsync_dir(folder: Path) -> None:
    """Flush a folder's entries (renames) to disk, where the OS allows it."""
    try:
        dir_fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(dir_fd)
    except OSError:
        pass
    finally:
        os.close(dir_fd)


def remove_temp_files(out_dir: Path) -> None:
    """Temp files a killed run left behind (never a result: renames are atomic)."""
    for temp in out_dir.rglob(".tmp-*"):
        try:
            temp.unlink()
        except OSError:
            pass


def read_record(path: Path) -> dict | None:
    """A result record, or None if it is missing, unreadable or of another schema."""
    try:
        with path.open(encoding="utf-8") as handle:
            record = json.load(handle)
    except (OSError, ValueError):
        return None
    if not isinstance(record, dict) or record.get("schema") != RECORD_SCHEMA:
        return None
    return record


# --- the store -----------------------------------------------------------------


@dataclass
class ResultStore:
    """``OUT/results/<name>.json`` records, written by one run at a time."""

    out_dir: Path

    def __post_init__(self) -> None:
        self._lock_fd: int | None = None
        self._last_dir_sync = time.monotonic()

    @property
    def results_dir(self) -> Path:
        return self.out_dir / "results"

    def path(self, name: str) -> Path:
        return self.results_dir / f"{name}.json"

    def open(self) -> None:
        """Create the folder, take the lock, clear a killed run's temp files."""
        self.out_dir.mkdir(parents=True, exist_ok=True)
        held = self.out_dir.resolve()
        if held in _HELD:
            raise InputError(
                f"another grader run is writing to this folder (pid {os.getpid()}); "
                "wait for it or choose another --out",
                path=str(self.out_dir),
            )
        fd = os.open(self.out_dir / ".lock", os.O_RDWR | os.O_CREAT, 0o644)
        try:
            # A POSIX record lock, not flock: it belongs to this process, so
            # forked workers do not inherit it and a kill -9 releases it at once.
            fcntl.lockf(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            holder = os.read(fd, 64).decode(errors="replace").strip()
            os.close(fd)
            raise InputError(
                "another grader run is writing to this folder"
                + (f" (pid {holder})" if holder else "")
                + "; wait for it or choose another --out",
                path=str(self.out_dir),
            ) from None
        os.ftruncate(fd, 0)
        os.write(fd, str(os.getpid()).encode())
        self._lock_fd = fd
        _HELD.add(held)
        remove_temp_files(self.out_dir)

    def close(self) -> None:
        """Flush the folder's renames and release the lock."""
        if self.results_dir.is_dir():
            fsync_dir(self.results_dir)
        if self._lock_fd is not None:
            fcntl.lockf(self._lock_fd, fcntl.LOCK_UN)
            os.close(self._lock_fd)
            self._lock_fd = None
            _HELD.discard(self.out_dir.resolve())

    def __enter__(self) -> ResultStore:
        self.open()
        return self

    def __exit__(self, *exc_info) -> None:
        self.close()

    def read(self, name: str) -> dict | None:
        return read_record(self.path(name))

    def reusable(self, name: str, key: str) -> dict | None:
        """The record of ``name`` if it was made from the same inputs (``key``)."""
        record = self.read(name)
        return record if record is not None and record.get("key") == key else None

    def write(self, name: str, record: dict) -> None:
        """Write one record atomically. Its data is fsynced every time; the
        folder (the rename) at most once a second and at ``close`` - a rename
        lost to a power cut only means that sheet is graded again."""
        now = time.monotonic()
        sync_dir = now - self._last_dir_sync >= 1.0
        if sync_dir:
            self._last_dir_sync = now
        write_atomic(
            self.path(name),
            json.dumps({"schema": RECORD_SCHEMA, **record}, ensure_ascii=False),
            sync_dir=sync_dir,
        )
