"""Lambda kinds: functions, their published versions and aliases, and invoke permissions."""

from __future__ import annotations

from typing import Any, Mapping, Tuple

from ..plan import CodeArchive, Plan, Ref, Resource, readable, references
from .base import STACK_TAGS, AdoptionError, Builder, Convert, Extra, Kind, StackIds, nested, register, same_names, tags_map

CONCURRENCY_TYPE = "aws:lambda/provisionedConcurrencyConfig:ProvisionedConcurrencyConfig"
CONCURRENCY_SUFFIX = "-concurrency"  #: Alias.ProvisionedConcurrencyConfig


def publishes(plan: Plan, function: Resource) -> bool:
    """A plan version of a function is what the function publishes (Pulumi has no resource for a version)."""
    return any(v.properties["FunctionName"] == Ref(function.key) for v in plan.by_type(Version.cfn_type))


class Function(Kind):
    """Adopted with its `role` NOT ignored: the adoption run moves the function to wsapi's role, since deleting
    the Serverless stack deletes Serverless's."""

    cfn_type = "AWS::Lambda::Function"
    pulumi_type = "aws:lambda/function:Function"
    ref = "name"
    attributes = {"Arn": "arn"}
    adoption_ignores = {
        "code": "pulumi-aws reads no code back, so an import always differs here: the function keeps the code Serverless"
        " deployed (built from the same files, tests/test_packaging.py) until the first normal run uploads wsapi's archive",
        "publish": "Serverless published versions with AWS::Lambda::Version resources (kept: DeletionPolicy Retain), wsapi"
        " through the function: nothing is published while adopting",
        "tags": STACK_TAGS,
    }

    def import_id(self, r: Resource, physical_id: str, stack: StackIds) -> str:
        return physical_id  # the function's name

    def describe(self, plan: Plan, r: Resource) -> str:
        p = r.properties
        publish = " publish" if publishes(plan, r) else ""
        return f"{p['FunctionName']} {p['Runtime']} {p['Handler']} code={readable(p['Code'])}{publish}"

    inputs = {
        **same_names(
            "Handler", "Runtime", "MemorySize", "Timeout", "Role", "Description", "Architectures", "Layers",
            "ReservedConcurrentExecutions", "KmsKeyArn", "PackageType",
        ),
        "FunctionName": "name",
        "Tags": Convert("tags", tags_map),
        "Environment": Convert("environment", nested("lambda_.FunctionEnvironmentArgs"), ("Variables",)),
        "EphemeralStorage": Convert("ephemeral_storage", nested("lambda_.FunctionEphemeralStorageArgs"), ("Size",)),
        "SnapStart": Convert("snap_start", nested("lambda_.FunctionSnapStartArgs"), ("ApplyOn",)),
    }
    consumed = ("Code",)

    def build(self, b: Builder, r: Resource) -> Any:
        p = b.props(r)
        code = p["Code"]
        if isinstance(code, CodeArchive):  # built by wsapi (Serverless's modes, fixed times), or the given one
            source: dict = {"code": b.archive(code)}
        else:  # already in S3
            source = {"s3_bucket": code["S3Bucket"], "s3_key": code["S3Key"]}
        # it runs as soon as it exists: let the role's policies be in place first (CloudFormation has them
        # inside the role)
        waits = [extra for key in references(r) for extra in b.extras_of(key)]
        return b.aws.lambda_.Function(
            b.name(r), **self.arguments(b, p), publish=publishes(b.plan, r) or None,
            opts=b.options(r, waits=waits), **source, **b.regional(),
        )


class Version(Kind):
    cfn_type = "AWS::Lambda::Version"
    folded = "the function's publish=true"
    attributes = {"Version": "version"}  # the version the function published
    consumed = ("FunctionName", "Description")

    def build(self, b: Builder, r: Resource) -> Any:
        """Pulumi publishes a function's versions itself (`publish=True`): the version is the function's."""
        return b.built(r.properties["FunctionName"].key)


class Alias(Kind):
    cfn_type = "AWS::Lambda::Alias"
    pulumi_type = "aws:lambda/alias:Alias"
    ref = "arn"
    adoption_ignores = {
        "functionVersion": "the alias keeps the version Serverless published (with its provisioned concurrency ready)"
        " until the first normal run points it at the version the function publishes",
    }

    def import_id(self, r: Resource, physical_id: str, stack: StackIds) -> str:
        """`{function}/{alias}`, read off the alias ARN CloudFormation reports
        (`arn:aws:lambda:{region}:{account}:function:{function}:{alias}`)."""
        parts = physical_id.split(":")
        if len(parts) != 8 or parts[5] != "function":
            raise AdoptionError(f"the physical id of an alias must be its ARN (arn:...:function:NAME:ALIAS), got {physical_id!r}")
        return f"{parts[6]}/{parts[7]}"

    def extras(self, properties: Mapping[str, Any]) -> Tuple[Extra, ...]:
        return (Extra(CONCURRENCY_TYPE, CONCURRENCY_SUFFIX),) if "ProvisionedConcurrencyConfig" in properties else ()

    def describe(self, plan: Plan, r: Resource) -> str:
        p = r.properties
        concurrency = p.get("ProvisionedConcurrencyConfig")
        provisioned = f" provisioned={readable(concurrency['ProvisionedConcurrentExecutions'])}" if concurrency else ""
        return f"{p['Name']} -> the published version of {readable(p['FunctionName'])}{provisioned}"

    inputs = same_names("FunctionName", "FunctionVersion", "Name", "Description")
    consumed = ("ProvisionedConcurrencyConfig",)

    def build(self, b: Builder, r: Resource) -> Any:
        p = b.props(r)
        alias = b.aws.lambda_.Alias(b.name(r), **self.arguments(b, p), opts=b.options(r), **b.regional())
        concurrency = p.get("ProvisionedConcurrencyConfig")
        if concurrency is not None:  # a property of the alias in CloudFormation, its own resource in Pulumi
            b.add_extras(r.key, [b.aws.lambda_.ProvisionedConcurrencyConfig(
                b.name(r, CONCURRENCY_SUFFIX), function_name=p["FunctionName"], qualifier=alias.name,
                provisioned_concurrent_executions=concurrency["ProvisionedConcurrentExecutions"],
                opts=b.child_options(), **b.regional(),
            )])
        return alias


class Permission(Kind):
    """Never adopted: wsapi's permissions (one per route, scoped to this API, stage and route) are created new;
    Serverless's open ones (no SourceArn) go with the Serverless stack."""

    cfn_type = "AWS::Lambda::Permission"
    pulumi_type = "aws:lambda/permission:Permission"
    ref = "id"

    def describe(self, plan: Plan, r: Resource) -> str:
        p = r.properties
        source = f" from {readable(p['SourceArn'])}" if "SourceArn" in p else ""
        return f"invoke {readable(p['FunctionName'])} by {p['Principal']}{source}"

    inputs = {
        **same_names("Action", "Principal", "SourceArn", "SourceAccount", "EventSourceToken", "FunctionUrlAuthType"),
        "FunctionName": "function",
        "PrincipalOrgID": "principal_org_id",
    }


register(Function, Version, Alias, Permission)
