"""Custom domains in the Pulumi component, under mocks: the domain, its API mapping and its Route 53 alias
records for each option, the certificate and zone found with the provider's lookups (and what happens when
none is found), outputs, and the chat example's switch. Property-by-property equality with the standalone
export is test_component_cfn.py's (golden case custom-domain-websocket)."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Iterator, Optional

import pytest
from pulumi_support import (
    APIGATEWAY_ZONE,
    COMPONENT_TYPE,
    PULUMI_TYPE,
    STACK_REGION,
    Recorder,
    certificate_arn,
    component_outputs,
    fresh_mocks,
    isolated_mocks,
    render,
)
from test_domains import config

from conftest import ROOT
from wsapi import ConfigError

DOMAIN = PULUMI_TYPE["AWS::ApiGatewayV2::DomainName"]
MAPPING = PULUMI_TYPE["AWS::ApiGatewayV2::ApiMapping"]
RECORD = PULUMI_TYPE["AWS::Route53::RecordSet"]
GET_CERTIFICATE = "aws:acm/getCertificate:getCertificate"
GET_ZONE = "aws:route53/getZone:getZone"
CERTIFICATE = "arn:aws:acm:us-east-1:123456789012:certificate/given"


@pytest.fixture
def pulumi_mocks(tmp_path: Path, monkeypatch) -> Iterator[Recorder]:
    monkeypatch.setenv("WSAPI_ARTIFACTS_DIR", str(tmp_path / "artifacts"))
    yield from isolated_mocks()


def with_domains(api: Any) -> dict:
    return {**component_outputs(api), "custom_domain_urls": api.custom_domain_urls}


def build(settings: Optional[dict] = None, recorder: Optional[Recorder] = None, **kwargs: Any):
    document = kwargs.pop("document", None) or config(settings)
    return render("chat", recorder=recorder, config=document, outputs=with_domains, **kwargs)


def records(recorder: Recorder) -> dict[str, Any]:
    return {r.name: r for r in recorder.of_type(RECORD)}


# -- what is created ---------------------------------------------------------------------------------------------


def test_the_domain_its_mapping_and_its_records(pulumi_mocks: Recorder) -> None:
    rendered = build(recorder=pulumi_mocks)
    (domain,) = pulumi_mocks.of_type(DOMAIN)
    (mapping,) = pulumi_mocks.of_type(MAPPING)
    assert domain.name == "chat-domain-ws.example.com" and mapping.name == "chat-api-mapping-ws.example.com"
    assert domain.inputs == {
        "domainName": "ws.example.com",
        "domainNameConfiguration": {
            "certificateArn": certificate_arn(STACK_REGION, "wildcard-example-com"), "endpointType": "REGIONAL",
            "securityPolicy": "TLS_1_2",
        },
    }  # fmt: skip
    api = pulumi_mocks.named("chat-api")
    stage = pulumi_mocks.named("chat-stage")
    assert mapping.inputs == {"apiId": api.id, "domainName": "ws.example.com", "stage": "dev"}
    assert {domain.urn, stage.urn} <= set(mapping.dependencies)
    target = f"d-chat-domain-ws.example.com.execute-api.{STACK_REGION}.amazonaws.com"
    assert sorted(records(pulumi_mocks)) == ["chat-domain-record-ws.example.com-a", "chat-domain-record-ws.example.com-aaaa"]
    for record in records(pulumi_mocks).values():
        assert record.inputs == {
            "zoneId": "Z0EXAMPLEPUBLIC", "name": "ws.example.com", "type": record.name.rsplit("-", 1)[1].upper(),
            "aliases": [{"name": target, "zoneId": APIGATEWAY_ZONE, "evaluateTargetHealth": False}],
            "allowOverwrite": True,  # the plugin UPSERTs: a record it set up moves to the stack
        }  # fmt: skip
        assert domain.urn in record.dependencies and not record.retain_on_delete
    assert {r.inputs["type"] for r in records(pulumi_mocks).values()} == {"A", "AAAA"}
    for child in (domain, mapping, *records(pulumi_mocks).values()):
        assert child.parent == rendered.component_urn and f"{COMPONENT_TYPE}$" in child.urn
    assert rendered.outputs["url"] == "wss://ws.example.com"
    assert rendered.outputs["custom_domain_urls"] == ["wss://ws.example.com"]


def test_outputs_with_a_domain(pulumi_mocks: Recorder) -> None:
    document = config(custom={"customDomains": [
        {"websocket": {"domainName": "ws.example.com", "basePath": "chat", "endpointType": "REGIONAL"}},
        {"websocket": {"domainName": "chat.example.org", "endpointType": "REGIONAL"}},
    ]})  # fmt: skip
    outputs = build(recorder=pulumi_mocks, document=document, stage="prod").outputs
    assert outputs["url"] == "wss://ws.example.com/chat"
    assert outputs["custom_domain_urls"] == ["wss://ws.example.com/chat", "wss://chat.example.org"]
    # @connections keeps the execute-api host: it does not work through a custom domain with a base path
    assert outputs["management_endpoint"] == f"https://chat-api-id.execute-api.{STACK_REGION}.amazonaws.com/prod"
    assert outputs["api_endpoint"] == f"wss://chat-api-id.execute-api.{STACK_REGION}.amazonaws.com"


def test_without_a_domain_the_outputs_are_as_before(pulumi_mocks: Recorder) -> None:
    outputs = build(recorder=pulumi_mocks, document=config(custom={})).outputs
    assert outputs["custom_domain_urls"] == []
    assert outputs["url"] == f"wss://chat-api-id.execute-api.{STACK_REGION}.amazonaws.com/dev"
    assert not pulumi_mocks.of_type(DOMAIN) and not pulumi_mocks.invokes(GET_CERTIFICATE)


def test_given_certificate_and_zone_need_no_lookup(pulumi_mocks: Recorder) -> None:
    build({"certificateArn": CERTIFICATE, "hostedZoneId": "Z0GIVEN", "basePath": "v1/chat", "createRoute53IPv6Record": "false"}, pulumi_mocks)
    assert not pulumi_mocks.invokes(GET_CERTIFICATE) and not pulumi_mocks.invokes(GET_ZONE)
    (domain,) = pulumi_mocks.of_type(DOMAIN)
    assert domain.inputs["domainNameConfiguration"]["certificateArn"] == CERTIFICATE
    (mapping,) = pulumi_mocks.of_type(MAPPING)
    assert mapping.inputs["apiMappingKey"] == "v1/chat"
    assert [(r.inputs["type"], r.inputs["zoneId"]) for r in records(pulumi_mocks).values()] == [("A", "Z0GIVEN")]


def test_no_records_when_switched_off(pulumi_mocks: Recorder) -> None:
    build({"createRoute53Record": False, "certificateArn": CERTIFICATE}, pulumi_mocks)
    assert not pulumi_mocks.of_type(RECORD) and not pulumi_mocks.invokes(GET_ZONE)
    assert len(pulumi_mocks.of_type(MAPPING)) == 1


def test_routing_policies(pulumi_mocks: Recorder) -> None:
    build({"route53Params": {"routingPolicy": "latency", "healthCheckId": "hc-1"}, "createRoute53IPv6Record": False}, pulumi_mocks, region="eu-west-1")
    (latency,) = pulumi_mocks.of_type(RECORD)
    assert latency.inputs["latencyRoutingPolicies"] == [{"region": "eu-west-1"}]
    assert latency.inputs["setIdentifier"] == "d-chat-domain-ws.example.com.execute-api.eu-west-1.amazonaws.com"
    assert latency.inputs["healthCheckId"] == "hc-1" and "weightedRoutingPolicies" not in latency.inputs
    recorder = fresh_mocks()
    build({"route53Params": {"routingPolicy": "weighted", "setIdentifier": "blue"}, "createRoute53IPv6Record": False}, recorder)
    (weighted,) = recorder.of_type(RECORD)
    assert weighted.inputs["weightedRoutingPolicies"] == [{"weight": 200}] and weighted.inputs["setIdentifier"] == "blue"
    assert "latencyRoutingPolicies" not in weighted.inputs and "healthCheckId" not in weighted.inputs


def test_latency_region_is_the_stacks_when_the_service_names_none(pulumi_mocks: Recorder) -> None:
    build({"route53Params": {"routingPolicy": "latency"}, "createRoute53IPv6Record": False}, pulumi_mocks)
    (record,) = pulumi_mocks.of_type(RECORD)
    assert record.inputs["latencyRoutingPolicies"] == [{"region": STACK_REGION}]


def test_preserve_external_path_mappings_retains_the_domain_and_records(pulumi_mocks: Recorder) -> None:
    build({"preserveExternalPathMappings": "true"}, pulumi_mocks)
    (domain,) = pulumi_mocks.of_type(DOMAIN)
    (mapping,) = pulumi_mocks.of_type(MAPPING)
    assert domain.retain_on_delete and all(r.retain_on_delete for r in pulumi_mocks.of_type(RECORD))
    assert not mapping.retain_on_delete


def test_tags_and_region(pulumi_mocks: Recorder) -> None:
    document = config(provider={"region": "eu-west-1", "tags": {"team": "chat"}, "stackTags": {"cost": "7", "team": "stack"}})
    build(recorder=pulumi_mocks, document=document)
    (domain,) = pulumi_mocks.of_type(DOMAIN)
    (mapping,) = pulumi_mocks.of_type(MAPPING)
    assert domain.inputs["tags"] == {"cost": "7", "team": "chat"}
    assert domain.inputs["region"] == mapping.inputs["region"] == "eu-west-1"
    assert all("region" not in r.inputs for r in pulumi_mocks.of_type(RECORD))  # Route 53 is global
    # ACM is regional: the certificate is looked for in the service's region
    assert [c.args.get("region") for c in pulumi_mocks.invokes(GET_CERTIFICATE)] == ["eu-west-1", "eu-west-1"]
    assert domain.inputs["domainNameConfiguration"]["certificateArn"] == certificate_arn("eu-west-1", "wildcard-example-com")


def test_an_external_api_is_mapped_by_its_stage_name(pulumi_mocks: Recorder) -> None:
    build(recorder=pulumi_mocks, document=config(provider={"apiGateway": {"websocketApiId": "abc123"}}), stage="prod")
    (mapping,) = pulumi_mocks.of_type(MAPPING)
    assert (mapping.inputs["apiId"], mapping.inputs["stage"]) == ("abc123", "prod")


def test_preview_and_update_register_the_same_resources() -> None:
    urns = {}
    for preview in (True, False):
        urns[preview] = build({"splitHorizonDns": True}, fresh_mocks(preview=preview)).urns()
    assert urns[True] == urns[False] and any("chat-domain-record-ws.example.com-private-a" in u for u in urns[True])


# -- the certificate --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("catalog, domain, found", [
    ({"ws.example.com": "exact", "*.example.com": "wildcard"}, "ws.example.com", "exact"),
    ({"*.example.com": "wildcard", "example.com": "apex"}, "ws.example.com", "wildcard"),
    ({"*.dev.example.com": "dev", "*.example.com": "wildcard"}, "ws.dev.example.com", "dev"),
    ({"example.com": "apex"}, "example.com", "apex"),
])  # fmt: skip
def test_the_closest_certificate_that_covers_the_domain(catalog: dict, domain: str, found: str) -> None:
    recorder = fresh_mocks(certificates=catalog)
    build({"domainName": domain, "hostedZoneId": "Z1"}, recorder)
    (registered,) = recorder.of_type(DOMAIN)
    assert registered.inputs["domainNameConfiguration"]["certificateArn"] == certificate_arn(STACK_REGION, found)
    asked = [c.args["domain"] for c in recorder.invokes(GET_CERTIFICATE)]
    assert asked[-1] in catalog and catalog[asked[-1]] == found
    assert all(c.args["statuses"] == ["ISSUED"] and c.args["mostRecent"] is True for c in recorder.invokes(GET_CERTIFICATE))


def test_certificate_name_is_looked_up_by_that_name_only(pulumi_mocks: Recorder) -> None:
    build({"certificateName": "chat.example.org", "hostedZoneId": "Z1"}, pulumi_mocks)
    assert [c.args["domain"] for c in pulumi_mocks.invokes(GET_CERTIFICATE)] == ["chat.example.org"]
    (domain,) = pulumi_mocks.of_type(DOMAIN)
    assert domain.inputs["domainNameConfiguration"]["certificateArn"] == certificate_arn(STACK_REGION, "chat-example-org")


@pytest.mark.parametrize("catalog, domain, tried", [
    ({}, "ws.example.com", "ws.example.com, *.example.com"),
    ({"example.com": "apex"}, "ws.example.com", "ws.example.com, *.example.com"),  # does not cover ws.
    ({"*.example.com": "wildcard"}, "a.b.example.com", "a.b.example.com, *.b.example.com"),  # one level only
])  # fmt: skip
def test_no_covering_certificate_is_a_clear_error_before_any_resource(catalog: dict, domain: str, tried: str) -> None:
    recorder = fresh_mocks(certificates=catalog)
    with pytest.raises(ConfigError) as caught:
        build({"domainName": domain, "hostedZoneId": "Z1"}, recorder)
    (line,) = caught.value.lines()
    assert line.startswith(f"<config>: custom.customDomain.websocket: no issued ACM certificate for {tried}; give certificateArn (or certificateName) (last answer: ")
    assert "no ACM Certificate matching domain" in line
    assert recorder.custom() == []  # nothing half-built


def test_every_lookup_that_finds_nothing_is_reported_at_once() -> None:
    recorder = fresh_mocks(certificates={}, zones={})
    document = config(custom={"customDomains": [
        {"websocket": {"domainName": "ws.example.com", "endpointType": "REGIONAL", "certificateName": "x.example.com"}},
        {"websocket": {"domainName": "chat.example.org", "endpointType": "REGIONAL", "hostedZonePrivate": True}},
    ]}, provider={"region": "eu-west-1"})  # fmt: skip
    with pytest.raises(ConfigError) as caught:
        build(recorder=recorder, document=document)
    assert [(p.path, p.message.split(" (last answer")[0]) for p in caught.value.problems] == [
        ("custom.customDomains[0].websocket.certificateName", "no issued ACM certificate in eu-west-1 for x.example.com; give certificateArn (or certificateName)"),
        ("custom.customDomains[0].websocket.hostedZoneId", "no Route 53 hosted zone for ws.example.com (looked for ws.example.com, example.com); give hostedZoneId"),
        ("custom.customDomains[1].websocket", "no issued ACM certificate in eu-west-1 for chat.example.org, *.example.org; give certificateArn (or certificateName)"),
        ("custom.customDomains[1].websocket.hostedZoneId", "no private Route 53 hosted zone for chat.example.org (looked for chat.example.org, example.org); give hostedZoneId"),
    ]
    assert recorder.custom() == []


# -- the zone ---------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("zones, settings, expected", [
    ({("example.com", False): "ZAPEX", ("dev.example.com", False): "ZDEV"}, {}, ["ZDEV"]),
    ({("example.com", False): "ZPUB", ("example.com", True): "ZPRIV"}, {}, ["ZPUB"]),
    ({("example.com", True): "ZPRIV"}, {}, ["ZPRIV"]),
    ({("example.com", False): "ZPUB", ("example.com", True): "ZPRIV"}, {"hostedZonePrivate": True}, ["ZPRIV"]),
    ({("example.com", True): "ZPRIV", ("dev.example.com", False): "ZDEV"}, {"hostedZonePrivate": True}, ["ZPRIV"]),
    ({("example.com", False): "ZPUB", ("dev.example.com", True): "ZDEVPRIV"}, {"splitHorizonDns": True}, ["ZPUB", "ZDEVPRIV"]),
    ({("ws.dev.example.com", False): "ZSELF", ("example.com", False): "ZPUB"}, {}, ["ZSELF"]),
])  # fmt: skip
def test_the_zone_with_the_longest_name_ending_the_domain(zones: dict, settings: dict, expected: list) -> None:
    recorder = fresh_mocks(zones=zones)
    build({"domainName": "ws.dev.example.com", "certificateArn": CERTIFICATE, "createRoute53IPv6Record": False, **settings}, recorder)
    found = [r.inputs["zoneId"] for r in sorted(recorder.of_type(RECORD), key=lambda r: r.name)]
    assert found == expected
    if settings.get("hostedZonePrivate"):
        assert all(c.args["privateZone"] is True for c in recorder.invokes(GET_ZONE))


def test_no_zone_is_a_clear_error(pulumi_mocks: Recorder) -> None:
    with pytest.raises(ConfigError) as caught:
        build({"domainName": "ws.example.net", "certificateArn": CERTIFICATE}, pulumi_mocks)
    (problem,) = caught.value.problems
    assert problem.path == "custom.customDomain.websocket.hostedZoneId"
    assert problem.message.startswith("no Route 53 hosted zone for ws.example.net (looked for ws.example.net, example.net); give hostedZoneId (last answer: ")


# -- the chat example ---------------------------------------------------------------------------------------------


def test_the_chat_example_with_its_domain_turned_on(pulumi_mocks: Recorder) -> None:
    chat = ROOT / "examples" / "chat"
    rendered = render(
        "chat", recorder=pulumi_mocks, config=chat, params={"chatDomainEnabled": "true", "chatDomain": "chat.example.com"},
        create_functions=True, outputs=with_domains,
    )  # fmt: skip
    assert rendered.outputs["url"] == "wss://chat.example.com/dev"
    assert rendered.outputs["custom_domain_urls"] == ["wss://chat.example.com/dev"]
    names = {r.name for r in pulumi_mocks.custom()}
    assert {"chat-domain-chat.example.com", "chat-api-mapping-chat.example.com", "chat-domain-record-chat.example.com-a"} <= names
