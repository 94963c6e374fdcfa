"""The offline API Gateway: one asyncio server on one port answering WebSocket upgrades (the API) and plain
HTTP requests (the @connections management API).

Each TCP connection starts as HTTP. A request for `/@connections/...` (or `/{stage}/@connections/...`) is
answered by `management.handle`, with keep-alive. An upgrade request becomes a WebSocket connection, driven
by the `websockets` library's Sans-I/O protocol (frames, masking, close handshake, size limits) while this
module does the I/O and API Gateway's part: the `$connect` authorizer and handler before the handshake
completes, route selection and invocation per message, `$disconnect` after the close, idle and maximum
durations.
"""

from __future__ import annotations

import asyncio
import http
import json
import time
from functools import partial
from typing import Any, Dict, List, Optional, Tuple

from websockets.datastructures import Headers
from websockets.frames import Frame, Opcode
from websockets.http11 import Request, Response
from websockets.protocol import State
from websockets.server import ServerProtocol

from . import authorizer as authz
from . import events, framing, management
from .app import OfflineApp, RouteTarget
from .settings import FRAME_LIMIT, MESSAGE_LIMIT, Settings
from .logs import Log
from .routing import choose_route
from .workers import InvocationError, Invoker

HEAD_LIMIT = 16 * 1024
CLOSE_TIMEOUT = 2.0  #: seconds to wait for the client's close frame before dropping the TCP connection
GOING_AWAY = (1001, "Going away")
SHUTDOWN_GRACE = 5.0  #: seconds invocations under way get to finish when the server stops


def _phrase(status: int) -> str:
    try:
        return http.HTTPStatus(status).phrase
    except ValueError:
        return "Error"


def _json_response(status: int, document: Any, extra: Optional[List[Tuple[str, str]]] = None) -> Response:
    body = json.dumps(document).encode()
    headers = Headers(
        [
            ("Content-Type", "application/json"),
            ("Content-Length", str(len(body))),
            ("Connection", "close"),
            ("x-amzn-RequestId", events.new_id()),
        ]
    )
    for name, value in extra or ():
        headers[name] = value
    return Response(status, _phrase(status), headers, body)


def _split_target(target: str) -> List[Tuple[str, str]]:
    from urllib.parse import parse_qsl, urlsplit

    return parse_qsl(urlsplit(target).query, keep_blank_values=True)


class WsConnection:
    """An accepted WebSocket connection, as the gateway and the management API see it."""

    __slots__ = ("info", "peer", "idle_timer", "max_timer")

    def __init__(self, info: events.ConnectionInfo, peer: "PeerProtocol") -> None:
        self.info = info
        self.peer = peer
        self.idle_timer: Optional[asyncio.TimerHandle] = None
        self.max_timer: Optional[asyncio.TimerHandle] = None

    def post(self, data: bytes) -> bool:
        """Send data posted to @connections: a text frame when it is UTF-8, else a binary frame."""
        if not self.peer.is_open():
            return False
        self.info.last_active_at = events.now_ms()
        try:
            self.peer.send_text(data.decode("utf-8"))
        except UnicodeDecodeError:
            self.peer.send_binary(data)
        return True

    def disconnect(self) -> None:
        self.peer.close_ws(1000, "")


class Gateway:
    """API Gateway's behaviour for one service, shared by every connection."""

    def __init__(self, app: OfflineApp, invoker: Invoker, settings: Settings, log: Log, port: int) -> None:
        self.app = app
        self.api = app.api
        self.routes: Dict[str, RouteTarget] = app.routes
        self.route_keys = frozenset(app.routes)
        self.route_json = {key: json.dumps(key) for key in app.routes}
        self.selector = app.selector
        self.invoker = invoker
        self.settings = settings
        self.log = log
        self.port = port
        self.connections: Dict[str, WsConnection] = {}
        self.pending: set = set()  # background tasks ($connect, $disconnect)
        self.peers: set = set()
        self.stopping = False
        #: Functions that may outlast the integration timeout (their own timeout is longer): API Gateway stops
        #: waiting for them first. The others time out in their worker first (Lambda's own error).
        self.outlasting = frozenset(
            key for key, pool in invoker.pools.items() if pool.spec.timeout > settings.integration_timeout
        )

    # -- $connect -----------------------------------------------------------------------------------------

    def start_handshake(self, peer: "PeerProtocol", request: Request) -> None:
        task = asyncio.get_running_loop().create_task(self._handshake(peer, request))
        self.pending.add(task)
        task.add_done_callback(self.pending.discard)

    async def _handshake(self, peer: "PeerProtocol", request: Request) -> None:
        started = time.perf_counter()
        response = peer.protocol.accept(request)
        if response.status_code != 101:  # not a valid WebSocket upgrade: the library's own answer
            peer.respond(response)
            return
        now = events.now_ms()
        headers = list(request.headers.raw_items())
        host = request.headers.get("Host") or f"{self.settings.host}:{self.port}"
        headers += [("X-Forwarded-For", peer.source_ip), ("X-Forwarded-Port", str(self.port)), ("X-Forwarded-Proto", "http")]
        info = events.ConnectionInfo(
            connection_id=events.new_connection_id(),
            connected_at=now,
            source_ip=peer.source_ip,
            user_agent=request.headers.get("User-Agent"),
            domain_name=host,
            headers=headers,
            query=_split_target(request.path),
            last_active_at=now,
        )
        request_id = events.new_id()
        connect = self.routes.get("$connect")
        if connect is not None and connect.authorizer is not None and connect.authorizer.function_key is not None:
            decision = await self._authorize(connect, info, request_id, now)
            if not decision.allowed:
                message = {401: "Unauthorized", 403: "Forbidden"}.get(decision.status, "Internal server error")
                peer.respond(_json_response(decision.status, {"message": message}))
                self.log_event("CONNECT", "$connect", info, decision.status, started, f"authorizer {connect.authorizer.name}: {decision.reason}")
                return
            info.authorizer = decision.authorizer
        extra: List[Tuple[str, str]] = []
        status: Any = 200
        if connect is not None:
            event = events.connect_event(self.api, info, request_id, now)
            invocation = self.invoker.invoke_async(connect.function_key, event, request_id)
            try:
                result = await self._within_integration_timeout(connect.function_key, invocation)
            except InvocationError as error:
                self.log.error(f"$connect ({connect.function_key}) failed:\n{error.describe()}")
                peer.respond(_json_response(502, {"message": "Internal server error"}))
                self.log_event("CONNECT", "$connect", info, 502, started, error.error_type)
                return
            except asyncio.TimeoutError:
                peer.respond(_json_response(504, {"message": "Endpoint request timed out"}))
                note = f"integration timed out after {self.settings.integration_timeout:g} s; the function runs on"
                self.log_event("CONNECT", "$connect", info, 504, started, note)
                return
            status, extra = self._connect_outcome(result)
            if not 200 <= status < 300:
                peer.respond(_json_response(status, {"message": _phrase(status)}))
                self.log_event("CONNECT", "$connect", info, status, started, "rejected by the $connect handler")
                return
        if peer.closed or self.stopping:  # the client left (or the server is stopping) while $connect ran
            if not peer.closed:
                peer.respond(_json_response(503, {"message": "Service Unavailable"}))
            self.log_event("CONNECT", "$connect", info, status, started, "server stopping" if self.stopping else "client left during $connect")
            if connect is not None:
                self.disconnected(WsConnection(info, peer), 1006, "Connection closed before it opened")
            return
        for name, value in extra:
            response.headers[name] = value
        info.fragments = events.connection_fragments(self.api, info)
        connection = WsConnection(info, peer)
        self.connections[info.connection_id] = connection
        peer.accepted(connection, response)
        loop = asyncio.get_running_loop()
        connection.idle_timer = loop.call_later(self.settings.idle_timeout, self._idle_check, connection)
        connection.max_timer = loop.call_later(self.settings.max_duration, self._expire, connection)
        self.log_event("CONNECT", "$connect", info, status, started)

    async def _within_integration_timeout(self, function_key: str, invocation: "asyncio.Future[Any]") -> Any:
        """The invocation's result, or asyncio.TimeoutError once API Gateway would stop waiting; the function
        itself runs on to its own timeout, as in Lambda, and what it returns then is dropped."""
        if function_key not in self.outlasting:
            return await invocation
        try:
            return await asyncio.wait_for(asyncio.shield(invocation), self.settings.integration_timeout)
        except asyncio.TimeoutError:
            invocation.add_done_callback(_drop_outcome)
            raise

    async def _authorize(self, route: RouteTarget, info: events.ConnectionInfo, request_id: str, now: int) -> authz.Decision:
        assert route.authorizer is not None and route.authorizer.function_key is not None
        missing = authz.missing_identity_sources(route.authorizer.identity_sources, info.headers, info.query)
        if missing:
            return authz.Decision(401, "missing identity source " + ", ".join(missing))
        event = events.authorizer_event(self.api, info, request_id, now)
        started = time.perf_counter()
        try:
            result = await self.invoker.invoke_async(route.authorizer.function_key, event, request_id)
        except InvocationError as error:
            decision = authz.decide_error(str(error.error.get("errorMessage", "")))
            if decision.status != 401:
                self.log.error(f"authorizer {route.authorizer.name} failed:\n{error.describe()}")
            return decision
        latency = int((time.perf_counter() - started) * 1000)
        return authz.decide(result, self.api.method_arn("$connect"), latency)

    @staticmethod
    def _connect_outcome(result: Any) -> Tuple[int, List[Tuple[str, str]]]:
        """The $connect handler's status (a missing statusCode counts as 200) and response headers (e.g.
        Sec-WebSocket-Protocol, which a client that offered subprotocols needs back)."""
        if not isinstance(result, dict):
            return 200, []
        status = result.get("statusCode", 200)
        try:
            status = int(status)
        except (TypeError, ValueError):
            status = 502
        headers = result.get("headers")
        extra = [(str(k), str(v)) for k, v in headers.items()] if isinstance(headers, dict) else []
        return status, extra

    # -- messages -------------------------------------------------------------------------------------------

    def message(self, connection: WsConnection, data: Any) -> None:
        """A complete message from the client (str for text frames, bytes for binary ones)."""
        started = time.perf_counter()
        info = connection.info
        now = events.now_ms()
        info.last_active_at = now
        request_id = events.new_id()
        route_key = choose_route(self.selector, self.route_keys, data)
        if route_key is None:
            connection.peer.send_text(events.error_frame("Forbidden", info.connection_id, request_id))
            self.log_event("MESSAGE", "(no route)", info, 403, started, "no route matches and there is no $default")
            return
        route = self.routes[route_key]
        assert info.fragments is not None
        event = events.message_event_json(info.fragments, self.route_json[route_key], data, request_id, events.new_id(), now)
        done: Any = partial(self._message_done, connection, route, request_id, started)
        if route.function_key in self.outlasting:
            done = IntegrationDeadline(self, connection, route, request_id, started, done).finish
        self.invoker.invoke(route.function_key, event, request_id, done)

    def _message_done(self, connection: WsConnection, route: RouteTarget, request_id: str, started: float, result: Any, error: Optional[Exception]) -> None:
        info = connection.info
        if error is not None:
            if isinstance(error, InvocationError):
                self.log.error(f"{route.route_key} ({route.function_key}) failed:\n{error.describe()}")
                note = error.error_type
            else:
                self.log.error(f"{route.route_key} ({route.function_key}) failed: {error!r}")
                note = type(error).__name__
            connection.peer.send_text(events.error_frame("Internal server error", info.connection_id, request_id))
            self.log_event("MESSAGE", route.route_key, info, 500, started, note)
            return
        status: Any = 200
        if isinstance(result, dict):
            status = result.get("statusCode", 200)
        if route.send_response:
            reply = result.get("body") if isinstance(result, dict) else result
            if reply is not None:
                connection.peer.send_text(reply if isinstance(reply, str) else json.dumps(reply))
        self.log_event("MESSAGE", route.route_key, info, status, started)

    # -- $disconnect and timers --------------------------------------------------------------------------

    def disconnected(self, connection: WsConnection, code: int, reason: str) -> None:
        info = connection.info
        if self.connections.get(info.connection_id) is connection:
            del self.connections[info.connection_id]
        for timer in (connection.idle_timer, connection.max_timer):
            if timer is not None:
                timer.cancel()
        route = self.routes.get("$disconnect")
        if route is None:
            self.log.event("DISCONNECT", "(no route)", info.connection_id, code, 0.0, reason)
            return
        started = time.perf_counter()
        request_id = events.new_id()
        event = events.disconnect_event(self.api, info, code, reason, request_id, events.now_ms())
        future = self.invoker.invoke_async(route.function_key, event, request_id)
        self.pending.add(future)
        future.add_done_callback(self.pending.discard)
        future.add_done_callback(partial(self._disconnect_done, info, route, code, reason, started))

    def _disconnect_done(self, info: events.ConnectionInfo, route: RouteTarget, code: int, reason: str, started: float, future: "asyncio.Future[Any]") -> None:
        error = future.exception()
        note = f"{code} {reason}".strip()
        if error is not None:
            detail = error.describe() if isinstance(error, InvocationError) else repr(error)
            self.log.error(f"$disconnect ({route.function_key}) failed:\n{detail}")
            self.log_event("DISCONNECT", "$disconnect", info, 500, started, note)
            return
        result = future.result()
        status = result.get("statusCode", 200) if isinstance(result, dict) else 200
        self.log_event("DISCONNECT", "$disconnect", info, status, started, note)

    def _idle_check(self, connection: WsConnection) -> None:
        idle_for = (events.now_ms() - connection.info.last_active_at) / 1000
        remaining = self.settings.idle_timeout - idle_for
        if remaining > 0.001:
            connection.idle_timer = asyncio.get_running_loop().call_later(remaining, self._idle_check, connection)
            return
        connection.peer.close_ws(*GOING_AWAY)

    def _expire(self, connection: WsConnection) -> None:
        connection.peer.close_ws(*GOING_AWAY)

    def lookup(self, connection_id: str) -> Optional[WsConnection]:
        return self.connections.get(connection_id)

    def log_event(self, kind: str, route: str, info: events.ConnectionInfo, status: Any, started: float, note: str = "") -> None:
        self.log.event(kind, route, info.connection_id, status, (time.perf_counter() - started) * 1000, note)

    async def shutdown(self) -> None:
        """Close every connection as API Gateway does when it goes away, run their $disconnect, stop."""
        self.stopping = True
        for peer in list(self.peers):
            peer.shutdown()
        deadline = time.monotonic() + 5.0
        while self.pending and time.monotonic() < deadline:
            await asyncio.wait(list(self.pending), timeout=max(deadline - time.monotonic(), 0.01))


def _drop_outcome(future: "asyncio.Future[Any]") -> None:
    if not future.cancelled():
        future.exception()  # retrieved: nobody waits for it any more


class IntegrationDeadline:
    """API Gateway's integration timeout for one message: past it the client gets AWS's "Endpoint request timed
    out" frame and the function's eventual reply is dropped (the function runs on to its own timeout)."""

    __slots__ = ("gateway", "connection", "route", "request_id", "started", "done", "timer", "expired")

    def __init__(self, gateway: Gateway, connection: WsConnection, route: RouteTarget, request_id: str, started: float, done: Any) -> None:
        self.gateway = gateway
        self.connection = connection
        self.route = route
        self.request_id = request_id
        self.started = started
        self.done = done
        self.expired = False
        self.timer = asyncio.get_running_loop().call_later(gateway.settings.integration_timeout, self._expire)

    def _expire(self) -> None:
        self.expired = True
        info = self.connection.info
        self.connection.peer.send_text(events.error_frame("Endpoint request timed out", info.connection_id, self.request_id))
        note = f"integration timed out after {self.gateway.settings.integration_timeout:g} s; the function runs on"
        self.gateway.log_event("MESSAGE", self.route.route_key, info, 504, self.started, note)

    def finish(self, result: Any, error: Optional[Exception]) -> None:
        if not self.expired:
            self.timer.cancel()
            self.done(result, error)
            return
        if error is not None:
            detail = error.describe() if isinstance(error, InvocationError) else repr(error)
            self.gateway.log.error(f"{self.route.route_key} ({self.route.function_key}) failed after its integration timed out:\n{detail}")
        status = 500 if error is not None else (result.get("statusCode", 200) if isinstance(result, dict) else 200)
        note = "finished after the integration timed out: nothing sent to the client"
        self.gateway.log_event("MESSAGE", self.route.route_key, self.connection.info, status, self.started, note)


class PeerProtocol(asyncio.Protocol):
    """One TCP connection: HTTP requests until an upgrade, then a WebSocket."""

    def __init__(self, gateway: Gateway) -> None:
        self.gateway = gateway
        self.transport: Optional[asyncio.Transport] = None
        self.buffer = bytearray()
        self.protocol: Optional[ServerProtocol] = None  # set once the request is an upgrade
        self.connection: Optional[WsConnection] = None  # set once $connect accepted it
        self.closed = False
        self.source_ip = "127.0.0.1"
        self.fragments: List[bytes] = []
        self.fragment_opcode: Optional[Opcode] = None
        self.close_timer: Optional[asyncio.TimerHandle] = None
        self.http_busy = False
        self.slow = False  #: every byte goes to the protocol (a connection being failed or closed)

    # -- asyncio callbacks --------------------------------------------------------------------------------

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]
        peer = transport.get_extra_info("peername")
        if isinstance(peer, tuple) and peer:
            self.source_ip = str(peer[0])
        self.gateway.peers.add(self)

    def data_received(self, data: bytes) -> None:
        if self.protocol is not None:
            self._ws_data(data)
            return
        self.buffer += data
        self._http()

    def eof_received(self) -> Optional[bool]:
        if self.protocol is not None:
            self.protocol.receive_eof()
            self._flush()
        return None

    def connection_lost(self, exc: Optional[Exception]) -> None:
        self.closed = True
        self.gateway.peers.discard(self)
        if self.close_timer is not None:
            self.close_timer.cancel()
        connection, self.connection = self.connection, None
        if connection is not None:
            code, reason = self._close_status()
            self.gateway.disconnected(connection, code, reason)

    # -- plain HTTP: the management API ------------------------------------------------------------------

    def _http(self) -> None:
        while not self.http_busy and self.protocol is None and not self.closed:
            end = self.buffer.find(b"\r\n\r\n")
            if end < 0:
                if len(self.buffer) > HEAD_LIMIT:
                    self._http_reply(431, b"", {}, close=True)
                return
            head = bytes(self.buffer[: end + 4])
            try:
                method, target, version, headers = self._parse_head(head)
            except ValueError:
                self._http_reply(400, b"", {}, close=True)
                return
            lowered = {k.lower(): v for k, v in headers}
            if "upgrade" in lowered and not management.is_management_path(target):
                self._upgrade()
                return
            if "transfer-encoding" in lowered:
                self._http_reply(411, b"", {}, close=True)
                return
            try:
                length = int(lowered.get("content-length", "0"))
            except ValueError:
                self._http_reply(400, b"", {}, close=True)
                return
            if length > management.PAYLOAD_LIMIT + 1024:
                reply = management.error_reply(413, "PayloadTooLargeException", "Message size exceeds the 128 KB limit")
                self._http_reply(reply.status, reply.body, reply.headers, close=True)
                return
            if len(self.buffer) < end + 4 + length:
                return
            body = bytes(self.buffer[end + 4 : end + 4 + length])
            del self.buffer[: end + 4 + length]
            keep_alive = version == "HTTP/1.1" and lowered.get("connection", "").lower() != "close"
            if not management.is_management_path(target):
                body = b"Upgrade Required: this is a WebSocket API; connect with a WebSocket client.\n"
                self._http_reply(426, body, {"Content-Type": "text/plain", "Upgrade": "websocket"}, close=not keep_alive)
                continue
            started = time.perf_counter()
            reply = management.handle(method, target, body, self.gateway.api.stage, self.gateway.lookup)
            self._http_reply(reply.status, reply.body, reply.headers, close=not keep_alive)
            connection_id = management.connection_id_from(target, self.gateway.api.stage) or "-"
            self.gateway.log.event("MANAGE", f"{method} @connections", connection_id, reply.status, (time.perf_counter() - started) * 1000)

    @staticmethod
    def _parse_head(head: bytes) -> Tuple[str, str, str, List[Tuple[str, str]]]:
        lines = head.decode("latin-1").split("\r\n")
        method, target, version = lines[0].split(" ", 2)
        headers: List[Tuple[str, str]] = []
        for line in lines[1:]:
            if not line:
                continue
            name, sep, value = line.partition(":")
            if not sep or not name.strip():
                raise ValueError(line)
            headers.append((name.strip(), value.strip()))
        return method, target, version, headers

    def _http_reply(self, status: int, body: bytes, headers: Dict[str, str], close: bool) -> None:
        assert self.transport is not None
        lines = [f"HTTP/1.1 {status} {_phrase(status)}", f"Content-Length: {len(body)}", f"x-amzn-RequestId: {events.new_id()}"]
        lines += [f"{k}: {v}" for k, v in headers.items()]
        lines.append("Connection: close" if close else "Connection: keep-alive")
        self.transport.write(("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body)
        if close:
            self.http_busy = True
            self.transport.close()

    # -- WebSocket ------------------------------------------------------------------------------------------

    def _upgrade(self) -> None:
        self.protocol = ServerProtocol(max_size=(MESSAGE_LIMIT, FRAME_LIMIT))
        data, self.buffer = bytes(self.buffer), bytearray()
        if len(data) > data.find(b"\r\n\r\n") + 4:  # frames sent before the handshake's answer
            self.slow = True
        self.protocol.receive_data(data)
        requests = [e for e in self.protocol.events_received() if isinstance(e, Request)]
        if not requests:  # malformed: the library has queued its answer
            self._flush()
            return
        self.gateway.start_handshake(self, requests[0])

    def respond(self, response: Response) -> None:
        """Answer the upgrade request with a refusal (or the library's own handshake error)."""
        assert self.protocol is not None
        if self.closed:
            return
        self.protocol.send_response(response)
        self._flush()

    def accepted(self, connection: WsConnection, response: Response) -> None:
        assert self.protocol is not None
        self.connection = connection
        self.protocol.send_response(response)
        self._flush()

    def is_open(self) -> bool:
        return self.protocol is not None and self.protocol.state is State.OPEN and not self.closed

    def _ws_data(self, data: bytes) -> None:
        """Whole single-frame messages are handled here (framing.py); every other frame goes, whole, to the
        protocol. Bytes of a frame not yet complete wait in `self.buffer`."""
        protocol = self.protocol
        assert protocol is not None
        connection = self.connection
        if connection is None or self.slow or protocol.state is not State.OPEN:
            if connection is None:  # a frame before the handshake completed: its parser may be mid-frame
                self.slow = True
            self._to_protocol(data)
            return
        connection.info.last_active_at = events.now_ms()
        buffer = self.buffer
        buffer += data
        offset = 0
        while not self.closed:
            extent = framing.frame_extent(buffer, offset)
            if extent is None:
                break
            head, length = extent
            if length > FRAME_LIMIT:  # refused on its header: the protocol fails the connection (1009) now
                self.slow = True
                rest = bytes(buffer[offset:])
                offset = len(buffer)
                self._to_protocol(rest)
                break
            end = offset + head + length
            if len(buffer) < end:
                break
            first = buffer[offset]
            if (
                framing.is_simple_data_frame(first, buffer[offset + 1])
                and protocol.current_size is None and protocol.state is State.OPEN
            ):  # fmt: skip
                payload = framing.apply_mask(buffer[offset + head : end], buffer[offset + head - 4 : offset + head])
                offset = end
                self._deliver(connection, Opcode.TEXT if first == framing.FIN_TEXT else Opcode.BINARY, payload)
            else:
                frame = bytes(buffer[offset:end])
                offset = end
                if protocol.state is State.OPEN:
                    self._to_protocol(frame)
                else:  # the close handshake began: from here the protocol reads everything
                    self.slow = True
                    self._to_protocol(frame + bytes(buffer[offset:]))
                    offset = len(buffer)
                    break
        del buffer[:offset]

    def _to_protocol(self, data: bytes) -> None:
        protocol = self.protocol
        assert protocol is not None
        protocol.receive_data(data)
        frames = protocol.events_received()
        connection = self.connection
        if connection is not None:
            connection.info.last_active_at = events.now_ms()
            for frame in frames:
                if isinstance(frame, Frame):
                    self._frame(connection, frame)
        self._flush()

    def _frame(self, connection: WsConnection, frame: Frame) -> None:
        opcode = frame.opcode
        if opcode is Opcode.TEXT or opcode is Opcode.BINARY:
            if frame.fin:
                self._deliver(connection, opcode, frame.data)
            else:
                self.fragment_opcode, self.fragments = opcode, [frame.data]
        elif opcode is Opcode.CONT:
            self.fragments.append(frame.data)
            if frame.fin and self.fragment_opcode is not None:
                data, opcode = b"".join(self.fragments), self.fragment_opcode
                self.fragments, self.fragment_opcode = [], None
                self._deliver(connection, opcode, data)

    def _deliver(self, connection: WsConnection, opcode: Opcode, data: bytes) -> None:
        if opcode is Opcode.TEXT:
            try:
                text = data.decode("utf-8")
            except UnicodeDecodeError:
                self.close_ws(1007, "Invalid UTF-8 in a text frame")
                return
            self.gateway.message(connection, text)
        else:
            self.gateway.message(connection, bytes(data))

    def send_text(self, text: str) -> None:
        self._send(framing.FIN_TEXT, text.encode("utf-8"))

    def send_binary(self, data: bytes) -> None:
        self._send(framing.FIN_BINARY, data)

    def _send(self, opcode_byte: int, payload: bytes) -> None:
        """One unfragmented frame, written straight to the transport: the server never sends fragmented
        messages, and the protocol has nothing queued (every call into it is followed by a flush)."""
        protocol = self.protocol
        if protocol is None or protocol.state is not State.OPEN or self.closed or self.transport is None:
            return
        self.transport.write(framing.header(opcode_byte, len(payload)) + payload)

    def close_ws(self, code: int, reason: str) -> None:
        """Start the close handshake; drop the TCP connection if the client does not answer in time."""
        if not self.is_open():
            return
        self.protocol.send_close(code, reason)  # type: ignore[union-attr]
        self._flush()
        if not self.closed and self.close_timer is None:
            self.close_timer = asyncio.get_running_loop().call_later(CLOSE_TIMEOUT, self._abort)

    def _abort(self) -> None:
        if self.transport is not None:
            self.transport.abort()

    def shutdown(self) -> None:
        if self.connection is not None:
            self.close_ws(*GOING_AWAY)
        elif self.transport is not None and self.protocol is None:
            self.transport.close()

    def _flush(self) -> None:
        protocol = self.protocol
        transport = self.transport
        if protocol is None or transport is None or self.closed:
            return
        for chunk in protocol.data_to_send():
            if chunk:
                transport.write(chunk)
            else:  # end of stream: a server closes the TCP connection once its close frame is out
                transport.close()
                return
        if protocol.close_expected() and self.close_timer is None:
            self.close_timer = asyncio.get_running_loop().call_later(CLOSE_TIMEOUT, self._abort)

    def _close_status(self) -> Tuple[int, str]:
        """The disconnectStatusCode and disconnectReason: the server's when it closed first, the client's
        when it did, 1006 when the TCP connection dropped without a close frame."""
        protocol = self.protocol
        assert protocol is not None
        sent, received = protocol.close_sent, protocol.close_rcvd
        if sent is not None and (received is None or protocol.close_rcvd_then_sent is False):
            return int(sent.code), sent.reason
        if received is not None:
            return int(received.code), events.disconnect_reason(int(received.code), received.reason)
        return 1006, "Connection closed abnormally"


class OfflineServer:
    """Binds the port, starts the workers, serves until `stop()`."""

    def __init__(self, app: OfflineApp, settings: Settings, log: Optional[Log] = None) -> None:
        self.app = app
        self.settings = settings
        self.log = log or Log(quiet=settings.quiet)
        self.server: Optional[asyncio.base_events.Server] = None
        self.invoker: Optional[Invoker] = None
        self.gateway: Optional[Gateway] = None
        self.port = settings.port

    async def start(self, base_env: Optional[Dict[str, str]] = None) -> None:
        """Bind, load every handler (ConfigError when one cannot be loaded), then accept connections."""
        from .app import function_specs, handler_problems, management_endpoint

        loop = asyncio.get_running_loop()
        holder: Dict[str, Gateway] = {}
        self.server = await loop.create_server(
            lambda: PeerProtocol(holder["gateway"]), self.settings.host, self.settings.port, start_serving=False
        )
        self.port = self.server.sockets[0].getsockname()[1]
        endpoint = management_endpoint(self.settings.host, self.port, self.app.api.stage)
        specs = function_specs(self.app, endpoint, base_env)
        self.invoker = Invoker(specs, self.settings.max_workers, self.log.output, self.log.error, self.settings.worker_idle_seconds)
        failures = await self.invoker.start()
        if failures:
            await self.invoker.close()
            self.server.close()
            details = {key: f"{error.error_type}: {error}".strip(": ") for key, error in failures.items()}
            for key, error in failures.items():
                if error.error.get("stackTrace"):
                    self.log.error(f"{key}:\n{error.describe()}")
            raise handler_problems(details, self.app.file)
        self.gateway = holder["gateway"] = Gateway(self.app, self.invoker, self.settings, self.log, self.port)
        await self.server.start_serving()

    @property
    def url(self) -> str:
        host = self.settings.host
        return f"ws://{'[' + host + ']' if ':' in host else host}:{self.port}"

    async def stop(self) -> None:
        if self.server is not None:
            self.server.close()
        if self.gateway is not None:
            await self.gateway.shutdown()
        if self.invoker is not None:
            await self.invoker.close(grace=SHUTDOWN_GRACE)
        if self.server is not None:
            try:
                await asyncio.wait_for(self.server.wait_closed(), 2.0)
            except asyncio.TimeoutError:
                pass
        self.log.flush()  # lines still waiting for their batch: the loop may end before it is written
