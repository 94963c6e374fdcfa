"""The compile step that gives the WebSocket API its custom domains (standalone plans only: Serverless's own
template has none of them, since serverless-domain-manager creates them with API calls outside the stack).

For each enabled WebSocket domain of `custom.customDomain(s)`: the `AWS::ApiGatewayV2::DomainName` (REGIONAL,
the only type WebSocket APIs take), the `AWS::ApiGatewayV2::ApiMapping` of this API's stage under the base
path, and the Route 53 alias records (A, and AAAA unless `createRoute53IPv6Record` is false) to the domain's
regional target, in the zone given or found, or in both the public and the private zone with split-horizon
DNS; latency and weighted routing as `route53Params` say. The certificate and the zone, when not given, are
`Lookup`s: found by the provider in Pulumi, template parameters in CloudFormation.

With `preserveExternalPathMappings` the domain and its records are kept when the stack goes
(`DeletionPolicy: Retain`, Pulumi's `retain_on_delete`): other APIs may be mapped to the domain, and neither
CloudFormation nor Pulumi can look for their mappings when deleting it, as the plugin does.
"""

from __future__ import annotations

from typing import Any, Dict, List, Optional, Tuple

from .. import naming
from ..errors import ConfigError
from ..model import CustomDomain
from ..plan import CERTIFICATE, HOSTED_ZONE, REGION, GetAtt, Lookup, Pseudo, Ref

RETAINED = {"DeletionPolicy": "Retain", "UpdateReplacePolicy": "Retain"}


class DomainCompiler:
    def __init__(self, compiler: Any) -> None:
        self.compiler = compiler
        self.service = compiler.service

    def compile(self) -> Tuple[Tuple[str, str], ...]:
        """Add every domain's resources; return (domain name, URL) of each, in declaration order."""
        service = self.service
        problems = list(service.custom_domain_problems)
        problems.extend(p for domain in service.custom_domains for p in domain.problems)
        if problems:
            label = str(service.config_path) if service.config_path else "<config>"
            raise ConfigError(problems, label)
        for domain in service.custom_domains:
            self.compile_domain(domain)
            self.compile_mapping(domain)
            if domain.create_record:
                self.compile_records(domain)
        return tuple((domain.domain_name, domain.url) for domain in service.custom_domains)

    def compile_domain(self, domain: CustomDomain) -> None:
        name = domain.domain_name
        certificate: Any = domain.certificate_arn
        if certificate is None:  # certificateName, else the closest match
            where = f"{domain.path}.certificateName" if domain.certificate_name else domain.path
            certificate = Lookup(CERTIFICATE, name, naming.certificate_parameter(name), name=domain.certificate_name, path=where)
        properties: Dict[str, Any] = {
            "DomainName": name,
            "DomainNameConfigurations": [
                {"CertificateArn": certificate, "EndpointType": "REGIONAL", "SecurityPolicy": domain.security_policy}
            ],
        }
        if domain.tags:
            properties["Tags"] = {key: domain.tags[key] for key in sorted(domain.tags)}
        attributes = RETAINED if domain.retain else {}
        self.compiler.add(naming.domain_name(name), "AWS::ApiGatewayV2::DomainName", f"domain-{name}", properties, **attributes)

    def compile_mapping(self, domain: CustomDomain) -> None:
        """This API's stage (the stage resource, so the mapping waits for it; an external API's stage by name)."""
        stage: Any = Ref(naming.STAGE) if self.service.external_api_id is None else self.service.stage
        properties: Dict[str, Any] = {
            "ApiId": self.compiler.api_id,
            "DomainName": Ref(naming.domain_name(domain.domain_name)),
            "Stage": stage,
        }
        if domain.base_path:
            properties["ApiMappingKey"] = domain.base_path
        name = domain.domain_name
        self.compiler.add(naming.api_mapping(name), "AWS::ApiGatewayV2::ApiMapping", f"api-mapping-{name}", properties)

    def compile_records(self, domain: CustomDomain) -> None:
        name = domain.domain_name
        for private, zone in self.zones(domain):
            for record_type in ("A", "AAAA") if domain.create_ipv6_record else ("A",):
                properties = {
                    "HostedZoneId": zone,
                    "Name": name,
                    "Type": record_type,
                    "AliasTarget": {
                        "DNSName": GetAtt(naming.domain_name(name), "RegionalDomainName"),
                        "HostedZoneId": GetAtt(naming.domain_name(name), "RegionalHostedZoneId"),
                        "EvaluateTargetHealth": False,
                    },
                    **self.routing(domain),
                }
                suffix = f"domain-record-{name}{'-private' if private else ''}-{record_type.lower()}"
                attributes = RETAINED if domain.retain else {}
                self.compiler.add(
                    naming.domain_record(name, record_type, private), "AWS::Route53::RecordSet", suffix, properties, **attributes
                )

    def zones(self, domain: CustomDomain) -> List[Tuple[bool, Any]]:
        """(in the private zone of a split horizon, zone) of each set of records."""
        name = domain.domain_name
        if domain.hosted_zone_id is not None:
            return [(False, domain.hosted_zone_id)]
        if domain.split_horizon_dns:
            return [
                (False, self.zone_lookup(domain, naming.hosted_zone_parameter(name), False)),
                (True, self.zone_lookup(domain, naming.hosted_zone_parameter(name, private=True), True)),
            ]
        return [(False, self.zone_lookup(domain, naming.hosted_zone_parameter(name), domain.hosted_zone_private))]

    @staticmethod
    def zone_lookup(domain: CustomDomain, parameter: str, private: Optional[bool]) -> Lookup:
        return Lookup(HOSTED_ZONE, domain.domain_name, parameter, private=private, path=f"{domain.path}.hostedZoneId")

    @staticmethod
    def routing(domain: CustomDomain) -> Dict[str, Any]:
        """route53Params: the set identifier defaults to the domain's regional target name, as the plugin's."""
        if domain.routing_policy == "simple":
            return {}
        target = GetAtt(naming.domain_name(domain.domain_name), "RegionalDomainName")
        properties: Dict[str, Any] = {"SetIdentifier": domain.set_identifier or target}
        if domain.routing_policy == "latency":
            properties["Region"] = Pseudo(REGION)
        else:
            properties["Weight"] = domain.weight
        if domain.health_check_id is not None:
            properties["HealthCheckId"] = domain.health_check_id
        return properties


def compile_domains(compiler: Any) -> Tuple[Tuple[str, str], ...]:
    """The custom domains' resources, added to `compiler`'s plan; (domain name, URL) of each."""
    return DomainCompiler(compiler).compile()
