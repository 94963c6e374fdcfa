"""Pulumi's `transforms` on the component reach every child it creates: the README's recipe (IAM authorization
on $connect, stage throttling, tags, the deployment's triggers) runs under mocks and does what it says, and
every child's type and name stays what users' transforms target.

The SDK's mock monitor does not run transforms; the recorder (pulumi_support) applies a resource's and its
parents' transforms to the properties it registers, as the engine does."""

from __future__ import annotations

import re
import shutil
from pathlib import Path
from typing import Iterator

import pulumi
import pytest
from pulumi_support import PULUMI_TYPE, Recorder, isolated_mocks, render, run_program
from test_cli_readme import code_blocks, section

from conftest import ROOT

CHAT = ROOT / "examples" / "chat"


@pytest.fixture
def pulumi_mocks(tmp_path: Path, monkeypatch) -> Iterator[Recorder]:
    monkeypatch.setenv("WSAPI_ARTIFACTS_DIR", str(tmp_path / "artifacts"))
    yield from isolated_mocks()


def test_the_readme_recipe_changes_the_children_it_says(tmp_path: Path, monkeypatch, pulumi_mocks: Recorder) -> None:
    (recipe,) = code_blocks(section("Changing what the component creates: `transforms`"), "python")
    shutil.copy(CHAT / "serverless.yml", tmp_path / "serverless.yml")
    monkeypatch.chdir(tmp_path)

    def program():
        namespace = {"__name__": "__main__"}
        exec(compile(recipe, "README.md", "exec"), namespace)
        return namespace["chat"].url

    assert run_program(program).startswith("wss://chat-api-id.execute-api.")
    routes = {r.inputs["routeKey"]: r.inputs for r in pulumi_mocks.of_type(PULUMI_TYPE["AWS::ApiGatewayV2::Route"])}
    assert routes["$connect"]["authorizationType"] == "AWS_IAM" and "authorizerId" not in routes["$connect"]
    assert {key: r["authorizationType"] for key, r in routes.items() if key != "$connect"} == dict.fromkeys(
        ("$disconnect", "$default", "sendMessage", "whoami"), "NONE"
    )
    (stage,) = pulumi_mocks.of_type(PULUMI_TYPE["AWS::ApiGatewayV2::Stage"])
    assert stage.inputs["defaultRouteSettings"] == {
        "dataTraceEnabled": True, "loggingLevel": "ERROR",  # the service's own settings are kept
        "throttlingBurstLimit": 100, "throttlingRateLimit": 50,
    }  # fmt: skip
    (deployment,) = pulumi_mocks.of_type(PULUMI_TYPE["AWS::ApiGatewayV2::Deployment"])
    assert deployment.inputs["triggers"]["harden"] == "1" and set(deployment.inputs["triggers"]) == {"plan", "targets", "harden"}
    tagged = re.search(r"TAGGED = \{(.*?)\}", recipe, re.S).group(1)
    types = set(re.findall(r'"([^"]+)"', tagged))
    built = {r.type for r in pulumi_mocks.custom()}
    assert {"aws:apigatewayv2/api:Api", "aws:apigatewayv2/stage:Stage", "aws:cloudwatch/logGroup:LogGroup"} <= types & built
    for child in pulumi_mocks.custom():
        if child.type in types:
            assert child.inputs["tags"]["owner"] == "chat-team", child.name
        else:
            assert "tags" not in child.inputs, child.name


def test_a_transform_targets_one_child_by_type_and_name(pulumi_mocks: Recorder) -> None:
    def throttle_send(args: pulumi.ResourceTransformArgs):
        if args.type_ == "aws:apigatewayv2/route:Route" and args.name == "chat-route-sendMessage":
            return pulumi.ResourceTransformResult(props={**args.props, "apiKeyRequired": False, "operationName": "send"}, opts=args.opts)
        return None

    render("chat", recorder=pulumi_mocks, config=CHAT, opts=pulumi.ResourceOptions(transforms=[throttle_send]))
    changed = [r.name for r in pulumi_mocks.custom() if r.inputs.get("operationName") == "send"]
    assert changed == ["chat-route-sendMessage"]


#: Every child the chat example's stack creates (with its functions and its custom domain), as users'
#: transforms name them: a change here renames or retypes resources in every stack.
CHAT_CHILDREN = [
    ("aws:apigateway/account:Account", "chat-account"),
    ("aws:apigatewayv2/api:Api", "chat-api"),
    ("aws:apigatewayv2/apiMapping:ApiMapping", "chat-api-mapping-chat.example.com"),
    ("aws:apigatewayv2/authorizer:Authorizer", "chat-authorizer-auth"),
    ("aws:apigatewayv2/deployment:Deployment", "chat-deployment"),
    ("aws:apigatewayv2/domainName:DomainName", "chat-domain-chat.example.com"),
    ("aws:apigatewayv2/integration:Integration", "chat-integration-connect"),
    ("aws:apigatewayv2/integration:Integration", "chat-integration-default"),
    ("aws:apigatewayv2/integration:Integration", "chat-integration-disconnect"),
    ("aws:apigatewayv2/integration:Integration", "chat-integration-sendMessage"),
    ("aws:apigatewayv2/integration:Integration", "chat-integration-whoami"),
    ("aws:apigatewayv2/route:Route", "chat-route-$connect"),
    ("aws:apigatewayv2/route:Route", "chat-route-$default"),
    ("aws:apigatewayv2/route:Route", "chat-route-$disconnect"),
    ("aws:apigatewayv2/route:Route", "chat-route-sendMessage"),
    ("aws:apigatewayv2/route:Route", "chat-route-whoami"),
    ("aws:apigatewayv2/routeResponse:RouteResponse", "chat-route-response-$default"),
    ("aws:apigatewayv2/routeResponse:RouteResponse", "chat-route-response-sendMessage"),
    ("aws:apigatewayv2/stage:Stage", "chat-stage"),
    ("aws:cloudwatch/logGroup:LogGroup", "chat-function-log-group-auth"),
    ("aws:cloudwatch/logGroup:LogGroup", "chat-function-log-group-connect"),
    ("aws:cloudwatch/logGroup:LogGroup", "chat-function-log-group-default"),
    ("aws:cloudwatch/logGroup:LogGroup", "chat-function-log-group-disconnect"),
    ("aws:cloudwatch/logGroup:LogGroup", "chat-function-log-group-sendMessage"),
    ("aws:cloudwatch/logGroup:LogGroup", "chat-function-log-group-whoami"),
    ("aws:cloudwatch/logGroup:LogGroup", "chat-log-group"),
    ("aws:iam/role:Role", "chat-cloudwatch-role"),
    ("aws:iam/role:Role", "chat-lambda-role"),
    ("aws:iam/rolePolicy:RolePolicy", "chat-lambda-role-inline-policy"),
    ("aws:iam/rolePolicyAttachment:RolePolicyAttachment", "chat-cloudwatch-role-policy"),
    ("aws:lambda/function:Function", "chat-function-auth"),
    ("aws:lambda/function:Function", "chat-function-connect"),
    ("aws:lambda/function:Function", "chat-function-default"),
    ("aws:lambda/function:Function", "chat-function-disconnect"),
    ("aws:lambda/function:Function", "chat-function-sendMessage"),
    ("aws:lambda/function:Function", "chat-function-whoami"),
    ("aws:lambda/permission:Permission", "chat-authorizer-permission-auth"),
    ("aws:lambda/permission:Permission", "chat-permission-$connect"),
    ("aws:lambda/permission:Permission", "chat-permission-$default"),
    ("aws:lambda/permission:Permission", "chat-permission-$disconnect"),
    ("aws:lambda/permission:Permission", "chat-permission-sendMessage"),
    ("aws:lambda/permission:Permission", "chat-permission-whoami"),
    ("aws:route53/record:Record", "chat-domain-record-chat.example.com-a"),
    ("aws:route53/record:Record", "chat-domain-record-chat.example.com-aaaa"),
]


def test_every_childs_type_and_name_stay_what_transforms_target(pulumi_mocks: Recorder) -> None:
    rendered = render(
        "chat", recorder=pulumi_mocks, config=CHAT, create_functions=True,
        params={"chatDomainEnabled": "true", "chatDomain": "chat.example.com"},
    )  # fmt: skip
    assert sorted((r.type, r.name) for r in rendered.children()) == CHAT_CHILDREN
    assert len(rendered.children()) == len(pulumi_mocks.custom())
