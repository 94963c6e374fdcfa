"""Per-function worker processes, the offline counterpart of Lambda's per-function sandboxes.

Each function gets its own pool of Python processes running `runtime.py`. A process has the function's
environment (set before the handler is imported, as Lambda's init phase has it), imports only that
function's modules, runs one invocation at a time and stays warm for the next one. A pool grows on demand,
one process at a time, up to `max_workers` (Lambda scales out with concurrent invocations the same way),
and prefers its most recently used process. A timed-out invocation kills its process (Lambda resets the
sandbox); the next invocation gets a fresh one.

The server talks to a process over a Unix socket pair, length-prefixed JSON frames (see runtime.py), and
reads the process's stdout and stderr line by line into the server log, tagged with the function key.
"""

from __future__ import annotations

import asyncio
import collections
import json
import os
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from typing import Any, Callable, Deque, Dict, List, Mapping, Optional

from . import runtime
from .runtime import HEADER, MAX_FRAME

RUNTIME_SCRIPT = os.path.abspath(runtime.__file__)
#: How long a worker may take to import its handler (Lambda's init phase allows 10 s; imports here may be
#: slower on a loaded machine).
INIT_TIMEOUT = 30.0


@dataclass(frozen=True)
class FunctionSpec:
    key: str
    deployed_name: str
    handler: str
    task_root: str
    timeout: float  #: seconds
    memory_size: int
    environment: Mapping[str, str]  #: the full environment of its processes
    function_arn: str


class InvocationError(Exception):
    """An invocation failed: `error` is Lambda's error shape (errorMessage, errorType, stackTrace)."""

    def __init__(self, error: Mapping[str, Any]) -> None:
        self.error = dict(error)
        super().__init__(self.error.get("errorMessage", ""))

    @property
    def error_type(self) -> str:
        return str(self.error.get("errorType", ""))

    def describe(self) -> str:
        """Lambda's log form: `[ERROR] Type: message` then the traceback."""
        lines = [f"[ERROR] {self.error_type}: {self.error.get('errorMessage', '')}".rstrip(": ")]
        stack = self.error.get("stackTrace") or []
        if stack:
            lines.append("Traceback (most recent call last):")
            lines.extend(str(entry).rstrip("\n") for entry in stack)
        return "\n".join(lines)


class InitError(InvocationError):
    """The handler could not be loaded."""


def timeout_error(seconds: float) -> InvocationError:
    return InvocationError({"errorMessage": f"Task timed out after {seconds:.2f} seconds", "errorType": "Sandbox.Timedout"})


def exit_error(code: Optional[int]) -> InvocationError:
    """Lambda's wording for a runtime process that died during an invocation."""
    if code is None:
        return InvocationError({"errorMessage": "Runtime exited without providing a reason", "errorType": "Runtime.ExitError"})
    return InvocationError({"errorMessage": f"Runtime exited with error: exit status {code}", "errorType": "Runtime.ExitError"})


class _Invocation:
    __slots__ = ("id", "payload", "future", "timer", "started")

    def __init__(self, invocation_id: int, payload: bytes, future: "asyncio.Future[Any]") -> None:
        self.id = invocation_id
        self.payload = payload
        self.future = future
        self.timer: Optional[asyncio.TimerHandle] = None
        self.started = 0.0


class _Channel(asyncio.Protocol):
    """The server's end of a worker's socket: reassembles frames, hands each to the worker."""

    def __init__(self, on_frame: Callable[[bytes], None], on_close: Callable[[], None]) -> None:
        self.on_frame = on_frame
        self.on_close = on_close
        self.buffer = bytearray()
        self.transport: Optional[asyncio.Transport] = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]

    def data_received(self, data: bytes) -> None:
        buffer = self.buffer
        buffer += data
        while len(buffer) >= HEADER.size:
            (size,) = HEADER.unpack_from(buffer)
            if size > MAX_FRAME:
                self.transport.close()  # type: ignore[union-attr]
                return
            end = HEADER.size + size
            if len(buffer) < end:
                return
            payload = bytes(buffer[HEADER.size : end])
            del buffer[:end]
            self.on_frame(payload)

    def connection_lost(self, exc: Optional[Exception]) -> None:
        self.on_close()


class Worker:
    """One warm process of a function."""

    def __init__(self, pool: "FunctionPool", number: int) -> None:
        self.pool = pool
        self.number = number
        self.process: Optional[asyncio.subprocess.Process] = None
        self.channel: Optional[_Channel] = None
        self.current: Optional[_Invocation] = None
        self.ready: "asyncio.Future[Any]" = asyncio.get_running_loop().create_future()
        self.alive = True
        self.output_task: Optional[asyncio.Task] = None

    async def start(self) -> None:
        spec = self.pool.spec
        loop = asyncio.get_running_loop()
        ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
        config = json.dumps({"handler": spec.handler, "taskRoot": spec.task_root, "functionArn": spec.function_arn})
        try:
            self.process = await asyncio.create_subprocess_exec(
                sys.executable, "-u", RUNTIME_SCRIPT, str(theirs.fileno()), config,
                pass_fds=(theirs.fileno(),), env=dict(spec.environment), cwd=spec.task_root,
                stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                start_new_session=True,
            )  # fmt: skip
        finally:
            theirs.close()
        self.output_task = loop.create_task(self._relay_output())
        _, channel = await loop.create_unix_connection(lambda: _Channel(self._on_frame, self._on_close), sock=ours)
        self.channel = channel  # type: ignore[assignment]
        try:
            await asyncio.wait_for(asyncio.shield(self.ready), INIT_TIMEOUT)
        except asyncio.TimeoutError:
            self.kill()
            raise InitError({"errorMessage": f"the handler did not load within {INIT_TIMEOUT:.0f} s", "errorType": "Runtime.InitTimeout"}) from None

    async def _relay_output(self) -> None:
        assert self.process is not None and self.process.stdout is not None
        stream = self.process.stdout
        while True:
            try:
                line = await stream.readline()
            except (ValueError, asyncio.LimitOverrunError):  # an over-long line: read it in pieces
                line = await stream.read(65536)
            if not line:
                return
            self.pool.output(line.decode("utf-8", "replace").rstrip("\r\n"))

    def _on_frame(self, payload: bytes) -> None:
        message = json.loads(payload)
        if not self.ready.done():
            if message.get("ready"):
                self.ready.set_result(None)
            else:
                self.ready.set_exception(InitError(message.get("error") or {}))
            return
        invocation = self.current
        if invocation is None or message.get("id") != invocation.id:
            return
        self.current = None
        if invocation.timer is not None:
            invocation.timer.cancel()
        if not invocation.future.done():
            if "error" in message:
                invocation.future.set_exception(InvocationError(message["error"]))
            else:
                invocation.future.set_result(message.get("result"))
        self.pool.release(self)

    def _on_close(self) -> None:
        if not self.alive:
            return
        self.alive = False
        code = self.process.returncode if self.process is not None else None
        if not self.ready.done():
            self.ready.set_exception(InitError({"errorMessage": f"the runtime exited while loading the handler (exit status {code})", "errorType": "Runtime.ExitError"}))
        self._fail_current(exit_error(code))
        self.pool.discard(self)

    def _fail_current(self, error: Exception) -> None:
        invocation, self.current = self.current, None
        if invocation is not None:
            if invocation.timer is not None:
                invocation.timer.cancel()
            if not invocation.future.done():
                invocation.future.set_exception(error)

    def run(self, invocation: _Invocation) -> None:
        self.current = invocation
        invocation.started = time.monotonic()
        invocation.timer = asyncio.get_running_loop().call_later(self.pool.spec.timeout, self._timed_out, invocation)
        self.channel.transport.write(HEADER.pack(len(invocation.payload)) + invocation.payload)  # type: ignore[union-attr]

    def _timed_out(self, invocation: _Invocation) -> None:
        if self.current is not invocation:
            return
        self.current = None
        if not invocation.future.done():
            invocation.future.set_exception(timeout_error(self.pool.spec.timeout))
        self.kill()

    def kill(self) -> None:
        """Stop the process now (a timed-out sandbox is not reused)."""
        was_alive, self.alive = self.alive, False
        if self.process is not None and self.process.returncode is None:
            try:
                self.process.kill()
            except ProcessLookupError:
                pass
        if self.channel is not None and self.channel.transport is not None:
            self.channel.transport.close()
        if was_alive:
            self._fail_current(exit_error(None))
            self.pool.discard(self)

    async def stop(self, grace: float = 2.0) -> None:
        """Close the channel (the runtime exits at end of input), then wait; kill if it lingers."""
        self.alive = False
        if self.channel is not None and self.channel.transport is not None:
            self.channel.transport.close()
        if self.process is not None:
            try:
                await asyncio.wait_for(self.process.wait(), grace)
            except asyncio.TimeoutError:
                try:
                    self.process.kill()
                except ProcessLookupError:
                    pass
                await self.process.wait()
        if self.output_task is not None:
            try:
                await asyncio.wait_for(self.output_task, 1.0)
            except (asyncio.TimeoutError, asyncio.CancelledError):
                self.output_task.cancel()


class FunctionPool:
    """The warm processes of one function, and the invocations waiting for one."""

    def __init__(self, spec: FunctionSpec, max_workers: int, output: Callable[[str, str], None], log_error: Callable[[str], None]) -> None:
        self.spec = spec
        self.max_workers = max(1, max_workers)
        self._output = output
        self._log_error = log_error
        self.workers: List[Worker] = []
        self.idle: List[Worker] = []
        self.queue: Deque[_Invocation] = collections.deque()
        self.starting = 0
        self.spawned = 0
        self.closed = False
        self.next_id = 0
        self.tasks: set = set()

    def output(self, line: str) -> None:
        self._output(self.spec.key, line)

    async def start(self) -> None:
        """Start the first process: raises InitError when the handler cannot be loaded."""
        worker = await self._new_worker()
        self.idle.append(worker)

    async def _new_worker(self) -> Worker:
        self.spawned += 1
        worker = Worker(self, self.spawned)
        self.workers.append(worker)
        try:
            await worker.start()
        except BaseException:
            worker.kill()
            if worker in self.workers:
                self.workers.remove(worker)
            raise
        return worker

    def invoke(self, event: Any, request_id: str) -> "asyncio.Future[Any]":
        """Queue an invocation; the future gives the handler's result or raises InvocationError."""
        loop = asyncio.get_running_loop()
        future = loop.create_future()
        if self.closed:
            future.set_exception(InvocationError({"errorMessage": "the server is stopping", "errorType": "Offline.Stopping"}))
            return future
        self.next_id += 1
        deadline = int(time.time() * 1000 + self.spec.timeout * 1000)
        payload = b'{"id":%d,"requestId":"%s","deadline":%d,"event":%s}' % (
            self.next_id, request_id.encode(), deadline, json.dumps(event, ensure_ascii=False).encode(),
        )  # fmt: skip
        invocation = _Invocation(self.next_id, payload, future)
        if self.idle:
            self.idle.pop().run(invocation)
        else:
            self.queue.append(invocation)
            self._scale()
        return future

    def release(self, worker: Worker) -> None:
        """A worker finished an invocation: give it the next one, or park it (most recent on top)."""
        if not worker.alive or self.closed:
            return
        if self.queue:
            worker.run(self.queue.popleft())
        else:
            self.idle.append(worker)

    def discard(self, worker: Worker) -> None:
        if worker in self.workers:
            self.workers.remove(worker)
        if worker in self.idle:
            self.idle.remove(worker)
        if self.queue and not self.closed:
            self._scale()

    def _scale(self) -> None:
        if self.closed or self.starting or len(self.workers) >= self.max_workers:
            return
        self.starting += 1
        task = asyncio.get_running_loop().create_task(self._grow())
        self.tasks.add(task)
        task.add_done_callback(self.tasks.discard)

    async def _grow(self) -> None:
        try:
            worker = await self._new_worker()
        except InvocationError as error:
            self.starting -= 1
            self._log_error(f"{self.spec.key}: a new worker failed to start:\n{error.describe()}")
            if not self.workers:  # nothing can serve the queue: fail it rather than hang
                while self.queue:
                    invocation = self.queue.popleft()
                    if not invocation.future.done():
                        invocation.future.set_exception(error)
            return
        except Exception as error:  # e.g. too many open files
            self.starting -= 1
            self._log_error(f"{self.spec.key}: a new worker failed to start: {error}")
            return
        self.starting -= 1
        if self.closed:
            await worker.stop()
            return
        self.release(worker)
        if self.queue:
            self._scale()

    async def close(self) -> None:
        self.closed = True
        while self.queue:
            invocation = self.queue.popleft()
            if not invocation.future.done():
                invocation.future.set_exception(InvocationError({"errorMessage": "the server is stopping", "errorType": "Offline.Stopping"}))
        for task in list(self.tasks):
            task.cancel()
        await asyncio.gather(*(worker.stop() for worker in list(self.workers)), return_exceptions=True)
        self.workers.clear()
        self.idle.clear()


class Invoker:
    """All functions' pools, by function key."""

    def __init__(self, specs: Mapping[str, FunctionSpec], max_workers: int, output: Callable[[str, str], None], log_error: Callable[[str], None]) -> None:
        self.pools: Dict[str, FunctionPool] = {
            key: FunctionPool(spec, max_workers, output, log_error) for key, spec in specs.items()
        }

    async def start(self) -> Dict[str, InitError]:
        """Start one warm process per function, all at once; the functions whose handler failed to load."""
        keys = list(self.pools)
        results = await asyncio.gather(*(self.pools[key].start() for key in keys), return_exceptions=True)
        failures: Dict[str, InitError] = {}
        for key, result in zip(keys, results):
            if isinstance(result, InitError):
                failures[key] = result
            elif isinstance(result, BaseException):
                failures[key] = InitError({"errorMessage": str(result), "errorType": type(result).__name__})
        return failures

    def invoke(self, key: str, event: Any, request_id: str) -> "asyncio.Future[Any]":
        return self.pools[key].invoke(event, request_id)

    async def close(self) -> None:
        await asyncio.gather(*(pool.close() for pool in self.pools.values()), return_exceptions=True)
