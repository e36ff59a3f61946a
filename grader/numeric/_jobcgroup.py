"""A memory cgroup per sandbox job, where the machine offers one.

Loaded by ``_zygote.py`` by file path (standard library only). The zygote
opens its own memory cgroup's folder before it enters its jail (there is no
``/sys`` in there) and, per job, makes a child cgroup with a memory limit;
the job's child joins it (writing ``0`` -- itself -- to ``cgroup.procs``)
before it drops privileges. After the job, the cgroup's counters say whether
the limit was hit (cgroup v1 ``memory.failcnt``, v2 ``memory.events``), and
the cgroup is removed.

It counts what the address-space limit does not: pages of files in the job's
tmpfs, pipe and socket buffers, memory a process maps from elsewhere. Used
when the zygote can write there: root, with cgroup v1's memory hierarchy or
a cgroup v2 folder whose ``cgroup.subtree_control`` has ``memory``. Names
are ``grader-<zygote pid>-<n>``; a crashed zygote's are removed by the next.
"""

from __future__ import annotations

import errno
import os
import time

__all__ = ["MemoryCgroups"]

_ROOT = "/sys/fs/cgroup"


class MemoryCgroups:
    def __init__(self, folder_fd: int, version: int):
        self.folder_fd = folder_fd
        self.version = version
        self.prefix = f"grader-{os.getpid()}-"

    @classmethod
    def open(cls) -> MemoryCgroups | None:
        """Our memory cgroup's folder, when we may make cgroups in it; else None."""
        try:
            with open("/proc/self/cgroup") as handle:
                lines = handle.read().splitlines()
        except OSError:
            return None
        for line in lines:
            hierarchy, controllers, path = (line.split(":", 2) + ["", ""])[:3]
            if hierarchy == "0" and not controllers:
                folder, version = _ROOT + path, 2
                try:
                    with open(os.path.join(folder, "cgroup.subtree_control")) as handle:
                        if "memory" not in handle.read().split():
                            continue
                except OSError:
                    continue
            elif "memory" in controllers.split(","):
                folder, version = os.path.join(_ROOT, "memory") + path, 1
            else:
                continue
            try:
                fd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
            except OSError:
                continue
            cgroups = cls(fd, version)
            try:
                cgroups.remove(cgroups.create("probe", 64 << 20))
                cgroups.sweep()
                return cgroups
            except OSError:
                os.close(fd)
        return None

    def create(self, name: str, limit_bytes: int) -> str:
        """Make the cgroup ``name`` (under our prefix) limited to ``limit_bytes``."""
        name = self.prefix + name
        os.mkdir(name, 0o755, dir_fd=self.folder_fd)
        try:
            if self.version == 2:
                self._write(name, "memory.max", str(limit_bytes))
                try:  # no swap either (absent without swap accounting)
                    self._write(name, "memory.swap.max", "0")
                except OSError:
                    pass
            else:
                self._write(name, "memory.limit_in_bytes", str(limit_bytes))
                try:  # memory + swap: only with swap accounting on
                    self._write(name, "memory.memsw.limit_in_bytes", str(limit_bytes))
                except OSError:
                    pass
        except OSError:
            self.remove(name)
            raise
        return name

    def join_fd(self, name: str) -> int:
        """A descriptor on the cgroup's ``cgroup.procs``: writing ``0`` moves the writer in."""
        return os.open(f"{name}/cgroup.procs", os.O_WRONLY | os.O_CLOEXEC, dir_fd=self.folder_fd)

    def limit_hit(self, name: str) -> bool:
        try:
            if self.version == 2:
                events = dict(
                    line.split() for line in self._read(name, "memory.events").splitlines()
                )
                return int(events.get("max", 0)) > 0 or int(events.get("oom_kill", 0)) > 0
            return int(self._read(name, "memory.failcnt")) > 0
        except (OSError, ValueError):
            return False

    def remove(self, name: str) -> None:
        """Remove an emptied cgroup (its last process may take a moment to go)."""
        for _ in range(200):
            try:
                os.rmdir(name, dir_fd=self.folder_fd)
                return
            except FileNotFoundError:
                return
            except OSError as error:
                if error.errno != errno.EBUSY:
                    raise
                time.sleep(0.001)

    def sweep(self) -> None:
        """Remove the cgroups a zygote that is gone left behind."""
        for name in os.listdir(self.folder_fd):
            parts = name.split("-")
            if len(parts) < 3 or parts[0] != "grader" or not parts[1].isdigit():
                continue
            try:
                os.kill(int(parts[1]), 0)
                continue
            except ProcessLookupError:
                pass
            except PermissionError:
                continue
            try:
                os.rmdir(name, dir_fd=self.folder_fd)
            except OSError:
                pass

    def _write(self, name: str, file: str, value: str) -> None:
        fd = os.open(f"{name}/{file}", os.O_WRONLY | os.O_CLOEXEC, dir_fd=self.folder_fd)
        try:
            os.write(fd, value.encode())
        finally:
            os.close(fd)

    def _read(self, name: str, file: str) -> str:
        fd = os.open(f"{name}/{file}", os.O_RDONLY | os.O_CLOEXEC, dir_fd=self.folder_fd)
        try:
            return os.read(fd, 4096).decode()
        finally:
            os.close(fd)
