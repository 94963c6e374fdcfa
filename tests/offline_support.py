"""The running `wsapi offline` server the offline tests talk to (in a thread of the test process, its workers
processes as always), its log, and the services it serves: the Python service and its Node.js twin."""

from __future__ import annotations

import asyncio
import re
import shutil
import threading
import time
from pathlib import Path
from typing import Any, Callable, Dict, List, Optional

import boto3
import uvloop
from botocore.config import Config

from node_support import link_node_modules
from wsapi.config import load_service
from wsapi.offline import eventloop
from wsapi.offline.app import Settings, build_app
from wsapi.offline.logs import Log
from wsapi.offline.server import OfflineServer

FIXTURES = Path(__file__).resolve().parent / "offline_fixtures"
SERVICE = FIXTURES / "service"
NODE_SERVICE = FIXTURES / "node_service"


def wait_for(predicate: Callable[[], Any], timeout: float = 10.0, what: str = "condition") -> Any:
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.01)


class LogLines:
    """A thread-safe stream the server logs into."""

    def __init__(self) -> None:
        self.lines: List[str] = []
        self.lock = threading.Lock()

    def write(self, text: str) -> None:
        with self.lock:
            self.lines.extend(text.splitlines())

    def flush(self) -> None:
        pass

    def text(self) -> str:
        with self.lock:
            return "\n".join(self.lines)

    def wait(self, pattern: str, timeout: float = 10.0) -> str:
        regex = re.compile(pattern)

        def find() -> Optional[str]:
            with self.lock:
                return next((line for line in self.lines if regex.search(line)), None)

        return wait_for(find, timeout, f"a log line matching {pattern!r}")


class RunningServer:
    """`wsapi offline` on a free loopback port, in a thread with its own event loop."""

    def __init__(
        self, path: Path, params: Optional[Dict[str, str]] = None, loop: str = "auto", language: str = "python", **settings: Any
    ) -> None:  # fmt: skip
        self.path = path
        self.language = language  #: the service's handlers' language
        self.loop_kind = loop
        self.params = params or {}
        self.settings = Settings(host="127.0.0.1", port=0, **settings)
        self.log = LogLines()
        self.port = 0
        self.ready = threading.Event()
        self.error: Optional[BaseException] = None
        self.loop: Optional[asyncio.AbstractEventLoop] = None
        self.stop_event: Optional[asyncio.Event] = None
        self.thread = threading.Thread(target=self._run, daemon=True)

    def start(self) -> "RunningServer":
        self.thread.start()
        self.ready.wait(60)
        if self.error is not None:
            raise self.error
        assert self.port, "the server did not start"
        return self

    def _run(self) -> None:
        try:
            eventloop.run(self._main, self.loop_kind)
        except BaseException as error:  # reported to the test thread
            self.error = error
            self.ready.set()

    async def _main(self) -> None:
        self.loop = asyncio.get_running_loop()
        if self.loop_kind != "auto":
            assert isinstance(self.loop, uvloop.Loop if self.loop_kind == "uvloop" else asyncio.BaseEventLoop)
        self.stop_event = asyncio.Event()
        service = load_service(self.path, params=self.params)
        server = OfflineServer(build_app(service, node=self.settings.node), self.settings, Log(self.log))  # type: ignore[arg-type]
        await server.start()
        self.server = server
        self.port = server.port
        self.ready.set()
        try:
            await self.stop_event.wait()
        finally:
            await server.stop()

    def stop(self) -> None:
        if self.loop is not None and self.stop_event is not None and self.thread.is_alive():
            self.loop.call_soon_threadsafe(self.stop_event.set)
        self.thread.join(30)

    @property
    def url(self) -> str:
        return f"ws://127.0.0.1:{self.port}"

    def management(self, stage: Optional[str] = "test"):
        endpoint = f"http://127.0.0.1:{self.port}" + (f"/{stage}" if stage else "")
        return boto3.client(
            "apigatewaymanagementapi", endpoint_url=endpoint, region_name="eu-west-1",
            aws_access_key_id="test", aws_secret_access_key="test", config=Config(retries={"max_attempts": 1}),
        )  # fmt: skip


def copy_with_node_modules(source: Path, parent: Path) -> Path:
    """A Node.js test service, copied under `parent` with the test packages as its node_modules (as `npm
    install` leaves them)."""
    folder = parent / source.name
    shutil.copytree(source, folder)
    link_node_modules(folder)
    return folder
