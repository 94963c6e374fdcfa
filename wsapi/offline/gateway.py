"""API Gateway's part of `wsapi offline`, for one service: which paths it serves, `$connect` (with its REQUEST
authorizer) before a connection opens, route selection and an invocation per message, `$disconnect` after
it closes, idle and maximum durations, the integration timeout, and the @connections management API.

It knows connections only through the transport's peers (`transport.py`: TCP, HTTP parsing, WebSocket
framing and the close handshake), which call it back: `upgrade` for a WebSocket upgrade request, `message`
for each complete message, `closed` when a connection is gone, `http_request` for any other request.
"""

from __future__ import annotations

import asyncio
import json
import time
from functools import partial
from typing import TYPE_CHECKING, Any, Dict, Iterable, List, Optional, Protocol, Tuple
from urllib.parse import parse_qsl, urlsplit

from . import authorizer as authz
from . import events, management
from .app import OfflineApp, RouteTarget
from .logs import Log
from .routing import choose_route
from .settings import Settings
from .workers import InvocationError, Invoker, StoppedByServer

if TYPE_CHECKING:
    from websockets.http11 import Request


class PeerProtocol(Protocol):
    """What the gateway asks of a client's connection (`transport.PeerProtocol` is it): the gateway decides,
    the transport frames and writes."""

    source_ip: str
    closed: bool

    def refuse(self, status: int, document: Any, headers: Iterable[Tuple[str, str]] = ()) -> None: ...

    def accept(self, connection: "WsConnection", headers: Iterable[Tuple[str, str]] = ()) -> None: ...

    def is_open(self) -> bool: ...

    def send_text(self, text: str) -> None: ...

    def send_binary(self, data: bytes) -> None: ...

    def close_ws(self, code: int, reason: str) -> None: ...

GOING_AWAY = (1001, "Going away")
Headers = List[Tuple[str, str]]


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


class Refused(Exception):
    """`$connect` refused the connection: the upgrade request gets `status` and `{"message": message}`."""

    def __init__(self, status: int, message: str, note: str) -> None:
        super().__init__(note)
        self.status = status
        self.message = message
        self.note = note


def _outcome_status(result: Any) -> Any:
    return result.get("statusCode", 200) if isinstance(result, dict) else 200


def _drop_outcome(future: "asyncio.Future[Any]") -> None:
    if not future.cancelled():
        future.exception()  # retrieved: nobody waits for it any more


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
        self.handshakes: set = set()  # $connect tasks under way
        self.stopping = False
        #: The paths a WebSocket client may connect to: the stage's, and `/` (as serverless-offline serves it)
        self.paths = frozenset(("/", f"/{self.api.stage}", f"/{self.api.stage}/"))
        #: Functions that may outlast the integration timeout (their own timeout is longer): API Gateway stops
        #: waiting for them first. The others time out in their worker first (Lambda's own error).
        self.outlasting = frozenset(
            key for key, pool in invoker.pools.items() if pool.spec.timeout > settings.integration_timeout
        )

    # -- plain HTTP: the management API ------------------------------------------------------------------

    @staticmethod
    def accepts_upgrade(target: str) -> bool:
        """Whether an upgrade request for `target` is a WebSocket connection (else a plain HTTP request)."""
        return not management.is_management_path(target)

    def http_request(self, method: str, target: str, body: bytes) -> management.Reply:
        if not management.is_management_path(target):
            text = b"Upgrade Required: this is a WebSocket API; connect with a WebSocket client.\n"
            return management.Reply(426, text, {"Content-Type": "text/plain", "Upgrade": "websocket"})
        started = time.perf_counter()
        reply = management.handle(method, target, body, self.api.stage, self._open_connection)
        connection_id = management.connection_id_from(target, self.api.stage) or "-"
        self.log.event("MANAGE", f"{method} @connections", connection_id, reply.status, (time.perf_counter() - started) * 1000)
        return reply

    def _open_connection(self, connection_id: str) -> Optional[WsConnection]:
        """The connection the management API may address: one whose close handshake has begun is gone (410)
        as soon as it began, not once its TCP connection ends a moment later."""
        connection = self.connections.get(connection_id)
        return connection if connection is not None and connection.peer.is_open() else None

    # -- $connect -----------------------------------------------------------------------------------------

    def upgrade(self, peer: "PeerProtocol", request: "Request") -> None:
        """A valid WebSocket upgrade request: answer it once `$connect` (and its authorizer) decided."""
        task = asyncio.get_running_loop().create_task(self._connect(peer, request))
        self.handshakes.add(task)
        task.add_done_callback(self.handshakes.discard)

    async def _connect(self, peer: "PeerProtocol", request: "Request") -> None:
        started = time.perf_counter()
        path = urlsplit(request.path).path
        if path not in self.paths:  # API Gateway answers a path that names no stage of the API with 403
            peer.refuse(403, {"message": "Forbidden"}, [("x-amzn-ErrorType", "ForbiddenException")])
            note = f"{path} is not this API's path (/{self.api.stage}, or / offline)"
            self.log.event("CONNECT", "$connect", "-", 403, (time.perf_counter() - started) * 1000, note)
            return
        info = self._connection_info(peer, request)
        connect = self.routes.get("$connect")
        try:
            status, headers = await self._run_connect(connect, info)
        except Refused as refusal:
            peer.refuse(refusal.status, {"message": refusal.message})
            self.log_event("CONNECT", "$connect", info, refusal.status, started, refusal.note)
            return
        if peer.closed or self.stopping:  # the client left (or the server is stopping) while $connect ran
            if not peer.closed:
                peer.refuse(503, {"message": "Service Unavailable"})
            self.log_event("CONNECT", "$connect", info, status, started, "server stopping" if self.stopping else "client left during $connect")
            if connect is not None:
                self.closed(WsConnection(info, peer), 1006, "Connection closed before it opened")
            return
        self._open(peer, info, headers)
        self.log_event("CONNECT", "$connect", info, status, started)

    def _connection_info(self, peer: "PeerProtocol", request: "Request") -> events.ConnectionInfo:
        now = events.now_ms()
        headers = list(request.headers.raw_items())
        host = request.headers.get("Host") or f"{self.settings.host}:{self.port}"
        headers += [("X-Forwarded-For", peer.source_ip), ("X-Forwarded-Port", str(self.port)), ("X-Forwarded-Proto", "http")]
        return events.ConnectionInfo(
            connection_id=events.new_connection_id(),
            connected_at=now,
            source_ip=peer.source_ip,
            user_agent=request.headers.get("User-Agent"),
            domain_name=host,
            headers=headers,
            query=parse_qsl(urlsplit(request.path).query, keep_blank_values=True),
            last_active_at=now,
        )

    async def _run_connect(self, connect: Optional[RouteTarget], info: events.ConnectionInfo) -> Tuple[Any, Headers]:
        """The authorizer, then the `$connect` function: its status and the response headers it asks for
        (e.g. Sec-WebSocket-Protocol), or Refused."""
        request_id = events.new_id()
        now = info.connected_at
        if connect is None:
            return 200, []
        if connect.authorizer is not None and connect.authorizer.function_key is not None:
            decision = await self._authorize(connect, info, request_id, now)
            if not decision.allowed:
                message = {401: "Unauthorized", 403: "Forbidden", 503: "Service Unavailable"}.get(decision.status, "Internal server error")
                raise Refused(decision.status, message, f"authorizer {connect.authorizer.name}: {decision.reason}")
            info.authorizer = decision.authorizer
        event = events.connect_event(self.api, info, request_id, now)
        invocation = self.invoker.invoke_async(connect.function_key, event, request_id)
        try:
            result = await self._within_integration_timeout(connect.function_key, invocation)
        except StoppedByServer as stopped:
            raise Refused(503, "Service Unavailable", stopped.note) from None
        except InvocationError as error:
            self.log.error(f"$connect ({connect.function_key}) failed:\n{error.describe()}")
            raise Refused(502, "Internal server error", error.error_type) from None
        except asyncio.TimeoutError:
            note = f"integration timed out after {self.settings.integration_timeout:g} s; the function runs on"
            raise Refused(504, "Endpoint request timed out", note) from None
        status, headers = self._connect_outcome(result)
        if not 200 <= status < 300:
            raise Refused(status, events.status_phrase(status), "rejected by the $connect handler")
        return status, headers

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
        except StoppedByServer as stopped:
            return authz.Decision(503, stopped.note)
        except InvocationError as error:
            decision = authz.decide_error(str(error.error.get("errorMessage", "")))
            if decision.status != 401:
                self.log.error(f"authorizer {route.authorizer.name} failed:\n{error.describe()}")
            return decision
        latency = int((time.perf_counter() - started) * 1000)
        return authz.decide(result, self.api.method_arn("$connect"), latency)

    @staticmethod
    def _connect_outcome(result: Any) -> Tuple[int, Headers]:
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

    def _open(self, peer: "PeerProtocol", info: events.ConnectionInfo, headers: Headers) -> None:
        info.fragments = events.connection_fragments(self.api, info)
        connection = WsConnection(info, peer)
        self.connections[info.connection_id] = connection
        peer.accept(connection, headers)
        loop = asyncio.get_running_loop()
        connection.idle_timer = loop.call_later(self.settings.idle_timeout, self._idle_check, connection)
        connection.max_timer = loop.call_later(self.settings.max_duration, self._expire, connection)

    # -- messages -------------------------------------------------------------------------------------------

    def message(self, connection: WsConnection, data: Any) -> None:
        """A complete message from the client (str for text frames, bytes for binary ones)."""
        started = time.perf_counter()
        info = connection.info
        now = events.now_ms()
        info.last_active_at = now
        if self.stopping:  # only calls already under way finish
            self.log_event("MESSAGE", "(not routed)", info, "-", started, "the server is stopping")
            return
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
        if isinstance(error, StoppedByServer):
            self.log_event("MESSAGE", route.route_key, info, "-", started, error.note)
            return
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
        if route.send_response:
            reply = result.get("body") if isinstance(result, dict) else result
            if reply is not None:
                connection.peer.send_text(reply if isinstance(reply, str) else json.dumps(reply))
        self.log_event("MESSAGE", route.route_key, info, _outcome_status(result), started)

    # -- $disconnect and timers --------------------------------------------------------------------------

    def closed(self, connection: WsConnection, code: int, reason: str) -> None:
        """The connection is gone (`code`/`reason`: its disconnectStatusCode/disconnectReason): $disconnect."""
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
        future.add_done_callback(partial(self._disconnect_done, info, route, code, reason, started))

    def _disconnect_done(self, info: events.ConnectionInfo, route: RouteTarget, code: int, reason: str, started: float, future: "asyncio.Future[Any]") -> None:
        """Logged as it went: the status the handler returned, its error, or that the server stopped it."""
        error = future.exception()
        note = f"{code} {reason}".strip()
        if isinstance(error, StoppedByServer):
            self.log_event("DISCONNECT", "$disconnect", info, "-", started, f"{note}; {error.note}")
            return
        if error is not None:
            detail = error.describe() if isinstance(error, InvocationError) else repr(error)
            self.log.error(f"$disconnect ({route.function_key}) failed:\n{detail}")
            self.log_event("DISCONNECT", "$disconnect", info, 500, started, note)
            return
        self.log_event("DISCONNECT", "$disconnect", info, _outcome_status(future.result()), started, note)

    def _idle_check(self, connection: WsConnection) -> None:
        idle_for = (events.now_ms() - connection.info.last_active_at) / 1000
        remaining = self.settings.idle_timeout - idle_for
        if remaining > 0.001:
            connection.idle_timer = asyncio.get_running_loop().call_later(remaining, self._idle_check, connection)
            return
        connection.peer.close_ws(*GOING_AWAY)

    def _expire(self, connection: WsConnection) -> None:
        connection.peer.close_ws(*GOING_AWAY)

    def log_event(self, kind: str, route: str, info: events.ConnectionInfo, status: Any, started: float, note: str = "") -> None:
        self.log.event(kind, route, info.connection_id, status, (time.perf_counter() - started) * 1000, note)

    # -- stopping -------------------------------------------------------------------------------------------

    def calls_to_wait_for(self) -> int:
        """Calls under way, and the $disconnect each open connection will get once closed."""
        disconnects = len(self.connections) if "$disconnect" in self.routes else 0
        return self.invoker.calls_under_way() + disconnects

    def busy(self) -> bool:
        """A call is under way or a `$connect` is deciding."""
        return bool(self.handshakes) or self.invoker.calls_under_way() > 0


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
        gateway, route = self.gateway, self.route
        if isinstance(error, StoppedByServer):
            note = f"after the integration timed out: {error.note}"
            gateway.log_event("MESSAGE", route.route_key, self.connection.info, "-", self.started, note)
            return
        if error is not None:
            detail = error.describe() if isinstance(error, InvocationError) else repr(error)
            gateway.log.error(f"{route.route_key} ({route.function_key}) failed after its integration timed out:\n{detail}")
        status = 500 if error is not None else _outcome_status(result)
        note = "finished after the integration timed out: nothing sent to the client"
        gateway.log_event("MESSAGE", route.route_key, self.connection.info, status, self.started, note)
