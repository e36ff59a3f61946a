"""Progress of a batch on stderr: a bar on a terminal, plain lines in a log."""

from __future__ import annotations

import time
from typing import TextIO


class Progress:
    """Progress on stderr: a bar with count, rate and time left on a terminal;
    a plain line every 5% (or 10 s) otherwise."""

    def __init__(self, total: int, *, stream: TextIO | None, already_done: int = 0) -> None:
        self.total = total
        self.stream = stream
        self.tty = bool(stream is not None and hasattr(stream, "isatty") and stream.isatty())
        self.done = already_done
        self.start_done = already_done
        self.failed = 0
        self.started = time.monotonic()
        self._last_draw = 0.0
        self._last_line_count = already_done
        self._step = max(1, total // 20)

    def advance(self, *, failed: bool = False) -> None:
        self.done += 1
        self.failed += int(failed)
        self.draw()

    def _figures(self) -> tuple[float, float | None]:
        elapsed = max(time.monotonic() - self.started, 1e-9)
        rate = (self.done - self.start_done) / elapsed
        left = (self.total - self.done) / rate if rate > 0 else None
        return rate, left

    @staticmethod
    def _clock(seconds: float | None) -> str:
        if seconds is None:
            return "?"
        seconds = int(seconds + 0.5)
        return f"{seconds // 60}:{seconds % 60:02d}"

    def draw(self, *, final: bool = False) -> None:
        if self.stream is None or self.total == 0:
            return
        now = time.monotonic()
        rate, left = self._figures()
        failed = f", {self.failed} failed" if self.failed else ""
        if self.tty:
            if not final and now - self._last_draw < 0.1 and self.done < self.total:
                return
            width = 30
            filled = int(width * self.done / self.total)
            bar = "#" * filled + "-" * (width - filled)
            self.stream.write(
                f"\r[{bar}] {self.done}/{self.total} {rate:.1f} sheets/s, "
                f"{self._clock(left)} left{failed}\x1b[K"
            )
            if final:
                self.stream.write("\n")
        else:
            due = self.done - self._last_line_count >= self._step or now - self._last_draw >= 10
            if not (final or due or self.done == self.total):
                return
            if final and self._last_line_count == self.done:
                return
            self._last_line_count = self.done
            self.stream.write(
                f"graded {self.done}/{self.total} ({rate:.1f} sheets/s, "
                f"{self._clock(left)} left{failed})\n"
            )
        self._last_draw = now
        self.stream.flush()

    def note(self, message: str) -> None:
        if self.stream is None:
            return
        if self.tty:
            self.stream.write("\r\x1b[K")
        self.stream.write(message + "\n")
        self.stream.flush()
