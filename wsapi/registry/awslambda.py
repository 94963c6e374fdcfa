"""Lambda kinds: functions, their published versions and aliases, and invoke permissions."""

from __future__ import annotations

from typing import Any, Mapping, Tuple

from ..plan import CodeArchive, Plan, Ref, Resource, readable, references
from .base import Builder, Extra, Kind, register, tag_map

CONCURRENCY_TYPE = "aws:lambda/provisionedConcurrencyConfig:ProvisionedConcurrencyConfig"
CONCURRENCY_SUFFIX = "-concurrency"  #: Alias.ProvisionedConcurrencyConfig


def publishes(plan: Plan, function: Resource) -> bool:
    """A plan version of a function is what the function publishes (Pulumi has no resource for a version)."""
    return any(v.properties["FunctionName"] == Ref(function.key) for v in plan.by_type(Version.cfn_type))


class Function(Kind):
    cfn_type = "AWS::Lambda::Function"
    pulumi_type = "aws:lambda/function:Function"
    ref = "name"
    attributes = {"Arn": "arn"}

    def describe(self, plan: Plan, r: Resource) -> str:
        p = r.properties
        publish = " publish" if publishes(plan, r) else ""
        return f"{p['FunctionName']} {p['Runtime']} {p['Handler']} code={readable(p['Code'])}{publish}"

    def build(self, b: Builder, r: Resource) -> Any:
        lambda_ = b.aws.lambda_
        p = b.props(r)
        code = p["Code"]
        if isinstance(code, CodeArchive):  # built by wsapi (Serverless's modes, fixed times), or the given one
            source: dict = {"code": b.archive(code)}
        else:  # already in S3
            source = {"s3_bucket": code["S3Bucket"], "s3_key": code["S3Key"]}
        environment = p.get("Environment")
        storage = p.get("EphemeralStorage")
        snap_start = p.get("SnapStart")
        # it runs as soon as it exists: let the role's policies be in place first (CloudFormation has them
        # inside the role)
        waits = [extra for key in references(r) for extra in b.extras_of(key)]
        return lambda_.Function(
            b.name(r), name=p["FunctionName"], role=p["Role"], handler=p["Handler"], runtime=p["Runtime"],
            memory_size=p["MemorySize"], timeout=p["Timeout"], description=p.get("Description"),
            architectures=p.get("Architectures"), layers=p.get("Layers"), tags=tag_map(p.get("Tags")),
            environment=None if environment is None else lambda_.FunctionEnvironmentArgs(variables=environment["Variables"]),
            ephemeral_storage=None if storage is None else lambda_.FunctionEphemeralStorageArgs(size=storage["Size"]),
            snap_start=None if snap_start is None else lambda_.FunctionSnapStartArgs(apply_on=snap_start["ApplyOn"]),
            reserved_concurrent_executions=p.get("ReservedConcurrentExecutions"),
            publish=publishes(b.plan, r) or None, opts=b.options(r, waits=waits), **source, **b.regional(),
        )


class Version(Kind):
    cfn_type = "AWS::Lambda::Version"
    folded = "the function's publish=true"
    attributes = {"Version": "version"}  # the version the function published

    def build(self, b: Builder, r: Resource) -> Any:
        """Pulumi publishes a function's versions itself (`publish=True`): the version is the function's."""
        return b.built(r.properties["FunctionName"].key)


class Alias(Kind):
    cfn_type = "AWS::Lambda::Alias"
    pulumi_type = "aws:lambda/alias:Alias"
    ref = "arn"

    def extras(self, properties: Mapping[str, Any]) -> Tuple[Extra, ...]:
        return (Extra(CONCURRENCY_TYPE, CONCURRENCY_SUFFIX),) if "ProvisionedConcurrencyConfig" in properties else ()

    def describe(self, plan: Plan, r: Resource) -> str:
        p = r.properties
        concurrency = p.get("ProvisionedConcurrencyConfig")
        provisioned = f" provisioned={readable(concurrency['ProvisionedConcurrentExecutions'])}" if concurrency else ""
        return f"{p['Name']} -> the published version of {readable(p['FunctionName'])}{provisioned}"

    def build(self, b: Builder, r: Resource) -> Any:
        p = b.props(r)
        alias = b.aws.lambda_.Alias(
            b.name(r), function_name=p["FunctionName"], function_version=p["FunctionVersion"], name=p["Name"],
            opts=b.options(r), **b.regional(),
        )
        concurrency = p.get("ProvisionedConcurrencyConfig")
        if concurrency is not None:  # a property of the alias in CloudFormation, its own resource in Pulumi
            b.add_extras(r.key, [b.aws.lambda_.ProvisionedConcurrencyConfig(
                b.name(r, CONCURRENCY_SUFFIX), function_name=p["FunctionName"], qualifier=alias.name,
                provisioned_concurrent_executions=concurrency["ProvisionedConcurrentExecutions"],
                opts=b.child_options(), **b.regional(),
            )])
        return alias


class Permission(Kind):
    cfn_type = "AWS::Lambda::Permission"
    pulumi_type = "aws:lambda/permission:Permission"
    ref = "id"

    def describe(self, plan: Plan, r: Resource) -> str:
        p = r.properties
        source = f" from {readable(p['SourceArn'])}" if "SourceArn" in p else ""
        return f"invoke {readable(p['FunctionName'])} by {p['Principal']}{source}"

    def build(self, b: Builder, r: Resource) -> Any:
        p = b.props(r)
        return b.aws.lambda_.Permission(
            b.name(r), function=p["FunctionName"], action=p["Action"], principal=p["Principal"],
            source_arn=p.get("SourceArn"), source_account=p.get("SourceAccount"), opts=b.options(r),
            **b.regional(),
        )


register(Function, Version, Alias, Permission)
