"""Validation and `wsapi offline` read a route selection expression with one parser (wsapi/route_selection.py):
what `wsapi validate` accepts, offline routes by the same reading; what it refuses, offline cannot be built
with, with the same message."""

from __future__ import annotations

import dataclasses

import pytest

from wsapi import aws_rules, route_selection
from wsapi.errors import ConfigError
from wsapi.offline.app import build_app
from wsapi.route_selection import ExpressionError, RouteSelectionExpression
from wsapi.validate import validate_document

PATH = "provider.websocketsApiRouteSelectionExpression"

ACCEPTED = [
    "$request.body.action",
    "$request.body.message.type",
    "$request.body.a-b.$c_d",
    "$request.body[0]",
    "$request.body.items[1].type",
    "$request.body['odd key']",
    '$request.body["k"].v',
    "${request.body.service}/${request.body.action}",
    "${request.body.a}",
    "v1-${request.body.op}",
]
REFUSED = [
    "action",
    "$request.header.action",
    "$request.body",
    "$request.body.",
    "$request.body.a[x]",
    "$request.body.a/b",
    "${request.body}",
    "${request.body.a}/$request.body.b",
    "${request.body.a}}",
    "${request.path}",
    "$default",
    "",
]
MESSAGES = [
    '{"action": "send", "message": {"type": "t"}, "a-b": {"$c_d": 3}, "items": [{"type": "x"}, {"type": "y"}]}',
    '["first", 2]',
    '{"odd key": "v", "k": {"v": true}, "service": "chat", "op": "get", "a": null}',
    "not json",
    b"\x00binary",
]


def document(expression: str) -> dict:
    return {
        "service": "svc",
        "provider": {"name": "aws", "runtime": "python3.11", "websocketsApiRouteSelectionExpression": expression},
        "functions": {"f": {"handler": "h.f", "events": [{"websocket": "$default"}]}},
    }


@pytest.mark.parametrize("expression", ACCEPTED)
def test_an_expression_validation_accepts_is_the_one_offline_routes_by(expression):
    assert aws_rules.route_selection_expression_problem(expression) is None
    app = build_app(validate_document(document(expression)))
    assert isinstance(app.selector, RouteSelectionExpression) and app.selector.text == expression
    reference = RouteSelectionExpression(expression)
    assert [app.selector.select(message) for message in MESSAGES] == [reference.select(message) for message in MESSAGES]


@pytest.mark.parametrize("expression", REFUSED)
def test_an_expression_validation_refuses_cannot_be_served(expression):
    problem = aws_rules.route_selection_expression_problem(expression)
    assert problem is not None and "is not a WebSocket route selection expression" in problem
    if expression:  # an empty expression is Serverless's default, never read
        with pytest.raises(ConfigError) as refused:
            validate_document(document(expression))
        assert [(p.path, p.message) for p in refused.value.problems] == [(PATH, problem)]
    valid = validate_document(document("$request.body.action"))
    with pytest.raises(ConfigError) as caught:  # a Service built some other way: offline refuses it the same
        build_app(dataclasses.replace(valid, route_selection_expression=expression))
    assert [(p.path, p.message) for p in caught.value.problems] == [(PATH, problem)]


def test_both_read_expressions_through_the_one_parser(monkeypatch):
    """With the shared parser changed, validation and offline change together: neither has a copy of its own."""

    def refuse_everything(expression: str):
        raise ExpressionError(expression)

    valid = validate_document(document("$request.body.action"))
    monkeypatch.setattr(route_selection, "_parse", refuse_everything)
    assert aws_rules.route_selection_expression_problem("$request.body.action") is not None
    with pytest.raises(ConfigError):
        validate_document(document("$request.body.action"))
    with pytest.raises(ConfigError) as caught:
        build_app(valid)
    assert [p.path for p in caught.value.problems] == [PATH]
