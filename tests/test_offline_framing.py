"""The transport's WebSocket framing, byte by byte: single-frame messages take wsapi's fast path
(wsapi/offline/framing.py), every other frame goes whole to the `websockets` protocol. A real client
protocol (websockets' Sans-I/O ClientProtocol) writes what the server reads and reads what it writes, so
each frame on both sides is checked by an independent implementation of RFC 6455."""

from __future__ import annotations

import asyncio
import functools
from typing import Any, List, Optional, Tuple

import pytest
from websockets.client import ClientProtocol
from websockets.frames import Frame, Opcode
from websockets.protocol import State
from websockets.uri import parse_uri

from wsapi.offline import events, framing
from wsapi.offline.gateway import WsConnection
from wsapi.offline.settings import FRAME_LIMIT
from wsapi.offline.transport import PeerProtocol


class Transport:
    def __init__(self) -> None:
        self.written: List[bytes] = []
        self.closed = False
        self.eof_written = False  # the server ended its side (a half-close)

    def write(self, data: bytes) -> None:
        assert not self.closed and not self.eof_written, "a write after the server ended its side"
        self.written.append(bytes(data))

    def can_write_eof(self) -> bool:
        return True

    def write_eof(self) -> None:
        self.eof_written = True

    def close(self) -> None:
        self.closed = True

    def abort(self) -> None:
        self.closed = True

    def get_extra_info(self, name: str) -> Any:
        return ("127.0.0.1", 50000) if name == "peername" else None


class Gateway:
    """What PeerProtocol asks of the gateway, recording the messages it delivers."""

    def __init__(self) -> None:
        self.messages: List[Any] = []
        self.disconnects: List[Tuple[int, str]] = []
        self.handshakes: List[Tuple[PeerProtocol, Any]] = []

    def accepts_upgrade(self, target: str) -> bool:
        return True

    def message(self, connection: WsConnection, data: Any) -> None:
        self.messages.append(data)

    def closed(self, connection: WsConnection, code: int, reason: str) -> None:
        self.disconnects.append((code, reason))

    def upgrade(self, peer: PeerProtocol, request: Any) -> None:
        self.handshakes.append((peer, request))


def connection_for(peer: PeerProtocol) -> WsConnection:
    return WsConnection(events.ConnectionInfo("AbCdEfGhIjKlMnO=", 0, "127.0.0.1", None, "127.0.0.1:3001"), peer)


class Pair:
    """A server PeerProtocol with an open WebSocket connection, and the client protocol facing it."""

    def __init__(self) -> None:
        self.gateway = Gateway()
        self.transport = Transport()
        self.peer = PeerProtocol(self.gateway, set())  # type: ignore[arg-type]
        self.peer.connection_made(self.transport)  # type: ignore[arg-type]
        self.client = ClientProtocol(parse_uri("ws://127.0.0.1:3001/"), max_size=None)
        self.client.send_request(self.client.connect())
        self.peer.data_received(b"".join(self.client.data_to_send()))
        ((peer, _request),) = self.gateway.handshakes
        peer.accept(connection_for(peer))
        self.read_server()  # the handshake response
        assert self.client.state is State.OPEN

    def client_bytes(self) -> bytes:
        return b"".join(self.client.data_to_send())

    def to_server(self, data: bytes, chunk: Optional[int] = None) -> None:
        if chunk is None:
            self.peer.data_received(data)
            return
        for start in range(0, len(data), chunk):
            self.peer.data_received(data[start : start + chunk])

    def read_server(self) -> List[Frame]:
        """Frames the server wrote since the last call, as the client parses them."""
        data, self.transport.written = b"".join(self.transport.written), []
        self.client.receive_data(data)
        return [event for event in self.client.events_received() if isinstance(event, Frame)]


def in_loop(test):
    """Run the test inside a running event loop (closing a connection arms a timer on it)."""

    @functools.wraps(test)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        async def body() -> Any:
            return test(*args, **kwargs)

        return asyncio.run(body())

    return wrapper


def masked(first_byte: int, payload: bytes, key: bytes = b"\x01\x02\x03\x04") -> bytes:
    """A client frame built by hand (the client protocol refuses to send once it is closing)."""
    assert len(payload) < 126
    return bytes((first_byte, 0x80 | len(payload))) + key + framing.unmask(payload, key)


def text_frame(pair: Pair, text: str) -> bytes:
    pair.client.send_text(text.encode("utf-8"))
    return pair.client_bytes()


@pytest.mark.parametrize("size", [0, 1, 125, 126, 127, framing.FAST_PAYLOAD_LIMIT, framing.FAST_PAYLOAD_LIMIT + 1, 30_001, FRAME_LIMIT])
@in_loop
def test_single_frame_messages_of_every_header_length_arrive_intact(size):
    pair = Pair()
    text = "é" * (size // 2) + "x" * (size % 2)
    pair.to_server(text_frame(pair, text))
    assert pair.gateway.messages == [text]


@in_loop
def test_binary_messages_arrive_as_bytes():
    pair = Pair()
    pair.client.send_binary(bytes(range(256)) * 3)
    pair.to_server(pair.client_bytes())
    assert pair.gateway.messages == [bytes(range(256)) * 3]


@in_loop
def test_frames_in_one_read_and_a_frame_split_across_reads():
    pair = Pair()
    together = text_frame(pair, "one") + text_frame(pair, "two") + text_frame(pair, "three")
    pair.to_server(together)
    pair.to_server(text_frame(pair, "y" * 300), chunk=1)
    pair.to_server(together, chunk=7)
    assert pair.gateway.messages == ["one", "two", "three", "y" * 300, "one", "two", "three"]


@pytest.mark.parametrize("size", [0, 5, 125, 126, 65535, 65536, 200_000])
@in_loop
def test_server_frames_of_every_header_length_parse_as_one_text_frame(size):
    pair = Pair()
    pair.peer.send_text("z" * size)
    pair.peer.send_binary(b"\x00" * size)
    frames = pair.read_server()
    assert [(f.opcode, f.fin, len(f.data)) for f in frames] == [(Opcode.TEXT, True, size), (Opcode.BINARY, True, size)]


@in_loop
def test_ping_between_fragments_is_answered_and_the_message_assembled():
    pair = Pair()
    pair.client.send_text(b"first ", fin=False)
    pair.client.send_ping(b"are you there")
    pair.client.send_continuation(b"second ", fin=False)
    pair.client.send_continuation(b"third", fin=True)
    pair.to_server(pair.client_bytes(), chunk=3)
    assert pair.gateway.messages == ["first second third"]
    pongs = [f for f in pair.read_server() if f.opcode is Opcode.PONG]
    assert [p.data for p in pongs] == [b"are you there"]
    pair.to_server(text_frame(pair, "after"))  # back on the fast path once the message is complete
    assert pair.gateway.messages[-1] == "after"


@in_loop
def test_a_frame_over_32_kb_closes_with_1009_at_its_header():
    pair = Pair()
    frame = text_frame(pair, "x" * (FRAME_LIMIT + 1))
    pair.to_server(frame[:20])  # its header says too much: the connection fails without waiting for the rest
    closes = [f for f in pair.read_server() if f.opcode is Opcode.CLOSE]
    assert len(closes) == 1 and closes[0].data[:2] == (1009).to_bytes(2, "big")
    pair.to_server(frame[20:] + masked(framing.FIN_TEXT, b"ignored"))
    assert pair.gateway.messages == []


@in_loop
def test_fragments_over_128_kb_close_with_1009():
    pair = Pair()
    pair.client.send_text(b"a" * 30_000, fin=False)
    for _ in range(4):
        pair.client.send_continuation(b"a" * 30_000, fin=False)
    pair.client.send_continuation(b"a", fin=True)
    pair.to_server(pair.client_bytes())
    closes = [f for f in pair.read_server() if f.opcode is Opcode.CLOSE]
    assert pair.gateway.messages == [] and closes[0].data[:2] == (1009).to_bytes(2, "big")


@in_loop
def test_invalid_utf8_in_a_text_frame_closes_with_1007():
    pair = Pair()
    pair.client.send_frame(Frame(Opcode.TEXT, b"\xff\xfe"))
    pair.to_server(pair.client_bytes())
    closes = [f for f in pair.read_server() if f.opcode is Opcode.CLOSE]
    assert pair.gateway.messages == [] and closes[0].data[:2] == (1007).to_bytes(2, "big")


@pytest.mark.parametrize(
    "raw",
    [
        bytes((0x81, 0x03)) + b"abc",  # not masked: clients must mask
        bytes((0xC1, 0x83)) + b"\x00\x00\x00\x00abc",  # RSV1 without a negotiated extension
        bytes((0x83, 0x80)) + b"\x00\x00\x00\x00",  # reserved opcode 3
        bytes((0x80, 0x80)) + b"\x00\x00\x00\x00",  # a continuation with no message begun
    ],
)
@in_loop
def test_malformed_frames_fail_the_connection_with_1002(raw):
    pair = Pair()
    pair.to_server(raw)
    closes = [f for f in pair.read_server() if f.opcode is Opcode.CLOSE]
    assert pair.gateway.messages == [] and closes[0].data[:2] == (1002).to_bytes(2, "big")


@in_loop
def test_after_the_client_closes_nothing_more_is_delivered():
    pair = Pair()
    pair.client.send_close(1000, "bye")
    pair.to_server(pair.client_bytes() + masked(framing.FIN_TEXT, b"hi"))
    frames = pair.read_server()
    assert [f.opcode for f in frames] == [Opcode.CLOSE] and pair.gateway.messages == []
    # a server ends the TCP connection once the close handshake is done: its side at once (a half-close, so
    # that what the client still sends is read and dropped, never answered with a reset), all of it when
    # the client's end of stream comes (eof_received returning a false value tells asyncio to close)
    assert pair.transport.eof_written and not pair.peer.eof_received()


@in_loop
def test_a_close_the_server_starts_completes_when_the_client_answers():
    pair = Pair()
    pair.peer.close_ws(1001, "Going away")
    closes = [f for f in pair.read_server() if f.opcode is Opcode.CLOSE]
    assert len(closes) == 1 and closes[0].data == (1001).to_bytes(2, "big") + b"Going away"
    assert not pair.transport.eof_written and not pair.transport.closed
    pair.to_server(pair.client_bytes())  # the client protocol answered the close frame it read
    assert pair.transport.eof_written


@in_loop
def test_frames_sent_with_the_upgrade_request_do_not_desynchronise_the_parser():
    gateway, transport = Gateway(), Transport()
    peer = PeerProtocol(gateway, set())  # type: ignore[arg-type]
    peer.connection_made(transport)  # type: ignore[arg-type]
    client = ClientProtocol(parse_uri("ws://127.0.0.1:3001/"))
    client.send_request(client.connect())
    request = b"".join(client.data_to_send())
    early = masked(framing.FIN_TEXT, b"early")  # a client that does not wait for the 101 (not allowed, possible)
    peer.data_received(request + early[:3])
    ((_, _upgrade),) = gateway.handshakes
    peer.accept(connection_for(peer))
    peer.data_received(early[3:] + masked(framing.FIN_TEXT, b"later"))
    assert gateway.messages == ["early", "later"]


@in_loop
def test_a_single_frame_message_inside_a_fragmented_one_fails_with_1002():
    """The fast path knows a fragmented message is under way (from the frames the protocol reported), so the
    protocol sees the intruding frame and fails the connection as RFC 6455 requires."""
    pair = Pair()
    pair.client.send_text(b"first ", fin=False)
    pair.to_server(pair.client_bytes())
    pair.to_server(masked(framing.FIN_TEXT, b"intruder"))
    closes = [f for f in pair.read_server() if f.opcode is Opcode.CLOSE]
    assert pair.gateway.messages == [] and closes[0].data[:2] == (1002).to_bytes(2, "big")


@pytest.mark.parametrize("size", [0, 1, 3, 4, 5, 63, 64, 1000, framing.FAST_PAYLOAD_LIMIT])
def test_unmask_is_the_xor_with_the_repeated_key(size):
    payload = bytes((i * 7 + 3) % 256 for i in range(size))
    key = b"\x9a\x01\xff\x5c"
    expected = bytes(byte ^ key[i % 4] for i, byte in enumerate(payload))
    assert framing.unmask(payload, key) == expected
    assert framing.unmask(bytearray(expected), bytearray(key)) == payload  # the transport passes bytearrays
