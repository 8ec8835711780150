"""What a run shows while it works: one live line on a terminal, plain lines otherwise."""

from __future__ import annotations

import sys
import time


class Progress:
    """Running steps with elapsed time: one live line on a terminal, plain lines otherwise."""

    def __init__(self, stream=None, live: bool | None = None):
        self.stream = stream if stream is not None else sys.stderr
        self.live = self.stream.isatty() if live is None else live
        self.running: dict[str, float] = {}
        self.total = self.done = 0
        self._drawn = False
        self._line = ""

    def _clear(self) -> None:
        if self._drawn:
            self.stream.write("\r\033[K")
            self._drawn = False

    def _say(self, line: str) -> None:
        self._clear()
        self.stream.write(line + "\n")
        self.stream.flush()
        self.tick()

    def start(self, label: str) -> None:
        self.running[label] = time.monotonic()
        if not self.live:
            self._say(f"{label}: started")
        else:
            self.tick()

    def finish(self, label: str, status: str, seconds: float | None = None) -> None:
        began = self.running.pop(label, None)
        if seconds is None and began is not None:
            seconds = time.monotonic() - began
        self.done += 1
        took = f" in {seconds:.1f} s" if seconds is not None else ""
        self._say(f"{label}: {status}{took}")

    def note(self, line: str) -> None:
        """A line for the reader, between the steps' lines."""
        self._say(line)

    def tick(self) -> None:
        if not self.live or not self.running:
            return
        now = time.monotonic()
        parts = ", ".join(f"{label} {now - t:.0f} s" for label, t in self.running.items())
        line = f"[{self.done}/{self.total}] running: {parts}"[:200]
        if self._drawn and line == self._line:
            return
        self._clear()
        self.stream.write(line)
        self.stream.flush()
        self._drawn, self._line = True, line

    def close(self) -> None:
        self._clear()
        self.stream.flush()


class _Quiet(Progress):
    """No display (library use and tests)."""

    def __init__(self):
        import io

        super().__init__(stream=io.StringIO(), live=False)

    def _say(self, line: str) -> None:
        pass
