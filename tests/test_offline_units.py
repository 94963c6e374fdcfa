"""The pure parts of `wsapi offline`: route selection, event shapes, authorizer policy evaluation, the
@connections request handling, what the model must say for offline to serve it, and handler loading."""

from __future__ import annotations

import asyncio
import base64
import json
import re
import sys
from pathlib import Path

import pytest

from wsapi.errors import ConfigError
from wsapi.offline import authorizer as authz
from wsapi.offline import events, management, routing
from wsapi.offline.app import build_app, function_environment, management_endpoint
from wsapi.offline.runtime import HandlerLoadError, LambdaContext, load_handler
from wsapi.route_selection import ExpressionError, RouteSelectionExpression
from wsapi.validate import validate_document

FIXTURES = Path(__file__).resolve().parent / "offline_fixtures"

# -- routing ---------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "expression, message, expected",
    [
        ("$request.body.action", '{"action": "send"}', "send"),
        ("$request.body.action", '{"other": 1}', None),
        ("$request.body.action", "not json", None),
        ("$request.body.action", ' \n\t {"action": "send"}', "send"),  # JSON may start with whitespace
        ("$request.body[0]", ' ["first"]', "first"),
        ("$request.body.action", "\u00a0{\"action\": \"send\"}", None),  # not JSON whitespace
        ("$request.body.action", "", None),
        ("$request.body.action", '"a JSON string"', None),
        ("$request.body.action", b'{"action": "send"}', None),  # binary frames are not evaluated
        ("$request.body.a.b", '{"a": {"b": "deep"}}', "deep"),
        ("$request.body.items[1].type", '{"items": [{"type": "x"}, {"type": "y"}]}', "y"),
        ("$request.body['odd key']", '{"odd key": "v"}', "v"),
        ("$request.body.n", '{"n": 42}', "42"),
        ("$request.body.flag", '{"flag": true}', "true"),
        ("$request.body.list", '{"list": ["a", 1]}', "[a, 1]"),
        ("$request.body.action", '{"action": null}', None),
        ("${request.body.service}/${request.body.action}", '{"service": "chat", "action": "join"}', "chat/join"),
        ("${request.body.service}/${request.body.action}", '{"service": "chat"}', None),
        ("v1-${request.body.op}", '{"op": "get"}', "v1-get"),
    ],
)
def test_route_selection_expressions(expression, message, expected):
    assert RouteSelectionExpression(expression).select(message) == expected


@pytest.mark.parametrize("expression", ["action", "$request.body", "$request.header.x", "${request.body}", "$request.body.a[x]"])
def test_expressions_api_gateway_does_not_evaluate_are_errors(expression):
    with pytest.raises(ExpressionError):
        RouteSelectionExpression(expression)


def test_choose_route_falls_back_to_default_and_never_to_connect():
    selector = RouteSelectionExpression("$request.body.action")
    keys = {"$connect", "$default", "send"}
    assert routing.choose_route(selector, keys, '{"action": "send"}') == "send"
    assert routing.choose_route(selector, keys, '{"action": "Send"}') == "$default"  # keys are case-sensitive
    assert routing.choose_route(selector, keys, '{"action": "$connect"}') == "$default"
    assert routing.choose_route(selector, keys, "hello") == "$default"
    assert routing.choose_route(selector, {"send"}, "hello") is None


# -- events ----------------------------------------------------------------------------------------------------

API = events.Api("abcdefghij", "dev", "eu-west-1")


def connection(**overrides) -> events.ConnectionInfo:
    values = dict(
        connection_id="CONNaaaaaaaaaaa=", connected_at=1707502303419, source_ip="192.0.2.1", user_agent="ua/1",
        domain_name="abcdefghij.example", headers=[("Host", "h"), ("X-A", "1"), ("X-A", "2")], query=[("q", "1")],
    )  # fmt: skip
    values.update(overrides)
    return events.ConnectionInfo(**values)


def test_ids_look_like_aws_ids():
    for make in (events.new_id, events.new_connection_id):
        ids = {make() for _ in range(600)}  # more than one batch of request ids
        assert len(ids) == 600 and all(re.match(r"^[A-Za-z0-9_-]{15}=$", i) for i in ids)


def test_request_time_is_clf_in_utc():
    assert events.request_time(1707502303419) == "09/Feb/2024:18:11:43 +0000"
    assert events.iso_time(1707502303419) == "2024-02-09T18:11:43.419Z"


def test_connect_event_shape():
    event = events.connect_event(API, connection(), "REQaaaaaaaaaaaa=", 1707502303420)
    assert event["headers"] == {"Host": "h", "X-A": "2"}
    assert event["multiValueHeaders"] == {"Host": ["h"], "X-A": ["1", "2"]}
    assert event["queryStringParameters"] == {"q": "1"} and event["multiValueQueryStringParameters"] == {"q": ["1"]}
    assert event["isBase64Encoded"] is False
    assert event["requestContext"] == {
        "routeKey": "$connect", "eventType": "CONNECT", "extendedRequestId": "REQaaaaaaaaaaaa=",
        "requestTime": "09/Feb/2024:18:11:43 +0000", "messageDirection": "IN", "stage": "dev",
        "connectedAt": 1707502303419, "requestTimeEpoch": 1707502303420,
        "identity": {"sourceIp": "192.0.2.1", "userAgent": "ua/1"}, "requestId": "REQaaaaaaaaaaaa=",
        "domainName": "abcdefghij.example", "connectionId": "CONNaaaaaaaaaaa=", "apiId": "abcdefghij",
    }  # fmt: skip


def test_connect_event_without_query_has_no_query_keys():
    event = events.connect_event(API, connection(query=()), "R", 1)
    assert "queryStringParameters" not in event and "multiValueQueryStringParameters" not in event


def test_authorizer_event_shape():
    event = events.authorizer_event(API, connection(authorizer={"principalId": "x"}), "R", 1)
    assert event["type"] == "REQUEST" and event["methodArn"] == "arn:aws:execute-api:eu-west-1:123456789012:abcdefghij/dev/$connect"
    assert event["stageVariables"] == {} and "authorizer" not in event["requestContext"]


@pytest.mark.parametrize("data", ['{"action": "x", "text": "h\\u00e9 \\"q\\""}', "plain", b"\x00\xffbin"])
def test_message_event_json_matches_the_dict_form(data):
    conn = connection(authorizer={"principalId": "p", "user": "ann", "integrationLatency": 3})
    conn.fragments = events.connection_fragments(API, conn)
    fast = events.message_event_json(conn.fragments, json.dumps("my/route"), data, "REQaaaaaaaaaaaa=", "MSGaaaaaaaaaaaa=", 1707502303500)
    slow = events.message_event(API, conn, "my/route", data, "REQaaaaaaaaaaaa=", "MSGaaaaaaaaaaaa=", 1707502303500)
    assert json.loads(fast) == slow
    assert list(json.loads(fast)["requestContext"]) == list(slow["requestContext"])
    if isinstance(data, bytes):
        assert slow["isBase64Encoded"] is True and base64.b64decode(slow["body"]) == data


def test_disconnect_event_shape():
    event = events.disconnect_event(API, connection(), 1005, events.disconnect_reason(1005, ""), "R", 2)
    ctx = event["requestContext"]
    assert (ctx["disconnectStatusCode"], ctx["disconnectReason"]) == (1005, "Client-side close frame status not set")
    assert event["headers"] == {"Host": "abcdefghij.example", "x-api-key": "", "X-Forwarded-For": "", "x-restapi": ""}
    assert events.disconnect_reason(4000, "bye") == "bye"


def test_error_frame_is_spaced_as_aws_sends_it():
    assert events.error_frame("Forbidden", "C=", "R=") == '{"message": "Forbidden", "connectionId":"C=", "requestId":"R="}'


def test_api_id_is_stable_per_service_and_stage():
    assert events.api_id("chat", "dev") == events.api_id("chat", "dev") != events.api_id("chat", "prod")
    assert re.match(r"^[a-z0-9]{10}$", events.api_id("chat", "dev"))


# -- authorizer --------------------------------------------------------------------------------------------------

ARN = "arn:aws:execute-api:eu-west-1:123456789012:abcdefghij/dev/$connect"


def test_identity_sources():
    headers, query = [("Auth", "t"), ("X-Empty", "")], [("token", "v")]
    assert authz.missing_identity_sources(["route.request.header.auth", "route.request.querystring.token"], headers, query) == ()
    assert authz.missing_identity_sources(["route.request.header.X-Empty"], headers, query) == ("route.request.header.X-Empty",)
    assert authz.missing_identity_sources(["route.request.querystring.Token"], headers, query) == ("route.request.querystring.Token",)
    assert authz.missing_identity_sources(["stageVariables.v"], headers, query) == ("stageVariables.v",)


def policy(*statements) -> dict:
    return {"Version": "2012-10-17", "Statement": list(statements)}


def statement(effect, resource, action="execute-api:Invoke") -> dict:
    return {"Effect": effect, "Action": action, "Resource": resource}


@pytest.mark.parametrize(
    "document, expected",
    [
        (policy(statement("Allow", ARN)), True),
        (policy(statement("Allow", "arn:aws:execute-api:*:*:abcdefghij/*")), True),
        (policy(statement("Allow", "arn:aws:execute-api:eu-west-1:123456789012:abcdefghij/dev/$connec?")), True),
        (policy(statement("Allow", "*", action="execute-api:*")), True),
        (policy(statement("Allow", [ARN], action=["s3:GetObject", "execute-api:Invoke"])), True),
        (policy(statement("Allow", "arn:aws:execute-api:*:*:other/*")), False),
        (policy(statement("Allow", ARN, action="s3:*")), False),
        (policy(statement("Allow", "*"), statement("Deny", ARN)), False),
        (policy(), False),
        ({"Statement": statement("Allow", ARN)}, True),  # a single statement object
    ],
)
def test_policy_evaluation(document, expected):
    assert authz.evaluate_policy(document, ARN)[0] is expected


def test_decisions():
    allow = {"principalId": "me", "policyDocument": policy(statement("Allow", ARN)), "context": {"n": 1, "b": False, "s": "x"}}
    decision = authz.decide(allow, ARN, 7)
    assert decision.allowed and decision.authorizer == {"n": "1", "b": "false", "s": "x", "principalId": "me", "integrationLatency": 7}
    assert authz.decide({**allow, "policyDocument": policy(statement("Deny", ARN))}, ARN, 1).status == 403
    assert authz.decide({**allow, "context": {"nested": {"x": 1}}}, ARN, 1).status == 500
    assert authz.decide({"policyDocument": allow["policyDocument"]}, ARN, 1).status == 500
    assert authz.decide("Allow", ARN, 1).status == 500
    assert authz.decide({"principalId": "me"}, ARN, 1).status == 500
    assert authz.decide_error("Unauthorized").status == 401
    assert authz.decide_error("boom").status == 500


# -- management ------------------------------------------------------------------------------------------------


class FakeConnection:
    def __init__(self) -> None:
        self.info = connection(last_active_at=1707502304000)
        self.posted: list = []
        self.disconnected = False

    def post(self, data: bytes) -> bool:
        self.posted.append(data)
        return True

    def disconnect(self) -> None:
        self.disconnected = True


def test_management_paths():
    assert management.connection_id_from("/@connections/abc%3D", "dev") == "abc="
    assert management.connection_id_from("/dev/@connections/abc%3D?x=1", "dev") == "abc="
    assert management.connection_id_from("/prod/@connections/abc", "dev") is None
    assert management.connection_id_from("/@connections/", "dev") is None
    assert management.connection_id_from("/@connections/a/b", "dev") is None


def test_management_requests():
    conn = FakeConnection()
    lookup = {"CONN=": conn}.get
    reply = management.handle("GET", "/dev/@connections/CONN%3D", b"", "dev", lookup)
    assert reply.status == 200 and json.loads(reply.body) == {
        "connectedAt": "2024-02-09T18:11:43.419Z", "identity": {"sourceIp": "192.0.2.1", "userAgent": "ua/1"},
        "lastActiveAt": "2024-02-09T18:11:44.000Z",
    }  # fmt: skip
    assert management.handle("POST", "/@connections/CONN=", b"hi", "dev", lookup).status == 200 and conn.posted == [b"hi"]
    too_big = management.handle("POST", "/@connections/CONN=", b"x" * (128 * 1024 + 1), "dev", lookup)
    assert too_big.status == 413 and too_big.headers["x-amzn-ErrorType"] == "PayloadTooLargeException"
    assert management.handle("DELETE", "/@connections/CONN=", b"", "dev", lookup).status == 204 and conn.disconnected
    gone = management.handle("GET", "/@connections/OTHER=", b"", "dev", lookup)
    assert gone.status == 410 and gone.headers["x-amzn-ErrorType"] == "GoneException"
    assert management.handle("PUT", "/@connections/CONN=", b"", "dev", lookup).status == 403
    assert management.handle("GET", "/prod/@connections/CONN=", b"", "dev", lookup).status == 403


# -- what offline needs from the model -------------------------------------------------------------------------------


def service(functions: dict, provider: dict | None = None):
    document = {"service": "svc", "provider": {"name": "aws", "runtime": "python3.11", **(provider or {})}, "functions": functions}
    return validate_document(document)


def test_functions_neither_python_nor_node_and_image_functions_are_problems_at_their_paths():
    svc = service(
        {
            "a": {"handler": "h.a", "runtime": "java17", "events": [{"websocket": "$default"}]},
            "b": {"image": "repo/image:latest", "events": [{"websocket": "b"}]},
            "c": {"handler": "h.c", "runtime": "provided.al2"},  # no websocket event: not served, not checked
        }
    )
    with pytest.raises(ConfigError) as caught:
        build_app(svc, "serverless.yml")
    assert {p.path for p in caught.value.problems} == {"functions.a.runtime", "functions.b.handler"}


def test_authorizer_function_is_checked_and_an_arn_authorizer_is_a_warning():
    svc = service(
        {
            "auth": {"handler": "h.auth", "runtime": "ruby3.2"},
            "connect": {"handler": "h.c", "events": [{"websocket": {"route": "$connect", "authorizer": "auth"}}]},
        }
    )
    with pytest.raises(ConfigError) as caught:
        build_app(svc)
    assert [p.path for p in caught.value.problems] == ["functions.auth.runtime"]
    arn = "arn:aws:lambda:us-east-1:123456789012:function:external"
    app = build_app(service({"connect": {"handler": "h.c", "events": [{"websocket": {"route": "$connect", "authorizer": {"arn": arn}}}]}}))
    assert app.routes["$connect"].authorizer is None and "outside this service" in app.warnings[0]


def test_unsupported_route_selection_expression_is_a_problem():
    import dataclasses

    # validation rejects it first; offline checks again for a Service built some other way
    svc = dataclasses.replace(service({"f": {"handler": "h.f", "events": [{"websocket": "$default"}]}}), route_selection_expression="action")
    with pytest.raises(ConfigError) as caught:
        build_app(svc)
    assert caught.value.problems[0].path == "provider.websocketsApiRouteSelectionExpression"


def test_function_environment_layers():
    svc = service(
        {"f": {"handler": "h.f", "memorySize": 512, "environment": {"A": "fn", "IS_OFFLINE": "user"}, "events": [{"websocket": "$default"}]}},
        {"environment": {"A": "provider", "B": "provider"}, "region": "eu-west-1"},
    )
    app = build_app(svc)
    env = function_environment(app, app.functions["f"], "http://127.0.0.1:1/dev", base={"HOME": "/nonexistent", "PATH": "/bin"})
    assert env["A"] == "fn" and env["B"] == "provider" and env["PATH"] == "/bin"
    assert env["IS_OFFLINE"] == "user"  # the function's own environment wins, as the last layer
    assert env["WSAPI_MANAGEMENT_ENDPOINT"] == "http://127.0.0.1:1/dev" and env["AWS_REGION"] == "eu-west-1"
    assert env["AWS_LAMBDA_FUNCTION_NAME"] == "svc-dev-f" and env["AWS_LAMBDA_FUNCTION_MEMORY_SIZE"] == "512"
    assert env["AWS_ACCESS_KEY_ID"] == "offline"  # no credentials on the host: boto3 still signs its requests
    with_profile = function_environment(app, app.functions["f"], "e", base={"HOME": "/nonexistent", "AWS_PROFILE": "me"})
    assert "AWS_ACCESS_KEY_ID" not in with_profile


# -- CloudFormation intrinsics in the environment ----------------------------------------------------------------

TABLE = {"Type": "AWS::DynamoDB::Table", "Properties": {"TableName": "chat-dev-connections"}}
AWS_ENDPOINT = "https://{api}.execute-api.eu-west-1.amazonaws.com/dev"


def intrinsic_app(environment: dict, resources: dict | None = None, extra: dict | None = None):
    """An app whose function `f` has `environment` (provider level), in eu-west-1, stage dev."""
    document = {
        "service": "chat",
        "provider": {"name": "aws", "runtime": "python3.11", "region": "eu-west-1", "stage": "dev", "environment": environment},
        "functions": {"f": {"handler": "h.f", "events": [{"websocket": "$default"}]}, "other": {"handler": "h.o", "name": "custom-other", "events": [{"websocket": "other"}]}},
        "resources": {"Resources": {"ConnectionsTable": TABLE, **(resources or {})}, **(extra or {})},
    }
    return build_app(validate_document(document))


def local_env(app, base: dict | None = None) -> dict:
    return function_environment(app, app.functions["f"], "http://127.0.0.1:3001/dev", base={"HOME": "/nonexistent", **(base or {})})


@pytest.mark.parametrize(
    "value, expected",
    [
        ({"Ref": "ConnectionsTable"}, "chat-dev-connections"),
        ({"Fn::GetAtt": ["ConnectionsTable", "Arn"]}, "arn:aws:dynamodb:eu-west-1:123456789012:table/chat-dev-connections"),
        ({"Fn::GetAtt": "ConnectionsTable.Arn"}, "arn:aws:dynamodb:eu-west-1:123456789012:table/chat-dev-connections"),
        ({"Ref": "AWS::Region"}, "eu-west-1"),
        ({"Ref": "AWS::AccountId"}, events.ACCOUNT_ID),
        ({"Ref": "AWS::Partition"}, "aws"),
        ({"Ref": "AWS::URLSuffix"}, "amazonaws.com"),
        ({"Ref": "AWS::StackName"}, "chat-dev"),
        ({"Ref": "WebsocketsApi"}, "{api}"),
        ({"Ref": "WebsocketsDeploymentStage"}, "dev"),
        ({"Fn::GetAtt": ["WebsocketsApi", "ApiEndpoint"]}, "ws://127.0.0.1:3001"),
        ({"Ref": "FLambdaFunction"}, "chat-dev-f"),
        ({"Fn::GetAtt": ["OtherLambdaFunction", "Arn"]}, "arn:aws:lambda:eu-west-1:123456789012:function:custom-other"),
        ({"Fn::Sub": "${ConnectionsTable}/${AWS::Region}/${Prefix}"}, "chat-dev-connections/eu-west-1/pre"),
        ({"Fn::Sub": ["${Name}-x", {"Name": {"Ref": "WebsocketsDeploymentStage"}}]}, "dev-x"),
        ({"Fn::Select": [1, {"Fn::Split": [",", "a,b,c"]}]}, "b"),
        ({"Fn::If": ["InEurope", "eu", "elsewhere"]}, "eu"),
        ({"Fn::Base64": "hi"}, "aGk="),
        ({"Ref": "Queue"}, "https://sqs.eu-west-1.amazonaws.com/123456789012/chat-dev-q"),
        ({"Fn::GetAtt": ["Queue", "Arn"]}, "arn:aws:sqs:eu-west-1:123456789012:chat-dev-q"),
        ({"Fn::GetAtt": ["Role", "Arn"]}, "arn:aws:iam::123456789012:role/chat-role"),
        ({"Fn::GetAtt": ["Bucket", "RegionalDomainName"]}, "chat-files.s3.eu-west-1.amazonaws.com"),
    ],
)
def test_environment_intrinsics_evaluate_to_their_local_values(value, expected):
    app = intrinsic_app(
        {"V": value},
        {
            "Queue": {"Type": "AWS::SQS::Queue", "Properties": {"QueueName": {"Fn::Sub": "${AWS::StackName}-q"}}},
            "Role": {"Type": "AWS::IAM::Role", "Properties": {"RoleName": "chat-role", "AssumeRolePolicyDocument": {}}},
            "Bucket": {"Type": "AWS::S3::Bucket", "Properties": {"BucketName": "chat-files"}},
        },
        {"Parameters": {"Prefix": {"Type": "String", "Default": "pre"}},
         "Conditions": {"InEurope": {"Fn::Equals": [{"Ref": "AWS::Region"}, "eu-west-1"]}}},
    )  # fmt: skip
    assert local_env(app)["V"] == expected.format(api=app.api.api_id)
    assert app.warnings == []


@pytest.mark.parametrize(
    "url, expected",
    [
        (AWS_ENDPOINT, "http://127.0.0.1:3001/dev"),
        (AWS_ENDPOINT + "/", "http://127.0.0.1:3001/dev/"),
        (AWS_ENDPOINT[len("https://"):], "http://127.0.0.1:3001/dev"),  # the AWS SDK for JavaScript v2's form
        ("wss://{api}.execute-api.eu-west-1.amazonaws.com/dev", "ws://127.0.0.1:3001/dev"),
        ("https://{api}.execute-api.eu-west-1.amazonaws.com/prod", None),  # another stage: not this API's
        ("https://{api}.execute-api.us-east-1.amazonaws.com/dev", None),
        ("https://example.com/dev", None),
    ],
)
def test_the_api_urls_on_aws_become_the_local_ones(url, expected):
    from wsapi.offline.environment import local_url

    api = events.Api("abcdefghij", "dev", "eu-west-1")
    found = local_url(url.format(api=api.api_id), api, "http://127.0.0.1:3001/dev")
    assert (found and found[0]) == expected


def test_the_management_endpoint_built_by_join_or_sub_is_offline_s_and_the_log_says_so():
    from wsapi.offline.environment import environment_notes

    join = {"Fn::Join": ["", ["https://", {"Ref": "WebsocketsApi"}, ".execute-api.", {"Ref": "AWS::Region"}, ".amazonaws.com/", "dev"]]}
    sub = {"Fn::Sub": "https://${WebsocketsApi}.execute-api.${AWS::Region}.amazonaws.com/dev/"}
    app = intrinsic_app({"APIG_ENDPOINT": join, "SUB_ENDPOINT": sub})
    env = local_env(app)
    assert env["APIG_ENDPOINT"] == env["WSAPI_MANAGEMENT_ENDPOINT"] == "http://127.0.0.1:3001/dev"
    assert env["SUB_ENDPOINT"] == "http://127.0.0.1:3001/dev/"
    notes = environment_notes(app.intrinsics, app.api, "http://127.0.0.1:3001/dev", {})
    aws = AWS_ENDPOINT.format(api=app.api.api_id)
    assert notes == [
        ("info", f'provider.environment.APIG_ENDPOINT: !Join ["",["https://",{{"Ref":"WebsocketsApi"}},".execute-api.",{{"Ref":"AWS::Region"}},".amazonaws.com/","dev"]] is the API\'s management endpoint on AWS ({aws}); offline it is http://127.0.0.1:3001/dev'),
        ("info", f"provider.environment.SUB_ENDPOINT: !Sub 'https://${{WebsocketsApi}}.execute-api.${{AWS::Region}}.amazonaws.com/dev/' is the API's management endpoint on AWS ({aws}/); offline it is http://127.0.0.1:3001/dev/"),
    ]


@pytest.mark.parametrize(
    "value, reason",
    [
        ({"Ref": "AutoTable"}, "AutoTable (AWS::DynamoDB::Table) gives no TableName, which AWS assigns when deployed"),
        ({"Fn::GetAtt": ["ConnectionsTable", "StreamArn"]}, "ConnectionsTable.StreamArn (AWS::DynamoDB::Table) is known only when deployed: wsapi knows no fixed format for it"),
        ({"Fn::ImportValue": "shared-queue"}, "Fn::ImportValue reads another stack's export, which exists only when deployed"),
        ({"Ref": "Elsewhere"}, "Elsewhere is neither a resource of resources:, a template parameter, nor one offline knows"),
        ({"Fn::Sub": "${AutoTable}-x"}, "AutoTable (AWS::DynamoDB::Table) gives no TableName, which AWS assigns when deployed"),
        ({"Fn::Join": ["", ["x", {"Ref": "AWS::StackId"}]]}, "AWS::StackId is known only when deployed"),
        ({"Ref": "Secret"}, "Secret (AWS::SecretsManager::Secret) gives no Id, which AWS assigns when deployed"),
    ],
)
def test_what_only_a_deployment_knows_is_unset_with_one_warning_at_its_path(value, reason):
    from wsapi.offline.environment import environment_notes

    app = intrinsic_app(
        {"V": value}, {"AutoTable": {"Type": "AWS::DynamoDB::Table", "Properties": {}}, "Secret": {"Type": "AWS::SecretsManager::Secret"}}
    )
    assert set(app.intrinsics) == {"f", "other"}  # two functions with the provider's variable: one warning
    assert "V" not in local_env(app)
    notes = environment_notes(app.intrinsics, app.api, "http://127.0.0.1:3001/dev", {})
    assert len(notes) == 1 and notes[0][0] == "warning"
    assert notes[0][1].startswith("provider.environment.V: ")
    assert f"cannot be known offline ({reason}), so V is left unset; give it a local value by exporting V" in notes[0][1]


def test_a_value_exported_to_wsapi_offline_wins_over_an_intrinsic_but_not_over_a_literal():
    from wsapi.offline.environment import environment_notes

    app = intrinsic_app({"TABLE": {"Ref": "ConnectionsTable"}, "QUEUE": {"Fn::ImportValue": "q"}, "LITERAL": "from-yml"})
    given = {"TABLE": "local-table", "QUEUE": "http://localhost:9324/q", "LITERAL": "from-shell"}
    env = local_env(app, given)
    assert (env["TABLE"], env["QUEUE"], env["LITERAL"]) == ("local-table", "http://localhost:9324/q", "from-yml")
    notes = environment_notes(app.intrinsics, app.api, "http://127.0.0.1:3001/dev", given)
    assert notes == [
        ("info", "provider.environment.TABLE: TABLE is taken from wsapi offline's environment, over !Ref ConnectionsTable (offline it would be chat-dev-connections)"),
        ("info", "provider.environment.QUEUE: QUEUE is taken from wsapi offline's environment, over !ImportValue \"q\" (Fn::ImportValue reads another stack's export, which exists only when deployed)"),
    ]


def test_no_value_leaves_the_variable_out_silently_and_a_function_s_own_path_is_named():
    from wsapi.offline.environment import environment_notes

    app = intrinsic_app({"GONE": {"Ref": "AWS::NoValue"}})
    assert "GONE" not in local_env(app) and environment_notes(app.intrinsics, app.api, "e", {}) == []
    document = {
        "service": "chat", "provider": {"name": "aws", "runtime": "python3.11"},
        "functions": {"f": {"handler": "h.f", "environment": {"Q": {"Fn::ImportValue": "q"}}, "events": [{"websocket": "$default"}]}},
    }  # fmt: skip
    app = build_app(validate_document(document))
    (note,) = environment_notes(app.intrinsics, app.api, "e", {})
    assert note[1].startswith("functions.f.environment.Q: !ImportValue \"q\" cannot be known offline")


def test_management_endpoint_for_wildcard_hosts():
    assert management_endpoint("0.0.0.0", 3001, "dev") == "http://127.0.0.1:3001/dev"
    assert management_endpoint("::1", 3001, "dev") == "http://[::1]:3001/dev"


# -- handler loading and the Lambda context ---------------------------------------------------------------------------


def test_load_handler_errors(monkeypatch):
    monkeypatch.syspath_prepend(str(FIXTURES / "bad_handler"))
    assert load_handler("handler.handler")({}, None) == {"statusCode": 200}
    with pytest.raises(HandlerLoadError) as caught:
        load_handler("nowhere/module.handler")
    assert caught.value.error["errorType"] == "Runtime.ImportModuleError"
    with pytest.raises(HandlerLoadError) as caught:
        load_handler("handler.missing")
    assert caught.value.error == {"errorMessage": "Handler 'missing' missing on module 'handler'", "errorType": "Runtime.HandlerNotFound", "stackTrace": []}
    with pytest.raises(HandlerLoadError) as caught:
        load_handler("nodot")
    assert caught.value.error["errorType"] == "Runtime.MalformedHandlerName"
    sys.modules.pop("handler", None)


def test_lambda_context(monkeypatch):
    monkeypatch.setenv("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "256")
    monkeypatch.setenv("AWS_LAMBDA_FUNCTION_NAME", "fn")
    import time

    context = LambdaContext("req", int(time.time() * 1000) + 3000, "arn:aws:lambda:r:1:function:fn")
    assert context.memory_limit_in_mb == "256" and context.function_name == "fn"
    assert 2000 < context.get_remaining_time_in_millis() <= 3000
    assert LambdaContext("req", 0, "arn").get_remaining_time_in_millis() == 0


# -- event loop ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["uvloop", "asyncio"])
def test_the_server_loop_is_the_one_asked_for(kind):
    from wsapi.offline import eventloop

    import uvloop

    async def main():
        await asyncio.sleep(0)
        return type(asyncio.get_running_loop())

    assert issubclass(eventloop.run(main, kind), uvloop.Loop if kind == "uvloop" else asyncio.BaseEventLoop)


def test_auto_prefers_uvloop_and_unknown_loops_are_refused():
    from wsapi.offline import eventloop

    assert (eventloop.loop_factory("auto") is not None) == (sys.platform != "win32")  # required where published
    with pytest.raises(ValueError, match="unknown event loop 'trio'"):
        eventloop.loop_factory("trio")


# -- worker pools ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("duration, waited, fast", [(0.0001, 1.0, True), (0.5, 0.5, False)])
def test_a_function_is_fast_by_its_handler_time_not_by_its_wait(duration, waited, fast):
    """On a loaded machine an invocation can wait for a CPU far longer than its handler runs: that wait must
    not make a fast function scale out to new processes."""
    from wsapi.offline import workers

    async def main() -> bool:
        spec = workers.FunctionSpec("echo", "svc-dev-echo", "handler.echo", ".", 6.0, 1024, {}, "arn:fn")
        pool = workers.FunctionPool(spec, 4, lambda key, line: None, lambda line: None)
        worker = workers.Worker(pool, 1)
        worker.ready.set_result(None)
        pool.workers.append(worker)
        replies: list = []
        invocation = workers._Invocation(1, b"{}", lambda result, error: replies.append(result))
        worker.inflight.append(invocation)
        invocation.started = pool.loop.time() - waited
        worker._on_frame(b'{"id":1,"duration":%f,"result":{"statusCode":200}}' % duration)
        assert replies == [{"statusCode": 200}]
        return pool.fast

    assert asyncio.run(main()) is fast
