"""Compile a validated `Service` into one `Plan`, in Serverless v3's order: api, integrations, route
responses, authorizers, permissions, routes, stage, deployment.

Two modes share this code: `serverless-v3` reproduces exactly what `serverless package` writes (for
comparison, or to drop into a Serverless stack), `standalone` makes a plan that deploys on its own and is
what the Pulumi component provisions.
"""

from __future__ import annotations

import binascii
import hashlib
from typing import Any, Mapping, Optional

from .. import naming
from ..digests import encode
from .declared import DeclaredStep, evaluate_conditions
from .domains import compile_domains
from .functions import compile_functions, ignored_events
from .references import References, Scope
from ..model import Authorizer, Function, Route, Service
from ..plan import (
    ACCOUNT_ID,
    COMPAT,
    MODES,
    PARTITION,
    REGION,
    STANDALONE,
    URL_SUFFIX,
    External,
    FunctionArn,
    GetAtt,
    Join,
    Output,
    Plan,
    Pseudo,
    Ref,
    Resource,
    Sub,
)
from ..registry import lookup

LAMBDA_PRINCIPAL = "apigateway.amazonaws.com"
CLOUDWATCH_PUSH_POLICY = "arn:${AWS::Partition}:iam::aws:policy/service-role/AmazonAPIGatewayPushToCloudWatchLogs"


def lodash_merge(target: dict, source: dict) -> dict:
    """Merge as lodash's `_.merge` does (Serverless merges every resource it compiles this way):
    mappings recursively, lists index by index, anything else replaced."""
    for key, value in source.items():
        current = target.get(key)
        if value is None and key in target:
            continue  # lodash skips undefined
        if isinstance(current, dict) and isinstance(value, dict):
            lodash_merge(current, value)
        elif isinstance(current, list) and isinstance(value, list):
            for index, item in enumerate(value):
                if index < len(current) and isinstance(current[index], dict) and isinstance(item, dict):
                    lodash_merge(current[index], item)
                elif index < len(current):
                    current[index] = item
                else:
                    current.append(item)
        else:
            target[key] = value
    return target


def lambda_invocation_uri(target: Any) -> Join:
    return Join(
        "",
        ("arn:", Pseudo(PARTITION), ":apigateway:", Pseudo(REGION), ":lambda:path/2015-03-31/functions/", target, "/invocations"),
    )


class _Compiler:
    def __init__(self, service: Service, mode: str, with_functions: bool = False, external_functions: Any = ()) -> None:
        if mode not in MODES:
            raise ValueError(f"unknown mode {mode!r}; expected one of {MODES}")
        if with_functions and mode == COMPAT:
            raise ValueError("compat mode describes the websocket part of a Serverless stack, whose functions Serverless creates")
        self.with_functions = with_functions
        self.external_functions = tuple(external_functions)
        self.created: dict[str, Any] = {}  # function key -> how to invoke the function this plan creates
        self.function_urls: dict[str, Output] = {}  # function key -> the output of its URL
        self.build_warnings: list = []  # build settings of the created functions that change nothing
        self.service = service
        self.compat = mode == COMPAT
        self.mode = mode
        self.drafts: dict[str, dict] = {}  # logical id -> {type, name, properties, depends_on, attributes}
        if service.external_api_id is None:
            self.api_id: Any = Ref(naming.API)
        elif isinstance(service.external_api_id, str):
            self.api_id = service.external_api_id
        else:
            self.api_id = External(service.external_api_id, "provider.apiGateway.websocketApiId")

    # -- helpers ------------------------------------------------------------------------------------------

    def add(self, key: str, type_: str, child_suffix: str, properties: dict, depends_on: list[str] | None = None, **attributes: Any) -> None:
        """Add a resource, merging into one of the same key as Serverless does. `child_suffix` names its Pulumi
        child (`Resource.child_suffix`). `depends_on=None`: no DependsOn; an empty list is kept (compat output
        reproduces Serverless's `"DependsOn": []`)."""
        draft = {"type": type_, "child_suffix": child_suffix, "properties": properties, "depends_on": depends_on, "attributes": attributes}
        if key in self.drafts:
            lodash_merge(self.drafts[key], draft)
        else:
            self.drafts[key] = draft

    def function_arn(self, function: Function) -> Any:
        if function.key in self.created:  # created here: its ARN (its alias's, when it has one)
            return self.created[function.key]
        return FunctionArn(function.key, function.deployed_name, function.alias)

    def alias_logical_id(self, function: Function) -> Optional[str]:
        if function.alias == "provisioned":
            return naming.provisioned_concurrency_alias(function.key)
        if function.alias == "snapstart":
            return naming.snapstart_alias(function.key)
        return None

    def alias_attribute(self, function: Function) -> dict[str, str]:
        """Compat only: Serverless makes an integration or authorizer of an aliased function wait for the
        alias with a scalar `DependsOn` (the alias lives in the Serverless stack, not in this plan)."""
        alias = self.alias_logical_id(function)
        return {"DependsOn": alias} if self.compat and alias else {}

    def api_depends_on(self) -> list[str]:
        """Serverless's `[websocketApiId.Ref]`: our API, or the resource a `{Ref: X}` websocketApiId names."""
        if isinstance(self.api_id, Ref):
            return [self.api_id.key]
        if self.compat and isinstance(self.api_id, External) and isinstance(self.api_id.value, dict):
            ref = self.api_id.value.get("Ref")
            return [ref] if isinstance(ref, str) else []
        return []

    def authorizer_target(self, authorizer: Authorizer) -> Any:
        if authorizer.function_key is not None:
            return self.function_arn(self.service.functions[authorizer.function_key])
        if isinstance(authorizer.arn, str):
            return authorizer.arn
        path = next((f"{r.path}.authorizer.arn" for r in self.service.routes if r.authorizer == authorizer), "")
        return External(authorizer.arn, path)

    # -- the steps ----------------------------------------------------------------------------------------

    def compile(self) -> Plan:
        """The steps in Serverless's order. `resources:` is merged as Serverless merges it, after everything
        (compat: the deployment's id hashes what came before); standalone merges it before the deployment, so
        that an override of a route or integration is published, and then evaluates every reference."""
        if self.with_functions:
            self.created, self.function_urls = compile_functions(self, self.external_functions)
        self.compile_api()
        self.compile_integrations()
        self.compile_route_responses()
        self.compile_authorizers()
        self.compile_permissions()
        self.compile_routes()
        stage_key = self.compile_stage()
        domains = () if self.compat else compile_domains(self)  # Serverless's template has none
        declared = DeclaredStep(self.drafts, self.service.declared, self.compat)
        outputs = self.outputs(domains)
        if not self.compat:
            declared.merge()
            outputs = self.references(outputs)
        everything, published = self.digests()
        deployment_key = self.compile_deployment(everything if self.compat else published)
        if stage_key is not None:
            self.drafts[stage_key]["properties"]["DeploymentId"] = Ref(deployment_key)
        if self.compat:
            declared.merge()
        return self.plan(outputs, published, tuple(declared.warnings) + tuple(ignored_events(self.service, list(self.created))) + tuple(self.build_warnings))

    def references(self, outputs: tuple[Output, ...]) -> tuple[Output, ...]:
        """Every user-written intrinsic as a plan value (`references`), and the declared outputs added."""
        declared = self.service.declared
        scope = Scope(
            frozenset(self.drafts), frozenset(declared.parameters), frozenset(declared.conditions), self.service, self.api_id
        )
        convert = References(scope)
        for key, draft in self.drafts.items():
            where = f"resources.Resources.{key}.Properties" if draft.get("declared") or draft.get("overrides") else key
            draft["properties"] = convert.plan_values(draft["properties"], where)
        self.api_id = convert.plan_values(self.api_id, "provider.apiGateway.websocketApiId")
        own = []
        for key, output in declared.outputs.items():
            path = f"resources.Outputs.{key}"
            export = output.get("Export", {}).get("Name") if isinstance(output.get("Export"), Mapping) else None
            own.append(Output(
                key, str(output.get("Description", "")), convert.convert(output["Value"], f"{path}.Value"),
                None if export is None else convert.convert(export, f"{path}.Export.Name"), output.get("Condition"),
            ))
        generated = tuple(
            Output(o.key, o.description, convert.plan_values(o.value, f"Outputs.{o.key}"), o.export, o.condition) for o in outputs
        )
        return generated + tuple(own)

    def plan(self, outputs: tuple[Output, ...], published: str, warnings: tuple) -> Plan:
        declared = self.service.declared
        resources = tuple(
            Resource(
                key=key,
                type=draft["type"],
                child_suffix=draft["child_suffix"] or key,
                properties=draft["properties"],
                depends_on=None if draft["depends_on"] is None else tuple(draft["depends_on"]),
                attributes=draft["attributes"],
                declared=bool(draft.get("declared")),
                overrides=tuple(draft.get("overrides", ())),
            )
            for key, draft in self.drafts.items()
        )
        own = not self.compat
        return Plan(
            mode=self.mode,
            service=self.service,
            resources=resources,
            outputs=outputs,
            api_id=self.api_id,
            published_digest=published,
            function_targets=dict(self.created),
            function_urls={key: output.value for key, output in self.function_urls.items()},
            parameters=dict(declared.parameters) if own else {},
            conditions=dict(declared.conditions) if own else {},
            mappings=dict(declared.mappings) if own else {},
            condition_values=evaluate_conditions(declared, None if self.service.region_is_default else self.service.region) if own else {},
            warnings=warnings,
        )

    def compile_api(self) -> None:
        service = self.service
        if service.external_api_id is not None:
            return
        properties: dict[str, Any] = {
            "Name": service.api_name,
            "RouteSelectionExpression": service.route_selection_expression,
            "Description": service.description,
            "ProtocolType": "WEBSOCKET",
        }
        if service.api_tags is not None:  # `tags: {}` with useProviderTags: Serverless writes `Tags: {}`
            properties["Tags"] = dict(service.api_tags)
        self.add(naming.API, "AWS::ApiGatewayV2::Api", "api", properties)

    def compile_integrations(self) -> None:
        for route in self.service.routes:
            function = self.service.functions[route.function_key]
            self.add(
                naming.integration(function.key),
                "AWS::ApiGatewayV2::Integration",
                f"integration-{function.key}",
                {
                    "ApiId": self.api_id,
                    "IntegrationType": "AWS_PROXY",
                    "IntegrationUri": lambda_invocation_uri(self.function_arn(function)),
                },
                **self.alias_attribute(function),
            )

    def compile_route_responses(self) -> None:
        for route in self.service.routes:
            if not route.route_response_selection_expression:
                continue
            self.add(
                naming.route_response(route.route_key, self.compat),
                "AWS::ApiGatewayV2::RouteResponse",
                f"route-response-{route.route_key}",
                {"ApiId": self.api_id, "RouteId": Ref(naming.route(route.route_key, self.compat)), "RouteResponseKey": "$default"},
            )

    def compile_authorizers(self) -> None:
        for route in self.service.routes:
            authorizer = route.authorizer
            if authorizer is None:
                continue
            # Serverless looks the authorizer's *name* up among the functions, so an ARN authorizer named
            # like a local function also waits for that function's alias.
            local = self.service.functions.get(authorizer.name)
            attributes = self.alias_attribute(local) if local is not None else {}
            self.add(
                naming.authorizer(authorizer.name),
                "AWS::ApiGatewayV2::Authorizer",
                f"authorizer-{authorizer.name}",
                {
                    "ApiId": self.api_id,
                    "Name": authorizer.name,
                    "AuthorizerType": "REQUEST",
                    "AuthorizerUri": lambda_invocation_uri(self.authorizer_target(authorizer)),
                    "IdentitySource": list(authorizer.identity_sources),
                },
                **attributes,
            )

    def execute_api_arn(self, *suffix: Any) -> Join:
        """`arn:{partition}:execute-api:{region}:{account}:{apiId}` followed by `suffix`."""
        return Join(
            "",
            ("arn:", Pseudo(PARTITION), ":execute-api:", Pseudo(REGION), ":", Pseudo(ACCOUNT_ID), ":", self.api_id)
            + suffix,
        )

    def compile_permissions(self) -> None:
        for route in self.service.routes:
            function = self.service.functions[route.function_key]
            if self.compat:
                self.compat_route_permission(function)
            else:
                self.route_permission(route, function)
            if route.authorizer is not None:
                self.compile_authorizer_permission(route.authorizer)

    def compat_route_permission(self, function: Function) -> None:
        """Serverless: one permission per function, for any API Gateway (no SourceArn)."""
        depends_on = self.api_depends_on()
        depends_on.append(self.alias_logical_id(function) or naming.lambda_function(function.key))
        self.add(
            naming.permission(function.key),
            "AWS::Lambda::Permission",
            f"permission-{function.key}",
            {"FunctionName": self.function_arn(function), "Action": "lambda:InvokeFunction", "Principal": LAMBDA_PRINCIPAL},
            depends_on,
        )

    def route_permission(self, route: Route, function: Function) -> None:
        """Least privilege: one permission per route, usable only by this API, stage and route key, from
        this account. Named after the route key, so adding a route renames nothing."""
        self.add(
            naming.route_permission(route.route_key),
            "AWS::Lambda::Permission",
            f"permission-{route.route_key}",
            {
                "FunctionName": self.function_arn(function),
                "Action": "lambda:InvokeFunction",
                "Principal": LAMBDA_PRINCIPAL,
                "SourceArn": self.execute_api_arn(f"/{self.service.stage}/{route.route_key}"),
                "SourceAccount": Pseudo(ACCOUNT_ID),
            },
        )

    def compile_authorizer_permission(self, authorizer: Authorizer) -> None:
        depends_on: Optional[list[str]] = self.api_depends_on()
        properties: dict[str, Any] = {"Action": "lambda:InvokeFunction", "Principal": LAMBDA_PRINCIPAL}
        if authorizer.function_key is None:
            properties["FunctionName"] = self.authorizer_target(authorizer)
        else:
            function = self.service.functions[authorizer.function_key]
            properties["FunctionName"] = self.function_arn(function)
            if self.compat:
                depends_on.append(naming.lambda_function(function.key))
                alias = self.alias_logical_id(function)
                if alias:
                    depends_on.append(alias)
        if not self.compat:
            # only this API's authorizer may call it (the ARN names the authorizer, so no DependsOn needed)
            properties["SourceArn"] = self.execute_api_arn("/authorizers/", Ref(naming.authorizer(authorizer.name)))
            properties["SourceAccount"] = Pseudo(ACCOUNT_ID)
            depends_on = None
        self.add(
            naming.permission(authorizer.name),
            "AWS::Lambda::Permission",
            f"authorizer-permission-{authorizer.name}",
            properties,
            depends_on,
        )

    def compile_routes(self) -> None:
        for route in self.service.routes:
            properties: dict[str, Any] = {
                "ApiId": self.api_id,
                "RouteKey": route.route_key,
                "AuthorizationType": "NONE",
                "Target": Join("/", ("integrations", Ref(naming.integration(route.function_key)))),
            }
            if route.route_response_selection_expression:
                properties["RouteResponseSelectionExpression"] = route.route_response_selection_expression
            if route.authorizer is not None:
                properties["AuthorizationType"] = "CUSTOM"
                properties["AuthorizerId"] = Ref(naming.authorizer(route.authorizer.name))
            self.add(naming.route(route.route_key, self.compat), "AWS::ApiGatewayV2::Route", f"route-{route.route_key}", properties)

    def compile_stage(self) -> Optional[str]:
        service = self.service
        if service.external_api_id is not None:
            return None  # Serverless updates the external API's stage through the Deployment's StageName
        properties: dict[str, Any] = {"ApiId": self.api_id, "StageName": service.stage, "Description": service.description}
        stage_depends_on: Optional[list[str]] = None
        logs = service.logs
        if logs is not None:
            properties["DefaultRouteSettings"] = {"DataTraceEnabled": logs.full_execution_data, "LoggingLevel": logs.level}
            if logs.access_logging:
                properties["AccessLogSettings"] = {
                    "DestinationArn": Sub(
                        "arn:${AWS::Partition}:logs:${AWS::Region}:${AWS::AccountId}:log-group:${" + naming.LOG_GROUP + "}"
                    ),
                    "Format": logs.format,
                }
            if not self.compat:
                stage_depends_on = self.standalone_account_role()
        self.add(naming.STAGE, "AWS::ApiGatewayV2::Stage", "stage", properties, stage_depends_on)
        if logs is not None and (self.compat or logs.access_logging):
            self.compile_log_group()
        if logs is not None and self.compat:
            self.compat_account_role()
        return naming.STAGE

    def compile_log_group(self) -> None:
        service = self.service
        properties: dict[str, Any] = {"LogGroupName": naming.log_group_name(service.name, service.stage)}
        if service.log_retention_in_days:
            properties["RetentionInDays"] = service.log_retention_in_days
        if service.log_kms_key_arn is not None and not self.compat:
            key = service.log_kms_key_arn
            properties["KmsKeyId"] = key if isinstance(key, str) else External(key, "custom.wsapi.logs.kmsKeyArn")
        if service.log_data_protection_policy:
            properties["DataProtectionPolicy"] = External(
                dict(service.log_data_protection_policy), "provider.logDataProtectionPolicy"
            )
        self.add(naming.LOG_GROUP, "AWS::Logs::LogGroup", "log-group", properties)

    def compat_account_role(self) -> None:
        """Serverless sets the account's CloudWatch role through a custom resource backed by its own Lambda."""
        service = self.service
        if service.cloudwatch_role_managed_externally:
            return
        properties: dict[str, Any] = {"ServiceToken": GetAtt(naming.CUSTOM_ACCOUNT_ROLE_FUNCTION, "Arn")}
        if service.cloudwatch_role_arn is not None:
            properties["RoleArn"] = self.role_arn()
        self.add(naming.CUSTOM_ACCOUNT_ROLE, "Custom::ApiGatewayAccountRole", "cloudwatch-role", properties, Version=1)

    def standalone_account_role(self) -> Optional[list[str]]:
        """The same account setting with native resources, and only when execution logging needs it.
        Returns what the stage must wait for (AWS refuses stage logging before the role is set)."""
        service = self.service
        logs = service.logs
        if logs is None or not logs.execution_logging or service.cloudwatch_role_managed_externally:
            return None
        role_arn: Any
        if service.cloudwatch_role_arn is not None:
            role_arn = self.role_arn()
        else:
            self.add(
                naming.CLOUDWATCH_ROLE,
                "AWS::IAM::Role",
                "cloudwatch-role",
                {
                    "AssumeRolePolicyDocument": {
                        "Version": "2012-10-17",
                        "Statement": [
                            {
                                "Effect": "Allow",
                                "Principal": {"Service": ["apigateway.amazonaws.com"]},
                                "Action": ["sts:AssumeRole"],
                            }
                        ],
                    },
                    "ManagedPolicyArns": [Sub(CLOUDWATCH_PUSH_POLICY)],
                },
            )
            role_arn = GetAtt(naming.CLOUDWATCH_ROLE, "Arn")
        self.add(naming.ACCOUNT, "AWS::ApiGateway::Account", "account", {"CloudWatchRoleArn": role_arn})
        return [naming.ACCOUNT]

    def role_arn(self) -> Any:
        value = self.service.cloudwatch_role_arn
        return value if isinstance(value, str) else External(value, "provider.logs.restApi.role")

    def digests(self) -> tuple[str, str]:
        """(everything compiled so far, what a deployment publishes). Serverless names its deployment after
        a hash of the whole websocket part, and compat does the same; standalone and Pulumi redeploy only
        when what the deployment publishes changes."""
        everything = hashlib.sha256()
        published = hashlib.sha256(self.service.route_selection_expression.encode())
        for key in sorted(self.drafts):  # each resource is encoded once and feeds both hashes
            draft = self.drafts[key]
            properties = encode(draft["properties"])
            rest = encode({k: v for k, v in draft.items() if k != "properties"})
            everything.update(f"{key}\0{rest}\0{properties}\n".encode())
            if not draft.get("declared") and lookup(draft["type"]).published:
                published.update(f"{key}\0{properties}\n".encode())
        return everything.hexdigest(), published.hexdigest()

    def compile_deployment(self, digest: str) -> str:
        service = self.service
        depends_on: list[str] = []
        for route in service.routes:
            if route.route_response_selection_expression:
                depends_on.append(naming.route_response(route.route_key, self.compat))
            depends_on.append(naming.route(route.route_key, self.compat))
        properties: dict[str, Any] = {"ApiId": self.api_id, "Description": service.description}
        if service.external_api_id is not None:
            properties["StageName"] = service.stage
        key = naming.deployment(binascii.b2a_base64(bytes.fromhex(digest), newline=False).decode())
        self.add(key, "AWS::ApiGatewayV2::Deployment", "deployment", properties, depends_on)
        return key

    def outputs(self, domains: tuple[tuple[str, str], ...] = ()) -> tuple[Output, ...]:
        """The endpoint (the first custom domain's URL when there is one), the management endpoint (always
        the execute-api host: @connections does not work through a custom domain with a base path), the API
        id, and each custom domain's URL."""
        stage = self.service.stage
        host = (self.api_id, ".execute-api.", Pseudo(REGION), ".", Pseudo(URL_SUFFIX), f"/{stage}")
        url = Output(naming.SERVICE_ENDPOINT_OUTPUT, "URL of the service endpoint", Join("", ("wss://",) + host))
        if domains:
            url = Output(url.key, "URL of the service endpoint (its custom domain)", domains[0][1])
        if self.compat:
            export = naming.serverless_export(self.service.name, stage, naming.SERVICE_ENDPOINT_OUTPUT)
            return (Output(url.key, url.description, url.value, export),)
        return (
            url,
            Output(
                naming.MANAGEMENT_ENDPOINT_OUTPUT,
                "Management (@connections) endpoint: POST/GET/DELETE {endpoint}/@connections/{connectionId}",
                Join("", ("https://",) + host),
            ),
            Output(naming.API_ID_OUTPUT, "WebSocket API id", self.api_id),
        ) + tuple(Output(naming.domain_url_output(name), f"URL of the custom domain {name}", value) for name, value in domains) + tuple(self.function_urls.values())


def compile_service(
    service: Service, mode: str = STANDALONE, *, with_functions: bool = False, external_functions: Any = ()
) -> Plan:
    """The one place a service becomes resources; both renderers consume its result. `with_functions`
    (standalone only; the service loaded `with_functions=True`) also creates the Lambda functions serving its
    routes and authorizers, except those in `external_functions` (keys of functions deployed elsewhere)."""
    return _Compiler(service, mode, with_functions, external_functions).compile()

