"""IAM kinds: roles, with their inline and managed policies (resources of their own in Pulumi)."""

from __future__ import annotations

import json
from typing import Any, Mapping, Optional, Tuple

from ..plan import Plan, Resource, readable
from .base import STACK_TAGS, Builder, Convert, Extra, Kind, StackIds, register, same_names, tags_map

INLINE_POLICY_TYPE = "aws:iam/rolePolicy:RolePolicy"
POLICY_ATTACHMENT_TYPE = "aws:iam/rolePolicyAttachment:RolePolicyAttachment"


def inline_policy_suffix(index: int) -> str:
    """Role.Policies[index]"""
    return f"-inline-policy-{index}" if index else "-inline-policy"


def policy_attachment_suffix(index: int) -> str:
    """Role.ManagedPolicyArns[index]"""
    return f"-policy-{index}" if index else "-policy"


class Role(Kind):
    """Created new (wsapi's roles grant less than Serverless's), except a role serverless.yml names exactly as
    the deployed one (`provider.iam.role.name`): a role name exists once per account, so that one is adopted,
    and its policies are wsapi's from the adoption run on."""

    cfn_type = "AWS::IAM::Role"
    pulumi_type = "aws:iam/role:Role"
    ref = "name"
    attributes = {"Arn": "arn"}
    adoption_ignores = {"tags": STACK_TAGS}

    def import_id(self, r: Resource, physical_id: str, stack: StackIds) -> Optional[str]:
        return physical_id if r.properties.get("RoleName") == physical_id else None

    def extras(self, properties: Mapping[str, Any]) -> Tuple[Extra, ...]:
        attachments = [Extra(POLICY_ATTACHMENT_TYPE, policy_attachment_suffix(i)) for i, _ in enumerate(properties.get("ManagedPolicyArns", ()))]
        policies = [Extra(INLINE_POLICY_TYPE, inline_policy_suffix(i)) for i, _ in enumerate(properties.get("Policies", ()))]
        return tuple(attachments + policies)

    def describe(self, plan: Plan, r: Resource) -> str:
        policies = r.properties.get("Policies")
        if not policies:
            return f"assumed by {principals(r)}, {', '.join(managed_policy_names(r))}"
        grants = []
        for statement in policies[0]["PolicyDocument"]["Statement"]:
            actions = statement.get("Action", statement.get("NotAction"))
            resources = statement.get("Resource", statement.get("NotResource"))
            count = len(resources) if isinstance(resources, list) else 1
            grants.append(f"{statement['Effect']} {readable(actions)} on {count} resource{'s' if count != 1 else ''}")
        return f"assumed by {principals(r)}: " + "; ".join(grants)

    inputs = {
        **same_names("Path", "PermissionsBoundary", "Description", "MaxSessionDuration"),
        "RoleName": "name",
        "Tags": Convert("tags", tags_map),
        "AssumeRolePolicyDocument": Convert("assume_role_policy", lambda aws, document: json.dumps(document)),
    }
    consumed = ("ManagedPolicyArns", "Policies")

    def build(self, b: Builder, r: Resource) -> Any:
        p = b.props(r)
        role = b.aws.iam.Role(b.name(r), **self.arguments(b, p), opts=b.options(r))
        extras = []
        for index, policy_arn in enumerate(p.get("ManagedPolicyArns", [])):
            extras.append(b.aws.iam.RolePolicyAttachment(
                b.name(r, policy_attachment_suffix(index)), role=role.name, policy_arn=policy_arn,
                opts=b.child_options(),
            ))
        for index, policy in enumerate(p.get("Policies", [])):  # inline policies: their own resources in Pulumi
            extras.append(b.aws.iam.RolePolicy(
                b.name(r, inline_policy_suffix(index)), role=role.name, name=policy["PolicyName"],
                policy=b.pulumi.Output.json_dumps(policy["PolicyDocument"]), opts=b.child_options(),
            ))
        b.add_extras(r.key, extras)
        return role


def principals(r: Resource) -> str:
    found = []
    for statement in r.properties["AssumeRolePolicyDocument"]["Statement"]:
        service = statement.get("Principal", {}).get("Service", [])
        found.extend(service if isinstance(service, list) else [service])
    return ", ".join(found)


def managed_policy_names(r: Resource) -> list:
    """`arn:...:policy/service-role/AmazonAPIGatewayPushToCloudWatchLogs` -> the policy's name."""
    return [readable(arn).rsplit("/", 1)[-1] for arn in r.properties.get("ManagedPolicyArns", [])]


register(Role)
