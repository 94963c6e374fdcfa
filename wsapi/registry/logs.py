"""CloudWatch Logs kinds: log groups, with their data protection policy (a resource of its own in Pulumi)."""

from __future__ import annotations

import json
from typing import Any, Mapping, Tuple

from ..plan import Plan, Resource
from .base import STACK_TAGS, Builder, Convert, Extra, Kind, StackIds, register, same_names, tags_map

DATA_PROTECTION_TYPE = "aws:cloudwatch/logDataProtectionPolicy:LogDataProtectionPolicy"
DATA_PROTECTION_SUFFIX = "-data-protection"  #: LogGroup.DataProtectionPolicy


class LogGroup(Kind):
    cfn_type = "AWS::Logs::LogGroup"
    pulumi_type = "aws:cloudwatch/logGroup:LogGroup"
    ref = "name"
    attributes = {"Arn": "arn"}
    adoption_ignores = {
        "kmsKeyId": "custom.wsapi.logs.kmsKeyArn (which Serverless ignores) encrypts the group from the first normal run",
        "tags": STACK_TAGS,
    }

    def import_id(self, r: Resource, physical_id: str, stack: StackIds) -> str:
        return physical_id  # the group's name

    def extras(self, properties: Mapping[str, Any]) -> Tuple[Extra, ...]:
        return (Extra(DATA_PROTECTION_TYPE, DATA_PROTECTION_SUFFIX),) if "DataProtectionPolicy" in properties else ()

    def describe(self, plan: Plan, r: Resource) -> str:
        retention = r.properties.get("RetentionInDays")
        return f"name={r.properties['LogGroupName']}" + (f" retention={retention}d" if retention else "")

    inputs = {
        **same_names("RetentionInDays", "KmsKeyId", "LogGroupClass", "DeletionProtectionEnabled"),
        "LogGroupName": "name",
        "Tags": Convert("tags", tags_map),
    }
    consumed = ("DataProtectionPolicy",)

    def build(self, b: Builder, r: Resource) -> Any:
        p = b.props(r)
        group = b.aws.cloudwatch.LogGroup(b.name(r), **self.arguments(b, p), opts=b.options(r), **b.regional())
        if "DataProtectionPolicy" in p:  # a property in CloudFormation, its own resource in Pulumi
            b.add_extras(r.key, [b.aws.cloudwatch.LogDataProtectionPolicy(
                b.name(r, DATA_PROTECTION_SUFFIX), log_group_name=group.name,
                policy_document=json.dumps(p["DataProtectionPolicy"]), opts=b.child_options(), **b.regional(),
            )])
        return group


register(LogGroup)
