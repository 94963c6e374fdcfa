"""The Python runtime each function's worker process runs, as Lambda's Python runtime does in a sandbox: import
the handler once (the init phase, with the function's environment already set), then invoke it for every
request read from the channel, and keep the process warm between invocations. It implements the worker
protocol that workers.py specifies (launch arguments, frames, messages, stopping), which a runtime for any
other language implements the same way.

Run as a script (`python -u runtime.py FD CONFIG`), never imported through `wsapi`, and standard library only:
the function's `sys.modules` then holds its own modules and nothing of the server. The server side imports
this module only for the framing helpers below.
"""

from __future__ import annotations

import importlib
import json
import logging
import os
import signal
import socket
import struct
import sys
import time
import traceback
from decimal import Decimal
from typing import Any, Callable, Optional

HEADER = struct.Struct("!I")
#: Largest frame either side accepts (an event carries at most a 128 KB message; results are bounded here).
MAX_FRAME = 64 * 1024 * 1024


def frame(payload: bytes) -> bytes:
    return HEADER.pack(len(payload)) + payload


class HandlerLoadError(Exception):
    """The handler could not be loaded (the init phase failed): Lambda's Runtime.* init errors."""

    def __init__(self, error_type: str, message: str, stack: Optional[list] = None) -> None:
        super().__init__(message)
        self.error = {"errorMessage": message, "errorType": error_type, "stackTrace": stack or []}


def load_handler(handler: str) -> Callable[..., Any]:
    """`dir/module.function` or `package.module.function`, resolved against `sys.path` as Lambda does."""
    module_name, _, function_name = handler.rpartition(".")
    if not module_name or not function_name:
        raise HandlerLoadError("Runtime.MalformedHandlerName", f"Bad handler '{handler}': expected MODULE.FUNCTION")
    dotted = module_name.replace("/", ".")
    if dotted.split(".")[0] in sys.builtin_module_names:
        raise HandlerLoadError("Runtime.BuiltInModuleConflict", f"Cannot use built-in module {module_name} as a handler module")
    try:
        module = importlib.import_module(dotted)
    except ImportError as error:
        raise HandlerLoadError("Runtime.ImportModuleError", f"Unable to import module '{module_name}': {error}") from None
    except SyntaxError as error:
        raise HandlerLoadError(
            "Runtime.UserCodeSyntaxError",
            f"Syntax error in module '{module_name}': {error}",
            [f'  File "{error.filename}" Line {error.lineno}\n    {error.text}'],
        ) from None
    except Exception as error:  # an exception raised while the module initializes
        raise HandlerLoadError(type(error).__name__, f"{error}", _stack(error.__traceback__)) from None
    function = getattr(module, function_name, None)
    if function is None:
        raise HandlerLoadError("Runtime.HandlerNotFound", f"Handler '{function_name}' missing on module '{module_name}'")
    if not callable(function):
        raise HandlerLoadError("Runtime.HandlerNotFound", f"Handler '{function_name}' on module '{module_name}' is not callable")
    return function


def _stack(tb: Any) -> list:
    frames = traceback.extract_tb(tb)
    here = os.path.abspath(__file__)
    frames = [f for f in frames if os.path.abspath(f.filename) != here]
    return traceback.format_list(frames)


_CONTEXT_VARIABLES = (
    ("log_group_name", "AWS_LAMBDA_LOG_GROUP_NAME"),
    ("log_stream_name", "AWS_LAMBDA_LOG_STREAM_NAME"),
    ("function_name", "AWS_LAMBDA_FUNCTION_NAME"),
    ("memory_limit_in_mb", "AWS_LAMBDA_FUNCTION_MEMORY_SIZE"),  # a string, as in Lambda
    ("function_version", "AWS_LAMBDA_FUNCTION_VERSION"),
)


def sandbox_details() -> dict:
    """The context attributes that come from the sandbox's environment. Lambda's runtime reads them once,
    when it starts; so does this one (a handler changing os.environ does not change its context)."""
    return {attribute: os.environ.get(variable) for attribute, variable in _CONTEXT_VARIABLES}


class LambdaContext:
    """The `context` argument, with the attributes and method Lambda's Python runtime provides."""

    def __init__(self, request_id: str, deadline_ms: int, invoked_function_arn: str, details: Optional[dict] = None) -> None:
        self.aws_request_id = request_id
        self.__dict__.update(sandbox_details() if details is None else details)
        self.invoked_function_arn = invoked_function_arn
        self.client_context = None
        self.identity = None
        self._deadline_ms = deadline_ms

    def get_remaining_time_in_millis(self) -> int:
        return max(self._deadline_ms - int(time.time() * 1000), 0)

    def log(self, message: Any) -> None:
        sys.stdout.write(str(message))

    def __repr__(self) -> str:
        return (
            f"LambdaContext([aws_request_id={self.aws_request_id},function_name={self.function_name},"
            f"function_version={self.function_version},invoked_function_arn={self.invoked_function_arn}])"
        )


def _json_default(value: Any) -> Any:
    if isinstance(value, Decimal):  # as Lambda's marshaller does
        return int(value) if value == value.to_integral_value() else float(value)
    raise TypeError(f"Object of type {type(value).__name__} is not JSON serializable")


_current_request_id = ""


class _RequestIdFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        record.aws_request_id = _current_request_id
        return True


def _setup_logging() -> None:
    """The root handler Lambda installs, so `logging.getLogger().info(...)` prints as it does there."""
    handler = logging.StreamHandler(sys.stdout)
    formatter = logging.Formatter("[%(levelname)s]\t%(asctime)s.%(msecs)03dZ\t%(aws_request_id)s\t%(message)s", "%Y-%m-%dT%H:%M:%S")
    formatter.converter = time.gmtime
    handler.setFormatter(formatter)
    handler.addFilter(_RequestIdFilter())
    logging.getLogger().addHandler(handler)


class _Channel:
    """The worker's end of the socket. The server may queue several invocations at once (for a fast
    function); they are read together and run one after the other. Their replies go back in one write, so the
    server wakes once for the batch, except that a reply never waits more than BATCH_SECONDS for the ones
    after it."""

    def __init__(self, fd: int) -> None:
        self.sock = socket.socket(fileno=fd)
        self.buffer = bytearray()
        # One receive buffer for the life of the process: `recv(n)` would allocate (and, past malloc's mmap
        # threshold, map and unmap) n bytes on every call.
        self.chunk = bytearray(256 * 1024)
        self.view = memoryview(self.chunk)

    def buffered(self) -> Optional[bytes]:
        """The next frame when it is already read in full, else None (no system call)."""
        buffer = self.buffer
        if len(buffer) < HEADER.size:
            return None
        (size,) = HEADER.unpack_from(buffer)
        end = HEADER.size + size
        if size > MAX_FRAME or len(buffer) < end:
            return None
        payload = bytes(buffer[HEADER.size : end])
        del buffer[:end]
        return payload

    def receive(self) -> Optional[bytes]:
        """The next frame, waiting for it; None when the server closed the channel."""
        buffer = self.buffer
        while True:
            payload = self.buffered()
            if payload is not None:
                return payload
            if len(buffer) >= HEADER.size and HEADER.unpack_from(buffer)[0] > MAX_FRAME:
                return None
            count = self.sock.recv_into(self.chunk)
            if not count:
                return None
            buffer += self.view[:count]

    def send(self, payloads: list) -> None:
        self.sock.sendall(b"".join(frame(payload) for payload in payloads))


#: The longest a finished reply waits for the replies of invocations queued behind it (seconds).
BATCH_SECONDS = 0.001


def _invoke(handler: Callable[..., Any], message: dict, function_arn: str, details: dict) -> bytes:
    global _current_request_id
    request_id = message["requestId"]
    _current_request_id = request_id
    started = time.perf_counter()
    try:
        context = LambdaContext(request_id, message["deadline"], function_arn, details)
        result = handler(message["event"], context)
    except Exception as error:
        prefix = b'{"id":%d,"duration":%.6f,' % (message["id"], time.perf_counter() - started)
        stack = _stack(error.__traceback__)
        payload = {"errorMessage": str(error), "errorType": type(error).__name__, "stackTrace": stack}
        return prefix + b'"error":' + json.dumps(payload).encode() + b"}"
    finally:
        sys.stdout.flush()
    prefix = b'{"id":%d,"duration":%.6f,' % (message["id"], time.perf_counter() - started)
    try:
        encoded = json.dumps(result, default=_json_default, ensure_ascii=False).encode()
    except (TypeError, ValueError) as error:
        payload = {"errorMessage": f"Unable to marshal response: {error}", "errorType": "Runtime.MarshalError", "stackTrace": []}
        return prefix + b'"error":' + json.dumps(payload).encode() + b"}"
    return prefix + b'"result":' + encoded + b"}"


def main(argv: list) -> int:
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the server stops its workers itself: never a traceback here
    fd, config = int(argv[1]), json.loads(argv[2])
    task_root = config["taskRoot"]
    here = os.path.dirname(os.path.abspath(__file__))
    sys.path[:] = [task_root] + [p for p in sys.path if p and os.path.abspath(p) != here]
    os.chdir(task_root)
    channel = _Channel(fd)
    _setup_logging()
    try:
        handler = load_handler(config["handler"])
    except HandlerLoadError as error:
        channel.send([json.dumps({"ready": False, "error": error.error}).encode()])
        return 1
    function_arn = config["functionArn"]
    details = sandbox_details()
    try:
        channel.send([b'{"ready":true}'])
        while True:
            payload = channel.receive()
            if payload is None:  # the server closed the channel: stop
                return 0
            replies = [_invoke(handler, json.loads(payload), function_arn, details)]
            batch_until = time.monotonic() + BATCH_SECONDS
            while True:
                payload = channel.buffered()
                if payload is None:
                    break
                if time.monotonic() > batch_until:
                    channel.send(replies)
                    replies = []
                    batch_until = time.monotonic() + BATCH_SECONDS
                replies.append(_invoke(handler, json.loads(payload), function_arn, details))
            channel.send(replies)
    except (BrokenPipeError, ConnectionResetError):  # the server went away first: nothing left to answer
        return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
