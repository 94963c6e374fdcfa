"""`wsapi.WebSocketApi` under Pulumi mocks: how it is called, what it refuses, which functions and region it
uses, external APIs, stable URNs, outputs, the deployment's triggers, and that tests do not leak into each
other. Each test gets fresh mocks (the `pulumi_mocks` fixture); see pulumi_support.py."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any, Iterator

import pulumi
import pulumi_aws as aws
import pytest
from pulumi.runtime import settings as pulumi_settings
from pulumi_support import (
    COMPONENT_TYPE,
    GLOBAL_TYPES,
    GOLDEN,
    PULUMI_TYPE,
    STACK_REGION,
    Recorder,
    component_outputs,
    fresh_mocks,
    isolated_mocks,
    render,
    run_program,
)

from wsapi import ConfigError, WebSocketApi, WebSocketApiArgs
from wsapi.cli import main as cli_main


@pytest.fixture
def pulumi_mocks() -> Iterator[Recorder]:
    yield from isolated_mocks()


INVALID = Path(__file__).parent / "invalid"
DEPLOYMENT = PULUMI_TYPE["AWS::ApiGatewayV2::Deployment"]
ROUTE = PULUMI_TYPE["AWS::ApiGatewayV2::Route"]
INTEGRATION = PULUMI_TYPE["AWS::ApiGatewayV2::Integration"]
PERMISSION = PULUMI_TYPE["AWS::Lambda::Permission"]
AUTHORIZER = PULUMI_TYPE["AWS::ApiGatewayV2::Authorizer"]


def chat_config() -> dict:
    """A service using most features: an authorizer on $connect, a route response, logs, two routes on one
    function and a function that serves no route."""
    return {
        "service": "chat",
        "provider": {"name": "aws", "runtime": "python3.11", "logs": {"websocket": True}},
        "functions": {
            "connect": {
                "handler": "h.connect",
                "events": [
                    {
                        "websocket": {
                            "route": "$connect",
                            "authorizer": {"name": "auth", "identitySource": ["route.request.header.Auth"]},
                        }
                    }
                ],
            },
            "disconnect": {"handler": "h.disconnect", "events": [{"websocket": "$disconnect"}]},
            "message": {
                "handler": "h.message",
                "events": [
                    {"websocket": {"route": "sendMessage", "routeResponseSelectionExpression": "$default"}},
                    {"websocket": "$default"},
                ],
            },
            "auth": {"handler": "h.auth"},
            "cron": {"handler": "h.cron", "events": [{"schedule": "rate(1 hour)"}]},
        },
    }


def with_route(config: dict, function: str, route: Any) -> dict:
    config = copy.deepcopy(config)
    config["functions"].setdefault(function, {"handler": f"h.{function}"}).setdefault("events", []).append(
        {"websocket": route}
    )
    return config


def triggers(recorder: Recorder) -> dict:
    (deployment,) = recorder.of_type(DEPLOYMENT)
    return deployment.inputs["triggers"]


# -- how it is called --------------------------------------------------------------------------------------


def test_config_keyword_and_args_object_build_the_same_resources(pulumi_mocks: Recorder) -> None:
    path = GOLDEN / "large-service" / "serverless.yml"
    by_keyword = render("chat", recorder=pulumi_mocks, config=str(path))
    by_args = render("chat", WebSocketApiArgs(config=path))
    positional = render("chat", str(path))
    folder = render("chat", config=path.parent)

    def shape(rendered):
        return sorted((r.urn, r.parent, repr(sorted(r.inputs.items()))) for r in rendered.recorder.resources)

    assert shape(by_keyword) == shape(by_args) == shape(positional) == shape(folder)
    assert by_keyword.outputs == by_args.outputs
    assert len(by_keyword.recorder.custom()) > 30


@pytest.mark.parametrize("form", ["keywords", "args"])
def test_stage_region_params_options_and_functions_reach_the_config(form: str, pulumi_mocks: Recorder) -> None:
    config = {
        "service": "chat",
        "provider": {"name": "aws", "websocketsDescription": "${param:what} via ${opt:via}"},
        "functions": {"connect": {"handler": "h.c", "events": [{"websocket": "$connect"}]}},
    }
    settings = {
        "stage": "prod",
        "region": "eu-west-1",
        "params": {"what": "chat API"},
        "options": {"via": "pulumi"},
        "functions": {"connect": "arn:aws:lambda:eu-west-1:999999999999:function:given"},
    }
    if form == "keywords":
        rendered = render("chat", recorder=pulumi_mocks, config=config, **settings)
    else:
        rendered = render("chat", WebSocketApiArgs(config=config, **settings), recorder=pulumi_mocks)
    (permission,) = pulumi_mocks.of_type(PERMISSION)
    assert permission.inputs["function"] == "arn:aws:lambda:eu-west-1:999999999999:function:given"
    (api,) = pulumi_mocks.of_type(PULUMI_TYPE["AWS::ApiGatewayV2::Api"])
    assert api.inputs["name"] == "prod-chat-websockets"
    assert api.inputs["description"] == "chat API via pulumi"
    assert api.inputs["region"] == "eu-west-1"
    assert rendered.outputs["stage_name"] == "prod"
    assert rendered.outputs["url"] == "wss://chat-api-id.execute-api.eu-west-1.amazonaws.com/prod"


def test_opts_apply_to_the_component(pulumi_mocks: Recorder) -> None:
    def program():
        outer = pulumi.ComponentResource("test:index:Outer", "outer")
        api = WebSocketApi("chat", WebSocketApiArgs(config=chat_config()), pulumi.ResourceOptions(parent=outer))
        return component_outputs(api)

    run_program(program)
    (component,) = [r for r in pulumi_mocks.resources if r.type == COMPONENT_TYPE]
    assert component.parent.endswith("test:index:Outer::outer")
    assert pulumi_mocks.custom()
    for child in pulumi_mocks.custom():
        assert child.parent == component.urn


def test_args_and_keyword_settings_are_not_mixed() -> None:
    """Keywords given beside a WebSocketApiArgs would be silently ignored: refused, before anything is
    registered."""
    with pytest.raises(TypeError, match=r"not both \(stage, create_functions\)"):
        WebSocketApi("chat", WebSocketApiArgs(config=chat_config()), stage="prod", create_functions=True)
    with pytest.raises(TypeError, match="given twice"):
        WebSocketApi("chat", chat_config(), config=chat_config())


class PartitionlessMocks(Recorder):
    """A user's own mocks that answer every invoke but getPartition (with nothing)."""

    def call(self, args):
        if args.token == "aws:index/getPartition:getPartition":
            return {}
        return super().call(args)


def test_mocks_that_leave_out_an_invoke_get_a_clear_error() -> None:
    fresh_mocks(recorder_type=PartitionlessMocks)
    with pytest.raises(Exception, match=r"AWS::URLSuffix is unknown: the aws:index/getPartition:getPartition invoke answered no 'dnsSuffix'\. Under pulumi\.runtime\.set_mocks, Mocks\.call must answer it"):
        run_program(lambda: WebSocketApi("chat", config=chat_config()).url)


def test_a_config_is_required() -> None:
    with pytest.raises(TypeError, match="config="):
        WebSocketApi("chat")


# -- what it refuses ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("case", sorted(p for p in INVALID.iterdir() if p.is_dir()), ids=lambda p: p.name)
def test_invalid_config_raises_the_cli_messages(case: Path, pulumi_mocks: Recorder, capsys, monkeypatch) -> None:
    monkeypatch.chdir(case)
    assert cli_main(["validate", "serverless.yml"]) == 2
    cli_lines = capsys.readouterr().err.splitlines()
    assert cli_lines
    with pytest.raises(ConfigError) as raised:
        render("chat", recorder=pulumi_mocks, config="serverless.yml")
    assert raised.value.lines() == cli_lines
    assert pulumi_mocks.resources == [], "nothing is registered for a config that does not validate"


def test_bad_function_inputs_are_reported_together(pulumi_mocks: Recorder) -> None:
    with pytest.raises(ConfigError) as raised:
        render(
            "chat",
            recorder=pulumi_mocks,
            config=chat_config(),
            functions={"nope": "arn:aws:lambda:eu-west-1:1:function:x", "connect": "connect-fn", "message": 42},
        )
    assert raised.value.lines() == [
        "<config>: functions.nope: is not a function of this service (functions: auth, connect, cron, disconnect, message)",
        "<config>: functions.connect: must be a Lambda function ARN (arn:...), got 'connect-fn'",
        "<config>: functions.message: must be an aws.lambda_.Function, an ARN or an Output, got int",
    ]
    assert pulumi_mocks.resources == []


# -- functions ---------------------------------------------------------------------------------------------


def test_functions_as_resource_arn_or_output(pulumi_mocks: Recorder) -> None:
    config = chat_config()
    config["functions"]["message"]["provisionedConcurrency"] = 2

    def program():
        message = aws.lambda_.Function(
            "message-fn",
            name="message-fn",
            role="arn:aws:iam::123456789012:role/r",
            runtime="python3.11",
            handler="h.message",
            code=pulumi.AssetArchive({}),
        )
        api = WebSocketApi(
            "chat",
            config=config,
            functions={
                "message": message,
                "connect": "arn:aws:lambda:eu-west-1:999999999999:function:connect-elsewhere",
                "auth": pulumi.Output.from_input("arn:aws:lambda:eu-west-1:999999999999:function:auth-elsewhere"),
            },
        )
        return component_outputs(api)

    run_program(program)
    uri = {
        r.name: r.inputs.get("integrationUri") or r.inputs.get("authorizerUri")
        for r in pulumi_mocks.of_type(INTEGRATION) + pulumi_mocks.of_type(AUTHORIZER)
    }
    function = {r.name: r.inputs["function"] for r in pulumi_mocks.of_type(PERMISSION)}
    prefix = f"arn:aws:apigateway:{STACK_REGION}:lambda:path/2015-03-31/functions/"
    # a resource: its ARN, with the alias Serverless would invoke
    message_arn = f"arn:aws:lambda:{STACK_REGION}:123456789012:function:message-fn:provisioned"
    assert uri["chat-integration-message"] == f"{prefix}{message_arn}/invocations"
    assert function["chat-permission-sendMessage"] == function["chat-permission-$default"] == message_arn
    # an ARN or an Output of one: as given
    assert (
        uri["chat-integration-connect"]
        == f"{prefix}arn:aws:lambda:eu-west-1:999999999999:function:connect-elsewhere/invocations"
    )
    assert (
        uri["chat-authorizer-auth"]
        == f"{prefix}arn:aws:lambda:eu-west-1:999999999999:function:auth-elsewhere/invocations"
    )
    assert (
        function["chat-authorizer-permission-auth"] == "arn:aws:lambda:eu-west-1:999999999999:function:auth-elsewhere"
    )
    # anything else: its Serverless name in the stack's partition, region and account
    assert (
        function["chat-permission-$disconnect"]
        == f"arn:aws:lambda:{STACK_REGION}:123456789012:function:chat-dev-disconnect"
    )
    # the function resource is the program's, not the component's
    (fn,) = pulumi_mocks.of_type("aws:lambda/function:Function")
    assert COMPONENT_TYPE not in fn.urn


def test_a_changed_function_arn_redeploys(pulumi_mocks: Recorder) -> None:
    arn = "arn:aws:lambda:eu-west-1:999999999999:function:connect-{}"
    first = triggers(
        render("chat", recorder=pulumi_mocks, config=chat_config(), functions={"connect": arn.format(1)}).recorder
    )
    again = triggers(render("chat", config=chat_config(), functions={"connect": arn.format(1)}).recorder)
    changed = triggers(render("chat", config=chat_config(), functions={"connect": arn.format(2)}).recorder)
    assert first == again
    assert first != changed


# -- region ------------------------------------------------------------------------------------------------


def regional(recorder: Recorder) -> list:
    return [r for r in recorder.custom() if r.type not in GLOBAL_TYPES]


@pytest.mark.parametrize(
    "region_arg, provider_region, expected",
    [("eu-west-1", "us-west-2", "eu-west-1"), (None, "us-west-2", "us-west-2"), (None, None, None)],
    ids=["region-argument", "provider-region", "stack-region"],
)
def test_resources_land_in_the_chosen_region(region_arg, provider_region, expected, pulumi_mocks: Recorder) -> None:
    config = chat_config()
    if provider_region:
        config["provider"]["region"] = provider_region
    rendered = render("chat", recorder=pulumi_mocks, config=config, region=region_arg)
    resources = regional(pulumi_mocks)
    assert resources and all(r.inputs.get("region") == expected for r in resources)
    where = expected or STACK_REGION  # no region input: the provider's, i.e. the stack's aws:region
    (integration, *_) = pulumi_mocks.of_type(INTEGRATION)
    assert integration.inputs["integrationUri"].startswith(
        f"arn:aws:apigateway:{where}:lambda:path/2015-03-31/functions/arn:aws:lambda:{where}:"
    )
    (stage,) = pulumi_mocks.of_type(PULUMI_TYPE["AWS::ApiGatewayV2::Stage"])
    assert stage.inputs["accessLogSettings"]["destinationArn"].startswith(
        f"arn:aws:logs:{where}:123456789012:log-group:"
    )
    assert rendered.outputs["url"] == f"wss://chat-api-id.execute-api.{where}.amazonaws.com/dev"
    assert rendered.outputs["api_endpoint"] == f"wss://chat-api-id.execute-api.{where}.amazonaws.com"


def test_an_imported_api_id_is_read_in_the_services_region(pulumi_mocks: Recorder) -> None:
    config = chat_config()
    config["provider"]["region"] = "eu-west-1"
    config["provider"]["apiGateway"] = {"websocketApiId": {"Fn::ImportValue": "shared-api"}}
    rendered = render("chat", recorder=pulumi_mocks, config=config)
    exports = pulumi_mocks.invokes("aws:cloudformation/getExport:getExport")
    assert exports and all(c.args.get("region") == "eu-west-1" for c in exports)
    assert rendered.outputs["api_id"] == "shared-api@eu-west-1"
    assert {r.inputs["apiId"] for r in pulumi_mocks.of_type(ROUTE)} == {"shared-api@eu-west-1"}


# -- an external API ---------------------------------------------------------------------------------------


def test_external_api_creates_nothing_serverless_would_not(pulumi_mocks: Recorder) -> None:
    config = chat_config()
    config["provider"]["apiGateway"] = {"websocketApiId": "abc123"}
    rendered = render("chat", recorder=pulumi_mocks, config=config)
    kinds = sorted({r.type for r in pulumi_mocks.custom()})
    # the stage pointer creates nothing: it moves the existing stage, as Serverless's Deployment does
    assert kinds == sorted(
        {INTEGRATION, PERMISSION, ROUTE, AUTHORIZER, DEPLOYMENT, PULUMI_TYPE["AWS::ApiGatewayV2::RouteResponse"]}
        | {"pulumi-python:dynamic:Resource"}
    )
    assert {r.inputs["apiId"] for r in pulumi_mocks.custom() if "apiId" in r.inputs} == {"abc123"}
    assert rendered.outputs == {
        "api_id": "abc123",
        "api_endpoint": f"wss://abc123.execute-api.{STACK_REGION}.amazonaws.com",
        "url": f"wss://abc123.execute-api.{STACK_REGION}.amazonaws.com/dev",
        "management_endpoint": f"https://abc123.execute-api.{STACK_REGION}.amazonaws.com/dev",
        "stage_name": "dev",
        "execution_arn": f"arn:aws:execute-api:{STACK_REGION}:123456789012:abc123",
        "route_ids": {k: f"chat-route-{k}-id" for k in ("$connect", "$disconnect", "sendMessage", "$default")},
        "outputs": {},
    }


def test_external_api_stage_follows_the_deployment(pulumi_mocks: Recorder) -> None:
    """Serverless's Deployment names the external API's stage (StageName) and CloudFormation moves that
    stage to it; the component does the same with a stage pointer (one UpdateStage call)."""
    config = chat_config()
    config["provider"]["apiGateway"] = {"websocketApiId": "abc123"}
    config["provider"]["region"] = "eu-west-1"
    render("chat", recorder=pulumi_mocks, config=config)
    (deployment,) = pulumi_mocks.of_type(DEPLOYMENT)
    (pointer,) = pulumi_mocks.of_type("pulumi-python:dynamic:Resource")
    assert pointer.name == "chat-deployment-stage"
    assert {k: pointer.inputs[k] for k in ("api_id", "stage_name", "deployment_id", "region")} == {
        "api_id": "abc123",
        "stage_name": "dev",
        "deployment_id": deployment.id,
        "region": "eu-west-1",
    }
    assert deployment.urn in pointer.dependencies


def test_stage_pointer_moves_the_stage_and_never_deletes_it(monkeypatch) -> None:
    from wsapi import stage_deployment

    calls = []
    monkeypatch.setattr(stage_deployment, "point_stage", calls.append)
    provider = stage_deployment.StageDeploymentProvider()
    props = {"api_id": "abc123", "stage_name": "dev", "deployment_id": "d1", "region": "eu-west-1"}
    created = provider.create(props)
    assert created.id == "abc123/dev" and calls == [props]
    newer = {**props, "deployment_id": "d2"}
    diff = provider.diff(created.id, props, newer)
    assert diff.changes and diff.replaces == []
    assert provider.diff(created.id, props, dict(props)).changes is False
    assert provider.diff(created.id, props, {**props, "stage_name": "prod"}).replaces == ["stage_name"]
    provider.update(created.id, props, newer)
    assert calls == [props, newer]
    provider.delete(created.id, newer)
    assert calls == [props, newer]  # the stage is not ours: deleting the pointer leaves it serving d2


# -- stable identity ---------------------------------------------------------------------------------------


def test_one_more_route_changes_no_other_urn(pulumi_mocks: Recorder) -> None:
    base = render("chat", recorder=pulumi_mocks, config=chat_config()).urns()
    # a route on an existing function: only that route and its permission (one per route) are new
    more = render("chat", config=with_route(chat_config(), "message", "typing")).urns()
    assert more - base == {
        f"urn:pulumi:test::wsapi-tests::{COMPONENT_TYPE}${ROUTE}::chat-route-typing",
        f"urn:pulumi:test::wsapi-tests::{COMPONENT_TYPE}${PERMISSION}::chat-permission-typing",
    }
    assert base - more == set()
    # a route on a new function: that route, its integration and permission
    new_function = render("chat", config=with_route(chat_config(), "presence", "whoIsHere")).urns()
    assert {u.rsplit("::", 1)[1] for u in new_function - base} == {
        "chat-route-whoIsHere",
        "chat-integration-presence",
        "chat-permission-whoIsHere",
    }
    assert base - new_function == set()


def test_renaming_a_route_replaces_only_that_route(pulumi_mocks: Recorder) -> None:
    base = render("chat", recorder=pulumi_mocks, config=chat_config()).urns()
    config = chat_config()
    config["functions"]["disconnect"]["events"] = [{"websocket": "$disconnect"}, {"websocket": "leave"}]
    renamed = copy.deepcopy(config)
    config_with_leave = render("chat", config=config).urns()
    renamed["functions"]["disconnect"]["events"][1] = {"websocket": "quit"}
    with_quit = render("chat", config=renamed).urns()
    assert {u.rsplit("::", 1)[1] for u in config_with_leave ^ with_quit} == {
        "chat-route-leave",
        "chat-route-quit",
        "chat-permission-leave",
        "chat-permission-quit",
    }
    assert base <= config_with_leave


def test_preview_and_update_register_the_same_resources() -> None:
    """No resource is created inside an apply: a preview (unknown values) sees the same URNs."""
    recorders = {}
    for preview in (True, False):
        recorders[preview] = render("chat", recorder=fresh_mocks(preview=preview), config=chat_config())
    assert recorders[True].urns() == recorders[False].urns()


# -- outputs -----------------------------------------------------------------------------------------------


def test_outputs(pulumi_mocks: Recorder) -> None:
    rendered = render("chat", recorder=pulumi_mocks, config=chat_config(), stage="prod")
    routes = {r.inputs["routeKey"]: r.id for r in pulumi_mocks.of_type(ROUTE)}
    assert rendered.outputs == {
        "api_id": "chat-api-id",
        "api_endpoint": f"wss://chat-api-id.execute-api.{STACK_REGION}.amazonaws.com",
        "url": f"wss://chat-api-id.execute-api.{STACK_REGION}.amazonaws.com/prod",
        "management_endpoint": f"https://chat-api-id.execute-api.{STACK_REGION}.amazonaws.com/prod",
        "stage_name": "prod",
        "execution_arn": f"arn:aws:execute-api:{STACK_REGION}:123456789012:chat-api-id",
        "route_ids": routes,
        "outputs": {},  # the service's own resources.Outputs: none here
    }
    assert set(routes) == {"$connect", "$disconnect", "sendMessage", "$default"}


@pulumi.runtime.test
def test_outputs_as_a_pulumi_program_sees_them():
    """The same, written as users write Pulumi unit tests: the asserting Output is returned, so it runs."""
    fresh_mocks()
    api = WebSocketApi("chat", config=chat_config())

    def check(values):
        url, management, routes = values
        assert url.startswith("wss://") and url.endswith("/dev")
        assert management == "https://" + url[len("wss://") :]
        assert sorted(routes) == ["$connect", "$default", "$disconnect", "sendMessage"]
        return True

    return pulumi.Output.all(api.url, api.management_endpoint, api.route_ids).apply(check)


# -- the deployment ----------------------------------------------------------------------------------------


def test_deployment_waits_for_every_route_and_route_response(pulumi_mocks: Recorder) -> None:
    render("chat", recorder=pulumi_mocks, config=chat_config())
    (deployment,) = pulumi_mocks.of_type(DEPLOYMENT)
    routes = pulumi_mocks.of_type(ROUTE) + pulumi_mocks.of_type(PULUMI_TYPE["AWS::ApiGatewayV2::RouteResponse"])
    assert len(routes) == 5
    assert {r.urn for r in routes} <= set(deployment.dependencies)
    (stage,) = pulumi_mocks.of_type(PULUMI_TYPE["AWS::ApiGatewayV2::Stage"])
    assert stage.inputs["deploymentId"] == deployment.id
    assert deployment.urn in stage.dependencies
    assert set(triggers(pulumi_mocks)) == {"plan", "targets"}


def route_changes() -> dict[str, dict]:
    changes = {}
    changes["route added"] = with_route(chat_config(), "message", "typing")
    config = chat_config()
    config["functions"]["message"]["events"].pop()
    changes["route removed"] = config
    config = chat_config()
    config["functions"]["message"]["events"][0]["websocket"]["route"] = "send"
    changes["route key renamed"] = config
    config = chat_config()
    config["functions"]["disconnect"]["events"] = []
    config["functions"]["message"]["events"].append({"websocket": "$disconnect"})
    changes["route moved to another function"] = config
    config = chat_config()
    del config["functions"]["message"]["events"][0]["websocket"]["routeResponseSelectionExpression"]
    changes["route response dropped"] = config
    config = chat_config()
    config["functions"]["connect"]["events"][0]["websocket"]["authorizer"]["identitySource"] = [
        "route.request.querystring.token"
    ]
    changes["authorizer identity source"] = config
    config = chat_config()
    config["functions"]["message"]["name"] = "renamed-message"
    changes["route function renamed"] = config
    config = chat_config()
    config["provider"]["websocketsApiRouteSelectionExpression"] = "$request.body.type"
    changes["route selection expression"] = config
    return changes


def unrelated_changes() -> dict[str, dict]:
    changes = {}
    config = chat_config()
    config["functions"]["cron"]["handler"] = "h.other"
    changes["a function without routes"] = config
    config = chat_config()
    config["functions"]["worker"] = {"handler": "h.worker"}
    changes["a new function without routes"] = config
    config = chat_config()
    config["provider"]["logRetentionInDays"] = 30
    changes["log retention"] = config
    config = chat_config()
    config["provider"]["logs"]["websocket"] = {"level": "ERROR"}
    changes["stage log level"] = config
    config = chat_config()
    config["functions"]["message"]["handler"] = "h.message_v2"
    changes["a route function's handler (its code, not the API)"] = config
    return changes


def test_deployment_triggers_change_with_routes_and_only_with_routes(pulumi_mocks: Recorder) -> None:
    base = triggers(render("chat", recorder=pulumi_mocks, config=chat_config()).recorder)
    assert triggers(render("chat", config=chat_config()).recorder) == base, "same config, same triggers"
    assert triggers(render("other", config=chat_config()).recorder) == base, "the component's name is not deployed"
    for what, config in route_changes().items():
        assert triggers(render("chat", config=config).recorder) != base, what
    for what, config in unrelated_changes().items():
        assert triggers(render("chat", config=config).recorder) == base, what


# -- isolation between tests -------------------------------------------------------------------------------


def test_isolation_1_leaves_work_behind(pulumi_mocks: Recorder) -> None:
    """A program that fails half-way, with a resource still to be created in an apply, then a registration
    and an Output started outside any program. The next test must see none of it."""

    def failing_program():
        api = WebSocketApi("leaky", config=chat_config())
        api.url.apply(lambda _: aws.sns.Topic("leaky-late-topic"))
        raise RuntimeError("the program fails")

    with pytest.raises(RuntimeError, match="fails"):
        run_program(failing_program)
    aws.sns.Topic("leaky-topic")
    pulumi.Output.from_input("late").apply(lambda _: aws.sns.Topic("leaky-later-topic"))


def test_isolation_2_sees_none_of_it(pulumi_mocks: Recorder) -> None:
    assert pulumi_mocks.resources == [] and pulumi_mocks.calls == []
    assert not pulumi_settings.SETTINGS.rpc_manager.rpcs
    render("chat", recorder=pulumi_mocks, config=chat_config())
    names = {r.name for r in pulumi_mocks.resources}
    assert not {n for n in names if n.startswith("leaky")}
    assert all(r.urn.endswith("::chat") or "::chat-" in r.urn for r in pulumi_mocks.resources)


def test_the_component_type_token_is_frozen(pulumi_mocks: Recorder) -> None:
    rendered = render("chat", recorder=pulumi_mocks, config=chat_config())
    assert rendered.component_urn.endswith("wsapi:index:WebSocketApi::chat")


# -- wsapi plan tells the truth ----------------------------------------------------------------------------


@pytest.mark.parametrize("case", ["logs-retention-data-protection", "external-api-id-string", "large-service", "custom-domain-websocket"])
def test_wsapi_plan_lists_exactly_what_the_component_registers(case: str, pulumi_mocks: Recorder) -> None:
    from golden_support import GOLDEN, load_case
    from wsapi.compile import compile_service
    from wsapi.registry import short_type as short_pulumi_type
    from wsapi.plan_listing import describe_plan

    from pulumi_support import render_case

    rendered = render_case(GOLDEN / case, recorder=pulumi_mocks)
    registered = [(r.type, r.name) for r in pulumi_mocks.custom()]
    listing = describe_plan(compile_service(load_case(GOLDEN / case)), "chat").splitlines()
    rows = [line.split() for line in listing if line.startswith(" +   ├─") or line.startswith(" +   └─")]
    listed = [(row[2], row[3]) for row in rows]
    as_listed = [(t if t.startswith("pulumi-python") else short_pulumi_type(t), n) for t, n in registered]
    # same resources, same names (the mocks record when inputs resolve, so order is not comparable)
    assert sorted(listed) == sorted(as_listed) and len(listed) == len(set(listed))
    assert listing[-1] == f"    + {len(registered) + 1} to create"
    assert rendered.name == "chat"
