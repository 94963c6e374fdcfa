"""Lambda kinds: functions, their published versions and aliases, and invoke permissions."""

from __future__ import annotations

from typing import Any, Mapping, Tuple

from ..plan import CodeArchive, GetAtt, Join, Plan, Ref, Resource, readable, references
from .base import STACK_TAGS, AdoptionError, Builder, Convert, Extra, Kind, StackIds, nested, register, same_names, tags_map

CONCURRENCY_TYPE = "aws:lambda/provisionedConcurrencyConfig:ProvisionedConcurrencyConfig"
CONCURRENCY_SUFFIX = "-concurrency"  #: Alias.ProvisionedConcurrencyConfig
RUNTIME_MANAGEMENT_TYPE = "aws:lambda/runtimeManagementConfig:RuntimeManagementConfig"
RUNTIME_MANAGEMENT_SUFFIX = "-runtime-management"  #: Function.RuntimeManagementConfig


def file_system_config(aws: Any, configs: Any) -> Any:
    """CloudFormation's list of file system configurations (Lambda takes one) as Pulumi's single object."""
    (config,) = configs
    return aws.lambda_.FunctionFileSystemConfigArgs(arn=config["Arn"], local_mount_path=config["LocalMountPath"])


def image_config(aws: Any, config: Any) -> Any:
    return aws.lambda_.FunctionImageConfigArgs(
        commands=config.get("Command"), entry_points=config.get("EntryPoint"), working_directory=config.get("WorkingDirectory"),
    )


def destination_config(aws: Any, config: Any) -> Any:
    """OnSuccess/OnFailure `{Destination}` as pulumi-aws's destination configuration."""
    return aws.lambda_.FunctionEventInvokeConfigDestinationConfigArgs(
        on_success=aws.lambda_.FunctionEventInvokeConfigDestinationConfigOnSuccessArgs(destination=config["OnSuccess"]["Destination"]) if "OnSuccess" in config else None,
        on_failure=aws.lambda_.FunctionEventInvokeConfigDestinationConfigOnFailureArgs(destination=config["OnFailure"]["Destination"]) if "OnFailure" in config else None,
    )


def function_and_qualifier(b: Builder, target: Any, evaluated: Any) -> Tuple[Any, Any]:
    """What a URL targets (`TargetFunctionArn`: the function's ARN, or `Fn::Join [":", [ARN, alias]]` as the
    compile step writes an alias, after Serverless) as Pulumi's function and qualifier."""
    if isinstance(target, Join) and target.separator == ":" and len(target.parts) == 2 and isinstance(target.parts[1], str):
        return b.value(target.parts[0]), target.parts[1]
    return evaluated, None


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
        if isinstance(p["Code"], Mapping) and "ImageUri" in p["Code"]:
            return f"{p['FunctionName']} image={p['Code']['ImageUri']}{publish}"
        return f"{p['FunctionName']} {p['Runtime']} {p['Handler']} code={readable(p['Code'])}{publish}"

    def extras(self, properties: Mapping[str, Any]) -> Tuple[Extra, ...]:
        return (Extra(RUNTIME_MANAGEMENT_TYPE, RUNTIME_MANAGEMENT_SUFFIX),) if "RuntimeManagementConfig" in properties else ()

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
        "VpcConfig": Convert("vpc_config", nested("lambda_.FunctionVpcConfigArgs"), ("SecurityGroupIds", "SubnetIds", "Ipv6AllowedForDualStack")),
        "TracingConfig": Convert("tracing_config", nested("lambda_.FunctionTracingConfigArgs"), ("Mode",)),
        "DeadLetterConfig": Convert("dead_letter_config", nested("lambda_.FunctionDeadLetterConfigArgs"), ("TargetArn",)),
        "FileSystemConfigs": Convert("file_system_config", file_system_config),
        "ImageConfig": Convert("image_config", image_config, ("Command", "EntryPoint", "WorkingDirectory")),
    }
    consumed = ("Code", "RuntimeManagementConfig")

    def build(self, b: Builder, r: Resource) -> Any:
        p = b.props(r)
        code = p["Code"]
        if isinstance(code, CodeArchive):  # built by wsapi (Serverless's modes, fixed times), or the given one
            source: dict = {"code": b.archive(code)}
        elif "ImageUri" in code:  # a container image in ECR
            source = {"image_uri": code["ImageUri"]}
        else:  # already in S3
            source = {"s3_bucket": code["S3Bucket"], "s3_key": code["S3Key"]}
        # it runs as soon as it exists: let the role's policies be in place first (CloudFormation has them
        # inside the role)
        waits = [extra for key in references(r) for extra in b.extras_of(key)]
        function = b.aws.lambda_.Function(
            b.name(r), **self.arguments(b, p), publish=publishes(b.plan, r) or None,
            opts=b.options(r, waits=waits), **source, **b.regional(),
        )
        management = p.get("RuntimeManagementConfig")
        if management is not None:  # a property in CloudFormation, its own resource in Pulumi
            b.add_extras(r.key, [b.aws.lambda_.RuntimeManagementConfig(
                b.name(r, RUNTIME_MANAGEMENT_SUFFIX), function_name=function.name,
                update_runtime_on=management["UpdateRuntimeOn"], runtime_version_arn=management.get("RuntimeVersionArn"),
                opts=b.child_options(), **b.regional(),
            )])
        return function


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


def function_name(stack: StackIds, value: Any, what: str) -> str:
    """A function's name from a reference to it in the stack (`Ref`, or `Fn::GetAtt .Arn`: its physical id is its
    name) or from its name or ARN written out."""
    if isinstance(value, GetAtt):
        value = Ref(value.key)
    return stack.physical(value, what).split(":function:")[-1].split(":")[0]


class EventInvokeConfig(Kind):
    cfn_type = "AWS::Lambda::EventInvokeConfig"
    pulumi_type = "aws:lambda/functionEventInvokeConfig:FunctionEventInvokeConfig"
    ref = "id"

    def describe(self, plan: Plan, r: Resource) -> str:
        p = r.properties
        settings = [f"{name}={readable(value['Destination'])}" for name, value in p["DestinationConfig"].items()]
        settings += [f"{name}={p[name]}" for name in ("MaximumEventAgeInSeconds", "MaximumRetryAttempts") if name in p]
        return f"{readable(p['FunctionName'])}:{p['Qualifier']} " + " ".join(settings)

    def import_id(self, r: Resource, physical_id: str, stack: StackIds) -> str:
        """The function's name, with `:{qualifier}` unless it is `$LATEST` (pulumi-aws's import format)."""
        name = function_name(stack, r.properties["FunctionName"], "FunctionName")
        qualifier = r.properties.get("Qualifier", "$LATEST")
        return name if qualifier == "$LATEST" else f"{name}:{stack.physical(qualifier, 'Qualifier').split(':')[-1]}"

    inputs = {
        **same_names("FunctionName", "Qualifier", "MaximumEventAgeInSeconds", "MaximumRetryAttempts"),
        "DestinationConfig": Convert("destination_config", destination_config, ("OnSuccess", "OnFailure")),
    }


class Url(Kind):
    cfn_type = "AWS::Lambda::Url"
    pulumi_type = "aws:lambda/functionUrl:FunctionUrl"
    ref = "function_arn"
    attributes = {"FunctionUrl": "function_url", "FunctionArn": "function_arn"}

    def describe(self, plan: Plan, r: Resource) -> str:
        p = r.properties
        return f"{readable(p['TargetFunctionArn'])} auth={p['AuthType']}" + (" cors" if "Cors" in p else "")

    inputs = {
        "AuthType": "authorization_type",
        "InvokeMode": "invoke_mode",
        "Qualifier": "qualifier",
        "Cors": Convert("cors", nested("lambda_.FunctionUrlCorsArgs"), ("AllowCredentials", "AllowHeaders", "AllowMethods", "AllowOrigins", "ExposeHeaders", "MaxAge")),
    }
    consumed = ("TargetFunctionArn",)

    def import_id(self, r: Resource, physical_id: str, stack: StackIds) -> str:
        """`{function}` or `{function}/{qualifier}` (pulumi-aws's import format), from the target: the
        function's ARN, joined with its alias's name when it has one (Serverless's resolveLambdaTarget)."""
        target, qualifier = r.properties["TargetFunctionArn"], None
        if isinstance(target, Join) and len(target.parts) == 2 and isinstance(target.parts[1], str):
            target, qualifier = target.parts
        name = function_name(stack, target, "TargetFunctionArn")
        return f"{name}/{qualifier}" if qualifier else name

    def build(self, b: Builder, r: Resource) -> Any:
        p = b.props(r)
        function, qualifier = function_and_qualifier(b, r.properties["TargetFunctionArn"], p["TargetFunctionArn"])
        arguments = {"qualifier": qualifier, **self.arguments(b, p)}
        return b.aws.lambda_.FunctionUrl(b.name(r), function_name=function, **arguments, opts=b.options(r), **b.regional())


register(Function, Version, Alias, Permission, EventInvokeConfig, Url)
