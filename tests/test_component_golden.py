"""For every service of the golden corpus: the component's resources, their inputs and parents, checked
against the template the real Serverless v3 wrote for it (`expected.json`), not against wsapi's own output.

Where the component deliberately differs from Serverless, the difference is spelled out here:

* Serverless sets the account's API Gateway CloudWatch role with a custom resource backed by its own Lambda
  (`CustomApiGatewayAccountCloudWatchRole`) whenever websocket logs are on. The component uses a native
  `aws.apigateway.Account` (plus an IAM role unless `logs.restApi.role` names one), and only when execution
  logging is on (access logs need no account role).
* Serverless creates `WebsocketsLogGroup` even with `accessLogging: false`; nothing writes to it then, and the
  component creates it only for access logs.
* `DataProtectionPolicy` of the log group is an `aws.cloudwatch.LogDataProtectionPolicy` of its own, and
  `custom.wsapi.logs.kmsKeyArn` (which Serverless ignores) encrypts it.
* Lambda permissions: Serverless grants each function to any API Gateway (no `SourceArn`), one permission
  per function. The component grants one permission per route, limited to this API, stage and route key
  (`SourceArn`) and this account (`SourceAccount`), and the authorizer's to this API's authorizer. The same
  functions end up invokable, each only from where it is used (checked in `check_permissions`).
* With an external `websocketApiId`, Serverless's Deployment has `StageName`; the component moves that stage
  with a stage pointer of its own (`wsapi.stage_deployment`).
* An `Fn::GetAtt` or `Ref` into the Serverless stack is refused (test_component_cfn.py's REFUSED).
* Custom domains (serverless-domain-manager's `custom.customDomain(s)`): the plugin creates the domain, its
  API mapping and its Route 53 records with API calls at deploy time, so Serverless's template has none of
  them; the component creates them as resources (compared with the standalone export in
  test_component_cfn.py, option by option in test_component_domains.py), and its `url` is the first
  domain's. Serverless's endpoint output is then the component's execute-api endpoint.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Iterator

import pytest
from pulumi_support import (
    CASES,
    CFN_ATTRIBUTES,
    CFN_REF,
    DROPPED_PROPERTIES,
    COMPONENT_TYPE,
    GLOBAL_TYPES,
    LOG_DATA_PROTECTION_POLICY,
    STAGE_POINTER,
    PULUMI_ONLY_INPUTS,
    PULUMI_TYPE,
    ROLE_POLICY_ATTACHMENT,
    STACK_REGION,
    WIRE,
    Intrinsics,
    Recorder,
    as_json,
    compare_properties,
    isolated_mocks,
    load_case,
    render_case,
    state_at,
)
from test_component_cfn import REFUSED

from wsapi.compile import compile_service
from wsapi.plan import COMPAT


@pytest.fixture
def pulumi_mocks() -> Iterator[Recorder]:
    yield from isolated_mocks()


WEBSOCKET_RESOURCE = re.compile(
    r"^(Websockets(Api|DeploymentStage|LogGroup|Deployment.*)"
    r"|.+(WebsocketsIntegration|LambdaPermissionWebsockets|WebsocketsRoute|WebsocketsRouteResponse|WebsocketsAuthorizer)"
    r"|CustomApiGatewayAccountCloudWatchRole)$"
)
ACCOUNT_ROLE = "CustomApiGatewayAccountCloudWatchRole"
PUSH_TO_CLOUDWATCH = "arn:aws:iam::aws:policy/service-role/AmazonAPIGatewayPushToCloudWatchLogs"
CASES_RENDERED = [c for c in CASES if c.name not in REFUSED]


@pytest.mark.parametrize("case", CASES_RENDERED, ids=[c.name for c in CASES_RENDERED])
def test_component_resources_match_serverless(case: Path, pulumi_mocks: Recorder) -> None:
    expected = json.loads((case / "expected.json").read_text())
    service = load_case(case)
    compat = compile_service(service, COMPAT)
    rendered = render_case(case, recorder=pulumi_mocks)
    recorder = rendered.recorder
    component = rendered.component_urn
    region = STACK_REGION if service.region_is_default else service.region
    regional_input = None if service.region_is_default else service.region

    # parents and names: everything is a child of the one component, named after it
    assert [r.type for r in recorder.resources if not r.custom] == [COMPONENT_TYPE]
    for child in recorder.custom():
        assert child.parent == component, child.urn
        assert child.name.startswith("chat-"), child.name
        assert f"{COMPONENT_TYPE}$" in child.urn
    pulumi_by_name = {r.name: r for r in recorder.custom()}

    serverless = {k: v for k, v in expected["Resources"].items() if WEBSOCKET_RESOURCE.match(k)}
    counterpart = {}
    for key, body in serverless.items():
        if key == ACCOUNT_ROLE or body["Type"] == "AWS::Lambda::Permission":
            continue
        if body["Type"] == "AWS::ApiGatewayV2::Deployment":
            name = "chat-deployment"
        else:
            name = f"chat-{compat.resource(key).child_suffix}"
        if key == "WebsocketsLogGroup" and not service.logs.access_logging:
            assert name not in pulumi_by_name, "a log group nothing writes to"
            continue
        assert name in pulumi_by_name, f"Serverless's {key} has no Pulumi counterpart {name!r}"
        assert pulumi_by_name[name].type == PULUMI_TYPE[body["Type"]]
        counterpart[key] = pulumi_by_name[name]

    # Serverless's values: its own resources from the mocks, its Lambda functions by the names it gave them
    refs, attributes = {}, {}
    for key, registered in counterpart.items():
        refs[key] = CFN_REF.get(serverless[key]["Type"], lambda r: r.id)(registered)
        for attribute, output in CFN_ATTRIBUTES.get(serverless[key]["Type"], {}).items():
            attributes[(key, attribute)] = state_at(registered, output)
    # the service's own resources (`resources:`): compared property by property in test_component_cfn.py
    own = {key for key in service.declared.resources if key not in serverless and key in expected["Resources"]}
    for key in own:
        registered = pulumi_by_name[f"chat-{key}"]
        refs[key] = registered.id
    for key, body in expected["Resources"].items():
        if body["Type"] == "AWS::Lambda::Function":
            attributes[(key, "Arn")] = (
                f"arn:aws:lambda:{region}:{recorder.account}:function:{body['Properties']['FunctionName']}"
            )
    evaluate = Intrinsics(
        refs=refs, attributes=attributes, region=region, import_value=lambda n: recorder.export_value(n, region)
    )

    consumed = {r.urn for r in counterpart.values()}
    consumed |= {pulumi_by_name[f"chat-{key}"].urn for key in own} | {r.urn for r in recorder.of_type("pulumi:providers:aws-native")}
    consumed |= check_permissions(service, serverless, evaluate, recorder, region)

    problems: list[str] = []
    for key, registered in counterpart.items():
        body = serverless[key]
        properties = evaluate(body["Properties"])
        for dropped in [p for p in properties if (body["Type"], p) in DROPPED_PROPERTIES]:
            properties.pop(dropped)  # left out with a warning (pulumi-aws has no such input)
        policy = properties.pop("DataProtectionPolicy", None)
        stage_name = properties.pop("StageName", None) if body["Type"] == "AWS::ApiGatewayV2::Deployment" else None
        used = compare_properties(key, body["Type"], properties, registered.inputs, WIRE[body["Type"]], problems)
        extra = {
            w
            for w in registered.inputs
            if w not in used and w not in PULUMI_ONLY_INPUTS and (registered.type, w) not in PULUMI_ONLY_INPUTS
        }
        if key == "WebsocketsLogGroup" and service.log_kms_key_arn is not None:
            # custom.wsapi.logs.kmsKeyArn: Serverless has no such setting (it ignores custom)
            assert registered.inputs.get("kmsKeyId") == service.log_kms_key_arn
            extra.discard("kmsKeyId")
        if extra:
            problems.append(f"{key}: Pulumi inputs {sorted(extra)} that Serverless does not set")
        if registered.type not in GLOBAL_TYPES and registered.inputs.get("region") != regional_input:
            problems.append(f"{key}: region {registered.inputs.get('region')!r}, expected {regional_input!r}")
        depends_on = body.get("DependsOn", [])
        for dependency in [depends_on] if isinstance(depends_on, str) else depends_on:
            if dependency in counterpart and counterpart[dependency].urn not in registered.dependencies:
                problems.append(f"{key}: does not wait for {dependency}")
        if policy is not None:
            (protection,) = [
                p
                for p in recorder.of_type(LOG_DATA_PROTECTION_POLICY)
                if p.inputs["logGroupName"] == registered.state["name"]
            ]
            assert as_json(protection.inputs["policyDocument"]) == policy
            consumed.add(protection.urn)
        if stage_name is not None:
            (pointer,) = [p for p in recorder.of_type(STAGE_POINTER) if p.inputs["deployment_id"] == registered.id]
            assert pointer.inputs["stage_name"] == stage_name and pointer.inputs["api_id"] == properties["ApiId"]
            consumed.add(pointer.urn)
    assert not problems, "\n".join(problems)

    # the account's CloudWatch role: native resources, only when execution logging needs them
    accounts = recorder.of_type(PULUMI_TYPE["AWS::ApiGateway::Account"])
    roles = recorder.of_type(PULUMI_TYPE["AWS::IAM::Role"])
    attachments = recorder.of_type(ROLE_POLICY_ATTACHMENT)
    needs_role = service.logs is not None and service.logs.execution_logging and ACCOUNT_ROLE in serverless
    if ACCOUNT_ROLE not in serverless:
        assert not accounts and not roles and not attachments
    elif not needs_role:
        assert not accounts and not roles and not attachments, "no execution logs, no account role"
    else:
        (account,) = accounts
        consumed.add(account.urn)
        assert account.inputs.get("region") == regional_input
        stage = counterpart["WebsocketsDeploymentStage"]
        assert account.urn in stage.dependencies, "stage logging before the account role is set"
        given = serverless[ACCOUNT_ROLE]["Properties"].get("RoleArn")
        if given is not None:
            assert account.inputs["cloudwatchRoleArn"] == evaluate(given)
            assert not roles and not attachments
        else:
            (role,) = roles
            (attachment,) = attachments
            assert as_json(role.inputs["assumeRolePolicy"])["Statement"][0]["Principal"] == {
                "Service": ["apigateway.amazonaws.com"]
            }
            assert attachment.inputs == {"role": role.state["name"], "policyArn": PUSH_TO_CLOUDWATCH}
            assert account.inputs["cloudwatchRoleArn"] == role.state["arn"]
            consumed.update({role.urn, attachment.urn})

    consumed |= check_domains(service, recorder)
    leftover = [r.urn for r in recorder.custom() if r.urn not in consumed]
    assert not leftover, f"Pulumi resources Serverless has no counterpart for: {leftover}"

    # Serverless's one output is the component's url (its execute-api endpoint, when a custom domain is the url)
    endpoint = evaluate(expected["Outputs"]["ServiceEndpointWebsocket"]["Value"])
    if service.custom_domains:
        assert endpoint == f"{rendered.outputs['api_endpoint']}/{service.stage}"
        assert rendered.outputs["url"] == service.custom_domains[0].url
    else:
        assert endpoint == rendered.outputs["url"]


def check_domains(service, recorder: Recorder) -> set[str]:
    """What serverless-domain-manager creates outside the stack, the component creates: per enabled WebSocket
    domain a domain name, an API mapping to this stage, and the alias records."""
    domains = {r.inputs["domainName"]: r for r in recorder.of_type(PULUMI_TYPE["AWS::ApiGatewayV2::DomainName"])}
    mappings = {r.inputs["domainName"]: r for r in recorder.of_type(PULUMI_TYPE["AWS::ApiGatewayV2::ApiMapping"])}
    records = recorder.of_type(PULUMI_TYPE["AWS::Route53::RecordSet"])
    assert sorted(domains) == sorted(mappings) == sorted(d.domain_name for d in service.custom_domains)
    for domain in service.custom_domains:
        assert mappings[domain.domain_name].inputs["stage"] == service.stage
        assert mappings[domain.domain_name].inputs.get("apiMappingKey") == (domain.base_path or None)
        types = sorted(r.inputs["type"] for r in records if r.inputs["name"] == domain.domain_name)
        per_zone = ["A", "AAAA"] if domain.create_ipv6_record else ["A"]
        assert types == (sorted(per_zone * (2 if domain.split_horizon_dns else 1)) if domain.create_record else [])
    return {r.urn for r in [*domains.values(), *mappings.values(), *records]}


def check_permissions(service, serverless: dict, evaluate, recorder: Recorder, region: str) -> set[str]:
    """The functions Serverless lets API Gateway invoke are the ones the component does, each scoped to
    this API: a route's function from its stage and route key, the authorizer from this API's authorizers."""
    expected_functions = {
        evaluate(body["Properties"]["FunctionName"])
        for body in serverless.values()
        if body["Type"] == "AWS::Lambda::Permission"
    }
    permissions = recorder.of_type(PULUMI_TYPE["AWS::Lambda::Permission"])
    granted = {p.inputs["function"] for p in permissions}
    routes = {p.inputs["function"] for p in permissions if not p.name.startswith("chat-authorizer-permission-")}
    # every function Serverless grants is granted; no route function that Serverless does not grant. (An ARN
    # authorizer named like a local function is merged away by Serverless, authorizer-arn-local-name-collision:
    # the component grants the ARN it was given.)
    assert expected_functions <= granted and routes <= expected_functions
    api_id = recorder.of_type(PULUMI_TYPE["AWS::ApiGatewayV2::Api"])
    api = api_id[0].id if api_id else None
    by_name = {p.name: p for p in permissions}
    for route in service.routes:
        permission = by_name.pop(f"chat-permission-{route.route_key}")
        assert permission.inputs["principal"] == "apigateway.amazonaws.com"
        assert permission.inputs["sourceAccount"] == recorder.account
        source = permission.inputs["sourceArn"]
        assert source.startswith(f"arn:aws:execute-api:{region}:{recorder.account}:")
        assert source.endswith(f"/{service.stage}/{route.route_key}")
        if api:
            assert source == f"arn:aws:execute-api:{region}:{recorder.account}:{api}/{service.stage}/{route.route_key}"
    for authorizer in service.authorizers:
        permission = by_name.pop(f"chat-authorizer-permission-{authorizer.name}")
        (registered,) = [a for a in recorder.of_type(PULUMI_TYPE["AWS::ApiGatewayV2::Authorizer"])]
        assert permission.inputs["sourceArn"].endswith(f"/authorizers/{registered.id}")
        assert permission.inputs["sourceAccount"] == recorder.account
    assert not by_name, f"permissions for nothing: {sorted(by_name)}"
    return {p.urn for p in permissions}
