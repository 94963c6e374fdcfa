"""Custom-domain kinds: the API Gateway domain name and its API mapping (`apigatewayv2`), and the Route 53
alias records that point the name at it."""

from __future__ import annotations

from typing import Any, Optional

from ..plan import Plan, Ref, Resource, readable
from .base import Builder, Kind, register

#: `Fn::GetAtt` of a domain name -> the field of Pulumi's `domain_name_configuration` that holds it
TARGET_FIELDS = {"RegionalDomainName": "target_domain_name", "RegionalHostedZoneId": "hosted_zone_id"}


class DomainName(Kind):
    cfn_type = "AWS::ApiGatewayV2::DomainName"
    pulumi_type = "aws:apigatewayv2/domainName:DomainName"
    ref = "domain_name"

    def describe(self, plan: Plan, r: Resource) -> str:
        (config,) = r.properties["DomainNameConfigurations"]
        kept = " retained on delete" if r.attributes.get("DeletionPolicy") == "Retain" else ""
        return f"{r.properties['DomainName']} {config['EndpointType']} {config['SecurityPolicy']} certificate={readable(config['CertificateArn'])}{kept}"

    consumed = ("DomainName", "DomainNameConfigurations", "Tags")

    def build(self, b: Builder, r: Resource) -> Any:
        p = b.props(r)
        (config,) = p["DomainNameConfigurations"]
        return b.aws.apigatewayv2.DomainName(
            b.name(r), domain_name=p["DomainName"],
            domain_name_configuration=b.aws.apigatewayv2.DomainNameDomainNameConfigurationArgs(
                certificate_arn=config["CertificateArn"], endpoint_type=config["EndpointType"],
                security_policy=config["SecurityPolicy"],
            ),
            tags=p.get("Tags"), opts=b.options(r), **b.regional(),
        )  # fmt: skip

    def output(self, b: Builder, resource: Resource, attribute: Optional[str]) -> Any:
        if attribute in TARGET_FIELDS:  # a field of the domain's one configuration in Pulumi
            return getattr(b.built(resource.key).domain_name_configuration, TARGET_FIELDS[attribute])
        return super().output(b, resource, attribute)


class ApiMapping(Kind):
    cfn_type = "AWS::ApiGatewayV2::ApiMapping"
    pulumi_type = "aws:apigatewayv2/apiMapping:ApiMapping"
    ref = "id"

    def describe(self, plan: Plan, r: Resource) -> str:
        p = r.properties
        domain, stage = p["DomainName"], p["Stage"]
        name = plan.resource(domain.key).properties["DomainName"] if isinstance(domain, Ref) else readable(domain)
        stage_name = plan.resource(stage.key).properties["StageName"] if isinstance(stage, Ref) else readable(stage)
        key = p.get("ApiMappingKey")
        return f"wss://{name}{'/' + key if key else ''} -> stage {stage_name} of {readable(p['ApiId'])}"

    consumed = ("ApiId", "DomainName", "Stage", "ApiMappingKey")

    def build(self, b: Builder, r: Resource) -> Any:
        p = b.props(r)
        return b.aws.apigatewayv2.ApiMapping(
            b.name(r), api_id=p["ApiId"], domain_name=p["DomainName"], stage=p["Stage"],
            api_mapping_key=p.get("ApiMappingKey"), opts=b.options(r), **b.regional(),
        )


class RecordSet(Kind):
    cfn_type = "AWS::Route53::RecordSet"
    pulumi_type = "aws:route53/record:Record"
    ref = "fqdn"

    def describe(self, plan: Plan, r: Resource) -> str:
        p = r.properties
        routing = ""
        if "Region" in p:
            routing = f" latency set={readable(p['SetIdentifier'])}"
        elif "Weight" in p:
            routing = f" weight={p['Weight']} set={readable(p['SetIdentifier'])}"
        return f"{p['Type']} alias {p['Name']} -> {readable(p['AliasTarget']['DNSName'])} zone={readable(p['HostedZoneId'])}{routing}"

    consumed = ("HostedZoneId", "Name", "Type", "AliasTarget", "Region", "Weight", "SetIdentifier", "HealthCheckId")

    def build(self, b: Builder, r: Resource) -> Any:
        """An alias record; it replaces a record of the same name and type (as the plugin's UPSERT does), so a
        domain the plugin set up moves to the stack."""
        route53 = b.aws.route53
        p = b.props(r)
        target = p["AliasTarget"]
        latency = [route53.RecordLatencyRoutingPolicyArgs(region=p["Region"])] if "Region" in p else None
        weighted = [route53.RecordWeightedRoutingPolicyArgs(weight=p["Weight"])] if "Weight" in p else None
        return route53.Record(
            b.name(r), zone_id=p["HostedZoneId"], name=p["Name"], type=p["Type"],
            aliases=[route53.RecordAliasArgs(
                name=target["DNSName"], zone_id=target["HostedZoneId"], evaluate_target_health=target["EvaluateTargetHealth"],
            )],
            set_identifier=p.get("SetIdentifier"), latency_routing_policies=latency, weighted_routing_policies=weighted,
            health_check_id=p.get("HealthCheckId"), allow_overwrite=True, opts=b.options(r),
        )  # fmt: skip


register(DomainName, ApiMapping, RecordSet)
