"""Looks through its own process memory for a byte string given in two halves
(so the whole string is never built here): 1.0 when found."""

import numpy as np


def scan(first_half, second_half):
    head = bytes(np.asarray(first_half, dtype=np.uint8))
    tail = bytes(np.asarray(second_half, dtype=np.uint8))
    found = 0.0
    with open("/proc/self/maps") as maps, open("/proc/self/mem", "rb", 0) as memory:
        for line in maps:
            fields = line.split()
            start, end = (int(x, 16) for x in fields[0].split("-"))
            if not fields[1].startswith("r") or end - start > 256 * 1024 * 1024:
                continue
            if len(fields) > 5 and fields[5].startswith("[v"):  # [vvar], [vsyscall]
                continue
            try:
                memory.seek(start)
                chunk = memory.read(end - start)
            except (OSError, ValueError, OverflowError):
                continue
            index = chunk.find(head)
            while index >= 0:
                if chunk[index + len(head) : index + len(head) + len(tail)] == tail:
                    found = 1.0
                index = chunk.find(head, index + 1)
    return np.array(found)
