"""`wsapi.WebSocketApi`: the Pulumi component. It renders the same `Plan` the CloudFormation exporter
renders, one explicit handler per resource type, and never creates resources inside `.apply()`."""

from __future__ import annotations

import hashlib
import json
import os
import re
from dataclasses import dataclass
from typing import Any, Callable, Mapping, Optional, Union

import pulumi
import pulumi_aws as aws

from . import naming
from .compile import compile_service
from .config import ConfigSource, load_service
from .errors import ConfigError, Problem
from .plan import (
    ACCOUNT_ID,
    PARTITION,
    REGION,
    STANDALONE,
    URL_SUFFIX,
    CodeArchive,
    External,
    FunctionArn,
    GetAtt,
    Join,
    Plan,
    Pseudo,
    Ref,
    Resource,
    Sub,
)
from .packaging import cached_archive
from .plan import references as plan_references
from .stage_deployment import StageDeployment
from .intrinsics import is_intrinsic

#: What `functions=` accepts for a function key: a function wsapi should invoke, or its ARN.
FunctionInput = Union[aws.lambda_.Function, str, pulumi.Output]

#: Which attribute of a Pulumi resource CloudFormation's `Ref` stands for, by CloudFormation type.
REF_ATTRIBUTE = {
    "AWS::ApiGatewayV2::Api": "id",
    "AWS::ApiGatewayV2::Integration": "id",
    "AWS::ApiGatewayV2::RouteResponse": "id",
    "AWS::ApiGatewayV2::Authorizer": "id",
    "AWS::ApiGatewayV2::Route": "id",
    "AWS::ApiGatewayV2::Stage": "name",
    "AWS::ApiGatewayV2::Deployment": "id",
    "AWS::Lambda::Permission": "id",
    "AWS::Logs::LogGroup": "name",
    "AWS::IAM::Role": "name",
    "AWS::ApiGateway::Account": "id",
    "AWS::Lambda::Function": "name",
    "AWS::Lambda::Alias": "arn",
}
GETATT_ATTRIBUTE = {
    ("AWS::IAM::Role", "Arn"): "arn",
    ("AWS::Logs::LogGroup", "Arn"): "arn",
    ("AWS::Lambda::Function", "Arn"): "arn",
    ("AWS::Lambda::Version", "Version"): "version",  # the version the function published (publish=True)
}


@dataclass
class WebSocketApiArgs:
    """`config`: path to a serverless.yml (or its folder), or an already-loaded mapping. `stage`, `region`,
    `params` and `options` are what `--stage`, `--region`, `--param K=V` and `--K V` are to Serverless.
    `functions` maps a function key to the function to invoke (resource, ARN, or Output of an ARN); any
    function not given is referenced by its Serverless name in the stack's account, region and partition,
    or, with `create_functions`, created from the serverless.yml (code, role, log groups, aliases)."""

    config: ConfigSource
    stage: Optional[str] = None
    region: Optional[str] = None
    params: Optional[Mapping[str, str]] = None
    options: Optional[Mapping[str, str]] = None
    functions: Optional[Mapping[str, FunctionInput]] = None
    create_functions: bool = False


class WebSocketApi(pulumi.ComponentResource):
    """An API Gateway WebSocket API, built from the `websocket` events of a Serverless v3 service."""

    api_id: pulumi.Output[str]
    api_endpoint: pulumi.Output[str]
    url: pulumi.Output[str]
    management_endpoint: pulumi.Output[str]
    stage_name: pulumi.Output[str]
    execution_arn: pulumi.Output[str]
    route_ids: pulumi.Output[dict]
    function_arns: pulumi.Output[dict]

    def __init__(
        self,
        name: str,
        args: Union[WebSocketApiArgs, ConfigSource, None] = None,
        opts: Optional[pulumi.ResourceOptions] = None,
        *,
        config: Optional[ConfigSource] = None,
        stage: Optional[str] = None,
        region: Optional[str] = None,
        params: Optional[Mapping[str, str]] = None,
        options: Optional[Mapping[str, str]] = None,
        functions: Optional[Mapping[str, FunctionInput]] = None,
        create_functions: bool = False,
    ) -> None:
        if not isinstance(args, WebSocketApiArgs):
            source = config if config is not None else args
            if source is None:
                raise TypeError("WebSocketApi needs config= (a serverless.yml path, its folder, or a mapping)")
            args = WebSocketApiArgs(source, stage, region, params, options, functions, create_functions)
        service = load_service(
            args.config, stage=args.stage, region=args.region, params=args.params, options=args.options,
            with_functions=args.create_functions,
        )
        function_inputs = dict(args.functions or {})
        plan = compile_service(
            service, STANDALONE, with_functions=args.create_functions, external_functions=tuple(function_inputs)
        )
        check_inputs(plan, function_inputs)

        super().__init__(naming.COMPONENT_TYPE, name, None, opts)
        label = os.fspath(service.config_path) if service.config_path else "<config>"
        for warning in service.warnings:
            pulumi.log.warn(warning.format_warning(label), resource=self)
        self.plan = plan
        self._name = name
        self._functions = function_inputs
        self._region: Optional[str] = None if service.region_is_default else service.region
        self._pseudo: dict[str, pulumi.Output] = {}
        self._pseudo_sets: dict[tuple[str, ...], pulumi.Output] = {}
        self._exports: dict[str, pulumi.Output] = {}
        self._inputs: dict[str, Any] = {}  #: evaluated properties by plan key, for the deployment's triggers
        self._extras: dict[str, list] = {}  #: what Pulumi makes a resource of its own, by the plan key it belongs to
        self.resources: dict[str, pulumi.CustomResource] = {}
        for resource in plan.creation_order():
            self.resources[resource.key] = self.HANDLERS[resource.type](self, resource)
        self._set_outputs()

    # -- plan values -> Pulumi inputs ----------------------------------------------------------------------

    def value(self, value: Any) -> Any:
        if isinstance(value, Ref):
            target = self.plan.resource(value.key)
            return getattr(self.resources[value.key], REF_ATTRIBUTE[target.type])
        if isinstance(value, GetAtt):
            target = self.plan.resource(value.key)
            return getattr(self.resources[value.key], GETATT_ATTRIBUTE[(target.type, value.attribute)])
        if isinstance(value, (Pseudo, Join, Sub, FunctionArn)):
            return self.text(self.pieces(value))
        if isinstance(value, External):
            return self.external(value)
        if isinstance(value, Mapping):
            return {k: self.value(v) for k, v in value.items()}
        if isinstance(value, (list, tuple)):
            return [self.value(v) for v in value]
        return value

    def pieces(self, value: Any) -> list[Any]:
        """A string-valued plan value as a flat list of literal strings, Outputs and (not yet known) pseudo
        parameters, so `text` builds it with one Output at most however deeply Joins and ARNs nest
        (a 300-route API would otherwise make thousands of intermediate Outputs)."""
        if isinstance(value, Pseudo):
            return [self._region] if value.name == REGION and self._region is not None else [value]
        if isinstance(value, Join):
            found: list[Any] = []
            for index, part in enumerate(value.parts):
                if index:
                    found.append(value.separator)
                found.extend(self.pieces(part))
            return found
        if isinstance(value, Sub):
            found = []
            position = 0
            for match in re.finditer(r"\$\{([^}]+)\}", value.template):
                found.append(value.template[position : match.start()])
                name = match.group(1)
                found.extend(self.pieces(Pseudo(name) if name.startswith("AWS::") else Ref(name)))
                position = match.end()
            found.append(value.template[position:])
            return found
        if isinstance(value, FunctionArn):
            given = self._functions.get(value.function_key)
            qualifier = f":{value.alias}" if value.alias else ""
            if isinstance(given, aws.lambda_.Function):
                return [given.arn, qualifier]
            if given is not None:
                return [given]
            return [
                "arn:", Pseudo(PARTITION), ":lambda:", *self.pieces(Pseudo(REGION)), ":", Pseudo(ACCOUNT_ID),
                ":function:", value.deployed_name, qualifier,
            ]
        if isinstance(value, (Ref, GetAtt, External)):
            return [self.value(value)]
        return [value]

    def text(self, pieces: list[Any]) -> Any:
        """Join pieces into a string, or an Output of one when any piece is not known yet."""
        outputs = [p for p in pieces if isinstance(p, pulumi.Output)]
        names = sorted({p.name for p in pieces if isinstance(p, Pseudo)})
        if not outputs and not names:
            return "".join(str(p) for p in pieces)
        if not names and len(pieces) == 1:
            return outputs[0]
        if names:
            outputs.append(self.pseudo_values(tuple(names)))

        def fill(values: list[Any]) -> str:
            resolved = iter(values)
            env = values[-1] if names else {}
            text = []
            for piece in pieces:
                if isinstance(piece, pulumi.Output):
                    piece = next(resolved)
                elif isinstance(piece, Pseudo):
                    piece = env[piece.name]
                text.append(str(piece))
            return "".join(text)

        if len(outputs) == 1:  # the common case (one pseudo-parameter set, or one id): no Output.all
            return outputs[0].apply(lambda value: fill([value]))
        return pulumi.Output.all(*outputs).apply(fill)

    def pseudo_values(self, names: tuple[str, ...]) -> pulumi.Output[dict]:
        """One Output of the named pseudo parameters, shared by every value that needs the same ones."""
        if names not in self._pseudo_sets:
            self._pseudo_sets[names] = pulumi.Output.all(**{name: self.pseudo(name) for name in names})
        return self._pseudo_sets[names]

    def pseudo(self, name: str) -> Any:
        if name == REGION and self._region is not None:
            return self._region
        if name not in self._pseudo:
            invoke = pulumi.InvokeOutputOptions(parent=self)
            if name == PARTITION:
                self._pseudo[name] = aws.get_partition_output(opts=invoke).partition
            elif name == URL_SUFFIX:
                self._pseudo[name] = aws.get_partition_output(opts=invoke).dns_suffix
            elif name == REGION:
                self._pseudo[name] = aws.get_region_output(opts=invoke).region
            elif name == ACCOUNT_ID:
                self._pseudo[name] = aws.get_caller_identity_output(opts=invoke).account_id
            else:
                raise KeyError(name)
        return self._pseudo[name]

    def external(self, value: External) -> Any:
        raw = value.value
        if isinstance(raw, Mapping) and set(raw) == {"Fn::ImportValue"} and isinstance(raw["Fn::ImportValue"], str):
            name = raw["Fn::ImportValue"]
            if name not in self._exports:  # one read per export, not one per resource that uses it
                self._exports[name] = aws.cloudformation.get_export_output(  # where the API lives
                    name=name, region=self._region, opts=pulumi.InvokeOutputOptions(parent=self)
                ).value
            return self._exports[name]
        return raw  # a literal (checked by check_inputs)

    # -- one handler per resource type ---------------------------------------------------------------------

    def props(self, resource: Resource) -> Any:
        self._inputs[resource.key] = self.value(resource.properties)
        return self._inputs[resource.key]

    def opts(self, resource: Resource, depends_on_extra: Any = (), **extra: Any) -> pulumi.ResourceOptions:
        depends_on = [self.resources[key] for key in resource.depends_on or () if key in self.resources]
        depends_on += list(depends_on_extra)
        return pulumi.ResourceOptions(parent=self, depends_on=depends_on or None, **extra)

    def plan_targets(self) -> dict[str, Any]:
        """The functions this component creates, by key: what integrations invoke (the alias, if any)."""
        keys = {r.key for r in self.plan.resources}
        targets: dict[str, Any] = {}
        for key, function in self.plan.service.functions.items():
            if naming.lambda_function(key) not in keys:
                continue
            alias = {"provisioned": naming.provisioned_concurrency_alias(key), "snapstart": naming.snapstart_alias(key)}
            alias_key = alias.get(function.alias or "")
            targets[key] = Ref(alias_key) if alias_key in keys else GetAtt(naming.lambda_function(key), "Arn")
        return targets

    def child_name(self, resource: Resource, suffix: str = "") -> str:
        return naming.child(self._name, resource.name) + suffix

    def regional(self) -> dict[str, Any]:
        return {"region": self._region} if self._region else {}

    def api(self, r: Resource) -> pulumi.CustomResource:
        p = self.props(r)
        return aws.apigatewayv2.Api(
            self.child_name(r), name=p["Name"], protocol_type=p["ProtocolType"],
            route_selection_expression=p["RouteSelectionExpression"], description=p["Description"],
            tags=p.get("Tags"), opts=self.opts(r), **self.regional(),
        )

    def integration(self, r: Resource) -> pulumi.CustomResource:
        p = self.props(r)
        return aws.apigatewayv2.Integration(
            self.child_name(r), api_id=p["ApiId"], integration_type=p["IntegrationType"],
            integration_uri=p["IntegrationUri"], opts=self.opts(r), **self.regional(),
        )

    def route_response(self, r: Resource) -> pulumi.CustomResource:
        p = self.props(r)
        return aws.apigatewayv2.RouteResponse(
            self.child_name(r), api_id=p["ApiId"], route_id=p["RouteId"], route_response_key=p["RouteResponseKey"],
            opts=self.opts(r), **self.regional(),
        )

    def authorizer(self, r: Resource) -> pulumi.CustomResource:
        p = self.props(r)
        return aws.apigatewayv2.Authorizer(
            self.child_name(r), api_id=p["ApiId"], name=p["Name"], authorizer_type=p["AuthorizerType"],
            authorizer_uri=p["AuthorizerUri"], identity_sources=p["IdentitySource"], opts=self.opts(r),
            **self.regional(),
        )

    def permission(self, r: Resource) -> pulumi.CustomResource:
        p = self.props(r)
        return aws.lambda_.Permission(
            self.child_name(r), function=p["FunctionName"], action=p["Action"], principal=p["Principal"],
            source_arn=p.get("SourceArn"), source_account=p.get("SourceAccount"), opts=self.opts(r),
            **self.regional(),
        )

    def route(self, r: Resource) -> pulumi.CustomResource:
        p = self.props(r)
        return aws.apigatewayv2.Route(
            self.child_name(r), api_id=p["ApiId"], route_key=p["RouteKey"], authorization_type=p["AuthorizationType"],
            target=p["Target"], route_response_selection_expression=p.get("RouteResponseSelectionExpression"),
            authorizer_id=p.get("AuthorizerId"), opts=self.opts(r), **self.regional(),
        )

    def stage(self, r: Resource) -> pulumi.CustomResource:
        p = self.props(r)
        route_settings = p.get("DefaultRouteSettings")
        access_logs = p.get("AccessLogSettings")
        return aws.apigatewayv2.Stage(
            self.child_name(r), api_id=p["ApiId"], name=p["StageName"], description=p["Description"],
            deployment_id=p["DeploymentId"],
            default_route_settings=None if route_settings is None else aws.apigatewayv2.StageDefaultRouteSettingsArgs(
                data_trace_enabled=route_settings["DataTraceEnabled"], logging_level=route_settings["LoggingLevel"]
            ),
            access_log_settings=None if access_logs is None else aws.apigatewayv2.StageAccessLogSettingsArgs(
                destination_arn=access_logs["DestinationArn"], format=access_logs["Format"]
            ),
            opts=self.opts(r), **self.regional(),
        )

    def log_group(self, r: Resource) -> pulumi.CustomResource:
        p = self.props(r)
        group = aws.cloudwatch.LogGroup(
            self.child_name(r), name=p["LogGroupName"], retention_in_days=p.get("RetentionInDays"),
            kms_key_id=p.get("KmsKeyId"),
            opts=self.opts(r), **self.regional(),
        )
        if "DataProtectionPolicy" in p:  # a property in CloudFormation, its own resource in Pulumi
            aws.cloudwatch.LogDataProtectionPolicy(
                self.child_name(r, naming.DATA_PROTECTION_SUFFIX), log_group_name=group.name,
                policy_document=json.dumps(p["DataProtectionPolicy"]), opts=pulumi.ResourceOptions(parent=self),
                **self.regional(),
            )
        return group

    def deployment(self, r: Resource) -> pulumi.CustomResource:
        p = self.props(r)
        # Redeploy when what the deployment publishes changes (routes, integrations, route responses,
        # authorizers, the route selection expression), or when a function ARN given at run time changes an
        # integration; not for stage, log or permission settings, which apply without a new deployment.
        targets = [self._inputs[x.key]["IntegrationUri"] for x in self.plan.by_type("AWS::ApiGatewayV2::Integration")]
        targets += [self._inputs[x.key]["AuthorizerUri"] for x in self.plan.by_type("AWS::ApiGatewayV2::Authorizer")]
        targets_digest = pulumi.Output.all(*targets).apply(
            lambda uris: hashlib.sha256("\n".join(map(str, uris)).encode()).hexdigest()
        )
        deployment = aws.apigatewayv2.Deployment(
            self.child_name(r), api_id=p["ApiId"], description=p["Description"],
            triggers={"plan": self.plan.published_digest, "targets": targets_digest},
            opts=self.opts(r), **self.regional(),
        )
        if "StageName" in p:  # an external API's existing stage: CloudFormation moves it; so do we
            StageDeployment(
                self.child_name(r, naming.STAGE_POINTER_SUFFIX), api_id=p["ApiId"], stage_name=p["StageName"],
                deployment_id=deployment.id, region=self.pseudo(REGION),
                opts=pulumi.ResourceOptions(parent=self, depends_on=[deployment]),
            )
        return deployment

    def role(self, r: Resource) -> pulumi.CustomResource:
        p = self.props(r)
        role = aws.iam.Role(
            self.child_name(r), assume_role_policy=json.dumps(p["AssumeRolePolicyDocument"]), name=p.get("RoleName"),
            path=p.get("Path"), permissions_boundary=p.get("PermissionsBoundary"), tags=tag_map(p.get("Tags")),
            opts=self.opts(r),
        )
        extras = self._extras.setdefault(r.key, [])
        for index, policy_arn in enumerate(p.get("ManagedPolicyArns", [])):
            extras.append(aws.iam.RolePolicyAttachment(
                self.child_name(r, naming.policy_attachment_suffix(index)), role=role.name, policy_arn=policy_arn,
                opts=pulumi.ResourceOptions(parent=self),
            ))
        for index, policy in enumerate(p.get("Policies", [])):  # inline policies: their own resources in Pulumi
            extras.append(aws.iam.RolePolicy(
                self.child_name(r, naming.inline_policy_suffix(index)), role=role.name, name=policy["PolicyName"],
                policy=pulumi.Output.json_dumps(policy["PolicyDocument"]), opts=pulumi.ResourceOptions(parent=self),
            ))
        return role

    def lambda_function(self, r: Resource) -> pulumi.CustomResource:
        p = self.props(r)
        code = p["Code"]
        if isinstance(code, CodeArchive):  # built by wsapi (Serverless's modes, fixed times), or the given one
            source: dict[str, Any] = {"code": pulumi.FileArchive(os.fspath(cached_archive(code)))}
        else:  # already in S3
            source = {"s3_bucket": code["S3Bucket"], "s3_key": code["S3Key"]}
        environment = p.get("Environment")
        storage = p.get("EphemeralStorage")
        snap_start = p.get("SnapStart")
        # a plan version of this function is what it publishes (Pulumi has no resource for a version)
        publish = any(v.properties["FunctionName"] == Ref(r.key) for v in self.plan.by_type("AWS::Lambda::Version"))
        # it runs as soon as it exists: let the role's policies be in place first (CloudFormation has them
        # inside the role)
        waits = [x for key in plan_references(r) for x in self._extras.get(key, ())]
        return aws.lambda_.Function(
            self.child_name(r), name=p["FunctionName"], role=p["Role"], handler=p["Handler"], runtime=p["Runtime"],
            memory_size=p["MemorySize"], timeout=p["Timeout"], description=p.get("Description"),
            architectures=p.get("Architectures"), layers=p.get("Layers"), tags=tag_map(p.get("Tags")),
            environment=None if environment is None else aws.lambda_.FunctionEnvironmentArgs(variables=environment["Variables"]),
            ephemeral_storage=None if storage is None else aws.lambda_.FunctionEphemeralStorageArgs(size=storage["Size"]),
            snap_start=None if snap_start is None else aws.lambda_.FunctionSnapStartArgs(apply_on=snap_start["ApplyOn"]),
            reserved_concurrent_executions=p.get("ReservedConcurrentExecutions"), publish=publish or None,
            opts=self.opts(r, depends_on_extra=waits), **source, **self.regional(),
        )

    def version(self, r: Resource) -> pulumi.CustomResource:
        """Pulumi publishes a function's versions itself (`publish=True`): the version is the function's."""
        return self.resources[r.properties["FunctionName"].key]

    def alias(self, r: Resource) -> pulumi.CustomResource:
        p = self.props(r)
        alias = aws.lambda_.Alias(
            self.child_name(r), function_name=p["FunctionName"], function_version=p["FunctionVersion"], name=p["Name"],
            opts=self.opts(r), **self.regional(),
        )
        concurrency = p.get("ProvisionedConcurrencyConfig")
        if concurrency is not None:  # a property of the alias in CloudFormation, its own resource in Pulumi
            self._extras[r.key] = [aws.lambda_.ProvisionedConcurrencyConfig(
                self.child_name(r, naming.CONCURRENCY_SUFFIX), function_name=p["FunctionName"], qualifier=alias.name,
                provisioned_concurrent_executions=concurrency["ProvisionedConcurrentExecutions"],
                opts=pulumi.ResourceOptions(parent=self), **self.regional(),
            )]
        return alias

    def account(self, r: Resource) -> pulumi.CustomResource:
        p = self.props(r)
        return aws.apigateway.Account(
            self.child_name(r), cloudwatch_role_arn=p["CloudWatchRoleArn"], opts=self.opts(r), **self.regional()
        )

    HANDLERS: dict[str, Callable[["WebSocketApi", Resource], pulumi.CustomResource]] = {
        "AWS::ApiGatewayV2::Api": api,
        "AWS::ApiGatewayV2::Integration": integration,
        "AWS::ApiGatewayV2::RouteResponse": route_response,
        "AWS::ApiGatewayV2::Authorizer": authorizer,
        "AWS::Lambda::Permission": permission,
        "AWS::ApiGatewayV2::Route": route,
        "AWS::ApiGatewayV2::Stage": stage,
        "AWS::Logs::LogGroup": log_group,
        "AWS::ApiGatewayV2::Deployment": deployment,
        "AWS::IAM::Role": role,
        "AWS::ApiGateway::Account": account,
        "AWS::Lambda::Function": lambda_function,
        "AWS::Lambda::Version": version,
        "AWS::Lambda::Alias": alias,
    }

    # -- outputs -------------------------------------------------------------------------------------------

    def _set_outputs(self) -> None:
        plan = self.plan
        outputs = {o.key: o for o in plan.outputs}
        self.api_id = pulumi.Output.from_input(self.value(plan.api_id))
        self.url = pulumi.Output.from_input(self.value(outputs[naming.SERVICE_ENDPOINT_OUTPUT].value))
        self.management_endpoint = pulumi.Output.from_input(self.value(outputs[naming.MANAGEMENT_ENDPOINT_OUTPUT].value))
        self.stage_name = pulumi.Output.from_input(plan.service.stage)
        api = self.resources.get(naming.API)
        if api is not None:
            self.api_endpoint = api.api_endpoint
            self.execution_arn = api.execution_arn
        else:
            self.api_endpoint = pulumi.Output.concat(
                "wss://", self.api_id, ".execute-api.", self.pseudo(REGION), ".", self.pseudo(URL_SUFFIX)
            )
            self.execution_arn = pulumi.Output.concat(
                "arn:", self.pseudo(PARTITION), ":execute-api:", self.pseudo(REGION), ":", self.pseudo(ACCOUNT_ID),
                ":", self.api_id,
            )
        routes = {r.properties["RouteKey"]: self.resources[r.key].id for r in plan.by_type("AWS::ApiGatewayV2::Route")}
        self.route_ids = pulumi.Output.all(**routes) if routes else pulumi.Output.from_input({})
        created = {key: self.value(target) for key, target in self.plan_targets().items()}
        self.function_arns = pulumi.Output.all(**created) if created else pulumi.Output.from_input({})
        self.register_outputs(
            {
                "api_id": self.api_id,
                "api_endpoint": self.api_endpoint,
                "url": self.url,
                "management_endpoint": self.management_endpoint,
                "stage_name": self.stage_name,
                "execution_arn": self.execution_arn,
                "route_ids": self.route_ids,
                "function_arns": self.function_arns,
            }
        )


def tag_map(tags: Any) -> Optional[dict]:
    """CloudFormation's `[{Key, Value}]` as Pulumi's mapping."""
    return None if tags is None else {tag["Key"]: tag["Value"] for tag in tags}


def check_inputs(plan: Plan, functions: Mapping[str, Any]) -> None:
    """Problems Pulumi would only hit half-way through an update: unknown function keys, wrong function
    values, and CloudFormation intrinsics it cannot evaluate (it can read `Fn::ImportValue` exports)."""
    problems: list[Problem] = []
    for key, value in functions.items():
        if key not in plan.service.functions:
            known = ", ".join(sorted(plan.service.functions)) or "none"
            problems.append(Problem(f"functions.{key}", f"is not a function of this service (functions: {known})"))
        elif isinstance(value, str) and not value.startswith("arn:"):
            problems.append(Problem(f"functions.{key}", f"must be a Lambda function ARN (arn:...), got {value!r}"))
        elif not isinstance(value, (aws.lambda_.Function, str, pulumi.Output)):
            problems.append(Problem(f"functions.{key}", f"must be an aws.lambda_.Function, an ARN or an Output, got {type(value).__name__}"))

    for external in plan.externals():
        raw = external.value
        if is_intrinsic(raw) and not (set(raw) == {"Fn::ImportValue"} and isinstance(raw["Fn::ImportValue"], str)):
            problems.append(
                Problem(external.path, f"{json.dumps(raw)} is a CloudFormation intrinsic Pulumi cannot evaluate; use the literal value or an Fn::ImportValue of a stack export")
            )
    if problems:
        label = os.fspath(plan.service.config_path) if plan.service.config_path else "<config>"
        raise ConfigError(list(dict.fromkeys(problems)), label)  # a value used in several places: once
