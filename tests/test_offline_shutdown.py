"""Stopping `python -m wsapi offline` with real signals, in a real subprocess of the CLI: the first Ctrl-C says
what it waits for and lets the calls under way finish, logging what each returned; a second Ctrl-C (or the end
of the grace period) kills every worker process group at once. Either way no process the server started, nor
one a handler started, survives it. Each test runs with Python handlers and with Node.js ones."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Dict, List, Set

import pytest
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import connect

from wsapi.offline.server import calls

ROOT = Path(__file__).resolve().parent.parent
SERVICES = {
    "python": Path(__file__).resolve().parent / "offline_fixtures" / "shutdown_service",
    "node": Path(__file__).resolve().parent / "offline_fixtures" / "node_shutdown_service",
}
HANG_GUARD = 60.0  #: seconds: only a hung server takes this long
#: what comes before a handler's console line in the log, after its function key (Node.js: time, request id, level)
CONSOLE = {"python": "", "node": r"\S+Z\t\S+\tINFO\t"}

class Command:
    """`python -m wsapi offline SERVICE --port 0`, its output lines collected as they come."""

    def __init__(self, language: str) -> None:
        self.language = language
        self.process = subprocess.Popen(
            [sys.executable, "-m", "wsapi", "offline", str(SERVICES[language]), "--port", "0"], cwd=ROOT,
            env={**os.environ, "PYTHONPATH": str(ROOT)}, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        )  # fmt: skip
        self.lines: List[str] = []
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()
        banner = self.wait_line(r" on ws://")
        self.url = re.search(r"(ws://127\.0\.0\.1:\d+)", banner).group(1) + "/test"

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self.lines.append(line.rstrip("\n"))

    def wait_line(self, pattern: str) -> str:
        regex = re.compile(pattern)
        deadline = time.monotonic() + HANG_GUARD
        while time.monotonic() < deadline:
            found = next((line for line in list(self.lines) if regex.search(line)), None)
            if found is not None:
                return found
            if self.process.poll() is not None and not self.reader.is_alive():
                break
            time.sleep(0.01)
        raise AssertionError(f"no line matching {pattern!r} in:\n" + "\n".join(self.lines))

    def interrupt(self) -> None:
        self.process.send_signal(signal.SIGINT)

    def exit_status(self) -> int:
        try:
            return self.process.wait(HANG_GUARD)
        finally:
            self.reader.join(10)

    def text(self) -> str:
        return "\n".join(self.lines)

    def kill(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait()


@pytest.fixture(params=sorted(SERVICES))
def command(request):
    started = Command(request.param)
    yield started
    started.kill()


def processes() -> Dict[int, tuple]:
    """Every process: (parent, state), as `ps` lists them (Linux and macOS alike)."""
    listing = subprocess.run(["ps", "-A", "-o", "pid=,ppid=,stat="], capture_output=True, text=True, check=True).stdout
    table: Dict[int, tuple] = {}
    for line in listing.splitlines():
        pid, parent, state = line.split(None, 2)
        table[int(pid)] = (int(parent), state.strip())
    return table


def descendants(pid: int) -> Set[int]:
    table = processes()
    found: Set[int] = set()
    frontier = {pid}
    while frontier:
        frontier = {child for child, (parent, _) in table.items() if parent in frontier} - found
        found |= frontier
    return found


def running(pid: int) -> bool:
    """Alive and not a zombie (a killed process whose parent has not reaped it yet)."""
    entry = processes().get(pid)
    return entry is not None and not entry[1].startswith("Z")


def assert_none_survives(pids: Set[int]) -> None:
    assert pids, "the server had started no process"
    deadline = time.monotonic() + 10  # a killed process leaves the table when it is reaped: a hang guard
    while any(running(pid) for pid in pids) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert [pid for pid in pids if running(pid)] == []


def stuck_processes(command: Command, ws) -> Set[int]:
    """Start the handler that never returns; its worker and the process it started, with every other process
    of the server."""
    ws.send(json.dumps({"action": "stuck"}))
    started = json.loads(command.wait_line(r"\[stuck\] \{").split("[stuck] ", 1)[1])
    pids = descendants(command.process.pid)
    assert {started["worker"], started["child"]} <= pids
    return pids


def test_one_ctrl_c_waits_for_the_calls_under_way_and_logs_what_they_returned(command):
    with connect(command.url, open_timeout=30) as first, connect(command.url, open_timeout=30) as second:
        first.send(json.dumps({"action": "slow", "sleep": 1.5}))
        command.wait_line(r"\[slow\] " + CONSOLE[command.language] + "slow started$")
        pids = descendants(command.process.pid)
        command.interrupt()
        # the call under way, and the $disconnect of each of the two connections
        command.wait_line(r"wsapi offline: stopping; waiting up to 5 s for 3 calls; Ctrl-C again to stop now$")
        for ws in (first, second):
            with pytest.raises(ConnectionClosed) as closed:
                ws.recv(timeout=HANG_GUARD)
            assert closed.value.rcvd is not None and closed.value.rcvd.code == 1001
        assert command.exit_status() == 0
    text = command.text()
    assert re.search(r"MESSAGE +slow +conn=\S+ 200 ", text), text
    assert len(re.findall(r"DISCONNECT +\$disconnect +conn=\S+ 200 .*1001 Going away$", text, re.MULTILINE)) == 2, text
    for wrong in ("failed", "Offline.Stopping", "stopped", "not run", "Traceback", "still running"):
        assert wrong not in text, text
    assert_none_survives(pids)


def test_a_second_ctrl_c_stops_a_handler_stuck_in_an_endless_loop_at_once(command):
    with connect(command.url, open_timeout=30) as ws:
        pids = stuck_processes(command, ws)
        command.interrupt()
        command.wait_line(r"wsapi offline: stopping; waiting up to 5 s for 2 calls; Ctrl-C again to stop now$")
        command.interrupt()
        assert command.exit_status() == 0
    text = command.text()
    assert "wsapi offline: stopping now" in text
    assert re.search(r"MESSAGE +stuck +conn=\S+ - +\d+\.\d ms  stopped before it returned: the server stopped$", text, re.MULTILINE), text
    assert "still running after" not in text, text  # stopped by the second Ctrl-C, not at the end of the grace period
    assert "failed" not in text and "Traceback" not in text, text
    assert_none_survives(pids)


def test_one_ctrl_c_stops_a_handler_that_ignores_sigterm_after_the_grace_period(command):
    with connect(command.url, open_timeout=30) as ws:
        pids = stuck_processes(command, ws)
        command.interrupt()
        command.wait_line(r"waiting up to 5 s for 2 calls; Ctrl-C again to stop now$")
        assert command.exit_status() == 0
    text = command.text()
    assert "wsapi offline: 1 call still running after 5 s: stopping them" in text, text
    assert re.search(r"MESSAGE +stuck +conn=\S+ - .*stopped before it returned: the server stopped$", text, re.MULTILINE), text
    assert re.search(r"DISCONNECT +\$disconnect +conn=\S+ 200 .*1001 Going away$", text, re.MULTILINE), text
    assert "failed" not in text and "Traceback" not in text, text
    assert_none_survives(pids)


def test_call_counts_are_singular_or_plural():
    assert (calls(0), calls(1), calls(2)) == ("0 calls", "1 call", "2 calls")
