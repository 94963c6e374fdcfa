"""The deploy-time rules of API Gateway, one function each (the CLI tests show them in context)."""

import pytest

from wsapi import aws_rules


@pytest.mark.parametrize(
    "source",
    [
        "route.request.header.Auth",
        "route.request.header.X-Api-Key",
        "route.request.querystring.token",
        "stageVariables.secret",
        "context.authorizerId",
    ],
)
def test_identity_sources_api_gateway_accepts(source: str) -> None:
    assert aws_rules.identity_source_problem(source) is None


@pytest.mark.parametrize(
    "source",
    ["method.request.header.Auth", "$request.header.Auth", "route.request.header.", "route.request.header.A B", "header.Auth", ""],
)
def test_identity_sources_api_gateway_refuses(source: str) -> None:
    assert "is not an identity source API Gateway accepts" in aws_rules.identity_source_problem(source)


@pytest.mark.parametrize(
    "expression",
    ["$request.body.action", "$request.body.message.type", "${request.body.service}/${request.body.action}", "${request.body.a}"],
)
def test_route_selection_expressions_api_gateway_accepts(expression: str) -> None:
    assert aws_rules.route_selection_expression_problem(expression) is None


@pytest.mark.parametrize(
    "expression",
    ["action", "$request.header.action", "$request.body", "$request.body.", "${request.body.a}/$request.body.b", "${request.path}", "$default"],
)
def test_route_selection_expressions_api_gateway_refuses(expression: str) -> None:
    assert "is not a WebSocket route selection expression" in aws_rules.route_selection_expression_problem(expression)


def test_access_log_format_rules() -> None:
    assert aws_rules.access_log_format_problems("$context.requestId $context.routeKey $context.authorizer.user") == ([], [])
    assert aws_rules.access_log_format_problems("$context.extendedRequestId") == ([], [])
    errors, _ = aws_rules.access_log_format_problems("$context.requestId " + "x" * 3100)
    assert errors == ["is 3,119 bytes; API Gateway accepts access-log formats of at most 3 KB (3,072 bytes)"]
    errors, _ = aws_rules.access_log_format_problems("$context.requestId\n$context.routeKey")
    assert errors == ["must be a single line: API Gateway writes one log line per request"]
    errors, warnings = aws_rules.access_log_format_problems("$context.routeKey $context.responseLength $context.brandNew")
    assert errors == [
        "must contain $context.requestId (or $context.extendedRequestId): API Gateway requires it",
        "uses $context.responseLength, which WebSocket APIs do not offer (REST/HTTP API variables)",
    ]
    assert warnings == ["uses $context.brandNew, not among the WebSocket access-log variables API Gateway documents"]


def test_serverless_default_access_log_format_is_valid() -> None:
    from wsapi.model import DEFAULT_ACCESS_LOG_FORMAT

    assert aws_rules.access_log_format_problems(DEFAULT_ACCESS_LOG_FORMAT) == ([], [])
