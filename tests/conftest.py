"""Fixtures shared across test areas."""

from __future__ import annotations

import struct
import zlib

import pytest
from hypothesis import settings

# No wall-clock limits in tests (hypothesis's per-example deadline is one): a
# loaded CI machine must not turn a slow example into a failure.
settings.register_profile("grader", deadline=None, print_blob=True)
settings.load_profile("grader")


def _decode_png(data: bytes) -> tuple[int, int, int, list[bytes]]:
    """Decode an 8-bit RGB/RGBA PNG (enough for Chromium's screenshots)."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    pos, idat, width = 8, b"", 0
    while pos < len(data):
        (length,) = struct.unpack(">I", data[pos : pos + 4])
        kind, body = data[pos + 4 : pos + 8], data[pos + 8 : pos + 8 + length]
        if kind == b"IHDR":
            width, height, depth, colour = struct.unpack(">IIBB", body[:10])
            assert depth == 8 and colour in (2, 6)
            channels = 3 if colour == 2 else 4
        elif kind == b"IDAT":
            idat += body
        pos += 12 + length
    raw = zlib.decompress(idat)
    stride = width * channels
    rows, previous = [], bytearray(stride)
    for y in range(height):
        line = raw[y * (stride + 1) : (y + 1) * (stride + 1)]
        kind, row = line[0], bytearray(line[1:])
        for i in range(stride):
            a = row[i - channels] if i >= channels else 0
            b = previous[i]
            c = previous[i - channels] if i >= channels else 0
            if kind == 1:
                row[i] = (row[i] + a) & 255
            elif kind == 2:
                row[i] = (row[i] + b) & 255
            elif kind == 3:
                row[i] = (row[i] + (a + b) // 2) & 255
            elif kind == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                row[i] = (row[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
        rows.append(bytes(row))
        previous = row
    return width, height, channels, rows


@pytest.fixture(scope="session")
def decode_png():
    """``decode_png(data) -> (width, height, channels, rows)`` for 8-bit RGB(A) PNGs."""
    return _decode_png


@pytest.fixture(scope="session")
def graded_out(tmp_path_factory):
    """The bundled example class graded once with `grader grade --out`: the
    results folder (tests that change it copy it first)."""
    import subprocess
    import sys
    from pathlib import Path

    root = Path(__file__).resolve().parents[1]
    out = tmp_path_factory.mktemp("graded-class") / "out"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "grader",
            "grade",
            str(root / "submissions"),
            "--rubric",
            str(root / "rubrics" / "ml-exam.yaml"),
            "--out",
            str(out),
        ],
        check=True,
        capture_output=True,
    )
    return out
