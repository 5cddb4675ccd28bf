"""Progress on a terminal: one line on stderr, rewritten in place; silent otherwise."""

from __future__ import annotations

import sys
import time


class Progress:
    """Shows `[2/5] building notes.md …` while long builds run, only on an interactive terminal."""

    def __init__(self, enabled: bool = True, total: int = 1, stream=None):
        self.stream = stream or sys.stderr
        self.enabled = enabled and self.stream.isatty()
        self.total = total
        self.count = 0
        self.started = time.monotonic()
        self.shown = False
        self.message = ""

    def step(self, message: str) -> None:
        self.count += 1
        self.message = message
        self._show(message)

    def detail(self, text: str) -> None:
        """What the current step is doing (`building notes.md: PDF: laid out part 3 of 8`)."""
        self._show(f"{self.message}: {text}")

    def _show(self, line: str) -> None:
        if not self.enabled:
            return
        counter = f"[{self.count}/{self.total}] " if self.total > 1 else ""
        self.stream.write(f"\r\x1b[2K{counter}{line} …")
        self.stream.flush()
        self.shown = True

    def clear(self) -> None:
        if self.enabled and self.shown:
            self.stream.write("\r\x1b[2K")
            self.stream.flush()
            self.shown = False

    def done(self) -> None:
        self.clear()
