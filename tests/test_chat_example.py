"""The chat example's handlers (examples/chat/handlers), as Lambda runs them: the $connect authorizer, the
connection log, echo, sendMessage's validation and whoami's reply through the @connections API."""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path
from types import ModuleType

import pytest

HANDLERS = Path(__file__).resolve().parent.parent / "examples" / "chat" / "handlers"


def load(name: str) -> ModuleType:
    """A handler module under its own name (without writing __pycache__ into the example)."""
    spec = importlib.util.spec_from_file_location(f"chat_example_{name}", HANDLERS / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    saved, sys.dont_write_bytecode = sys.dont_write_bytecode, True
    try:
        spec.loader.exec_module(module)
    finally:
        sys.dont_write_bytecode = saved
    return module


auth = load("auth")
connection = load("connection")
messages = load("messages")

METHOD_ARN = "arn:aws:execute-api:us-east-1:123456789012:abc123/dev/$connect"


def connect_event(query=None, headers=None) -> dict:
    return {
        "type": "REQUEST",
        "methodArn": METHOD_ARN,
        "headers": headers or {},
        "queryStringParameters": query,
        "requestContext": {"routeKey": "$connect", "eventType": "CONNECT", "connectionId": "c1", "apiId": "abc123", "stage": "dev"},
    }


def message_event(body, user=None, route="sendMessage") -> dict:
    context = {
        "routeKey": route, "eventType": "MESSAGE", "connectionId": "c1", "messageId": "m1", "apiId": "abc123",
        "stage": "dev", "domainName": "abc123.execute-api.eu-west-1.amazonaws.com",
    }
    if user is not None:
        context["authorizer"] = {"principalId": user, "user": user}
    return {"requestContext": context, "body": body, "isBase64Encoded": False}


def effect(policy: dict) -> str:
    (statement,) = policy["policyDocument"]["Statement"]
    assert statement["Action"] == "execute-api:Invoke" and statement["Resource"] == METHOD_ARN
    return statement["Effect"]


# -- the $connect authorizer -------------------------------------------------------------------------------


@pytest.fixture
def token(monkeypatch) -> str:
    monkeypatch.setenv("CHAT_TOKEN", "s3cret")
    return "s3cret"


def test_the_right_query_token_is_allowed_with_the_user_as_context(token: str) -> None:
    policy = auth.handler(connect_event({"token": token, "user": "ada"}), None)
    assert effect(policy) == "Allow"
    assert policy["principalId"] == "ada" and policy["context"] == {"user": "ada"}


def test_the_authorization_header_works_too_in_any_case(token: str) -> None:
    policy = auth.handler(connect_event(headers={"Authorization": token}), None)
    assert effect(policy) == "Allow" and policy["principalId"] == "anonymous"
    assert effect(auth.handler(connect_event(headers={"authorization": token}), None)) == "Allow"


@pytest.mark.parametrize(
    "query, headers",
    [({"token": "wrong"}, None), (None, None), ({"user": "ada"}, None), (None, {"Authorization": "nope"}), ({"token": ""}, None)],
    ids=["wrong-token", "nothing", "no-token", "wrong-header", "empty-token"],
)
def test_anything_else_is_denied_without_context(token: str, query, headers) -> None:
    policy = auth.handler(connect_event(query, headers), None)
    assert effect(policy) == "Deny" and "context" not in policy


def test_without_a_configured_token_everyone_is_denied(monkeypatch) -> None:
    monkeypatch.delenv("CHAT_TOKEN", raising=False)
    assert effect(auth.handler(connect_event({"token": ""}), None)) == "Deny"
    monkeypatch.setenv("CHAT_TOKEN", "")
    assert effect(auth.handler(connect_event(headers={"Authorization": ""}), None)) == "Deny"


# -- connections -------------------------------------------------------------------------------------------


def test_connect_and_disconnect_accept_and_log(capsys) -> None:
    event = connect_event()
    event["requestContext"]["authorizer"] = {"user": "ada"}
    assert connection.connect(event, None) == {"statusCode": 200}
    event = {"requestContext": {"connectionId": "c1", "disconnectStatusCode": 1001}}
    assert connection.disconnect(event, None) == {"statusCode": 200}
    logged = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert logged == [{"connected": "c1", "user": "ada"}, {"disconnected": "c1", "status": 1001}]


# -- messages ----------------------------------------------------------------------------------------------


def test_echo_returns_the_body_as_sent() -> None:
    assert messages.echo(message_event("hello", route="$default"), None) == {"statusCode": 200, "body": "hello"}
    assert messages.echo(message_event(None, route="$default"), None) == {"statusCode": 200, "body": ""}


def test_send_message_answers_with_sender_text_and_message_id() -> None:
    reply = messages.send_message(message_event(json.dumps({"action": "sendMessage", "text": "hi"}), user="ada"), None)
    assert reply["statusCode"] == 200
    assert json.loads(reply["body"]) == {"from": "ada", "text": "hi", "messageId": "m1"}
    anonymous = messages.send_message(message_event(json.dumps({"text": "hi"})), None)
    assert json.loads(anonymous["body"])["from"] == "anonymous"


@pytest.mark.parametrize(
    "body, error",
    [
        ("not json", "the body must be JSON"),
        (json.dumps({"action": "sendMessage"}), "sendMessage needs a non-empty text"),
        (json.dumps({"text": ""}), "sendMessage needs a non-empty text"),
        (json.dumps({"text": 42}), "sendMessage needs a non-empty text"),
        (None, "sendMessage needs a non-empty text"),
    ],
    ids=["not-json", "no-text", "empty-text", "number", "no-body"],
)
def test_send_message_rejects_what_it_cannot_send(body, error) -> None:
    reply = messages.send_message(message_event(body, user="ada"), None)
    assert reply == {"statusCode": 400, "body": json.dumps({"error": error})}


# -- whoami: the @connections API --------------------------------------------------------------------------


class ManagementClient:
    """Stands in for boto3's apigatewaymanagementapi client: records the calls, answers GetConnection."""

    def __init__(self) -> None:
        self.calls: list[tuple] = []

    def get_connection(self, ConnectionId: str) -> dict:
        self.calls.append(("get_connection", ConnectionId))
        return {"ConnectedAt": "2026-01-01 00:00:00+00:00", "Identity": {"SourceIp": "203.0.113.9", "UserAgent": "ua"}}

    def post_to_connection(self, ConnectionId: str, Data: bytes) -> dict:
        self.calls.append(("post_to_connection", ConnectionId, json.loads(Data)))
        return {}


def test_whoami_replies_through_the_management_api() -> None:
    client = ManagementClient()
    assert messages.whoami(message_event("{}", user="ada", route="whoami"), None, client=client) == {"statusCode": 200}
    assert client.calls == [
        ("get_connection", "c1"),
        (
            "post_to_connection",
            "c1",
            {"connectionId": "c1", "user": "ada", "sourceIp": "203.0.113.9", "connectedAt": "2026-01-01 00:00:00+00:00"},
        ),
    ]


def test_whoami_uses_the_apis_own_endpoint_never_the_custom_domain(monkeypatch) -> None:
    monkeypatch.delenv("WSAPI_MANAGEMENT_ENDPOINT", raising=False)
    monkeypatch.setenv("AWS_REGION", "eu-west-1")
    event = message_event("{}", route="whoami")
    event["requestContext"]["domainName"] = "chat.example.com"  # a custom domain: not where @connections lives
    assert messages.management_endpoint(event) == "https://abc123.execute-api.eu-west-1.amazonaws.com/dev"
    monkeypatch.delenv("AWS_REGION")
    assert messages.management_endpoint(event) == "https://abc123.execute-api.us-east-1.amazonaws.com/dev"
    monkeypatch.setenv("WSAPI_MANAGEMENT_ENDPOINT", "http://127.0.0.1:3001")  # wsapi offline sets it
    assert messages.management_endpoint(event) == "http://127.0.0.1:3001"


def test_whoami_builds_its_client_for_that_endpoint(monkeypatch) -> None:
    import boto3

    made = []

    def client(service, endpoint_url=None, **kwargs):
        made.append((service, endpoint_url))
        return ManagementClient()

    monkeypatch.setattr(boto3, "client", client)
    monkeypatch.delenv("WSAPI_MANAGEMENT_ENDPOINT", raising=False)
    monkeypatch.setenv("AWS_REGION", "ap-southeast-2")
    messages.whoami(message_event("{}", route="whoami"), None)
    assert made == [("apigatewaymanagementapi", "https://abc123.execute-api.ap-southeast-2.amazonaws.com/dev")]
