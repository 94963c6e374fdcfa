"""Custom domains from serverless-domain-manager's settings: how each option is read (as the plugin v7 reads
it), what is refused or warned about with its path, and what the standalone export makes of each option
(cfn-lint clean). The Pulumi side is in test_component_domains.py; the golden case custom-domain-websocket
holds the compat output to Serverless's own template (which has none of these resources)."""

from __future__ import annotations

import copy
import json
import shutil
from pathlib import Path
from typing import Any, Optional

import pytest
from test_cfn_lint import lint_errors

from conftest import ROOT, run_cli
from wsapi import ConfigError, load_service
from wsapi.compile import compile_service
from wsapi.domains import PLUGIN_KEYS
from wsapi.model import CustomDomain
from wsapi.plan import COMPAT
from wsapi.plan_listing import describe_plan
from wsapi.render_cfn import render_template

DOMAIN = "WsExampleComWebsocketsDomainName"
MAPPING = "WsExampleComWebsocketsApiMapping"
RECORD_A = "WsExampleComWebsocketsRecordSetA"
RECORD_AAAA = "WsExampleComWebsocketsRecordSetAAAA"
CERTIFICATE = "arn:aws:acm:us-east-1:123456789012:certificate/abc"


def config(websocket: Optional[dict] = None, *, custom: Optional[dict] = None, provider: Optional[dict] = None) -> dict:
    """A one-route service with `custom` (default: one WebSocket domain with `websocket`'s settings)."""
    block = {"domainName": "ws.example.com", "endpointType": "REGIONAL", **(websocket or {})}
    return {
        "service": "chat",
        "provider": {"name": "aws", "runtime": "python3.11", **(provider or {})},
        "custom": {"customDomain": {"websocket": block}} if custom is None else custom,
        "functions": {"connect": {"handler": "h.connect", "events": [{"websocket": "$connect"}]}},
    }


def domains(document: dict, **kwargs: Any) -> tuple[CustomDomain, ...]:
    return load_service(document, **kwargs).custom_domains


def warnings(document: dict) -> list[tuple[str, str]]:
    return [(w.path, w.message) for w in load_service(document).warnings]


def problems(document: dict) -> list[tuple[str, str]]:
    with pytest.raises(ConfigError) as caught:
        load_service(document)
    return [(p.path, p.message) for p in caught.value.problems]


def template(document: dict, **kwargs: Any) -> dict:
    return render_template(compile_service(load_service(document, **kwargs)))


# -- where the plugin's settings are ----------------------------------------------------------------------------


def test_every_form_the_plugin_reads_is_read_in_its_order() -> None:
    custom = {
        "customDomain": {"apiType": "WebSocket", "domainName": "a.example.com", "endpointType": "REGIONAL"},
        "customDomains": [
            {"websocket": {"domainName": "b.example.com", "endpointType": "REGIONAL"}},
            {"apiType": "websocket", "domainName": "c.example.com", "endpointType": "REGIONAL"},
        ],
    }
    found = domains(config(custom=custom))
    assert [(d.domain_name, d.path) for d in found] == [
        ("a.example.com", "custom.customDomain"),
        ("b.example.com", "custom.customDomains[0].websocket"),
        ("c.example.com", "custom.customDomains[1]"),
    ]
    # a lone mapping under customDomains is one more entry (the plugin concatenates it)
    lone = domains(config(custom={"customDomains": {"websocket": {"domainName": "d.example.com", "endpointType": "REGIONAL"}}}))
    assert [(d.domain_name, d.path) for d in lone] == [("d.example.com", "custom.customDomains.websocket")]


def test_rest_and_http_domains_are_left_to_the_plugin_with_a_note() -> None:
    custom = {
        "customDomain": {"domainName": "api.example.com"},  # apiType defaults to rest
        "customDomains": [{"http": {"domainName": "h.example.com"}, "websocket": {"domainName": "ws.example.com", "endpointType": "REGIONAL"}}],
    }
    document = config(custom=custom)
    assert [d.domain_name for d in domains(document)] == ["ws.example.com"]
    assert warnings(document) == [
        ("custom.customDomain", "a custom domain of the REST API: left to serverless-domain-manager (wsapi deploys only the WebSocket API)"),
        ("custom.customDomains[0].http", "a custom domain of the HTTP API: left to serverless-domain-manager (wsapi deploys only the WebSocket API)"),
    ]
    names = [r["Properties"].get("DomainName") for r in template(document)["Resources"].values() if r["Type"] == "AWS::ApiGatewayV2::DomainName"]
    assert names == ["ws.example.com"]


def test_keys_beside_api_type_blocks_are_ignored_as_the_plugin_ignores_them() -> None:
    document = config(custom={"customDomain": {"websocket": {"domainName": "ws.example.com", "endpointType": "REGIONAL"}, "basePath": "x"}})
    assert domains(document)[0].base_path == ""
    assert warnings(document) == [("custom.customDomain.basePath", "ignored: beside rest/http/websocket blocks, serverless-domain-manager reads only the blocks")]


def test_no_custom_domain_changes_nothing() -> None:
    document = config(custom={})
    assert domains(document) == () and warnings(document) == []
    assert not [r for r in template(document)["Resources"].values() if "DomainName" in r["Type"] or "Route53" in r["Type"]]


# -- each option ----------------------------------------------------------------------------------------------


def test_the_defaults_are_the_plugins() -> None:
    (domain,) = domains(config())
    assert domain == CustomDomain(domain_name="ws.example.com", path="custom.customDomain.websocket")
    assert (domain.base_path, domain.security_policy, domain.create_record, domain.create_ipv6_record) == ("", "TLS_1_2", True, True)
    assert (domain.routing_policy, domain.weight, domain.retain, domain.url) == ("simple", 200, False, "wss://ws.example.com")
    assert warnings(config()) == []


@pytest.mark.parametrize("value, on", [
    (True, True), ("true", True), (" TRUE ", True), (1, True), ("1", True), (1.0, True),
    (False, False), ("false", False), ("False", False), (0, False), ("0", False),
])  # fmt: skip
def test_enabled_and_the_other_flags_read_booleans_strings_and_numbers(value: Any, on: bool) -> None:
    assert len(domains(config({"enabled": value}))) == int(on)
    (domain,) = domains(config({"createRoute53Record": value, "createRoute53IPv6Record": value}))
    assert (domain.create_record, domain.create_ipv6_record) == (on, on)
    (domain,) = domains(config({"splitHorizonDns": value, "preserveExternalPathMappings": value}))
    assert (domain.split_horizon_dns, domain.retain) == (on, on)


@pytest.mark.parametrize("value", ["yes", "on", None, [], {"a": 1}, 2])
def test_a_flag_that_reads_neither_true_nor_false_is_an_error(value: Any) -> None:
    for key in ("enabled", "createRoute53Record", "autoDomain"):
        assert problems(config({key: value})) == [
            (f"custom.customDomain.websocket.{key}", f"must be true or false (or a string reading true, false, 1 or 0), got {value!r}")
        ]


def test_a_disabled_domain_is_neither_deployed_nor_checked() -> None:
    """A stage may disable a domain set up for another one (its stage, its settings)."""
    document = config({"enabled": "false", "stage": "prod", "endpointType": "EDGE", "colour": "blue"})
    assert domains(document) == ()
    assert warnings(document) == [("custom.customDomain.websocket.colour", "unknown setting of serverless-domain-manager; expected one of: " + ", ".join(PLUGIN_KEYS))]


@pytest.mark.parametrize("base_path, key, url", [
    (None, None, "wss://ws.example.com"), ("", None, "wss://ws.example.com"), ("   ", None, "wss://ws.example.com"),
    ("(none)", None, "wss://ws.example.com"), ("chat", "chat", "wss://ws.example.com/chat"),
    ("v1/chat", "v1/chat", "wss://ws.example.com/v1/chat"), ("a$-_.+!*'()b", "a$-_.+!*'()b", "wss://ws.example.com/a$-_.+!*'()b"),
])  # fmt: skip
def test_base_path_is_the_api_mapping_key(base_path: Optional[str], key: Optional[str], url: str) -> None:
    document = config({} if base_path is None else {"basePath": base_path})
    (domain,) = domains(document)
    assert domain.url == url
    resources = template(document)["Resources"]
    assert resources[MAPPING]["Properties"].get("ApiMappingKey") == key
    assert template(document)["Outputs"]["ServiceEndpointWebsocket"]["Value"] == url


def test_stage_must_be_the_deployed_stage() -> None:
    assert len(domains(config({"stage": "prod"}), stage="prod")) == 1
    assert len(domains(config({"stage": "${sls:stage}"}), stage="qa")) == 1
    assert problems(config({"stage": "prod"})) == [(
        "custom.customDomain.websocket.stage",
        "is 'prod' but the service deploys stage 'dev': wsapi maps the domain to the stage it deploys (remove the setting, or write ${sls:stage})",
    )]  # fmt: skip


def test_certificate_arn_wins_over_certificate_name() -> None:
    document = config({"certificateArn": CERTIFICATE, "certificateName": "*.example.com"})
    (domain,) = domains(document)
    assert (domain.certificate_arn, domain.certificate_name) == (CERTIFICATE, None)
    assert warnings(document) == [("custom.customDomain.websocket.certificateName", "has no effect: certificateArn is given")]
    exported = template(document)
    assert exported["Resources"][DOMAIN]["Properties"]["DomainNameConfigurations"] == [
        {"CertificateArn": CERTIFICATE, "EndpointType": "REGIONAL", "SecurityPolicy": "TLS_1_2"}
    ]
    assert "WsExampleComCertificateArn" not in exported.get("Parameters", {})


def test_a_certificate_cloudformation_cannot_look_up_is_a_parameter() -> None:
    closest = template(config())
    assert closest["Resources"][DOMAIN]["Properties"]["DomainNameConfigurations"][0]["CertificateArn"] == {"Ref": "WsExampleComCertificateArn"}
    assert closest["Parameters"]["WsExampleComCertificateArn"] == {
        "Type": "String",
        "Description": "ARN of the ACM certificate closest to ws.example.com (set certificateArn to write it into the template)",
    }
    named = template(config({"certificateName": "*.example.com"}))
    assert named["Parameters"]["WsExampleComCertificateArn"]["Description"].startswith("ARN of the ACM certificate of *.example.com ")


@pytest.mark.parametrize("endpoint_type", ["REGIONAL", "regional", "Regional"])
def test_endpoint_type_is_regional(endpoint_type: str) -> None:
    document = config({"endpointType": endpoint_type})
    assert warnings(document) == []
    assert template(document)["Resources"][DOMAIN]["Properties"]["DomainNameConfigurations"][0]["EndpointType"] == "REGIONAL"


def test_an_endpoint_type_left_out_is_regional_with_a_warning() -> None:
    document = config()
    del document["custom"]["customDomain"]["websocket"]["endpointType"]
    assert len(domains(document)) == 1
    assert warnings(document) == [(
        "custom.customDomain.websocket.endpointType",
        "not set: serverless-domain-manager then uses EDGE, which it refuses for WebSocket APIs; wsapi uses REGIONAL, the only type they take (write endpointType: REGIONAL)",
    )]  # fmt: skip


@pytest.mark.parametrize("policy", ["tls_1_2", "TLS_1_2"])
def test_security_policy_is_tls_1_2(policy: str) -> None:
    assert template(config({"securityPolicy": policy}))["Resources"][DOMAIN]["Properties"]["DomainNameConfigurations"][0]["SecurityPolicy"] == "TLS_1_2"


def test_records_a_and_aaaa_unless_switched_off() -> None:
    both = template(config())["Resources"]
    assert [both[k]["Properties"]["Type"] for k in (RECORD_A, RECORD_AAAA)] == ["A", "AAAA"]
    for key in (RECORD_A, RECORD_AAAA):
        assert both[key]["Properties"] == {
            "HostedZoneId": {"Ref": "WsExampleComHostedZoneId"},
            "Name": "ws.example.com",
            "Type": both[key]["Properties"]["Type"],
            "AliasTarget": {
                "DNSName": {"Fn::GetAtt": [DOMAIN, "RegionalDomainName"]},
                "HostedZoneId": {"Fn::GetAtt": [DOMAIN, "RegionalHostedZoneId"]},
                "EvaluateTargetHealth": False,
            },
        }
    only_a = template(config({"createRoute53IPv6Record": "false"}))["Resources"]
    assert RECORD_A in only_a and RECORD_AAAA not in only_a
    none = template(config({"createRoute53Record": False}))
    assert not [k for k, r in none["Resources"].items() if r["Type"] == "AWS::Route53::RecordSet"]
    assert "WsExampleComHostedZoneId" not in none.get("Parameters", {})


def test_the_zone_given_or_a_parameter() -> None:
    given = template(config({"hostedZoneId": "/hostedzone/Z0EXAMPLE"}))
    assert given["Resources"][RECORD_A]["Properties"]["HostedZoneId"] == "Z0EXAMPLE"
    assert "Parameters" not in given or "WsExampleComHostedZoneId" not in given["Parameters"]
    looked_up = template(config())["Parameters"]["WsExampleComHostedZoneId"]
    assert looked_up == {
        "Type": "AWS::Route53::HostedZone::Id",
        "Description": "Id of the Route 53 zone of ws.example.com (set hostedZoneId to write it into the template)",
    }
    private = template(config({"hostedZonePrivate": True}))["Parameters"]["WsExampleComHostedZoneId"]
    assert private["Description"].startswith("Id of the private Route 53 zone of ws.example.com")
    (domain,) = domains(config({"hostedZonePrivate": False}))
    assert domain.hosted_zone_private is False


def test_split_horizon_dns_puts_records_in_the_public_and_the_private_zone() -> None:
    exported = template(config({"splitHorizonDns": True}))
    records = {k: r["Properties"]["HostedZoneId"] for k, r in exported["Resources"].items() if r["Type"] == "AWS::Route53::RecordSet"}
    assert records == {
        RECORD_A: {"Ref": "WsExampleComHostedZoneId"},
        RECORD_AAAA: {"Ref": "WsExampleComHostedZoneId"},
        "WsExampleComWebsocketsPrivateRecordSetA": {"Ref": "WsExampleComPrivateHostedZoneId"},
        "WsExampleComWebsocketsPrivateRecordSetAAAA": {"Ref": "WsExampleComPrivateHostedZoneId"},
    }
    assert "public" in exported["Parameters"]["WsExampleComHostedZoneId"]["Description"]
    assert "private" in exported["Parameters"]["WsExampleComPrivateHostedZoneId"]["Description"]
    # hostedZoneId or hostedZonePrivate choose one zone, as in the plugin
    for chooser in ({"hostedZoneId": "Z1"}, {"hostedZonePrivate": True}):
        document = config({"splitHorizonDns": True, **chooser})
        assert domains(document)[0].split_horizon_dns is False
        assert [w[0] for w in warnings(document)] == ["custom.customDomain.websocket.splitHorizonDns"]
    assert domains(config({"splitHorizonDns": True, "hostedZonePrivate": False}))[0].split_horizon_dns is True


def test_latency_and_weighted_routing() -> None:
    latency = template(config({"route53Params": {"routingPolicy": "Latency", "healthCheckId": "hc-1"}}))["Resources"][RECORD_A]["Properties"]
    assert (latency["SetIdentifier"], latency["Region"], latency["HealthCheckId"]) == (
        {"Fn::GetAtt": [DOMAIN, "RegionalDomainName"]}, {"Ref": "AWS::Region"}, "hc-1",
    )  # the plugin's default set identifier: the domain's regional target name
    named = template(config({"route53Params": {"routingPolicy": "latency", "setIdentifier": "eu"}}))["Resources"][RECORD_AAAA]["Properties"]
    assert named["SetIdentifier"] == "eu" and "Weight" not in named and "HealthCheckId" not in named
    weighted = template(config({"route53Params": {"routingPolicy": "weighted"}}))["Resources"][RECORD_A]["Properties"]
    assert weighted["Weight"] == 200 and "Region" not in weighted
    assert template(config({"route53Params": {"routingPolicy": "weighted", "weight": 0}}))["Resources"][RECORD_A]["Properties"]["Weight"] == 0
    simple = template(config({"route53Params": {"routingPolicy": "simple"}}))["Resources"][RECORD_A]["Properties"]
    assert not {"SetIdentifier", "Region", "Weight", "HealthCheckId"} & set(simple)


def test_route53_params_without_effect_are_warned() -> None:
    document = config({"route53Params": {"weight": 5, "setIdentifier": "x", "healthCheckId": "h", "shape": "round"}})
    assert warnings(document) == [
        ("custom.customDomain.websocket.route53Params.shape", "unknown setting of serverless-domain-manager; expected one of: routingPolicy, weight, setIdentifier, healthCheckId"),
        ("custom.customDomain.websocket.route53Params.weight", "has no effect with simple routing"),
        ("custom.customDomain.websocket.route53Params.setIdentifier", "has no effect with simple routing"),
        ("custom.customDomain.websocket.route53Params.healthCheckId", "has no effect with simple routing"),
    ]
    assert warnings(config({"route53Params": {"routingPolicy": "latency", "weight": 5}})) == [
        ("custom.customDomain.websocket.route53Params.weight", "has no effect with latency routing")
    ]
    assert warnings(config({"createRoute53Record": False, "hostedZoneId": "Z1", "route53Params": {}})) == [
        ("custom.customDomain.websocket.hostedZoneId", "has no effect: createRoute53Record is false"),
        ("custom.customDomain.websocket.route53Params", "has no effect: createRoute53Record is false"),
    ]


def test_preserve_external_path_mappings_keeps_the_domain_and_its_records() -> None:
    resources = template(config({"preserveExternalPathMappings": True}))["Resources"]
    for key in (DOMAIN, RECORD_A, RECORD_AAAA):
        assert (resources[key]["DeletionPolicy"], resources[key]["UpdateReplacePolicy"]) == ("Retain", "Retain"), key
    assert "DeletionPolicy" not in resources[MAPPING]
    assert "DeletionPolicy" not in template(config())["Resources"][DOMAIN]


def test_the_domain_is_tagged_with_stack_tags_overlaid_with_provider_tags() -> None:
    document = config(provider={"tags": {"team": "chat", "env": "dev"}, "stackTags": {"env": "stack", "cost": "7"}})
    assert template(document)["Resources"][DOMAIN]["Properties"]["Tags"] == {"cost": "7", "env": "dev", "team": "chat"}
    assert "Tags" not in template(config())["Resources"][DOMAIN]["Properties"]


def test_the_plugins_deploy_time_settings_are_accepted() -> None:
    document = config({"autoDomain": "true", "autoDomainWaitFor": "120", "allowPathMatching": True, "apiType": "websocket"})
    assert len(domains(document)) == 1 and warnings(document) == []


def test_the_mapping_is_this_apis_stage_and_outputs_are_the_domains() -> None:
    document = config(custom={"customDomains": [
        {"websocket": {"domainName": "ws.example.com", "basePath": "chat", "endpointType": "REGIONAL"}},
        {"websocket": {"domainName": "live.example.org", "endpointType": "REGIONAL"}},
    ]})  # fmt: skip
    exported = template(document, stage="prod")
    assert exported["Resources"][MAPPING]["Properties"] == {
        "ApiId": {"Ref": "WebsocketsApi"}, "DomainName": {"Ref": DOMAIN},
        "Stage": {"Ref": "WebsocketsDeploymentStage"}, "ApiMappingKey": "chat",
    }  # fmt: skip
    outputs = {k: v["Value"] for k, v in exported["Outputs"].items()}
    assert outputs["ServiceEndpointWebsocket"] == "wss://ws.example.com/chat"
    assert outputs["WsExampleComWebsocketsDomainUrl"] == "wss://ws.example.com/chat"
    assert outputs["LiveExampleOrgWebsocketsDomainUrl"] == "wss://live.example.org"
    # the management endpoint keeps the execute-api host: @connections does not work through a custom domain
    assert outputs["ServiceEndpointWebsocketManagement"]["Fn::Join"][1][:2] == ["https://", {"Ref": "WebsocketsApi"}]


def test_an_external_api_is_mapped_by_its_stage_name() -> None:
    document = config(provider={"apiGateway": {"websocketApiId": "abc123"}})
    mapping = template(document, stage="prod")["Resources"][MAPPING]["Properties"]
    assert (mapping["ApiId"], mapping["Stage"]) == ("abc123", "prod")


def test_compat_output_has_none_of_them() -> None:
    """serverless-domain-manager creates them outside the stack: Serverless's template has none."""
    service = load_service(config({"splitHorizonDns": True}))
    compat = render_template(compile_service(service, COMPAT))
    assert compat == render_template(compile_service(load_service(config(custom={})), COMPAT))


# -- refused, with the path -------------------------------------------------------------------------------------


@pytest.mark.parametrize("settings, path, message", [
    ({"endpointType": "EDGE"}, "endpointType", "EDGE: WebSocket APIs take REGIONAL custom domains only"),
    ({"endpointType": "edge"}, "endpointType", "EDGE: WebSocket APIs take REGIONAL custom domains only"),
    ({"endpointType": "PRIVATE"}, "endpointType", "must be REGIONAL (WebSocket APIs take no other), got 'PRIVATE'"),
    ({"securityPolicy": "tls_1_0"}, "securityPolicy", "tls_1_0: WebSocket APIs take only tls_1_2"),
    ({"securityPolicy": "TLS_1_3"}, "securityPolicy", "TLS_1_3: WebSocket APIs take only tls_1_2"),
    ({"securityPolicy": "strong"}, "securityPolicy", "must be tls_1_2 (the only security policy of WebSocket APIs), got 'strong'"),
    ({"domainName": "WS.example.com"}, "domainName", "must be lower case: API Gateway does not take upper-case letters in domain names (use 'ws.example.com')"),
    ({"domainName": "localhost"}, "domainName", "'localhost' is not a domain name API Gateway takes: lower-case letters, digits and hyphens in two or more dot-separated labels"),
    ({"domainName": "-a.example.com"}, "domainName", "'-a.example.com' is not a domain name API Gateway takes: lower-case letters, digits and hyphens in two or more dot-separated labels"),
    ({"domainName": 7}, "domainName", "must be a string, got a number"),
    ({"basePath": "/chat"}, "basePath", "'/chat' is not an API mapping key API Gateway takes: at most 300 letters, digits and $-_.+!*'() in /-separated parts, none empty"),
    ({"basePath": "a b"}, "basePath", "'a b' is not an API mapping key API Gateway takes: at most 300 letters, digits and $-_.+!*'() in /-separated parts, none empty"),
    ({"basePath": "x" * 301}, "basePath", f"{'x' * 301!r} is not an API mapping key API Gateway takes: at most 300 letters, digits and $-_.+!*'() in /-separated parts, none empty"),
    ({"certificateArn": "abc"}, "certificateArn", "must be an ACM certificate ARN (arn:...:acm:...:certificate/...), got 'abc'"),
    ({"hostedZoneId": "zone-1"}, "hostedZoneId", "must be a Route 53 hosted zone id (Z...), got 'zone-1'"),
    ({"hostedZonePrivate": "true"}, "hostedZonePrivate", "must be true or false, got a string"),
    ({"route53Params": {"routingPolicy": "geolocation"}}, "route53Params.routingPolicy", "must be simple, latency or weighted, got 'geolocation'"),
    ({"route53Params": {"routingPolicy": "weighted", "weight": 256}}, "route53Params.weight", "must be a whole number from 0 to 255, got 256"),
    ({"route53Params": "latency"}, "route53Params", "must be a mapping, got a string"),
    ({"route53Profile": "dns"}, "route53Profile", "Route 53 records in another account need that account's credentials, which wsapi does not take: set createRoute53Record: false and create the alias records there (the domain's target is the DomainName resource's regional domain name)"),
    ({"tlsTruststoreUri": "s3://b/k"}, "tlsTruststoreUri", "mutual TLS: API Gateway offers it for REST and HTTP APIs, not for WebSocket APIs"),
])  # fmt: skip
def test_what_api_gateway_or_wsapi_cannot_do_is_refused_with_its_path(settings: dict, path: str, message: str) -> None:
    assert problems(config(settings)) == [(f"custom.customDomain.websocket.{path}", message)]


def test_a_missing_domain_name_and_bad_shapes_are_refused() -> None:
    document = config()
    del document["custom"]["customDomain"]["websocket"]["domainName"]
    assert problems(document) == [("custom.customDomain.websocket.domainName", "is required: the custom domain name")]
    assert problems(config(custom={"customDomain": ["x"]})) == [("custom.customDomain", "must be a mapping, got a list")]
    assert problems(config(custom={"customDomains": "ws.example.com"})) == [("custom.customDomains", "must be a list of domain settings, got a string")]
    assert problems(config(custom={"customDomains": [3]})) == [("custom.customDomains[0]", "must be a mapping, got a number")]
    assert problems(config(custom={"customDomain": {"apiType": "graphql"}})) == [("custom.customDomain.apiType", "must be rest, http or websocket, got 'graphql'")]


def test_one_domain_name_once_and_never_also_for_a_rest_or_http_api() -> None:
    twice = config(custom={"customDomains": [
        {"websocket": {"domainName": "ws.example.com", "endpointType": "REGIONAL"}},
        {"websocket": {"domainName": "ws.example.com", "endpointType": "REGIONAL"}},
    ]})  # fmt: skip
    assert problems(twice) == [("custom.customDomains[1].websocket.domainName", "'ws.example.com' is already declared at custom.customDomains[0].websocket; each domain may appear once")]
    shared = config(custom={"customDomain": {
        "rest": {"domainName": "ws.example.com"}, "websocket": {"domainName": "ws.example.com", "endpointType": "REGIONAL"},
    }})  # fmt: skip
    assert problems(shared) == [("custom.customDomain.websocket.domainName", "'ws.example.com' is also the custom domain at custom.customDomain.rest: API Gateway cannot map one domain name to a WebSocket API and a REST or HTTP API")]
    colliding = config(custom={"customDomains": [
        {"websocket": {"domainName": "a-b.example.com", "endpointType": "REGIONAL"}},
        {"websocket": {"domainName": "a.dash.b.example.com", "endpointType": "REGIONAL"}},
    ]})  # fmt: skip
    assert problems(colliding) == [("custom.customDomains[1].websocket.domainName", "'a.dash.b.example.com' and 'a-b.example.com' (at custom.customDomains[0].websocket) both become the logical id ADashBExampleComWebsocketsDomainName; rename one")]


def test_many_domains_are_warned_about_and_absurdly_many_refused() -> None:
    entries = [{"websocket": {"domainName": f"d{i}.example.com", "endpointType": "REGIONAL"}} for i in range(121)]
    assert warnings(config(custom={"customDomains": entries})) == [
        ("custom", "121 WebSocket domains: API Gateway allows 120 regional custom domain names per account and region unless the quota is raised")
    ]
    entries = [{"websocket": {"domainName": f"d{i}.example.com"}} for i in range(1001)]
    assert problems(config(custom={"customDomains": entries})) == [("custom.customDomains", "1,001 WebSocket domains: wsapi accepts at most 1,000")]


# -- variables that do not resolve: only what deploys the domain needs them --------------------------------------


def unresolved_service(tmp_path: Path) -> Path:
    document = config({"domainName": "${ssm:/chat/domain}", "certificateArn": "${ssm:/chat/certificate}"}, provider={"stackTags": {"owner": "${ssm:/owner}"}})
    (tmp_path / "serverless.yml").write_text(json.dumps(document))
    return tmp_path


def test_unresolved_settings_stop_plan_and_export_but_not_validate(tmp_path: Path) -> None:
    folder = unresolved_service(tmp_path)
    assert run_cli("validate", str(folder)).returncode == 0
    for command in ("plan", "export"):
        result = run_cli(command, str(folder))
        assert result.returncode == 2 and result.stdout == ""
        lines = result.stderr.splitlines()
        assert [line.split(": ")[1] for line in lines] == [
            "provider.stackTags.owner", "custom.customDomain.websocket.domainName", "custom.customDomain.websocket.certificateArn",
        ]  # fmt: skip
        assert all("cannot resolve ${ssm:" in line for line in lines)
    # a whole block that does not resolve: its API type is not known, so deploying stops there too
    (folder / "serverless.yml").write_text(json.dumps(config(custom={"customDomains": "${file(./missing.yml)}"})))
    assert run_cli("validate", str(folder)).returncode == 0
    assert "custom.customDomains: cannot resolve ${file(./missing.yml)}" in run_cli("export", str(folder)).stderr


def test_offline_accepts_the_block_and_serves_as_usual(tmp_path: Path) -> None:
    from test_offline import FIXTURES, RunningServer
    from websockets.sync.client import connect

    shutil.copytree(FIXTURES / "routes_service", tmp_path / "service")
    path = tmp_path / "service" / "serverless.yml"
    text = path.read_text() + (
        "custom:\n  customDomain:\n    websocket:\n      domainName: ${ssm:/chat/domain}\n      endpointType: REGIONAL\n"
        "  customDomains:\n    - websocket:\n        domainName: ws.example.com\n        basePath: chat\n        endpointType: REGIONAL\n"
    )
    path.write_text(text)
    running = RunningServer(tmp_path / "service").start()
    try:
        with connect(running.url, open_timeout=20) as ws:
            ws.send(json.dumps({"kind": "chat", "op": "send"}))
            assert ws.recv(timeout=10) == "sent:chat/send"
    finally:
        running.stop()


# -- cfn-lint ---------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("settings", [
    {},
    {"certificateArn": CERTIFICATE, "hostedZoneId": "Z0EXAMPLE", "basePath": "v1/chat"},
    {"splitHorizonDns": True, "preserveExternalPathMappings": True},
    {"hostedZonePrivate": True, "createRoute53IPv6Record": False},
    {"route53Params": {"routingPolicy": "latency", "healthCheckId": "0f3f9c6e-1111-2222-3333-444455556666"}},
    {"route53Params": {"routingPolicy": "weighted", "weight": 10, "setIdentifier": "blue"}},
    {"createRoute53Record": False},
], ids=["defaults", "given", "split-retained", "private-a-only", "latency", "weighted", "no-records"])  # fmt: skip
def test_each_option_exports_a_template_cfn_lint_accepts(settings: dict) -> None:
    document = config(settings, provider={"tags": {"team": "chat"}})
    assert lint_errors(template(document)) == []
    assert lint_errors(template(copy.deepcopy(document), stage="prod")) == []


def test_the_chat_example_sets_a_domain_only_when_the_stack_turns_it_on() -> None:
    chat = ROOT / "examples" / "chat"
    assert load_service(chat).custom_domains == ()
    (domain,) = load_service(chat, params={"chatDomainEnabled": "true", "chatDomain": "chat.example.com"}).custom_domains
    assert domain.url == "wss://chat.example.com/dev"
    assert lint_errors(render_template(compile_service(load_service(chat, params={"chatDomainEnabled": "true"}), with_functions=True))) == []


# -- the command line -----------------------------------------------------------------------------------------


def test_validate_and_plan_show_the_domains() -> None:
    chat = ["examples/chat", "--param", "chatDomainEnabled=true", "--param", "chatDomain=chat.example.com"]
    validated = run_cli("validate", *chat, cwd=ROOT)
    assert validated.returncode == 0 and "\ncustom domains: wss://chat.example.com/dev\n" in validated.stdout
    assert "custom domains" not in run_cli("validate", "examples/chat", cwd=ROOT).stdout
    planned = run_cli("plan", *chat, cwd=ROOT)
    assert planned.returncode == 0, planned.stderr
    lines = [" ".join(line.split()) for line in planned.stdout.splitlines() if "chat.example.com" in line]
    assert lines == [
        "+ ├─ aws:apigatewayv2:DomainName chat-domain-chat.example.com create chat.example.com REGIONAL TLS_1_2 certificate=<the ACM certificate closest to chat.example.com>",
        "+ ├─ aws:apigatewayv2:ApiMapping chat-api-mapping-chat.example.com create wss://chat.example.com/dev -> stage dev of <WebsocketsApi>",
        "+ ├─ aws:route53:Record chat-domain-record-chat.example.com-a create A alias chat.example.com -> <ChatExampleComWebsocketsDomainName.RegionalDomainName> zone=<the Route 53 zone of chat.example.com>",
        "+ └─ aws:route53:Record chat-domain-record-chat.example.com-aaaa create AAAA alias chat.example.com -> <ChatExampleComWebsocketsDomainName.RegionalDomainName> zone=<the Route 53 zone of chat.example.com>",
    ]
    given = config({"certificateArn": CERTIFICATE, "hostedZoneId": "Z0EXAMPLE", "preserveExternalPathMappings": True,
                    "route53Params": {"routingPolicy": "weighted", "weight": 10}, "createRoute53IPv6Record": False})
    listing = describe_plan(compile_service(load_service(given)), "chat")
    assert f"ws.example.com REGIONAL TLS_1_2 certificate={CERTIFICATE} retained on delete" in listing
    assert "A alias ws.example.com -> <WsExampleComWebsocketsDomainName.RegionalDomainName> zone=Z0EXAMPLE weight=10 set=<WsExampleComWebsocketsDomainName.RegionalDomainName>" in listing
