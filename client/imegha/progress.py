"""Progress bars for uploads and downloads, on standard error, where they never mix with the output."""

from __future__ import annotations

import sys
import time
from typing import TextIO

from . import safe_text

_WIDTH = 30
_EVERY_S = 0.1


def _size(count: float) -> str:
    for unit in ("B", "KiB", "MiB", "GiB"):
        if count < 1024 or unit == "GiB":
            return f"{count:.0f} {unit}" if unit == "B" else f"{count:.1f} {unit}"
        count /= 1024
    raise AssertionError("unreachable")


class ProgressBar:
    """A bar that redraws itself at most ten times a second; silent unless ``stream`` is a terminal (or ``shown``)."""

    def __init__(self, label: str, total: int, stream: TextIO | None = None, *, shown: bool | None = None):
        self.label, self.total, self.done = safe_text.shown(label), total, 0  # a label names files: someone else's text
        self._stream = stream or sys.stderr
        self._shown = self._stream.isatty() if shown is None else shown
        self._started = self._drawn = time.monotonic()

    def __call__(self, count: int) -> None:
        self.done += count
        now = time.monotonic()
        if self._shown and now - self._drawn >= _EVERY_S:
            self._draw(now)

    def _draw(self, now: float) -> None:
        self._drawn = now
        fraction = min(1.0, self.done / self.total) if self.total else 1.0
        filled = int(fraction * _WIDTH)
        rate = self.done / max(now - self._started, 1e-6)
        self._stream.write(
            f"\r{self.label} [{'#' * filled}{'.' * (_WIDTH - filled)}] {fraction:4.0%} "
            f"{_size(self.done)} of {_size(self.total)}, {_size(rate)}/s "
        )
        self._stream.flush()

    def close(self) -> None:
        if self._shown:
            self._draw(time.monotonic())
            self._stream.write("\n")
            self._stream.flush()

    def __enter__(self) -> ProgressBar:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()
