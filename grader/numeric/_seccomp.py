"""A seccomp filter for the sandbox's children: the system calls a NumPy
function never needs are refused (or end the process).

Loaded by ``_zygote.py`` by file path (the zygote imports nothing of the
grader); standard library only. The filter is a small classic-BPF program
built here and installed with ``prctl(PR_SET_SECCOMP)`` -- no libseccomp.
It needs ``no_new_privs`` (set by the child before) and a kernel with
seccomp filters (3.5+; ``SECCOMP_RET_KILL_PROCESS``: 4.14+); on other
architectures than x86-64 and AArch64 :func:`supported` says no and the
child runs without a filter (the hello's notes say so).

What it does, in the child, after set-up and before the student's code:

- refused with ``EPERM``: kernel keyrings (``keyctl``, ``add_key``,
  ``request_key``), ``ptrace`` and reading other processes' memory, ``bpf``,
  ``perf_event_open``, every mount call, ``unshare``/``setns``/``chroot``,
  ``io_uring``, ``userfaultfd``, System V IPC (shared memory, semaphores,
  message queues: memory no ``RLIMIT_AS`` counts) and POSIX message queues,
  modules, kexec, reboot, swap, clocks, host names, ``mknod``, file handles;
  ``socket`` for anything but ``AF_UNIX``; ``clone`` with namespace flags;
  ``prctl(PR_SET_PDEATHSIG)`` (the child dies with the zygote);
- ``clone3`` answers ``ENOSYS`` (its flags are out of a filter's reach;
  the C library then falls back to ``clone``);
- with ``processes == 1`` (no process, no thread): ``fork``, ``vfork`` and
  ``clone`` end the process with ``SIGSYS`` -- a run that tries to start a
  process broke its process limit, and earns nothing for that test;
- x32 system calls (x86-64 numbers with bit 30 set) are refused, and a call
  from another architecture ends the process.
"""

from __future__ import annotations

import ctypes
import errno
import functools
import platform
import struct

__all__ = ["install", "supported"]

# Offsets in struct seccomp_data: int nr; u32 arch; u64 ip; u64 args[6].
_NR, _ARCH, _ARG0 = 0, 4, 16
_LD_W_ABS = 0x20
_JEQ, _JGE, _JSET = 0x15, 0x35, 0x45  # BPF_JMP | op | BPF_K
_RET = 0x06
_KILL_PROCESS = 0x80000000
_ERRNO = 0x00050000
_ALLOW = 0x7FFF0000
_PR_SET_SECCOMP, _SECCOMP_MODE_FILTER = 22, 2
_PR_GET_SECCOMP = 21
_AF_UNIX = 1
_PR_SET_PDEATHSIG = 1
_CLONE_NAMESPACES = (
    0x00020000  # CLONE_NEWNS
    | 0x02000000  # CLONE_NEWCGROUP
    | 0x04000000  # CLONE_NEWUTS
    | 0x08000000  # CLONE_NEWIPC
    | 0x10000000  # CLONE_NEWUSER
    | 0x20000000  # CLONE_NEWPID
    | 0x40000000  # CLONE_NEWNET
    | 0x00000080  # CLONE_NEWTIME
)

_REFUSED = (
    "keyctl add_key request_key ptrace process_vm_readv process_vm_writev kcmp "
    "pidfd_getfd pidfd_open process_madvise bpf perf_event_open mount umount2 "
    "pivot_root move_mount open_tree fsopen fsconfig fsmount fspick mount_setattr "
    "unshare setns chroot io_uring_setup io_uring_enter io_uring_register userfaultfd "
    "shmget shmat shmctl shmdt semget semop semctl semtimedop msgget msgsnd msgrcv "
    "msgctl mq_open memfd_secret kexec_load kexec_file_load init_module finit_module "
    "delete_module reboot swapon swapoff acct syslog mknod mknodat sethostname "
    "setdomainname iopl ioperm quotactl quotactl_fd lookup_dcookie name_to_handle_at "
    "open_by_handle_at fanotify_init settimeofday clock_settime adjtimex "
    "clock_adjtime vhangup uselib"
).split()

# System call numbers (asm/unistd_64.h; asm-generic/unistd.h for AArch64).
_X86_64 = {
    "keyctl": 250, "add_key": 248, "request_key": 249, "ptrace": 101, "bpf": 321,
    "perf_event_open": 298, "mount": 165, "umount2": 166, "pivot_root": 155,
    "move_mount": 429, "open_tree": 428, "fsopen": 430, "fsconfig": 431, "fsmount": 432,
    "fspick": 433, "mount_setattr": 442, "unshare": 272, "setns": 308,
    "io_uring_setup": 425, "io_uring_enter": 426, "io_uring_register": 427,
    "userfaultfd": 323, "process_vm_readv": 310, "process_vm_writev": 311, "kcmp": 312,
    "pidfd_getfd": 438, "pidfd_open": 434, "process_madvise": 440, "kexec_load": 246,
    "kexec_file_load": 320, "init_module": 175, "finit_module": 313, "delete_module": 176,
    "reboot": 169, "swapon": 167, "swapoff": 168, "acct": 163, "syslog": 103, "chroot": 161,
    "mknod": 133, "mknodat": 259, "sethostname": 170, "setdomainname": 171, "iopl": 172,
    "ioperm": 173, "quotactl": 179, "quotactl_fd": 443, "lookup_dcookie": 212,
    "name_to_handle_at": 303, "open_by_handle_at": 304, "fanotify_init": 300,
    "settimeofday": 164, "clock_settime": 227, "adjtimex": 159, "clock_adjtime": 305,
    "vhangup": 153, "uselib": 134, "shmget": 29, "shmat": 30, "shmctl": 31, "shmdt": 67,
    "semget": 64, "semop": 65, "semctl": 66, "semtimedop": 220, "msgget": 68, "msgsnd": 69,
    "msgrcv": 70, "msgctl": 71, "mq_open": 240, "memfd_secret": 447, "clone": 56,
    "clone3": 435, "fork": 57, "vfork": 58, "socket": 41, "prctl": 157,
}  # fmt: skip
_AARCH64 = {
    "keyctl": 219, "add_key": 217, "request_key": 218, "ptrace": 117, "bpf": 280,
    "perf_event_open": 241, "mount": 40, "umount2": 39, "pivot_root": 41, "move_mount": 429,
    "open_tree": 428, "fsopen": 430, "fsconfig": 431, "fsmount": 432, "fspick": 433,
    "mount_setattr": 442, "unshare": 97, "setns": 268, "io_uring_setup": 425,
    "io_uring_enter": 426, "io_uring_register": 427, "userfaultfd": 282,
    "process_vm_readv": 270, "process_vm_writev": 271, "kcmp": 272, "pidfd_getfd": 438,
    "pidfd_open": 434, "process_madvise": 440, "kexec_load": 104, "kexec_file_load": 294,
    "init_module": 105, "finit_module": 273, "delete_module": 106, "reboot": 142,
    "swapon": 224, "swapoff": 225, "acct": 89, "syslog": 116, "chroot": 51, "mknodat": 33,
    "sethostname": 161, "setdomainname": 162, "quotactl": 60, "quotactl_fd": 443,
    "lookup_dcookie": 18, "name_to_handle_at": 264, "open_by_handle_at": 265,
    "fanotify_init": 262, "settimeofday": 170, "clock_settime": 112, "adjtimex": 171,
    "clock_adjtime": 266, "vhangup": 58, "shmget": 194, "shmat": 196, "shmctl": 195,
    "shmdt": 197, "semget": 190, "semop": 193, "semctl": 191, "semtimedop": 192,
    "msgget": 186, "msgsnd": 189, "msgrcv": 188, "msgctl": 187, "mq_open": 180,
    "memfd_secret": 447, "clone": 220, "clone3": 435, "socket": 198, "prctl": 167,
}  # fmt: skip
_ARCHES = {
    "x86_64": (0xC000003E, _X86_64),  # AUDIT_ARCH_X86_64
    "aarch64": (0xC00000B7, _AARCH64),  # AUDIT_ARCH_AARCH64
}


def _arch() -> tuple[int, dict[str, int]] | None:
    return _ARCHES.get(platform.machine().lower())


def supported() -> bool:
    """Whether this kernel and architecture can take the filter."""
    if _arch() is None:
        return False
    libc = ctypes.CDLL(None, use_errno=True)
    return libc.prctl(_PR_GET_SECCOMP, 0, 0, 0, 0) >= 0


@functools.lru_cache(maxsize=4)
def program(processes: int) -> bytes:
    """The filter as BPF instructions (``struct sock_filter`` array)."""
    arch, numbers = _arch()
    code: list[tuple[int, int | str, int | str, int]] = []  # (op, jt, jf, k); labels resolved below
    labels: dict[str, int] = {}

    def emit(op: int, k: int, jt: int | str = 0, jf: int | str = 0) -> None:
        code.append((op, jt, jf, k))

    def label(name: str) -> None:
        labels[name] = len(code)

    emit(_LD_W_ABS, _ARCH)
    emit(_JEQ, arch, jt=1)
    emit(_RET, _KILL_PROCESS)
    emit(_LD_W_ABS, _NR)
    if numbers is _X86_64:
        emit(_JGE, 0x40000000, jt="refuse")  # the x32 ABI: the same calls, other numbers
    for name in _REFUSED:
        if name in numbers:
            emit(_JEQ, numbers[name], jt="refuse")
    emit(_JEQ, numbers["clone3"], jt="no_such_call")
    for name in ("fork", "vfork"):
        if name in numbers:
            emit(_JEQ, numbers[name], jt="kill" if processes <= 1 else "allow")
    emit(_JEQ, numbers["clone"], jt="clone")
    emit(_JEQ, numbers["socket"], jt="socket")
    emit(_JEQ, numbers["prctl"], jt="prctl")
    emit(_RET, _ALLOW)
    label("clone")
    if processes <= 1:
        emit(_RET, _KILL_PROCESS)  # no process and no thread (RLIMIT_NPROC says the same)
    else:
        emit(_LD_W_ABS, _ARG0)
        emit(_JSET, _CLONE_NAMESPACES, jt="refuse")
        emit(_RET, _ALLOW)
    label("socket")
    emit(_LD_W_ABS, _ARG0)
    emit(_JEQ, _AF_UNIX, jt="allow", jf="refuse")
    label("prctl")
    emit(_LD_W_ABS, _ARG0)
    emit(_JEQ, _PR_SET_PDEATHSIG, jt="refuse", jf="allow")
    label("refuse")
    emit(_RET, _ERRNO | errno.EPERM)
    label("no_such_call")
    emit(_RET, _ERRNO | errno.ENOSYS)
    label("kill")
    emit(_RET, _KILL_PROCESS)
    label("allow")
    emit(_RET, _ALLOW)

    out = []
    for index, (op, jt, jf, k) in enumerate(code):
        jumps = [labels[j] - index - 1 if isinstance(j, str) else j for j in (jt, jf)]
        if not all(0 <= j < 256 for j in jumps):
            raise ValueError("seccomp filter: jump out of range")
        out.append(struct.pack("<HBBI", op, jumps[0], jumps[1], k & 0xFFFFFFFF))
    return b"".join(out)


class _SockFprog(ctypes.Structure):
    _fields_ = [("len", ctypes.c_ushort), ("filter", ctypes.c_void_p)]


def install(*, processes: int) -> None:
    """Install the filter on this process (``no_new_privs`` must be set);
    ``OSError`` when the kernel refuses it."""
    program_bytes = program(processes)
    buffer = ctypes.create_string_buffer(program_bytes, len(program_bytes))
    fprog = _SockFprog(len(program_bytes) // 8, ctypes.cast(buffer, ctypes.c_void_p))
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.prctl(_PR_SET_SECCOMP, _SECCOMP_MODE_FILTER, ctypes.byref(fprog), 0, 0) != 0:
        code = ctypes.get_errno()
        raise OSError(code, f"seccomp filter: {errno.errorcode.get(code, code)}")


def syscall_number(name: str) -> int | None:
    """The number of system call ``name`` on this architecture, if known."""
    arch = _arch()
    return None if arch is None else arch[1].get(name)
