"""`wsapi offline` against the running server: real WebSocket clients (`websockets`) and boto3's
`apigatewaymanagementapi` client, on a free loopback port. Each scenario runs against the Python service and
its Node.js twin (`offline_fixtures/service`, `offline_fixtures/node_service`): the same routes and answers,
each language's own errors and context. Each server runs in a thread of the test process (its workers are
processes, as always) and is stopped at the end of its module; waits poll for a condition with a deadline,
never a blind sleep."""

from __future__ import annotations

import asyncio
import base64
import contextlib
import json
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any, List

import pytest
from websockets.exceptions import ConnectionClosed, InvalidStatus
from websockets.sync.client import connect

from offline_support import FIXTURES, NODE_SERVICE, SERVICE, RunningServer, copy_with_node_modules, wait_for
from wsapi.config import load_service
from wsapi.errors import ConfigError
from wsapi.offline.app import build_app

ROOT = Path(__file__).resolve().parent.parent
ID = re.compile(r"^[A-Za-z0-9_-]{15}=$")
LANGUAGES = ["python", "node"]
#: a console line of a Node.js handler, after its function key: time, request id, level (Lambda's format)
NODE_LINE = r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z\t[A-Za-z0-9_-]{15}=\tINFO\t"


@pytest.fixture(scope="module")
def records(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("records")


@pytest.fixture(scope="session")
def node_service(tmp_path_factory) -> Path:
    return copy_with_node_modules(NODE_SERVICE, tmp_path_factory.mktemp("node"))


def service_for(language: str, request) -> Path:
    return request.getfixturevalue("node_service") if language == "node" else SERVICE


@pytest.fixture(
    scope="module", params=[("python", "uvloop"), ("python", "asyncio"), ("node", "uvloop")],
    ids=["python-uvloop", "python-asyncio", "node-uvloop"],
)  # fmt: skip
def server(records, request):
    """The server on each event loop it runs on (uvloop where installed, asyncio's own elsewhere), serving the
    Python service, and the Node.js one."""
    language, loop = request.param
    running = RunningServer(service_for(language, request), {"recordDir": str(records)}, loop=loop, language=language).start()
    yield running
    running.stop()


def record(records: Path, connection_id: str, name: str, timeout: float = 10.0) -> dict:
    path = records / f"{connection_id}.{name}.json"
    wait_for(path.exists, timeout, f"{path.name}")
    return json.loads(path.read_text())


def open_client(server: RunningServer, token: str = "allow", room: str = "lobby", **kwargs: Any):
    headers = {"X-Token": token} if token else {}
    return connect(f"{server.url}/?room={room}&tag=a&tag=b", additional_headers=headers, open_timeout=20, **kwargs)


def whoami(ws) -> dict:
    """The client's own connection id and its $default event (the inspect handler answers)."""
    ws.send(json.dumps({"action": "nothing-routes-this"}))
    return json.loads(ws.recv(timeout=10))


def closed_while_or_after_sending(ws, message: Any) -> ConnectionClosed:
    """The close the server answers `message` with. The client may see it while it is still sending (the
    server refused the message before its last bytes were out) or afterwards, when it reads: either is right."""
    try:
        ws.send(message)
    except ConnectionClosed as closed:
        return closed
    with pytest.raises(ConnectionClosed) as caught:
        ws.recv(timeout=10)
    return caught.value


def side_by_side(url: str, count: int) -> List[dict]:
    """`count` calls of the side-by-side route, each on a connection of its own, all sent at once: each returns
    only once all `count` run at the same time, and says which process ran it."""
    group = os.urandom(6).hex()

    async def main() -> List[dict]:
        from websockets.asyncio.client import connect as aconnect

        sockets = await asyncio.gather(
            *(aconnect(f"{url}/?room=r", additional_headers={"X-Token": "allow"}, open_timeout=30) for _ in range(count))
        )
        try:
            message = json.dumps({"action": "side-by-side", "group": group, "count": count})
            await asyncio.gather(*(ws.send(message) for ws in sockets))
            return [json.loads(await asyncio.wait_for(ws.recv(), 60)) for ws in sockets]
        finally:
            await asyncio.gather(*(ws.close() for ws in sockets))

    return asyncio.run(main())


# -- $connect and the authorizer -----------------------------------------------------------------------------


def rejected_status(server: RunningServer, **kwargs: Any) -> int:
    with pytest.raises(InvalidStatus) as caught:
        open_client(server, **kwargs)
    return caught.value.response.status_code


def test_missing_identity_source_is_401_without_calling_the_authorizer(server):
    assert rejected_status(server, token="") == 401
    line = server.log.wait(r"CONNECT .* 401 .*missing identity source route.request.header.X-Token")
    assert "authorizer auth" in line


def test_missing_querystring_identity_source_is_401(server):
    with pytest.raises(InvalidStatus) as caught:
        connect(server.url, additional_headers={"X-Token": "allow"}, open_timeout=20)
    assert caught.value.response.status_code == 401


def test_authorizer_deny_is_403(server):
    assert rejected_status(server, token="deny") == 403


def test_authorizer_raising_unauthorized_is_401(server):
    assert rejected_status(server, token="raise") == 401


def test_authorizer_failure_is_500_and_logged_with_its_traceback(server):
    assert rejected_status(server, token="crash") == 500
    if server.language == "python":
        server.log.wait(r"ValueError: authorizer bug")
        assert "Traceback (most recent call last):" in server.log.text()
    else:
        server.log.wait(r"^\[ERROR\] TypeError: authorizer bug$")
        server.log.wait(r"^    at handler \(file://.*/handlers/auth\.mjs:\d+:\d+\)$")


def test_connect_handler_status_rejects_the_connection(server, records):
    with pytest.raises(InvalidStatus) as caught:
        connect(f"{server.url}/?room=lobby&reject=1", additional_headers={"X-Token": "allow"}, open_timeout=20)
    assert caught.value.response.status_code == 401


def test_connect_and_authorizer_events_as_aws_sends_them(server, records):
    with open_client(server, user_agent_header="wsapi-test/1.0") as ws:
        connection_id = whoami(ws)["event"]["requestContext"]["connectionId"]
    connect_event = record(records, connection_id, "connect")
    auth_event = record(records, connection_id, "auth")
    ctx = connect_event["requestContext"]
    assert ctx["routeKey"] == "$connect" and ctx["eventType"] == "CONNECT" and ctx["messageDirection"] == "IN"
    assert ctx["stage"] == "test" and ctx["connectionId"] == connection_id and ID.match(connection_id)
    assert ID.match(ctx["requestId"]) and ctx["extendedRequestId"] == ctx["requestId"]
    assert re.match(r"^\d{2}/[A-Z][a-z]{2}/\d{4}:\d{2}:\d{2}:\d{2} \+0000$", ctx["requestTime"])
    assert abs(ctx["requestTimeEpoch"] - ctx["connectedAt"]) < 5000
    assert ctx["identity"] == {"sourceIp": "127.0.0.1", "userAgent": "wsapi-test/1.0"}
    assert re.match(r"^[a-z0-9]{10}$", ctx["apiId"]) and ctx["domainName"] == f"127.0.0.1:{server.port}"
    assert ctx["authorizer"]["principalId"] == "user-1"
    assert ctx["authorizer"]["user"] == "ann" and ctx["authorizer"]["level"] == "3" and ctx["authorizer"]["admin"] == "true"
    assert isinstance(ctx["authorizer"]["integrationLatency"], int)
    assert connect_event["headers"]["X-Token"] == "allow" and connect_event["multiValueHeaders"]["X-Token"] == ["allow"]
    assert connect_event["headers"]["X-Forwarded-For"] == "127.0.0.1"
    assert connect_event["queryStringParameters"] == {"room": "lobby", "tag": "b"}
    assert connect_event["multiValueQueryStringParameters"] == {"room": ["lobby"], "tag": ["a", "b"]}
    assert connect_event["isBase64Encoded"] is False
    assert auth_event["type"] == "REQUEST"
    assert auth_event["methodArn"] == f"arn:aws:execute-api:eu-west-1:123456789012:{ctx['apiId']}/test/$connect"
    assert auth_event["headers"]["X-Token"] == "allow" and auth_event["queryStringParameters"]["room"] == "lobby"
    assert "authorizer" not in auth_event["requestContext"]


def test_connect_response_headers_carry_the_subprotocol(server):
    with open_client(server, subprotocols=["chat.v1", "chat.v0"]) as ws:
        assert ws.subprotocol == "chat.v1"


def test_the_stage_path_and_the_root_are_served(server):
    for path in ("/test", "/test/", "/"):
        with connect(f"{server.url}{path}?room=lobby", additional_headers={"X-Token": "allow"}, open_timeout=20) as ws:
            assert whoami(ws)["event"]["requestContext"]["stage"] == "test"


@pytest.mark.parametrize("path", ["/prod", "/test/chat", "/Test", "/other/test"])
def test_a_path_that_names_no_stage_is_refused_as_api_gateway_refuses_it(server, path):
    with pytest.raises(InvalidStatus) as caught:
        connect(f"{server.url}{path}?room=lobby", additional_headers={"X-Token": "allow"}, open_timeout=20)
    response = caught.value.response
    assert response.status_code == 403 and json.loads(response.body) == {"message": "Forbidden"}
    assert response.headers["x-amzn-ErrorType"] == "ForbiddenException"
    # refused before the authorizer and $connect: the log names the path, no connection was made
    server.log.wait(rf"CONNECT +\$connect +conn=- 403 .*{re.escape(path)} is not this API's path \(/test, or / offline\)$")


# -- messages ------------------------------------------------------------------------------------------------


def test_message_event_and_lambda_context(server):
    with open_client(server) as ws:
        reply = whoami(ws)
    event, context = reply["event"], reply["context"]
    ctx = event["requestContext"]
    assert ctx["routeKey"] == "$default" and ctx["eventType"] == "MESSAGE" and ID.match(ctx["messageId"])
    assert event["body"] == json.dumps({"action": "nothing-routes-this"}) and event["isBase64Encoded"] is False
    assert ctx["authorizer"]["user"] == "ann" and "disconnectStatusCode" not in ctx
    assert "headers" not in event
    if server.language == "node":  # the same attributes, named as Lambda's Node.js runtime names them
        names = {"awsRequestId": "aws_request_id", "functionName": "function_name", "functionVersion": "function_version",
                 "invokedFunctionArn": "invoked_function_arn", "memoryLimitInMB": "memory_limit_in_mb",
                 "logGroupName": "log_group_name", "logStreamName": "log_stream_name", "remaining": "remaining"}  # fmt: skip
        assert set(context) == set(names)
        context = {names[name]: value for name, value in context.items()}
    assert context["aws_request_id"] == ctx["requestId"]
    assert context["function_name"] == "offline-fixture-test-default"
    assert context["function_version"] == "$LATEST"
    assert context["invoked_function_arn"] == "arn:aws:lambda:eu-west-1:123456789012:function:offline-fixture-test-default"
    assert context["memory_limit_in_mb"] == "256"
    assert context["log_group_name"] == "/aws/lambda/offline-fixture-test-default"
    assert re.match(r"^\d{4}/\d{2}/\d{2}/\[\$LATEST\][0-9a-f]{32}$", context["log_stream_name"])
    assert 0 < context["remaining"] <= 5000


def test_each_function_has_its_environment_and_modules(server):
    with open_client(server) as ws:
        default = whoami(ws)
        ws.send(json.dumps({"action": "other"}))
        other = json.loads(ws.recv(timeout=10))
    assert default["env"] == {
        "ROLE": "default", "SHARED": "provider", "ONLY_DEFAULT": "yes", "IS_OFFLINE": "true",
        "WSAPI_MANAGEMENT_ENDPOINT": f"http://127.0.0.1:{server.port}/test", "AWS_REGION": "eu-west-1",
        "AWS_LAMBDA_FUNCTION_NAME": "offline-fixture-test-default",
    }  # fmt: skip
    assert other["env"] == {"ROLE": "other", "SHARED": "provider", "ONLY_DEFAULT": None}
    if server.language == "python":
        assert default["modules"] == ["handlers", "handlers.routes"]
        assert other["modules"] == ["other", "other.routes"]
    else:
        assert default["modules"] == ["handlers/routes.js"]
        assert other["modules"] == ["other/routes.js"]
    assert default["pid"] != other["pid"]


def test_warm_worker_is_reused(server):
    with open_client(server) as ws:
        first, second = whoami(ws), whoami(ws)
    assert first["pid"] == second["pid"]


def test_route_without_route_response_sends_nothing(server):
    with open_client(server) as ws:
        connection_id = whoami(ws)["event"]["requestContext"]["connectionId"]
        ws.send(json.dumps({"action": "silent"}))
        server.log.wait(rf"MESSAGE +silent +conn={re.escape(connection_id)} 200")
        ws.send(json.dumps({"action": "echo", "n": 1}))
        assert json.loads(ws.recv(timeout=10)) == {"action": "echo", "n": 1}


def test_binary_frames_reach_default_base64_encoded(server):
    with open_client(server) as ws:
        ws.send(b"\x00\x01binary\xff")
        event = json.loads(ws.recv(timeout=10))["event"]
    assert event["isBase64Encoded"] is True
    assert base64.b64decode(event["body"]) == b"\x00\x01binary\xff"
    assert event["requestContext"]["routeKey"] == "$default"


def test_non_json_text_goes_to_default(server):
    with open_client(server) as ws:
        ws.send("plain text, not JSON")
        assert json.loads(ws.recv(timeout=10))["event"]["body"] == "plain text, not JSON"


def test_handler_exception_answers_internal_server_error_and_keeps_serving(server):
    with open_client(server) as ws:
        connection_id = whoami(ws)["event"]["requestContext"]["connectionId"]
        ws.send(json.dumps({"action": "boom"}))
        frame = ws.recv(timeout=10)
        match = re.match(r'^\{"message": "Internal server error", "connectionId":"([^"]+)", "requestId":"([^"]+)"\}$', frame)
        assert match and match.group(1) == connection_id and ID.match(match.group(2))
        ws.send(json.dumps({"action": "echo", "after": "boom"}))
        assert json.loads(ws.recv(timeout=10)) == {"action": "echo", "after": "boom"}
    if server.language == "python":
        server.log.wait(r"ValueError: boom from the handler")
        text = server.log.text()
        assert "Traceback (most recent call last):" in text and "routes.py" in text and 'raise ValueError("boom from the handler")' in text
    else:  # Lambda's Node.js form: the error, then its stack from the handler's own frame
        error = server.log.wait(r"error: boom \(boom\) failed:$")
        lines = server.log.text().splitlines()
        at = lines.index(error)
        assert lines[at + 1] == "[ERROR] Error: boom from the handler"
        assert re.match(r"^    at exports\.boom \(/.*/handlers/routes\.js:\d+:\d+\)$", lines[at + 2]), lines[at + 2]
        assert "node_runtime.cjs" not in server.log.text()  # the runtime's own frames say nothing about the handler


def test_function_timeout_is_enforced_and_the_worker_replaced(server):
    with open_client(server) as ws:
        started = time.monotonic()
        ws.send(json.dumps({"action": "slow", "sleep": 30}))
        frame = json.loads(ws.recv(timeout=15))
        assert frame["message"] == "Internal server error"
        assert 0.9 < time.monotonic() - started < 10
        server.log.wait(r"Task timed out after 1\.00 seconds")
        ws.send(json.dumps({"action": "slow", "sleep": 0}))
        assert ws.recv(timeout=15) == "slow done"


def test_concurrent_slow_invocations_scale_out_to_more_workers(server):
    with open_client(server) as ws:  # a first call: the pool now knows this function is not fast
        ws.send(json.dumps({"action": "side-by-side", "group": os.urandom(6).hex(), "count": 1}))
        assert json.loads(ws.recv(timeout=15))["running"] == 1
    replies = side_by_side(server.url, 3)
    # all three ran at the same time, each in a process of its own: none waited for another
    assert [reply["running"] for reply in replies] == [3, 3, 3]
    assert len({reply["pid"] for reply in replies}) == 3


@pytest.mark.parametrize("language", LANGUAGES)
def test_processes_beyond_the_first_stop_once_idle(records, language, request):
    running = RunningServer(service_for(language, request), {"recordDir": str(records)}, worker_idle_seconds=0.5).start()
    try:
        pool = running.server.invoker.pools["sideBySide"]
        with open_client(running) as ws:  # a first call: the pool now knows this function is not fast
            ws.send(json.dumps({"action": "side-by-side", "group": os.urandom(6).hex(), "count": 1}))
            assert json.loads(ws.recv(timeout=15))["running"] == 1
        assert len({reply["pid"] for reply in side_by_side(running.url, 3)}) == 3
        assert len(pool.workers) == 3
        wait_for(lambda: len(pool.workers) == 1, 10, "the idle processes to stop")
        with open_client(running) as ws:  # the one kept warm still serves
            ws.send(json.dumps({"action": "side-by-side", "group": os.urandom(6).hex(), "count": 1}))
            assert json.loads(ws.recv(timeout=15))["running"] == 1
        assert len(pool.workers) == 1
    finally:
        running.stop()


def test_message_over_128_kb_closes_with_1009(server):
    with open_client(server, max_size=None) as ws:
        closed = closed_while_or_after_sending(ws, ["x" * 30_000] * 5)  # 150 KB in 30 KB fragments
    assert closed.rcvd is not None and closed.rcvd.code == 1009


def test_frame_over_32_kb_closes_with_1009(server):
    with open_client(server) as ws:
        closed = closed_while_or_after_sending(ws, "y" * 40_000)
    assert closed.rcvd is not None and closed.rcvd.code == 1009


def test_fragmented_message_under_128_kb_is_delivered(server):
    with open_client(server) as ws:
        ws.send([json.dumps({"action": "echo", "pad": "z" * 100_000})[i : i + 25_000] for i in range(0, 100_040, 25_000)])
        assert len(json.loads(ws.recv(timeout=10))["pad"]) == 100_000


# -- $disconnect -----------------------------------------------------------------------------------------


def test_disconnect_event_carries_the_close_code_and_reason(server, records):
    with open_client(server) as ws:
        connection_id = whoami(ws)["event"]["requestContext"]["connectionId"]
        ws.close(code=4000, reason="bye")
    event = record(records, connection_id, "disconnect")
    ctx = event["requestContext"]
    assert ctx["routeKey"] == "$disconnect" and ctx["eventType"] == "DISCONNECT"
    assert ctx["disconnectStatusCode"] == 4000 and ctx["disconnectReason"] == "bye"
    assert ctx["authorizer"]["user"] == "ann"
    assert event["headers"]["Host"] == f"127.0.0.1:{server.port}" and event["headers"]["x-api-key"] == ""
    server.log.wait(rf"DISCONNECT +\$disconnect +conn={re.escape(connection_id)} 200 .*4000 bye")


def test_a_close_reason_cannot_forge_log_lines(server, records):
    with open_client(server) as ws:
        connection_id = whoami(ws)["event"]["requestContext"]["connectionId"]
        ws.close(code=4001, reason="bye\n00:00:00.000 MESSAGE forged")
    assert record(records, connection_id, "disconnect")["requestContext"]["disconnectReason"] == "bye\n00:00:00.000 MESSAGE forged"
    server.log.wait(rf"DISCONNECT +\$disconnect +conn={re.escape(connection_id)} 200 .*4001 bye\\n00:00:00\.000 MESSAGE forged$")
    assert not any(line.startswith("00:00:00.000") for line in server.log.text().splitlines())


def test_dropped_tcp_connection_reports_1006(server, records):
    with contextlib.suppress(OSError, ConnectionClosed), open_client(server) as ws:
        connection_id = whoami(ws)["event"]["requestContext"]["connectionId"]
        ws.socket.shutdown(socket.SHUT_RDWR)  # no close frame
    assert record(records, connection_id, "disconnect")["requestContext"]["disconnectStatusCode"] == 1006


# -- the @connections management API -------------------------------------------------------------------------


def test_management_api_get_post_delete(server, records):
    client = server.management()
    with open_client(server, user_agent_header="mgmt-test") as ws:
        connection_id = whoami(ws)["event"]["requestContext"]["connectionId"]
        info = client.get_connection(ConnectionId=connection_id)
        assert info["Identity"] == {"SourceIp": "127.0.0.1", "UserAgent": "mgmt-test"}
        assert info["ConnectedAt"].year >= 2024 and info["LastActiveAt"] >= info["ConnectedAt"]
        client.post_to_connection(ConnectionId=connection_id, Data=b'{"pushed": true}')
        assert ws.recv(timeout=10) == '{"pushed": true}'
        client.post_to_connection(ConnectionId=connection_id, Data=b"\xff\xfe")
        assert ws.recv(timeout=10) == b"\xff\xfe"
        server.management(stage=None).post_to_connection(ConnectionId=connection_id, Data=b"no stage prefix")
        assert ws.recv(timeout=10) == "no stage prefix"
        client.delete_connection(ConnectionId=connection_id)
        with pytest.raises(ConnectionClosed):
            ws.recv(timeout=10)
    with pytest.raises(client.exceptions.GoneException):
        client.get_connection(ConnectionId=connection_id)
    with pytest.raises(client.exceptions.GoneException):
        client.post_to_connection(ConnectionId=connection_id, Data=b"late")
    assert record(records, connection_id, "disconnect")["requestContext"]["disconnectStatusCode"] == 1000


def test_management_api_unknown_id_wrong_stage_and_size_limit(server):
    client = server.management()
    with pytest.raises(client.exceptions.GoneException):
        client.post_to_connection(ConnectionId="AAAAAAAAAAAAAAA=", Data=b"x")
    with pytest.raises(client.exceptions.GoneException):
        client.delete_connection(ConnectionId="AAAAAAAAAAAAAAA=")
    wrong = server.management(stage="prod")
    with pytest.raises(wrong.exceptions.ForbiddenException):
        wrong.get_connection(ConnectionId="AAAAAAAAAAAAAAA=")
    with open_client(server) as ws:
        connection_id = whoami(ws)["event"]["requestContext"]["connectionId"]
        with pytest.raises(client.exceptions.PayloadTooLargeException):
            client.post_to_connection(ConnectionId=connection_id, Data=b"x" * (128 * 1024 + 1))
    server.log.wait(r"MANAGE +POST @connections conn=AAAAAAAAAAAAAAA= 410")


def test_plain_http_request_is_told_to_upgrade(server):
    import urllib.error
    import urllib.request

    with pytest.raises(urllib.error.HTTPError) as caught:
        urllib.request.urlopen(f"http://127.0.0.1:{server.port}/", timeout=10)
    assert caught.value.code == 426


def test_handler_posts_to_another_connection_with_the_aws_sdk(server):
    """boto3 in Python, the AWS SDK v3 in Node.js (test_offline_node.py: v2), with WSAPI_MANAGEMENT_ENDPOINT."""
    with open_client(server) as sender, open_client(server) as receiver:
        target = whoami(receiver)["event"]["requestContext"]["connectionId"]
        sender.send(json.dumps({"action": "relay", "to": target, "text": "hello from a handler"}))
        assert receiver.recv(timeout=15) == "hello from a handler"
        assert json.loads(sender.recv(timeout=15)) == {"sent": target, "mySourceIp": "127.0.0.1"}
        sender.send(json.dumps({"action": "relay", "to": "AAAAAAAAAAAAAAA=", "text": "nobody"}))
        assert json.loads(sender.recv(timeout=15)) == {"gone": "AAAAAAAAAAAAAAA="}


def test_concurrent_clients(server):
    async def one(index: int) -> List[Any]:
        from websockets.asyncio.client import connect as aconnect

        async with aconnect(f"{server.url}/?room=r{index}", additional_headers={"X-Token": "allow"}, open_timeout=30) as ws:
            replies = []
            for n in range(25):
                await ws.send(json.dumps({"action": "echo", "client": index, "n": n}))
                replies.append(json.loads(await asyncio.wait_for(ws.recv(), 15)))
            return replies

    async def many() -> List[List[Any]]:
        return await asyncio.gather(*(one(i) for i in range(20)))

    results = asyncio.run(many())
    for index, replies in enumerate(results):
        assert sorted(r["n"] for r in replies) == list(range(25))
        assert all(r["client"] == index for r in replies)


# -- route selection with a template expression and no $default -------------------------------------------------


@pytest.fixture(scope="module")
def routes_server():
    running = RunningServer(FIXTURES / "routes_service").start()
    yield running
    running.stop()


def test_template_expression_selects_the_route(routes_server):
    with connect(routes_server.url, open_timeout=20) as ws:
        ws.send(json.dumps({"kind": "chat", "op": "send"}))
        assert ws.recv(timeout=10) == "sent:chat/send"


def test_no_matching_route_and_no_default_is_forbidden(routes_server):
    with connect(routes_server.url, open_timeout=20) as ws:
        for message in (json.dumps({"kind": "chat", "op": "other"}), "not json", b"\x00binary"):
            ws.send(message)
            frame = ws.recv(timeout=10)
            assert re.match(r'^\{"message": "Forbidden", "connectionId":"[A-Za-z0-9_-]{15}=", "requestId":"[A-Za-z0-9_-]{15}="\}$', frame)
    routes_server.log.wait(r"MESSAGE +\(no route\) .* 403")


# -- CloudFormation intrinsics in the environment -----------------------------------------------------------------


def test_environment_intrinsics_are_evaluated_and_the_management_endpoint_is_the_local_one(monkeypatch):
    """Code written for AWS runs unchanged: its table's name and ARN, its function's ARN, the stack name, and
    the management endpoint it posts to (here the local @connections API); what only a deployment knows is
    unset, with a warning, unless wsapi offline's own environment gives it."""
    monkeypatch.delenv("STREAM_ARN", raising=False)
    monkeypatch.setenv("SHARED_QUEUE", "http://localhost:9324/queue/shared")  # exported: wins over !ImportValue
    running = RunningServer(FIXTURES / "intrinsics_service").start()
    try:
        with connect(running.url, open_timeout=20) as ws:
            ws.send("env")
            env = json.loads(ws.recv(timeout=10))
            ws.send("post")
            posted = {ws.recv(timeout=10), ws.recv(timeout=10)}  # the post, then the route's answer
        api = running.server.app.api.api_id
        assert env == {
            "CONNECTIONS_TABLE": "intrinsics-fixture-dev-connections",
            "CONNECTIONS_TABLE_ARN": "arn:aws:dynamodb:eu-west-1:123456789012:table/intrinsics-fixture-dev-connections",
            "APIG_ENDPOINT": f"http://127.0.0.1:{running.port}/dev",
            "SUB_ENDPOINT": f"http://127.0.0.1:{running.port}/dev/",
            "STACK": "intrinsics-fixture-dev",
            "STREAM_ARN": None,
            "SHARED_QUEUE": "http://localhost:9324/queue/shared",
            "SELF_ARN": "arn:aws:lambda:eu-west-1:123456789012:function:intrinsics-fixture-dev-default",
        }
        assert posted == {"posted through APIG_ENDPOINT", "sent"}
        log = running.log
        log.wait(
            rf"provider\.environment\.APIG_ENDPOINT: !Join .* is the API's management endpoint on AWS "
            rf"\(https://{api}\.execute-api\.eu-west-1\.amazonaws\.com/dev\); offline it is http://127\.0\.0\.1:{running.port}/dev$"
        )
        log.wait(r"warning: provider\.environment\.STREAM_ARN: !GetAtt ConnectionsTable\.StreamArn cannot be known offline .* STREAM_ARN is left unset")
        log.wait(r"provider\.environment\.SHARED_QUEUE: SHARED_QUEUE is taken from wsapi offline's environment, over !ImportValue")
        assert len(re.findall(r"provider\.environment\.STREAM_ARN", log.text())) == 1  # once, for both functions
    finally:
        running.stop()


# -- idle and maximum connection durations ------------------------------------------------------------------------


def test_idle_timeout_and_maximum_duration_close_with_1001(records):
    running = RunningServer(SERVICE, {"recordDir": str(records)}, idle_timeout=1.0, max_duration=2.5).start()
    try:
        with open_client(running) as ws:
            started = time.monotonic()  # before the client's last frame: the idle time counts from that frame
            connection_id = whoami(ws)["event"]["requestContext"]["connectionId"]
            with pytest.raises(ConnectionClosed) as caught:
                ws.recv(timeout=10)
            assert 0.9 < time.monotonic() - started < 10  # (timers may fire a millisecond early)
            assert caught.value.rcvd is not None and (caught.value.rcvd.code, caught.value.rcvd.reason) == (1001, "Going away")
        ctx = record(records, connection_id, "disconnect")["requestContext"]
        assert (ctx["disconnectStatusCode"], ctx["disconnectReason"]) == (1001, "Going away")
        opened = time.monotonic()  # before the handshake: the duration counts from the server's accepting it
        with open_client(running) as ws:  # messages keep it open, until the maximum duration
            with pytest.raises(ConnectionClosed) as caught:
                while time.monotonic() - opened < 10:
                    ws.send(json.dumps({"action": "echo"}))
                    ws.recv(timeout=10)
                    time.sleep(0.1)  # paces the keep-alive messages (the close is what the loop waits for)
            assert 2.4 < time.monotonic() - opened < 10
            assert caught.value.rcvd is not None and caught.value.rcvd.code == 1001
    finally:
        running.stop()


# -- errors at start -----------------------------------------------------------------------------------------------


def test_a_function_neither_python_nor_node_is_an_error_at_start():
    service = load_service(FIXTURES / "bad_runtime")
    with pytest.raises(ConfigError) as caught:
        build_app(service, "bad_runtime/serverless.yml")
    assert [p.path for p in caught.value.problems] == ["functions.java.runtime"]
    assert caught.value.lines() == [
        "bad_runtime/serverless.yml: functions.java.runtime: is java17: wsapi offline runs Python (python3.x) and Node.js "
        "(nodejsN.x) handlers; java cannot be served"
    ]


def test_a_handler_that_cannot_be_imported_is_an_error_at_start():
    running = RunningServer(FIXTURES / "bad_handler")
    with pytest.raises(ConfigError) as caught:
        running.start()
    problems = {p.path: p.message for p in caught.value.problems}
    assert set(problems) == {"functions.missing.handler", "functions.typo.handler"}
    assert "Unable to import module 'nowhere/module'" in problems["functions.missing.handler"]
    assert "Handler 'handlr' missing on module 'handler'" in problems["functions.typo.handler"]


# -- API Gateway's integration timeout -------------------------------------------------------------------------------


@pytest.fixture(scope="module", params=LANGUAGES)
def impatient(records, request):
    """A gateway that waits 0.5 s for a function: `slow` (timeout 1 s) and `connect` (6 s) can outlast it."""
    language = request.param
    running = RunningServer(service_for(language, request), {"recordDir": str(records)}, language=language, integration_timeout=0.5).start()
    yield running
    running.stop()


def line_index(running: RunningServer, pattern: str) -> int:
    """Where the first log line matching `pattern` is, once it is there (lines are in the order of events)."""
    running.log.wait(pattern)
    return next(i for i, line in enumerate(running.log.text().splitlines()) if re.search(pattern, line))


def test_a_message_outlasting_the_integration_timeout_gets_aws_timeout_frame_and_no_reply(impatient):
    with open_client(impatient) as ws:
        connection_id = whoami(ws)["event"]["requestContext"]["connectionId"]
        started = time.monotonic()
        ws.send(json.dumps({"action": "slow", "sleep": 0.8}))
        frame = json.loads(ws.recv(timeout=10))
        assert time.monotonic() - started > 0.45  # not before API Gateway's wait was over (timers may fire early)
        assert frame["message"] == "Endpoint request timed out" and ID.match(frame["requestId"])
        conn = re.escape(connection_id)
        finished = line_index(impatient, rf"MESSAGE +slow +conn={conn} 200 .*finished after the integration timed out: nothing sent")
        timed_out = line_index(impatient, rf"MESSAGE +slow +conn={conn} 504 .*integration timed out after 0\.5 s; the function runs on")
        assert timed_out < finished  # the timeout frame went out while the function still ran
        ws.send(json.dumps({"action": "echo", "text": "after"}))
        assert json.loads(ws.recv(timeout=10))["text"] == "after"  # the slow reply was dropped, not queued


def test_a_message_within_the_integration_timeout_is_answered(impatient):
    with open_client(impatient) as ws:
        ws.send(json.dumps({"action": "slow", "sleep": 0}))
        assert ws.recv(timeout=10) == "slow done"


def test_a_connect_outlasting_the_integration_timeout_is_refused_with_504(impatient, records):
    with pytest.raises(InvalidStatus) as caught:
        connect(f"{impatient.url}/?room=lobby&sleep=1.5", additional_headers={"X-Token": "allow"}, open_timeout=20)
    assert caught.value.response.status_code == 504
    assert json.loads(caught.value.response.body) == {"message": "Endpoint request timed out"}
    refused = line_index(impatient, r"CONNECT +\$connect .* 504 .*integration timed out")
    output = r"\[connect\] " + (NODE_LINE if impatient.language == "node" else "") + r"\$connect slept 1\.5 s$"
    assert refused < line_index(impatient, output)  # refused while $connect still ran


def test_the_integration_timeout_option_is_checked():
    for value in ("0.01", "30"):
        result = subprocess.run(
            [sys.executable, "-m", "wsapi", "offline", str(SERVICE), "--integration-timeout", value],
            cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)}, capture_output=True, text=True, timeout=60,
        )  # fmt: skip
        assert result.returncode == 2 and result.stderr.splitlines()[-1] == (
            "python -m wsapi offline: error: argument --integration-timeout: must be from 0.05 to 29 seconds, as in AWS"
        )  # argparse's own form, as for every other option
        assert "Traceback" not in result.stderr


# -- the command: Ctrl-C, and the chat example end to end ------------------------------------------------------------


def start_command(*args: str) -> tuple:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    process = subprocess.Popen(
        [sys.executable, "-m", "wsapi.offline", *args, "--port", "0"], cwd=ROOT, env=env,
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    lines: List[str] = []

    def read() -> None:
        assert process.stderr is not None
        for line in process.stderr:
            lines.append(line)

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    banner = wait_for(lambda: next((line for line in lines if " on ws://" in line), None), 60, "the banner")
    port = int(re.search(r"ws://127\.0\.0\.1:(\d+)", banner).group(1))
    return process, port, lines, reader


def test_ctrl_c_stops_cleanly():
    process, port, lines, reader = start_command(str(FIXTURES / "routes_service"))
    try:
        with connect(f"ws://127.0.0.1:{port}", open_timeout=20) as ws:
            ws.send(json.dumps({"kind": "chat", "op": "send"}))
            assert ws.recv(timeout=10) == "sent:chat/send"
            process.send_signal(signal.SIGINT)
            assert process.wait(20) == 0
            with pytest.raises(ConnectionClosed) as caught:
                ws.recv(timeout=10)
            assert caught.value.rcvd is not None and caught.value.rcvd.code == 1001
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    reader.join(10)
    output = "".join(lines)
    assert "Traceback" not in output and "stopping" in output, output


@pytest.fixture(params=["chat", "chat-node"])
def chat_example(request, tmp_path) -> Path:
    """The chat example, and its Node.js twin with the AWS SDK installed as `npm install` would."""
    if request.param == "chat":
        return Path("examples/chat")
    return copy_with_node_modules(ROOT / "examples" / "chat-node", tmp_path)


def test_chat_example_end_to_end(chat_example):
    process, port, lines, reader = start_command(str(chat_example), "--param", "chatToken=s3cret")
    try:
        with pytest.raises(InvalidStatus) as caught:
            connect(f"ws://127.0.0.1:{port}/?token=wrong", open_timeout=20)
        assert caught.value.response.status_code == 403
        with connect(f"ws://127.0.0.1:{port}/?token=s3cret&user=ann", open_timeout=20) as ws:
            ws.send("hello")
            assert ws.recv(timeout=10) == "hello"
            ws.send(json.dumps({"action": "sendMessage", "text": "hi all"}))
            sent = json.loads(ws.recv(timeout=10))
            assert sent["from"] == "ann" and sent["text"] == "hi all" and ID.match(sent["messageId"])
            ws.send(json.dumps({"action": "sendMessage", "text": ""}))
            assert json.loads(ws.recv(timeout=10)) == {"error": "sendMessage needs a non-empty text"}
            ws.send(json.dumps({"action": "whoami"}))
            me = json.loads(ws.recv(timeout=20))
            assert me["user"] == "ann" and me["sourceIp"] == "127.0.0.1" and ID.match(me["connectionId"])
    finally:
        process.send_signal(signal.SIGINT)
        try:
            assert process.wait(20) == 0
        finally:
            if process.poll() is None:
                process.kill()
    reader.join(10)
    output = "".join(lines)
    assert "Traceback" not in output and "error:" not in output, output
    if chat_example.name == "chat":
        assert re.search(r"\[connect\] \{\"connected\": \"[^\"]+\", \"user\": \"ann\"\}", output)
    else:  # console.log's line: time, request id, level, then the same record
        assert re.search(r"\[connect\] \S+Z\t\S+\tINFO\t\{\"connected\":\"[^\"]+\",\"user\":\"ann\"\}", output)
        assert re.search(r"\[disconnect\] \S+Z\t\S+\tINFO\t\{\"disconnected\":\"[^\"]+\",\"status\":1000\}", output)
