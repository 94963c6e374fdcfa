"""The transport of `wsapi offline`: one asyncio protocol per TCP connection, HTTP/1.1 until an upgrade, then
a WebSocket. It parses requests, answers plain ones (the @connections API) with what the gateway replies,
frames and unframes WebSocket messages, runs the close handshake and flushes what there is to send. What
a request or a message means is the gateway's business (`gateway.py`); this module knows only bytes.

WebSocket frames: single-frame messages take wsapi's fast path (`framing.py`); every other frame goes,
whole, to the `websockets` Sans-I/O protocol, used only through its documented API (`ServerProtocol`:
accept, send_response, receive_data, receive_eof, events_received, data_to_send, close_expected, send_close,
state, close_exc). Whether a fragmented message is under way is tracked here, from the frames the protocol
reports.
"""

from __future__ import annotations

import asyncio
import json
from typing import TYPE_CHECKING, Any, Dict, Iterable, List, Optional, Set, Tuple

from websockets.datastructures import Headers
from websockets.frames import Frame, Opcode
from websockets.http11 import Request, Response
from websockets.protocol import State
from websockets.server import ServerProtocol

from . import events, framing, management
from .settings import FRAME_LIMIT, MESSAGE_LIMIT

if TYPE_CHECKING:
    from .gateway import Gateway, WsConnection

HEAD_LIMIT = 16 * 1024
CLOSE_TIMEOUT = 2.0  #: seconds to wait for the client's close frame (or end of stream) before dropping the TCP connection


def _json_response(status: int, document: Any, extra: Iterable[Tuple[str, str]] = ()) -> Response:
    body = json.dumps(document).encode()
    headers = Headers(
        [
            ("Content-Type", "application/json"),
            ("Content-Length", str(len(body))),
            ("Connection", "close"),
            ("x-amzn-RequestId", events.new_id()),
        ]
    )
    for name, value in extra:
        headers[name] = value
    return Response(status, events.status_phrase(status), headers, body)


def parse_head(head: bytes) -> Tuple[str, str, str, List[Tuple[str, str]]]:
    """Method, target, version and headers of a request head (ValueError when it is not HTTP)."""
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


class PeerProtocol(asyncio.Protocol):
    """One TCP connection: HTTP requests until an upgrade, then a WebSocket."""

    def __init__(self, gateway: "Gateway", peers: Set["PeerProtocol"]) -> None:
        self.gateway = gateway
        self.peers = peers
        self.transport: Optional[asyncio.Transport] = None
        self.buffer = bytearray()
        self.protocol: Optional[ServerProtocol] = None  # set once the request is an upgrade
        self.handshake: Optional[Response] = None  # the 101 answer, until the gateway accepts or refuses
        self.connection: Optional["WsConnection"] = None  # set once the gateway accepted it
        self.closed = False
        self.source_ip = "127.0.0.1"
        self.fragments: List[bytes] = []
        self.fragment_opcode: Optional[Opcode] = None  # a fragmented message is under way
        self.close_timer: Optional[asyncio.TimerHandle] = None
        self.http_busy = False
        self.slow = False  #: every byte goes to the protocol (a connection being failed or closed)

    # -- asyncio callbacks --------------------------------------------------------------------------------

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]
        peer = transport.get_extra_info("peername")
        if isinstance(peer, tuple) and peer:
            self.source_ip = str(peer[0])
        self.peers.add(self)

    def data_received(self, data: bytes) -> None:
        if self.protocol is not None:
            self._ws_data(data)
            return
        self.buffer += data
        self._http()

    def eof_received(self) -> Optional[bool]:
        """The client ended its side: the protocol completes the close (or notes an abnormal one); returning
        None lets asyncio close the connection."""
        if self.protocol is not None:
            self.protocol.receive_eof()
            self._flush()
        return None

    def connection_lost(self, exc: Optional[Exception]) -> None:
        self.closed = True
        self.peers.discard(self)
        if self.close_timer is not None:
            self.close_timer.cancel()
        connection, self.connection = self.connection, None
        if connection is not None:
            code, reason = self.close_status()
            self.gateway.closed(connection, code, reason)

    # -- plain HTTP ----------------------------------------------------------------------------------------

    def _http(self) -> None:
        """Answer every complete request in the buffer, in order (keep-alive), until an upgrade."""
        while not self.http_busy and self.protocol is None and not self.closed:
            end = self.buffer.find(b"\r\n\r\n")
            if end < 0:
                if len(self.buffer) > HEAD_LIMIT:
                    self._http_reply(431, b"", {}, close=True)
                return
            try:
                method, target, version, headers = parse_head(bytes(self.buffer[: end + 4]))
            except ValueError:
                self._http_reply(400, b"", {}, close=True)
                return
            lowered = {k.lower(): v for k, v in headers}
            if "upgrade" in lowered and self.gateway.accepts_upgrade(target):
                self._upgrade()
                return
            length = self._body_length(lowered)
            if length is None or len(self.buffer) < end + 4 + length:
                return
            body = bytes(self.buffer[end + 4 : end + 4 + length])
            del self.buffer[: end + 4 + length]
            keep_alive = version == "HTTP/1.1" and lowered.get("connection", "").lower() != "close"
            reply = self.gateway.http_request(method, target, body)
            self._http_reply(reply.status, reply.body, reply.headers, close=not keep_alive)

    def _body_length(self, headers: Dict[str, str]) -> Optional[int]:
        """The request body's length; None once the request has been refused (its reply is sent)."""
        if "transfer-encoding" in headers:
            self._http_reply(411, b"", {}, close=True)
            return None
        try:
            length = int(headers.get("content-length", "0"))
        except ValueError:
            self._http_reply(400, b"", {}, close=True)
            return None
        if length > management.PAYLOAD_LIMIT + 1024:
            reply = management.error_reply(413, "PayloadTooLargeException", "Message size exceeds the 128 KB limit")
            self._http_reply(reply.status, reply.body, reply.headers, close=True)
            return None
        return length

    def _http_reply(self, status: int, body: bytes, headers: Dict[str, str], close: bool) -> None:
        assert self.transport is not None
        lines = [f"HTTP/1.1 {status} {events.status_phrase(status)}", f"Content-Length: {len(body)}", f"x-amzn-RequestId: {events.new_id()}"]
        lines += [f"{k}: {v}" for k, v in headers.items()]
        lines.append("Connection: close" if close else "Connection: keep-alive")
        self.transport.write(("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body)
        if close:
            self.http_busy = True
            self.transport.close()

    # -- the WebSocket handshake ------------------------------------------------------------------------------

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
        response = self.protocol.accept(requests[0])
        if response.status_code != 101:  # not a valid WebSocket upgrade: the library's own answer
            self._respond(response)
            return
        self.handshake = response
        self.gateway.upgrade(self, requests[0])

    def refuse(self, status: int, document: Any, headers: Iterable[Tuple[str, str]] = ()) -> None:
        """Answer the upgrade request with `status` and a JSON body: no WebSocket connection."""
        self.handshake = None
        self._respond(_json_response(status, document, headers))

    def accept(self, connection: "WsConnection", headers: Iterable[Tuple[str, str]] = ()) -> None:
        """Complete the handshake (101, with `headers` added): `connection` is what the gateway gets back."""
        response, self.handshake = self.handshake, None
        assert self.protocol is not None and response is not None
        for name, value in headers:
            response.headers[name] = value
        self.connection = connection
        self.protocol.send_response(response)
        self._flush()

    def _respond(self, response: Response) -> None:
        assert self.protocol is not None
        if self.closed:
            return
        self.protocol.send_response(response)
        self._flush()

    def is_open(self) -> bool:
        return self.protocol is not None and self.protocol.state is State.OPEN and not self.closed

    # -- WebSocket frames ---------------------------------------------------------------------------------------

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
                offset = self._to_protocol_from(offset)
                break
            end = offset + head + length
            if len(buffer) < end:
                break
            if protocol.state is not State.OPEN:  # the close handshake began: the protocol reads everything
                offset = self._to_protocol_from(offset)
                break
            first = buffer[offset]
            if (
                length <= framing.FAST_PAYLOAD_LIMIT and framing.is_simple_data_frame(first, buffer[offset + 1])
                and self.fragment_opcode is None
            ):  # fmt: skip
                payload = framing.unmask(buffer[offset + head : end], buffer[offset + head - 4 : offset + head])
                offset = end
                self._deliver(connection, Opcode.TEXT if first == framing.FIN_TEXT else Opcode.BINARY, payload)
            else:
                frame = bytes(buffer[offset:end])
                offset = end
                self._to_protocol(frame)
        del buffer[:offset]

    def _to_protocol_from(self, offset: int) -> int:
        """Everything from `offset` on goes to the protocol, and so does every byte after it."""
        self.slow = True
        rest = bytes(self.buffer[offset:])
        self._to_protocol(rest)
        return offset + len(rest)

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

    def _frame(self, connection: "WsConnection", frame: Frame) -> None:
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

    def _deliver(self, connection: "WsConnection", opcode: Opcode, data: bytes) -> None:
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

    # -- closing -------------------------------------------------------------------------------------------------

    def close_ws(self, code: int, reason: str) -> None:
        """Start the close handshake; drop the TCP connection if the client does not answer in time."""
        if not self.is_open():
            return
        self.protocol.send_close(code, reason)  # type: ignore[union-attr]
        self._flush()
        self._arm_close_timer()

    def shutdown(self) -> None:
        """The server is stopping: a WebSocket gets 1001 Going away, an HTTP connection is closed."""
        if self.connection is not None:
            self.close_ws(1001, "Going away")
        elif self.transport is not None and self.protocol is None:
            self.transport.close()

    def abort(self) -> None:
        """Drop the TCP connection now, without a close handshake."""
        if self.transport is not None:
            self.transport.abort()

    def _arm_close_timer(self) -> None:
        if not self.closed and self.close_timer is None:
            self.close_timer = asyncio.get_running_loop().call_later(CLOSE_TIMEOUT, self.abort)

    def _flush(self) -> None:
        protocol = self.protocol
        transport = self.transport
        if protocol is None or transport is None or self.closed:
            return
        for chunk in protocol.data_to_send():
            if chunk:
                transport.write(chunk)
            else:  # end of stream: the server's side is done
                self._end_stream(transport)
                return
        if protocol.close_expected():
            self._arm_close_timer()

    def _end_stream(self, transport: asyncio.Transport) -> None:
        """Half-close, as `websockets` itself does: the client reads the close frame (or the refusal) and
        closes its side, and whatever it still sends is read and discarded. Closing the socket instead
        would answer those bytes with a reset, which can destroy the close frame before the client reads
        it. The client gets CLOSE_TIMEOUT seconds to close."""
        try:
            if transport.can_write_eof():
                transport.write_eof()
            else:  # pragma: no cover - TCP transports can
                transport.close()
        except (OSError, RuntimeError):  # the connection is already gone (uvloop raises RuntimeError)
            transport.close()
        self._arm_close_timer()

    def close_status(self) -> Tuple[int, str]:
        """The disconnectStatusCode and disconnectReason: the server's when it closed first, the client's
        when it did, 1006 when the TCP connection dropped without a close frame."""
        protocol = self.protocol
        assert protocol is not None
        try:
            protocol.receive_eof()  # the connection is over: an end without a close handshake is abnormal
        except EOFError:  # websockets before 14: it had been received already
            pass
        if protocol.state is not State.CLOSED:
            return 1006, "Connection closed abnormally"
        closing = protocol.close_exc
        sent, received = closing.sent, closing.rcvd
        if sent is not None and (received is None or closing.rcvd_then_sent is False):
            return int(sent.code), sent.reason
        if received is not None:
            return int(received.code), events.disconnect_reason(int(received.code), received.reason)
        return 1006, "Connection closed abnormally"
