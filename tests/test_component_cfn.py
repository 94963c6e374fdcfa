"""The Pulumi component and the standalone CloudFormation export describe the same resources, property by
property, for every service of the golden corpus.

Each case is rendered both ways: the template (`render_template(compile_service(service, "standalone"))`)
and the component under mocks. Template intrinsics (Ref, Fn::GetAtt, Fn::Join, Fn::Sub, Fn::ImportValue,
pseudo parameters) are evaluated against the mocked resources' ids and the mocked invoke results, then each
CloudFormation property is compared with the Pulumi input of the same meaning (its wire name). Every plan
resource has exactly one Pulumi counterpart of the right type; no Pulumi resource is left over except the
documented extras below, which CloudFormation expresses as properties.

Each case runs twice: the websocket part alone, and with the service's functions created
(`create_functions=True` / `--with-functions`), which the chat example also is. A function's code is the
same archive both ways (Pulumi uploads the file whose content digest names the template's S3 key), a version
is what its function publishes (Pulumi has no version resource), and a role's inline policies and an alias's
provisioned concurrency are resources of their own in Pulumi.
"""

from __future__ import annotations

import contextlib
import json
import zipfile
from pathlib import Path
from typing import Iterator

import pytest
from native_support import native_mocks
from pulumi_support import (
    CASES,
    CFN_ATTRIBUTES,
    CFN_REF,
    DROPPED_PROPERTIES,
    GLOBAL_TYPES,
    FOLDED_TYPES,
    LOG_DATA_PROTECTION_POLICY,
    PROVISIONED_CONCURRENCY,
    ROLE_POLICY,
    STAGE_POINTER,
    PULUMI_ONLY_INPUTS,
    PULUMI_TYPE,
    ROLE_POLICY_ATTACHMENT,
    RUNTIME_MANAGEMENT,
    STACK_REGION,
    WIRE,
    Intrinsics,
    Recorder,
    Registered,
    as_json,
    case_environment,
    case_settings,
    compare_properties,
    normal,
    render,
    state_at,
)
from pulumi_support import component_outputs as outputs_of

from wsapi import load_service, naming
from wsapi.compile import compile_service
from wsapi.errors import ConfigError
from wsapi.plan import STANDALONE
from wsapi.render_cfn import render_template


@pytest.fixture
def pulumi_mocks(tmp_path: Path, monkeypatch) -> Iterator[Recorder]:
    monkeypatch.setenv("WSAPI_ARTIFACTS_DIR", str(tmp_path / "artifacts"))
    yield from native_mocks()  # aws-native resources (a service's own `resources:`) answered as AWS would


CHAT = Path(__file__).resolve().parent.parent / "examples" / "chat"
SOURCES = [(case, False) for case in CASES] + [(case, True) for case in CASES] + [(CHAT, True)]


#: Cases whose configuration uses an intrinsic Pulumi cannot evaluate (an Fn::GetAtt or a Ref into the
#: Serverless stack); the component refuses them with a ConfigError naming the setting.
REFUSED: dict = {}
#: The provider of a service's own resources (aws-native reads no `aws:region`).
NATIVE_PROVIDER = "pulumi:providers:aws-native"


def native_token(cfn_type: str) -> str:
    """`AWS::DynamoDB::Table` -> `aws-native:dynamodb:Table` (written out here, not taken from wsapi)."""
    _, service, name = cfn_type.split("::")
    return f"aws-native:{service.lower()}:{name}"


def lowered(value):
    """A declared resource's properties with keys lower-cased and scalars as text: aws-native takes
    CloudFormation's names in camelCase and converts scalars to the schema's types, as CloudFormation does."""
    if isinstance(value, dict):
        return {key.lower(): lowered(item) for key, item in value.items()}
    if isinstance(value, list):
        return [lowered(item) for item in value]
    if isinstance(value, bool):
        return str(value).lower()
    return str(normal(value))


@pytest.mark.parametrize(
    "case, functions", SOURCES, ids=[f"{c.name}{'-with-functions' if f else ''}" for c, f in SOURCES]
)
def test_component_matches_standalone_template(case: Path, functions: bool, pulumi_mocks: Recorder) -> None:
    settings = case_settings(case) if (case / "case.json").exists() else {}
    with case_environment(case) if settings else contextlib.nullcontext():
        service = load_service(case, **settings)
        if case.name in REFUSED:
            with pytest.raises(ConfigError) as refused:
                render(
                    "chat", recorder=pulumi_mocks, config=case / "serverless.yml", create_functions=functions,
                    **settings,
                )
            assert REFUSED[case.name] in str(refused.value)
            assert "Pulumi cannot evaluate" in str(refused.value)
            return
        plan = compile_service(service, STANDALONE, with_functions=functions)
        template = render_template(plan)
        rendered = render(
            "chat", recorder=pulumi_mocks, config=case / "serverless.yml", create_functions=functions,
            outputs=lambda api: {**outputs_of(api), "custom_domain_urls": api.custom_domain_urls, "function_urls": api.function_urls},
            **settings,
        )

    recorder = rendered.recorder
    assert [r.name for r in recorder.resources if not r.custom] == ["chat"]
    pulumi_resources = {r.name: r for r in recorder.custom()}
    assert len(pulumi_resources) == len(recorder.custom()), "two Pulumi resources share a name"

    # 1. every plan resource has exactly one counterpart of the right type, parented to the component
    counterpart: dict[str, Registered] = {}
    folded = {r.key: r for r in plan.resources if r.type in FOLDED_TYPES and not r.declared}
    declared = {r.key for r in plan.resources if r.declared}
    for resource in plan.resources:
        if resource.type in FOLDED_TYPES and not resource.declared:
            continue  # a version: no resource of its own in Pulumi (checked below)
        name = f"chat-{resource.child_suffix}"
        assert name in pulumi_resources, f"{resource.key} ({resource.type}) has no Pulumi resource {name!r}"
        found = pulumi_resources[name]
        expected_type = native_token(resource.type) if resource.declared else PULUMI_TYPE[resource.type]
        assert found.type == expected_type, f"{resource.key}: {found.type} is not {expected_type}"
        assert found.parent == rendered.component_urn, f"{name} is not parented to the component"
        counterpart[resource.key] = found
    assert set(template["Resources"]) == set(counterpart) | set(folded)
    for key, version in folded.items():  # what the function publishes (publish=True) is the version
        assert counterpart[version.properties["FunctionName"].key].inputs.get("publish") is True, key

    # 2. evaluate the template against the mocked resources and invokes
    region = STACK_REGION if service.region_is_default else service.region
    refs = {}
    attributes = {}
    for key, body in template["Resources"].items():
        if key in folded:
            function = counterpart[body["Properties"]["FunctionName"]["Ref"]]
            attributes[(key, "Version")] = function.state["version"]
            continue
        registered = counterpart[key]
        if key in declared:  # Ref is the primary identifier (these types' documented Ref); GetAtt any output
            refs[key] = registered.id
            attributes.update({(key, name[:1].upper() + name[1:]): value for name, value in registered.state.items()})
            continue
        refs[key] = CFN_REF.get(body["Type"], lambda r: r.id)(registered)
        for attribute, output in CFN_ATTRIBUTES.get(body["Type"], {}).items():
            attributes[(key, attribute)] = state_at(registered, output)
    parameters = template.get("Parameters", {})
    refs.update({name: spec.get("Default", f"{name}-value") for name, spec in parameters.items()})
    # a custom domain's certificate or zone: what the component found, a parameter of the template
    refs.update({lookup.parameter: recorder.lookup_answer(lookup, region) for lookup in plan.lookups()})
    evaluate = Intrinsics(
        refs=refs, attributes=attributes, region=region, import_value=lambda name: recorder.export_value(name, region),
        conditions=template.get("Conditions"),
    )

    # 3. property by property, and every Pulumi input accounted for
    problems: list[str] = []
    consumed = {r.urn for r in counterpart.values()}
    for key, body in template["Resources"].items():
        if key in folded:
            continue
        registered = counterpart[key]
        cfn_type = body["Type"]
        properties = evaluate(body.get("Properties", {}))
        if key in declared:
            problems.extend(declared_differences(key, body, properties, registered, recorder, counterpart))
            consumed.add(registered.urn)
            continue
        for dropped in [p for p in properties if (cfn_type, p) in DROPPED_PROPERTIES]:
            properties.pop(dropped)
        documented = (
            "ManagedPolicyArns", "DataProtectionPolicy", "Policies", "ProvisionedConcurrencyConfig", "Code", "RuntimeManagementConfig",
            "Content",
        )  # fmt: skip
        extras = {k: properties.pop(k) for k in documented if k in properties}
        if "Content" in extras:  # a layer's content is its archive, as a function's code
            extras["Code"] = extras.pop("Content")
            body = {**body, "Properties": {**body["Properties"], "Code": body["Properties"]["Content"]}}
        if cfn_type == "AWS::Lambda::Url":  # the function and its alias: Pulumi's function name (its ARN) and qualifier
            target = properties.pop("TargetFunctionArn")
            qualifier = registered.inputs.get("qualifier")
            if registered.inputs["functionName"] + (f":{qualifier}" if qualifier else "") != target:
                problems.append(f"{key}.TargetFunctionArn: CloudFormation {target!r} != Pulumi {registered.inputs['functionName']!r}:{qualifier!r}")
        if cfn_type == "AWS::ApiGatewayV2::Deployment" and "StageName" in properties:
            extras["StageName"] = properties.pop("StageName")
        used = compare_properties(key, cfn_type, properties, registered.inputs, WIRE[cfn_type], problems)
        if cfn_type == "AWS::Lambda::Url":
            used |= {"functionName", "qualifier"}
        if "Code" in extras and "ImageUri" in extras["Code"]:  # a container image
            assert registered.inputs["imageUri"] == extras["Code"]["ImageUri"], key
            used.add("imageUri")
        elif "Code" in extras:  # the same archive: uploaded by Pulumi, read from S3 by the template
            properties_in_plan = plan.resource(key).properties
            archive = properties_in_plan["Code"] if "Code" in properties_in_plan else properties_in_plan["Content"]
            if body["Properties"]["Code"]["S3Bucket"] == {"Ref": "ArtifactBucket"}:
                uploaded = Path(registered.inputs["code"].path)
                assert extras["Code"]["S3Key"] == archive.s3_key(service.name, service.stage), key
                if archive.source is not None:
                    assert uploaded == Path(archive.source), key
                else:
                    assert archive.digest in uploaded.name, key
                    with zipfile.ZipFile(uploaded) as zipped:
                        assert zipped.namelist() == [f.name for f in archive.files], key
                used.add("code")
            else:  # an artifact already in S3
                assert (registered.inputs["s3Bucket"], registered.inputs["s3Key"]) == (
                    extras["Code"]["S3Bucket"], extras["Code"]["S3Key"],
                ), key
                used |= {"s3Bucket", "s3Key"}
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

        # DeletionPolicy: Retain is Pulumi's retain_on_delete
        if registered.retain_on_delete != (body.get("DeletionPolicy") == "Retain"):
            problems.append(f"{key}: retain_on_delete {registered.retain_on_delete}, DeletionPolicy {body.get('DeletionPolicy')}")

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
        if "Policies" in extras:  # inline policies: RolePolicy resources
            inline = [r for r in recorder.of_type(ROLE_POLICY) if r.inputs.get("role") == registered.state["name"]]
            assert sorted((p.inputs["name"], json.dumps(as_json(p.inputs["policy"]), sort_keys=True)) for p in inline) == sorted(
                (p["PolicyName"], json.dumps(p["PolicyDocument"], sort_keys=True)) for p in extras["Policies"]
            ), key
            for policy in inline:
                assert policy.parent == rendered.component_urn and registered.urn in policy.dependencies
                consumed.add(policy.urn)
        if "ProvisionedConcurrencyConfig" in extras:  # a ProvisionedConcurrencyConfig on the alias
            configs = [
                r for r in recorder.of_type(PROVISIONED_CONCURRENCY)
                if r.inputs.get("qualifier") == properties["Name"] and r.inputs.get("functionName") == properties["FunctionName"]
            ]
            assert len(configs) == 1, key
            (config,) = configs
            assert config.inputs["provisionedConcurrentExecutions"] == extras["ProvisionedConcurrencyConfig"]["ProvisionedConcurrentExecutions"]
            assert config.inputs.get("region") == (None if service.region_is_default else service.region)
            assert config.parent == rendered.component_urn and registered.urn in config.dependencies
            consumed.add(config.urn)
        if "RuntimeManagementConfig" in extras:  # a RuntimeManagementConfig of the function
            configs = [r for r in recorder.of_type(RUNTIME_MANAGEMENT) if r.inputs.get("functionName") == registered.state["name"]]
            assert len(configs) == 1, key
            (config,) = configs
            expected = extras["RuntimeManagementConfig"]
            assert config.inputs["updateRuntimeOn"] == expected["UpdateRuntimeOn"], key
            assert config.inputs.get("runtimeVersionArn") == expected.get("RuntimeVersionArn"), key
            assert config.inputs.get("region") == (None if service.region_is_default else service.region)
            assert config.parent == rendered.component_urn and registered.urn in config.dependencies
            consumed.add(config.urn)
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

    # 4. nothing left over (the provider of the service's own resources is theirs)
    consumed |= {r.urn for r in recorder.of_type(NATIVE_PROVIDER)}
    leftover = [r.urn for r in recorder.custom() if r.urn not in consumed]
    assert not leftover, f"Pulumi resources without a CloudFormation counterpart: {leftover}"

    # 5. the template's outputs are the component's (the service's own among `outputs`)
    outputs = {key: evaluate(body["Value"]) for key, body in template["Outputs"].items()}
    component_outputs = {
        "ServiceEndpointWebsocket": rendered.outputs["url"],
        "ServiceEndpointWebsocketManagement": rendered.outputs["management_endpoint"],
        "WebsocketsApiId": rendered.outputs["api_id"],
        **rendered.outputs["outputs"],
    }
    for domain, url in zip(service.custom_domains, rendered.outputs["custom_domain_urls"]):
        component_outputs[naming.domain_url_output(domain.domain_name)] = url
    for function_key, url in rendered.outputs["function_urls"].items():
        component_outputs[naming.function_url(function_key)] = url
    assert len(rendered.outputs["custom_domain_urls"]) == len(service.custom_domains)
    imported_api = isinstance(service.external_api_id, dict) and "Fn::ImportValue" in json.dumps(service.external_api_id)
    # a template does not re-export another stack's import (cfn-lint W6001); the component still has them
    assert outputs == ({} if imported_api else component_outputs)


def declared_differences(key: str, body: dict, properties: dict, registered: Registered, recorder: Recorder, counterpart: dict) -> list[str]:
    """A service's own resource: its properties (evaluated) are the aws-native inputs, it waits for its
    DependsOn, it is kept on delete with `DeletionPolicy: Retain`, and it uses the provider in the component's
    region."""
    problems = []
    if lowered(properties) != lowered(registered.inputs):
        problems.append(f"{key}: CloudFormation {properties!r} != aws-native {registered.inputs!r}")
    depends = body.get("DependsOn", [])
    for dependency in [depends] if isinstance(depends, str) else depends:
        if counterpart[dependency].urn not in registered.dependencies:
            problems.append(f"{key}: does not depend on {dependency}")
    if registered.retain_on_delete != (body.get("DeletionPolicy") == "Retain"):
        problems.append(f"{key}: retain_on_delete is {registered.retain_on_delete}, DeletionPolicy {body.get('DeletionPolicy')}")
    (provider,) = recorder.of_type(NATIVE_PROVIDER)
    if not registered.provider.startswith(provider.urn) or provider.inputs.get("region") != STACK_REGION:
        problems.append(f"{key}: not deployed by the aws-native provider in {STACK_REGION} ({registered.provider})")
    return problems
