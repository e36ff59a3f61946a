"""Reading a submission's files without following links.

A student controls what their submission folder holds: a ``linreg.py`` that
is a symbolic link to a classmate's file, or to a file only the grader may
read, must never be read (it would earn the classmate's marks, or put the
other file's text into a report). Every read of a submission's file goes
through :func:`read_regular_file`: the file is opened with ``O_NOFOLLOW``
(a link fails, there is no window between a check and the open), must be a
regular file (not a FIFO, device or folder) and is read up to a size limit.
"""

from __future__ import annotations

import errno
import os
import stat
from pathlib import Path

__all__ = ["NotARegularFile", "describe_non_regular", "read_regular_file"]


class NotARegularFile(OSError):
    """The path is a link, a folder, a FIFO, a device ... : never read."""

    def __init__(self, path: Path, what: str):
        self.what = what
        super().__init__(errno.EINVAL, f"{Path(path).name} is {what}, not a plain file", str(path))


def describe_non_regular(path: Path) -> str | None:
    """What ``path`` is when it is not a plain file (``"a symbolic link"``);
    None for a plain file. Uses ``lstat``: a link is never followed."""
    try:
        mode = os.lstat(path).st_mode
    except OSError:
        return None
    if stat.S_ISREG(mode):
        return None
    if stat.S_ISLNK(mode):
        return "a symbolic link"
    if stat.S_ISDIR(mode):
        return "a folder"
    return "a special file"


def read_regular_file(path: Path, *, limit: int | None = None) -> bytes:
    """The bytes of the plain file at ``path``, opened without following a
    link in its last component. ``NotARegularFile`` for a link, folder, FIFO or
    device; ``OSError`` (``EFBIG``) when it holds more than ``limit`` bytes."""
    flags = os.O_RDONLY | os.O_NOFOLLOW | os.O_CLOEXEC | os.O_NONBLOCK | os.O_NOCTTY
    try:
        fd = os.open(path, flags)
    except OSError as error:
        if error.errno == errno.ELOOP:
            raise NotARegularFile(path, "a symbolic link") from None
        raise
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise NotARegularFile(
                path, "a folder" if stat.S_ISDIR(info.st_mode) else "a special file"
            )
        if limit is not None and info.st_size > limit:
            raise OSError(errno.EFBIG, f"over the {limit}-byte limit", str(path))
        chunks, size = [], 0
        while chunk := os.read(fd, 1 << 20):
            chunks.append(chunk)
            size += len(chunk)
            if limit is not None and size > limit:
                raise OSError(errno.EFBIG, f"over the {limit}-byte limit", str(path))
        return b"".join(chunks)
    finally:
        os.close(fd)
