"""The Pulumi component and the standalone CloudFormation export describe the same resources, property by
property, for every service of the golden corpus.

Each case is rendered both ways: the template (`render_template(compile_service(service, "standalone"))`)
and the component under mocks. Template intrinsics (Ref, Fn::GetAtt, Fn::Join, Fn::Sub, Fn::ImportValue,
pseudo parameters) are evaluated against the mocked resources' ids and the mocked invoke results, then each
CloudFormation property is compared with the Pulumi input of the same meaning (its wire name). Every plan
resource has exactly one Pulumi counterpart of the right type; no Pulumi resource is left over except the
documented extras below, which CloudFormation expresses as properties.
"""

from __future__ import annotations

import json

from pathlib import Path
from typing import Iterator

import pytest
from pulumi_support import (
    CASES,
    CFN_ATTRIBUTES,
    CFN_REF,
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
    Registered,
    as_json,
    case_environment,
    case_settings,
    compare_properties,
    isolated_mocks,
    load_case,
    render,
)

from wsapi.compile import compile_service
from wsapi.errors import ConfigError
from wsapi.plan import STANDALONE
from wsapi.render_cfn import render_template


@pytest.fixture
def pulumi_mocks() -> Iterator[Recorder]:
    yield from isolated_mocks()


#: Cases whose configuration uses an intrinsic Pulumi cannot evaluate (an Fn::GetAtt or a Ref into the
#: Serverless stack); the component refuses them with a ConfigError naming the setting.
REFUSED = {
    "authorizer-object-arn-getatt": "functions.connect.events[0].websocket.authorizer.arn",
    "external-api-id-ref-resource": "provider.apiGateway.websocketApiId",
}


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_component_matches_standalone_template(case: Path, pulumi_mocks: Recorder) -> None:
    with case_environment(case):
        service = load_case(case)
        plan = compile_service(service, STANDALONE)
        if case.name in REFUSED:
            with pytest.raises(ConfigError) as refused:
                render("chat", recorder=pulumi_mocks, config=case / "serverless.yml", **case_settings(case))
            assert REFUSED[case.name] in str(refused.value)
            assert "Pulumi cannot evaluate" in str(refused.value)
            return
        template = render_template(plan)
        rendered = render("chat", recorder=pulumi_mocks, config=case / "serverless.yml", **case_settings(case))

    recorder = rendered.recorder
    assert [r.name for r in recorder.resources if not r.custom] == ["chat"]
    pulumi_resources = {r.name: r for r in recorder.custom()}
    assert len(pulumi_resources) == len(recorder.custom()), "two Pulumi resources share a name"

    # 1. every plan resource has exactly one counterpart of the right type, parented to the component
    counterpart: dict[str, Registered] = {}
    for resource in plan.resources:
        name = f"chat-{resource.name}"
        assert name in pulumi_resources, f"{resource.key} ({resource.type}) has no Pulumi resource {name!r}"
        found = pulumi_resources[name]
        assert found.type == PULUMI_TYPE[resource.type], (
            f"{resource.key}: {found.type} is not {PULUMI_TYPE[resource.type]}"
        )
        assert found.parent == rendered.component_urn, f"{name} is not parented to the component"
        counterpart[resource.key] = found
    assert set(template["Resources"]) == set(counterpart)

    # 2. evaluate the template against the mocked resources and invokes
    region = STACK_REGION if service.region_is_default else service.region
    refs = {}
    attributes = {}
    for key, body in template["Resources"].items():
        registered = counterpart[key]
        refs[key] = CFN_REF.get(body["Type"], lambda r: r.id)(registered)
        for attribute, output in CFN_ATTRIBUTES.get(body["Type"], {}).items():
            attributes[(key, attribute)] = registered.state[output]
    evaluate = Intrinsics(
        refs=refs, attributes=attributes, region=region, import_value=lambda name: recorder.export_value(name, region)
    )

    # 3. property by property, and every Pulumi input accounted for
    problems: list[str] = []
    consumed = {r.urn for r in counterpart.values()}
    for key, body in template["Resources"].items():
        registered = counterpart[key]
        cfn_type = body["Type"]
        properties = evaluate(body.get("Properties", {}))
        extras = {k: properties.pop(k) for k in ("ManagedPolicyArns", "DataProtectionPolicy") if k in properties}
        if cfn_type == "AWS::ApiGatewayV2::Deployment" and "StageName" in properties:
            extras["StageName"] = properties.pop("StageName")
        used = compare_properties(key, cfn_type, properties, registered.inputs, WIRE[cfn_type], problems)
        unaccounted = {
            wire
            for wire in registered.inputs
            if wire not in used and wire not in PULUMI_ONLY_INPUTS and (registered.type, wire) not in PULUMI_ONLY_INPUTS
        }
        if unaccounted:
            problems.append(f"{key}: Pulumi inputs {sorted(unaccounted)} have no CloudFormation counterpart")

        # region: the service's when it names one, else the provider's (the stack's aws:region)
        if registered.type not in GLOBAL_TYPES:
            expected_region = None if service.region_is_default else service.region
            if registered.inputs.get("region") != expected_region:
                problems.append(
                    f"{key}: region input {registered.inputs.get('region')!r}, expected {expected_region!r}"
                )

        # DependsOn: Pulumi waits for the same resources
        for dependency in body.get("DependsOn", []):
            if counterpart[dependency].urn not in registered.dependencies:
                problems.append(f"{key}: does not depend on {dependency} ({counterpart[dependency].urn})")

        # the documented extras: what CloudFormation writes as a property is a resource of its own in Pulumi
        if "ManagedPolicyArns" in extras:
            attachments = [
                r for r in recorder.of_type(ROLE_POLICY_ATTACHMENT) if r.inputs.get("role") == registered.state["name"]
            ]
            assert sorted(a.inputs["policyArn"] for a in attachments) == sorted(extras["ManagedPolicyArns"]), key
            for attachment in attachments:
                assert attachment.parent == rendered.component_urn
                assert registered.urn in attachment.dependencies
                consumed.add(attachment.urn)
        if "DataProtectionPolicy" in extras:
            policies = [
                r
                for r in recorder.of_type(LOG_DATA_PROTECTION_POLICY)
                if r.inputs.get("logGroupName") == registered.state["name"]
            ]
            assert len(policies) == 1, key
            (policy,) = policies
            assert as_json(policy.inputs["policyDocument"]) == extras["DataProtectionPolicy"]
            assert policy.parent == rendered.component_urn
            assert registered.urn in policy.dependencies
            expected_region = None if service.region_is_default else service.region
            assert policy.inputs.get("region") == expected_region
            consumed.add(policy.urn)
        if "StageName" in extras:  # an external API's stage, moved to the deployment by a stage pointer
            pointers = [r for r in recorder.of_type(STAGE_POINTER) if r.inputs.get("deployment_id") == registered.id]
            assert len(pointers) == 1, key
            (pointer,) = pointers
            assert pointer.inputs["stage_name"] == extras["StageName"]
            assert pointer.inputs["api_id"] == properties["ApiId"]
            assert pointer.inputs["region"] == region
            assert pointer.parent == rendered.component_urn and registered.urn in pointer.dependencies
            consumed.add(pointer.urn)
    assert not problems, "\n".join(problems)

    # 4. nothing left over
    leftover = [r.urn for r in recorder.custom() if r.urn not in consumed]
    assert not leftover, f"Pulumi resources without a CloudFormation counterpart: {leftover}"

    # 5. the template's outputs are the component's
    outputs = {key: evaluate(body["Value"]) for key, body in template["Outputs"].items()}
    component_outputs = {
        "ServiceEndpointWebsocket": rendered.outputs["url"],
        "ServiceEndpointWebsocketManagement": rendered.outputs["management_endpoint"],
        "WebsocketsApiId": rendered.outputs["api_id"],
    }
    imported_api = isinstance(service.external_api_id, dict) and "Fn::ImportValue" in json.dumps(service.external_api_id)
    # a template does not re-export another stack's import (cfn-lint W6001); the component still has them
    assert outputs == ({} if imported_api else component_outputs)
