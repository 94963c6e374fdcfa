"""The server's log: one line per event (time, event type, route, connection, status, duration), the
handlers' own output tagged with their function key, errors with their traceback."""

from __future__ import annotations

import asyncio
import sys
import threading
import time
from typing import List, Optional, TextIO

from ..errors import one_line


#: How long a log line may wait for others to share its write (seconds): under load, one write per
#: event-loop iteration was a twentieth of the server's time; a human does not see 5 ms.
FLUSH_DELAY = 0.005


class Log:
    """Lines written within FLUSH_DELAY of each other go out together (one write and flush for a burst of
    events, never a line held longer than that)."""

    def __init__(self, stream: Optional[TextIO] = None, quiet: bool = False) -> None:
        self.stream = stream
        self.quiet = quiet  #: no per-event lines (errors and handler output still show)
        self._lock = threading.Lock()
        self._pending: List[str] = []
        self._second = -1
        self._prefix = ""

    def _write(self, text: str) -> None:
        with self._lock:
            schedule = not self._pending
            self._pending.append(text)
        if schedule:
            try:
                asyncio.get_running_loop().call_later(FLUSH_DELAY, self.flush)
            except RuntimeError:  # no loop running: write now
                self.flush()

    def flush(self) -> None:
        with self._lock:
            lines, self._pending = self._pending, []
        if not lines:
            return
        stream = self.stream if self.stream is not None else sys.stderr
        try:
            stream.write("\n".join(lines) + "\n")
            stream.flush()
        except (OSError, ValueError):  # a closed or broken stream never stops the server
            pass

    def _stamp(self) -> str:
        now = time.time()
        second = int(now)
        if second != self._second:
            self._second, self._prefix = second, time.strftime("%H:%M:%S", time.localtime(second))
        return f"{self._prefix}.{int(now * 1000) % 1000:03d}"

    def event(self, kind: str, route: str, connection_id: str, status: object, duration_ms: float, note: str = "") -> None:
        """`12:00:01.234 MESSAGE    sendMessage      conn=AbC...= 200   1.3 ms  note`."""
        if self.quiet:
            return
        line = f"{self._stamp()} {kind:<10} {route:<16} conn={connection_id} {status!s:<3} {duration_ms:6.1f} ms"
        # route keys, statuses and close reasons come from the config, handlers and clients: a newline in one
        # must not start a line of its own (a client could forge log lines with its close reason)
        self._write(one_line(line + (f"  {note}" if note else "")))

    def info(self, message: str) -> None:
        self._write(f"{self._stamp()} {message}")

    def warning(self, message: str) -> None:
        self._write(f"{self._stamp()} warning: {message}")

    def error(self, message: str) -> None:
        self._write(f"{self._stamp()} error: {message}")

    def output(self, function_key: str, line: str) -> None:
        """A line a handler printed (stdout or stderr of its worker process)."""
        self._write(f"{self._stamp()} [{function_key}] {line}")
