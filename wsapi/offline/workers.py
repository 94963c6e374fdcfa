"""Per-function worker processes, the offline counterpart of Lambda's per-function sandboxes.

Each function gets its own pool of processes running its language's runtime (`runtimes.py`: `runtime.py` for
Python, `node_runtime.cjs` for Node.js). A process has the function's
environment (set before the handler is imported, as Lambda's init phase has it), imports only that
function's modules, runs one invocation at a time and stays warm for the next one. A pool grows on demand,
one process at a time, up to `max_workers` (Lambda scales out with concurrent invocations the same way),
and prefers its most recently used process; processes beyond the first stop after WORKER_IDLE_SECONDS
without work (Lambda reclaims idle sandboxes). A timed-out invocation kills its process (Lambda resets the
sandbox); the next invocation gets a fresh one. When the server stops, every process is killed with its
whole process group, so nothing a handler started outlives the server.

The worker protocol, the contract between this module and a runtime (runtime.py implements it for Python,
node_runtime.cjs for Node.js; a runtime for another language implements the same):

- Launch: `RUNTIME FD CONFIG`, where FD is an inherited, connected Unix stream socket (the channel) and
  CONFIG is JSON `{"handler": "dir/module.function", "taskRoot": path, "functionArn": arn}`. The process runs
  in its own session and process group, in taskRoot, with the function's whole environment (Lambda's
  variables included), stdin from /dev/null, and stdout and stderr on one pipe: each line it writes becomes a
  server log line tagged with the function key.
- Frames on the channel, both ways: a 4-byte big-endian length, then that many bytes of UTF-8 JSON (at most
  MAX_FRAME bytes).
- Init: the runtime loads the handler, then sends `{"ready": true}`, or `{"ready": false, "error": ERROR}`
  and exits. The server waits INIT_TIMEOUT seconds for one of them.
- Invocations: the server sends `{"id": n, "requestId": str, "deadline": epoch ms, "event": {...}}`; several
  may be sent before the first is answered. The runtime runs them one at a time, in the order received, and
  answers each with `{"id": n, "duration": seconds, "result": ...}` or `{"id": n, "duration": seconds,
  "error": ERROR}` (duration: the handler's own run time, without the time the invocation waited; answers
  may share a write).
- ERROR is Lambda's error shape: `{"errorMessage": str, "errorType": str, "stackTrace": [str, ...]}`, the
  stack as the language prints it (Python's traceback entries; Node's `    at ...` lines).
- A runtime whose process must end after an invocation (Lambda resets the sandbox after an uncaught
  exception in Node.js) answers it with `"exiting": true` added, then exits: the server sends that process
  nothing more (invocations already sent to it and not answered run elsewhere) and replaces it, so the next
  invocation never meets a process on its way out. A process that exits
  while it runs an invocation fails it with Lambda's `Runtime.ExitError` and its exit status.
- Stopping: end of input on the channel means exit. The server kills the process group with SIGKILL when an
  invocation outlives the function's timeout, when it retires an idle process, and when it stops; a runtime
  ignores SIGINT (a terminal's Ctrl-C is the server's to handle).
"""

from __future__ import annotations

import asyncio
import collections
import json
import os
import signal
import socket
import subprocess
import time
from dataclasses import dataclass
from typing import Any, Callable, Deque, Dict, List, Mapping, Optional

from .runtime import HEADER, MAX_FRAME
from .runtimes import PYTHON, Launcher
from .settings import WORKER_IDLE_SECONDS

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
    launcher: Launcher = PYTHON  #: the language runtime its processes run


class InvocationError(Exception):
    """An invocation failed: `error` is Lambda's error shape (errorMessage, errorType, stackTrace)."""

    def __init__(self, error: Mapping[str, Any], stack_title: str = PYTHON.stack_title) -> None:
        self.error = dict(error)
        self.stack_title = stack_title  #: the line before the stack in the log (the runtime's language's)
        super().__init__(self.error.get("errorMessage", ""))

    @property
    def error_type(self) -> str:
        return str(self.error.get("errorType", ""))

    def describe(self) -> str:
        """Lambda's log form: `[ERROR] Type: message` then the stack (after a traceback header for Python)."""
        lines = [f"[ERROR] {self.error_type}: {self.error.get('errorMessage', '')}".rstrip(": ")]
        stack = self.error.get("stackTrace") or []
        if stack:
            if self.stack_title:
                lines.append(self.stack_title)
            lines.extend(str(entry).rstrip("\n") for entry in stack)
        return "\n".join(lines)


class WorkerStartError(InvocationError):
    """A worker process could not start serving: its handler did not load (or not in time)."""


class StoppedByServer(InvocationError):
    """The server stopped before the invocation returned: `ran` tells whether the function had started it
    (then its process was killed) or never got it."""

    def __init__(self, ran: bool) -> None:
        super().__init__({"errorMessage": "the server is stopping", "errorType": "Offline.Stopping"})
        self.ran = ran

    @property
    def note(self) -> str:
        return "stopped before it returned: the server stopped" if self.ran else "not run: the server stopped"


def timeout_error(seconds: float) -> InvocationError:
    return InvocationError({"errorMessage": f"Task timed out after {seconds:.2f} seconds", "errorType": "Sandbox.Timedout"})


def exit_error(code: Optional[int]) -> InvocationError:
    """Lambda's wording for a runtime process that died during an invocation: `exit status 1`, `signal: killed`."""
    if not code:
        return InvocationError({"errorMessage": "Runtime exited without providing a reason", "errorType": "Runtime.ExitError"})
    if code < 0:
        try:
            name = (signal.strsignal(-code) or "").lower() or f"signal {-code}"
        except ValueError:
            name = f"signal {-code}"
        return InvocationError({"errorMessage": f"Runtime exited with error: signal: {name}", "errorType": "Runtime.ExitError"})
    return InvocationError({"errorMessage": f"Runtime exited with error: exit status {code}", "errorType": "Runtime.ExitError"})


#: How long a worker whose channel closed gets to exit, so that its invocation fails with its exit status.
EXIT_STATUS_WAIT = 2.0


Callback = Callable[[Any, Optional[InvocationError]], None]

#: A function whose invocations all take less than this (a slowly decaying peak of recent durations) is
#: "fast": when its warm workers are busy, invocations are queued on a worker's socket (up to PIPELINE_DEPTH)
#: instead of waiting for a free one, so a burst crosses the process boundary in one write. Other functions
#: scale out, one process per concurrent invocation, as Lambda does.
FAST_SECONDS = 0.002
PIPELINE_DEPTH = 32
#: A fast function's worker whose current invocation has run this long (wall clock) gets no more queued
#: behind it: new invocations go to another process. Longer than FAST_SECONDS because the wall clock also
#: counts the worker's waits for a CPU, a few milliseconds at worst on a loaded machine.
HEAD_PATIENCE = 0.02


class _Invocation:
    __slots__ = ("id", "payload", "callback", "started")

    def __init__(self, invocation_id: int, payload: bytes, callback: Callback) -> None:
        self.id = invocation_id
        self.payload = payload
        self.callback = callback
        self.started = 0.0

    def finish(self, result: Any, error: Optional[InvocationError]) -> None:
        callback, self.callback = self.callback, None  # type: ignore[assignment]
        if callback is not None:
            callback(result, error)


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
        offset = 0
        size_of_header = HEADER.size
        while len(buffer) - offset >= size_of_header:
            (size,) = HEADER.unpack_from(buffer, offset)
            if size > MAX_FRAME:
                self.transport.close()  # type: ignore[union-attr]
                return
            end = offset + size_of_header + size
            if len(buffer) < end:
                break
            payload = bytes(buffer[offset + size_of_header : end])
            offset = end
            self.on_frame(payload)
        if offset:
            del buffer[:offset]

    def connection_lost(self, exc: Optional[Exception]) -> None:
        self.on_close()


class Worker:
    """One warm process of a function. It runs one invocation at a time; `inflight` holds the one running
    and, for a fast function, those queued behind it on the socket."""

    def __init__(self, pool: "FunctionPool", number: int) -> None:
        self.pool = pool
        self.number = number
        self.process: Optional[asyncio.subprocess.Process] = None
        self.channel: Optional[_Channel] = None
        self.inflight: Deque[_Invocation] = collections.deque()
        self.timer: Optional[asyncio.TimerHandle] = None
        self.deadline = 0.0  #: loop time by which the running invocation must finish
        self.loop = asyncio.get_running_loop()
        self.ready: "asyncio.Future[Any]" = self.loop.create_future()
        self.alive = True
        self.output_task: Optional[asyncio.Task] = None
        self.outgoing: List[bytes] = []
        self.parked_at = 0.0  #: loop time it last went idle

    async def start(self) -> None:
        spec = self.pool.spec
        loop = self.loop
        ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
        config = json.dumps({"handler": spec.handler, "taskRoot": spec.task_root, "functionArn": spec.function_arn})
        try:
            self.process = await asyncio.create_subprocess_exec(
                *spec.launcher.command, str(theirs.fileno()), config,
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
            raise WorkerStartError({"errorMessage": f"the handler did not load within {INIT_TIMEOUT:.0f} s", "errorType": "Runtime.InitTimeout"}) from None

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
        message = json.loads(payload.decode("utf-8"))  # str: json.loads(bytes) first sniffs the encoding
        if not self.ready.done():
            if message.get("ready"):
                self.ready.set_result(None)
            else:
                self.ready.set_exception(WorkerStartError(message.get("error") or {}, self.pool.spec.launcher.stack_title))
            return
        inflight = self.inflight
        if not inflight or message.get("id") != inflight[0].id:
            return
        invocation = inflight.popleft()
        now = self.loop.time()
        # The handler's own time decides whether the function is fast: the round trip would also count the
        # time the worker waited for a CPU, which on a busy machine makes any function look slow.
        self.pool.observe(message.get("duration", now - invocation.started))
        if inflight:  # the next one starts now
            self._start_head(now)
        if "error" in message:
            invocation.finish(None, InvocationError(message["error"], self.pool.spec.launcher.stack_title))
        else:
            invocation.finish(message.get("result"), None)
        if message.get("exiting"):
            self.retire()
        else:
            self.pool.release(self)

    def retire(self) -> None:
        """The runtime said it exits after its last answer: it gets nothing more, what it was sent and did not
        start runs elsewhere, and its process is reaped in the background."""
        self.alive = False
        self.pool.discard(self, self._take_inflight())
        self._reap_later()

    def _start_head(self, now: float) -> None:
        """The head of `inflight` is running from `now`. One lazily re-armed timer per worker watches the
        deadline (no timer per invocation: the hot path stays cheap)."""
        self.inflight[0].started = now
        self.deadline = now + self.pool.spec.timeout
        if self.timer is None:
            self.timer = self.loop.call_at(self.deadline, self._check_deadline)

    def _check_deadline(self) -> None:
        self.timer = None
        if not self.inflight or not self.alive:
            return
        if self.loop.time() < self.deadline - 0.001:
            self.timer = self.loop.call_at(self.deadline, self._check_deadline)
            return
        self.kill(timeout_error(self.pool.spec.timeout))

    def _on_close(self) -> None:
        """The runtime closed its channel: it exited (or is exiting). The pool forgets it now; its running
        invocation fails once its exit status is known (Lambda's error names it)."""
        if not self.alive:
            return
        self.alive = False
        running = self._abandon(None)
        if not self.ready.done() or running is not None:
            self.pool.track(self.loop.create_task(self._fail_with_exit_status(running)))

    async def _fail_with_exit_status(self, running: Optional[_Invocation]) -> None:
        code = None
        if self.process is not None:
            try:
                code = await asyncio.wait_for(asyncio.shield(self.process.wait()), EXIT_STATUS_WAIT)
            except asyncio.TimeoutError:
                code = None
        if not self.ready.done():
            status = f"exit status {code}" if code is not None and code >= 0 else exit_error(code).error["errorMessage"]
            message = f"the runtime exited while loading the handler ({status})"
            self.ready.set_exception(WorkerStartError({"errorMessage": message, "errorType": "Runtime.ExitError"}))
        if running is not None:
            running.finish(None, exit_error(code))

    def _abandon(self, error: Optional[InvocationError]) -> Optional[_Invocation]:
        """The process is gone: the ones queued behind the running invocation go back to the pool; the running
        one fails with `error` (or, without one, is returned for the caller to fail)."""
        inflight = self._take_inflight()
        self.pool.discard(self, inflight[1:])
        running = inflight[0] if inflight else None
        if running is not None and error is not None:
            running.finish(None, error)
            return None
        return running

    def _take_inflight(self) -> List[_Invocation]:
        """What this worker was sent and has not answered, taken from it (its deadline timer and unwritten
        frames dropped): the process is gone or going."""
        if self.timer is not None:
            self.timer.cancel()
            self.timer = None
        inflight, self.inflight = list(self.inflight), collections.deque()
        self.outgoing.clear()
        return inflight

    def _reap_later(self) -> None:
        if self.process is not None:
            self.pool.track(self.loop.create_task(self._reap()))

    def send(self, invocation: _Invocation) -> None:
        self.inflight.append(invocation)
        if len(self.inflight) == 1:
            self._start_head(self.loop.time())
        if not self.outgoing:
            self.loop.call_soon(self._write)
        self.outgoing.append(HEADER.pack(len(invocation.payload)))
        self.outgoing.append(invocation.payload)

    def _write(self) -> None:
        """Everything sent to this worker during one loop iteration goes out in one write."""
        if self.outgoing and self.alive and self.channel is not None and self.channel.transport is not None:
            self.channel.transport.write(b"".join(self.outgoing))
        self.outgoing.clear()

    def kill(self, error: Optional[InvocationError] = None) -> None:
        """Stop the process now (a timed-out sandbox is not reused): its running invocation fails with `error`;
        the process is reaped in the background."""
        was_alive, self.alive = self.alive, False
        self.kill_group()
        self._reap_later()
        if was_alive:
            self._abandon(error or exit_error(None))

    async def stop(self) -> None:
        """Kill the process (its invocations already settled by the pool) and wait until it is gone."""
        self.alive = False
        self.kill_group()
        await self._reap()

    def settle(self, make_error: Callable[[bool], InvocationError]) -> None:
        """Fail every invocation this worker holds with `make_error(ran)`: `ran` for the one it is running,
        not for those queued behind it (including any not yet written to it)."""
        inflight, self.inflight = self.inflight, collections.deque()
        unwritten = len(self.outgoing) // 2  # a header and a payload per invocation not yet written
        if self.timer is not None:
            self.timer.cancel()
            self.timer = None
        for position, invocation in enumerate(inflight):
            invocation.finish(None, make_error(position == 0 and position < len(inflight) - unwritten))

    def kill_group(self) -> None:
        """SIGKILL to the process's whole group (it leads one: start_new_session), children of the handler
        included; only while the process is unreaped, so the group id cannot belong to anyone else."""
        process = self.process
        if self.channel is not None and self.channel.transport is not None:
            self.channel.transport.close()
        if process is None or process.returncode is not None:
            return
        try:
            os.killpg(process.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        except PermissionError:  # a group not ours to signal (not with start_new_session): the process, then
            process.kill()

    async def _reap(self) -> None:
        if self.process is not None:
            await self.process.wait()
        if self.output_task is not None:
            try:
                await asyncio.wait_for(self.output_task, 1.0)
            except (asyncio.TimeoutError, asyncio.CancelledError):
                self.output_task.cancel()


class FunctionPool:
    """The warm processes of one function, and the invocations waiting for one."""

    def __init__(
        self, spec: FunctionSpec, max_workers: int, output: Callable[[str, str], None], log_error: Callable[[str], None],
        idle_seconds: float = WORKER_IDLE_SECONDS,
    ) -> None:  # fmt: skip
        self.spec = spec
        self.max_workers = max(1, max_workers)
        self.idle_seconds = idle_seconds
        self.shrink_timer: Optional[asyncio.TimerHandle] = None
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
        self.growing: set = set()
        self.peak = 0.0  #: recent longest invocation, seconds (decays by 5% per invocation)
        # Kept rather than looked up per invocation: asyncio.get_running_loop() makes a getpid() system call.
        self.loop = asyncio.get_running_loop()

    def output(self, line: str) -> None:
        self._output(self.spec.key, line)

    def track(self, task: "asyncio.Task[Any]") -> None:
        self.tasks.add(task)
        task.add_done_callback(self.tasks.discard)

    def observe(self, seconds: float) -> None:
        self.peak = max(seconds, self.peak * 0.95)

    @property
    def fast(self) -> bool:
        return self.peak < FAST_SECONDS

    async def start(self) -> None:
        """Start the first process: raises WorkerStartError when the handler cannot be loaded."""
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

    def invoke(self, event_json: str, request_id: str, callback: Callback) -> None:
        """Run the function on an event (already JSON); `callback(result, error)` gets the outcome."""
        if self.closed:
            callback(None, StoppedByServer(ran=False))
            return
        self.next_id += 1
        deadline = int(time.time() * 1000 + self.spec.timeout * 1000)
        payload = b'{"id":%d,"requestId":"%s","deadline":%d,"event":%s}' % (
            self.next_id, request_id.encode(), deadline, event_json.encode(),
        )  # fmt: skip
        self._dispatch(_Invocation(self.next_id, payload, callback))

    def _dispatch(self, invocation: _Invocation) -> None:
        if self.fast:
            # A fast function uses as few processes as it can: the first one with room whose running
            # invocation is not stuck. Waking more processes than needed costs more than it gives.
            now = self.loop.time()
            for worker in self.workers:
                inflight = worker.inflight
                if (
                    worker.alive and worker.ready.done() and len(inflight) < PIPELINE_DEPTH
                    and (not inflight or now - inflight[0].started < HEAD_PATIENCE)
                ):  # fmt: skip
                    if not inflight and worker in self.idle:
                        self.idle.remove(worker)
                    worker.send(invocation)
                    return
        elif self.idle:
            self.idle.pop().send(invocation)
            return
        self.queue.append(invocation)
        self._scale()

    def release(self, worker: Worker) -> None:
        """A worker finished an invocation: give it the next one, or park it (most recent on top)."""
        if not worker.alive or self.closed:
            return
        queue = self.queue
        if queue:
            if not worker.inflight:
                worker.send(queue.popleft())
            while queue and self.fast and len(worker.inflight) < PIPELINE_DEPTH:
                worker.send(queue.popleft())
        elif not worker.inflight:
            worker.parked_at = self.loop.time()
            self.idle.append(worker)
            if self.shrink_timer is None and len(self.workers) > 1:
                self.shrink_timer = self.loop.call_later(self.idle_seconds, self._shrink)

    def _shrink(self) -> None:
        """Stop the processes parked for idle_seconds, as Lambda reclaims idle sandboxes, keeping one warm."""
        self.shrink_timer = None
        if self.closed:
            return
        now = self.loop.time()
        for worker in list(self.idle):  # oldest parked first
            if len(self.workers) <= 1:
                break
            if now - worker.parked_at >= self.idle_seconds and not worker.inflight:
                self.idle.remove(worker)
                self.workers.remove(worker)
                self.track(self.loop.create_task(worker.stop()))
        if len(self.workers) > 1 and self.idle:
            wait = min(worker.parked_at for worker in self.idle) + self.idle_seconds - now
            self.shrink_timer = self.loop.call_later(max(wait, 0.001), self._shrink)

    def discard(self, worker: Worker, requeue: List[_Invocation]) -> None:
        """A worker died; invocations that were queued behind its running one never started: run them elsewhere."""
        if worker in self.workers:
            self.workers.remove(worker)
        if worker in self.idle:
            self.idle.remove(worker)
        for invocation in reversed(requeue):
            self.queue.appendleft(invocation)
        if self.closed:
            self._fail_queue(StoppedByServer(ran=False))
        elif self.queue:
            for idle in list(self.idle):
                self.idle.remove(idle)
                self.release(idle)
            self._scale()

    def _ready_count(self) -> int:
        return sum(1 for worker in self.workers if worker.ready.done())

    def _fail_queue(self, error: InvocationError) -> None:
        while self.queue:
            self.queue.popleft().finish(None, error)

    def _scale(self) -> None:
        """Start processes for the invocations waiting (each waiting one gets its own, up to max_workers)."""
        while not self.closed and self.starting < len(self.queue) and self._ready_count() + self.starting < self.max_workers:
            self.starting += 1
            task = self.loop.create_task(self._grow())
            self.growing.add(task)
            task.add_done_callback(self.growing.discard)
            self.track(task)

    async def _grow(self) -> None:
        try:
            worker = await self._new_worker()
        except InvocationError as error:
            self.starting -= 1
            self._log_error(f"{self.spec.key}: a new worker failed to start:\n{error.describe()}")
            if not self.workers:  # nothing can serve the queue: fail it rather than hang
                self._fail_queue(error)
            return
        except Exception as error:  # e.g. too many open files
            self.starting -= 1
            self._log_error(f"{self.spec.key}: a new worker failed to start: {error}")
            if not self.workers:
                self._fail_queue(InvocationError({"errorMessage": str(error), "errorType": type(error).__name__}))
            return
        self.starting -= 1
        if self.closed:
            await worker.stop()
            return
        self.release(worker)
        if self.queue:
            self._scale()

    def calls_under_way(self) -> int:
        """Invocations accepted and not yet answered: running, queued on a worker, or waiting for one."""
        return len(self.queue) + sum(len(worker.inflight) for worker in self.workers)

    def halt(self) -> None:
        """Stop now: no more invocations; those under way fail with StoppedByServer (`ran` for those a worker
        was running); every process is killed with its group. `close()` then waits until they are gone."""
        self.closed = True
        if self.shrink_timer is not None:
            self.shrink_timer.cancel()
            self.shrink_timer = None
        self._fail_queue(StoppedByServer(ran=False))
        for task in list(self.growing):
            task.cancel()
        for worker in self.workers:
            worker.settle(StoppedByServer)
            worker.alive = False
            worker.kill_group()

    async def close(self) -> None:
        """`halt()`, then wait for every process (and the reapers of earlier killed ones) to be gone."""
        self.halt()
        workers, self.workers, self.idle = list(self.workers), [], []
        await asyncio.gather(*(worker.stop() for worker in workers), return_exceptions=True)
        if self.tasks:  # reapers of killed workers, a worker still starting
            await asyncio.wait(list(self.tasks), timeout=6.0)


class Invoker:
    """All functions' pools, by function key."""

    def __init__(
        self, specs: Mapping[str, FunctionSpec], max_workers: int, output: Callable[[str, str], None],
        log_error: Callable[[str], None], idle_seconds: float = WORKER_IDLE_SECONDS,
    ) -> None:  # fmt: skip
        self.pools: Dict[str, FunctionPool] = {
            key: FunctionPool(spec, max_workers, output, log_error, idle_seconds) for key, spec in specs.items()
        }

    async def start(self) -> Dict[str, WorkerStartError]:
        """Start one warm process per function, all at once; the functions whose handler failed to load."""
        keys = list(self.pools)
        results = await asyncio.gather(*(self.pools[key].start() for key in keys), return_exceptions=True)
        failures: Dict[str, WorkerStartError] = {}
        for key, result in zip(keys, results):
            if isinstance(result, WorkerStartError):
                failures[key] = result
            elif isinstance(result, BaseException):
                failures[key] = WorkerStartError({"errorMessage": str(result), "errorType": type(result).__name__})
        return failures

    def invoke(self, key: str, event_json: str, request_id: str, callback: Callback) -> None:
        self.pools[key].invoke(event_json, request_id, callback)

    def invoke_async(self, key: str, event: Any, request_id: str) -> "asyncio.Future[Any]":
        """The same, awaitable, for an event given as a dict."""
        future = asyncio.get_running_loop().create_future()

        def done(result: Any, error: Optional[InvocationError]) -> None:
            if future.done():
                return
            if error is not None:
                future.set_exception(error)
            else:
                future.set_result(result)

        self.invoke(key, json.dumps(event, ensure_ascii=False), request_id, done)
        return future

    def calls_under_way(self) -> int:
        return sum(pool.calls_under_way() for pool in self.pools.values())

    def halt(self) -> None:
        """Stop every process now, whatever it runs (FunctionPool.halt)."""
        for pool in self.pools.values():
            pool.halt()

    async def close(self) -> None:
        """Stop every process (calls still under way end as StoppedByServer) and wait until all are gone."""
        await asyncio.gather(*(pool.close() for pool in self.pools.values()), return_exceptions=True)
