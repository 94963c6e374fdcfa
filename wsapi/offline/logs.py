"""The server's log: one line per event (time, event type, route, connection, status, duration), the
handlers' own output tagged with their function key, errors with their traceback."""

from __future__ import annotations

import sys
import threading
import time
from typing import Optional, TextIO


class Log:
    def __init__(self, stream: Optional[TextIO] = None, quiet: bool = False) -> None:
        self.stream = stream
        self.quiet = quiet  #: no per-event lines (errors and handler output still show)
        self._lock = threading.Lock()

    def _write(self, text: str) -> None:
        stream = self.stream if self.stream is not None else sys.stderr
        with self._lock:
            try:
                stream.write(text + "\n")
                stream.flush()
            except (OSError, ValueError):  # a closed or broken stream never stops the server
                pass

    @staticmethod
    def _stamp() -> str:
        now = time.time()
        return time.strftime("%H:%M:%S", time.localtime(now)) + f".{int(now * 1000) % 1000:03d}"

    def event(self, kind: str, route: str, connection_id: str, status: object, duration_ms: float, note: str = "") -> None:
        """`12:00:01.234 MESSAGE    sendMessage      conn=AbC...= 200   1.3 ms  note`."""
        if self.quiet:
            return
        line = f"{self._stamp()} {kind:<10} {route:<16} conn={connection_id} {status!s:<3} {duration_ms:6.1f} ms"
        self._write(line + (f"  {note}" if note else ""))

    def info(self, message: str) -> None:
        self._write(f"{self._stamp()} {message}")

    def warning(self, message: str) -> None:
        self._write(f"{self._stamp()} warning: {message}")

    def error(self, message: str) -> None:
        self._write(f"{self._stamp()} error: {message}")

    def output(self, function_key: str, line: str) -> None:
        """A line a handler printed (stdout or stderr of its worker process)."""
        self._write(f"{self._stamp()} [{function_key}] {line}")
