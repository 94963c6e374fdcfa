"""Turn a variable-resolved serverless.yml mapping into a `model.Service`, or report every problem at once.

Checks the `websocket` event schema Serverless v3 defines, the provider and function settings the websocket
module reads, and the rules AWS enforces at deploy time that Serverless lets through (authorizers only on
`$connect`, duplicate route keys, route keys that collide on one logical id, unknown `$` route keys).
Keys that belong to other parts of a Serverless service are passed over.
"""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path
from typing import Any, Mapping, Optional

from . import aws_rules, naming
from .errors import ProblemCollector, join_path
from .intrinsics import is_intrinsic
from .readers import TypedReader, type_name
from .model import (
    DEFAULT_DESCRIPTION,
    DEFAULT_IDENTITY_SOURCE,
    DEFAULT_ROUTE_SELECTION_EXPRESSION,
    RESERVED_ROUTE_KEYS,
    Authorizer,
    Function,
    FunctionRuntime,
    LogSettings,
    Route,
    Service,
)

#: The paths of a serverless.yml this module reads; variables are resolved there and nowhere else.
READ_PATHS = (
    "service",
    "provider.name",
    "provider.stage",
    "provider.region",
    "provider.websocketsApiName",
    "provider.websocketsApiRouteSelectionExpression",
    "provider.websocketsDescription",
    "provider.apiGateway.websocketApiId",
    "provider.logs.websocket",
    "provider.logs.restApi",
    "provider.logRetentionInDays",
    "provider.logDataProtectionPolicy",
    "provider.tags",
    "provider.websocket",
    "custom.wsapi",
    "functions.*.handler",
    "functions.*.image",
    "functions.*.name",
    "functions.*.provisionedConcurrency",
    "functions.*.snapStart",
    "functions.*.events[*].websocket",
)

#: Read as well when a consumer runs the functions (`wsapi offline`, created functions).
RUNTIME_PATHS = (
    "provider.runtime",
    "provider.timeout",
    "provider.memorySize",
    "provider.environment",
    "functions.*.runtime",
    "functions.*.timeout",
    "functions.*.memorySize",
    "functions.*.environment",
)
#: More routes than any API could be granted: refused, so that a small hostile file cannot make an export
#: run for many seconds and take a gigabyte (tests/test_hostile_input.py, bench/README-hostile.md).
MAX_ROUTES_ACCEPTED = 10_000
DEFAULT_TIMEOUT = 6
DEFAULT_MEMORY_SIZE = 1024

SERVICE_NAME = re.compile(r"^[a-zA-Z][0-9a-zA-Z-]+$")
FUNCTION_KEY = re.compile(r"^[a-zA-Z0-9-_]+$")
LAMBDA_NAME = re.compile(r"^[a-zA-Z0-9-_]{1,64}$")
REGION = re.compile(r"^[a-z]{2}(-gov|-iso|-isob|-isoe|-isof)?-[a-z]+-\d+$")
TAG_KEY = re.compile(r"^(?!aws:)[\w./=+:\-_ ]{1,128}$")
LOG_RETENTION_DAYS = (
    1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653,
)  # fmt: skip
LOG_LEVELS = ("INFO", "ERROR")
WEBSOCKET_LOG_KEYS = ("accessLogging", "executionLogging", "format", "fullExecutionData", "level")
DEFAULT_STAGE = "dev"
DEFAULT_REGION = "us-east-1"


class _Validator(TypedReader):
    def __init__(self, document: Mapping[str, Any], stage: Optional[str], region: Optional[str], with_runtime: bool = False, with_functions: bool = False) -> None:
        self.doc = document
        self.with_runtime = with_runtime
        self.with_functions = with_functions  # a deployment can pass intrinsics on (environment values)
        self.problems = ProblemCollector()
        self.stage_option = stage
        self.region_option = region

    # -- typed readers (readers.py) and the one only the document needs ----------------------------------

    def report(self, path: str, message: str) -> None:
        self.problems.add(path, message)

    def string_or_cfn(self, value: Any, path: str) -> Any:
        if value is None:
            return None
        if isinstance(value, str) and value.strip():
            return value
        if is_intrinsic(value):
            return value
        self.problems.add(
            path, f"must be a non-empty string or a CloudFormation intrinsic (Ref, Fn::GetAtt, Fn::ImportValue, ...), got {type_name(value)}"
        )
        return None

    # -- the document --------------------------------------------------------------------------------

    def run(self) -> Optional[Service]:
        doc = self.doc
        service_name = self.service_name(doc.get("service"))
        provider = self.mapping(doc.get("provider"), "provider")
        if "provider" not in doc:
            self.problems.add("provider", "is required (provider: {name: aws})")
        if "provider" in doc and provider is not None:
            self.provider_name(provider.get("name"), "name" in provider)
        provider = provider or {}

        stage = self.stage(provider.get("stage"))
        region = self.region(provider.get("region"))
        api_name = self.string(provider.get("websocketsApiName"), "provider.websocketsApiName")
        expression = self.string(
            provider.get("websocketsApiRouteSelectionExpression"), "provider.websocketsApiRouteSelectionExpression"
        )
        if expression is not None:
            problem = aws_rules.route_selection_expression_problem(expression)
            if problem:
                self.problems.add("provider.websocketsApiRouteSelectionExpression", problem)
        description = self.string(provider.get("websocketsDescription"), "provider.websocketsDescription")
        api_gateway = self.mapping(provider.get("apiGateway"), "provider.apiGateway") or {}
        external_api_id = self.string_or_cfn(
            api_gateway.get("websocketApiId"), "provider.apiGateway.websocketApiId"
        )
        logs = self.mapping(provider.get("logs"), "provider.logs") or {}
        log_settings = self.websocket_logs(logs.get("websocket"))
        role_arn, role_external = self.rest_api_logs(logs.get("restApi"))
        retention = self.retention(provider.get("logRetentionInDays"))
        protection = self.data_protection(provider.get("logDataProtectionPolicy"))
        tags = self.tags(provider.get("tags"))
        use_provider_tags = self.use_provider_tags(provider.get("websocket"))
        kms_key_arn = self.wsapi_settings(doc.get("custom"))

        self.provider_runtime = self.runtime_settings(provider, "provider") if self.with_runtime else {}
        functions, routes = self.functions(doc.get("functions"), service_name or "service", stage)
        self.cross_checks(functions, routes)
        self.quotas(routes)

        if self.problems or service_name is None:
            return None
        return Service(
            name=service_name,
            stage=stage,
            region=region,
            api_name=api_name or naming.default_api_name(service_name, stage),
            route_selection_expression=expression or DEFAULT_ROUTE_SELECTION_EXPRESSION,
            description=description or DEFAULT_DESCRIPTION,
            external_api_id=external_api_id,
            logs=log_settings,
            cloudwatch_role_arn=role_arn,
            cloudwatch_role_managed_externally=role_external,
            log_retention_in_days=retention,
            log_data_protection_policy=protection,
            tags=tags,
            api_tags=dict(tags) if tags and use_provider_tags else None,
            functions=functions,
            routes=tuple(routes),
            region_is_default=self.region_option is None and provider.get("region") is None,
            log_kms_key_arn=kms_key_arn,
            warnings=tuple(self.problems.warnings),
        )

    def service_name(self, value: Any) -> Optional[str]:
        if value is None:
            self.problems.add("service", "is required: the service name")
            return None
        if isinstance(value, Mapping) and "name" in value:  # the pre-v3 object form
            self.problems.add("service", "must be a string (the `service: {name: ...}` form was removed in v3)")
            return None
        name = self.string(value, "service")
        if name is not None and not SERVICE_NAME.match(name):
            self.problems.add(
                "service",
                f"{name!r} is not a valid service name: start with a letter, then letters, digits or dashes",
            )
            return None
        return name

    def provider_name(self, value: Any, present: bool) -> None:
        if not present:
            self.problems.add("provider.name", "is required and must be aws")
        elif value != "aws":
            self.problems.add("provider.name", f"must be aws, got {value!r}")

    def stage(self, value: Any) -> str:
        if self.stage_option is not None:
            if not self.stage_option.strip():
                self.problems.add("--stage", "must not be empty")
            return self.stage_option
        return self.string(value, "provider.stage") or DEFAULT_STAGE

    def region(self, value: Any) -> str:
        if self.region_option is not None:
            if not REGION.match(self.region_option):
                self.problems.add("--region", f"{self.region_option!r} is not an AWS region name")
            return self.region_option
        region = self.string(value, "provider.region")
        if region is not None and not REGION.match(region):
            self.problems.add("provider.region", f"{region!r} is not an AWS region name")
        return region or DEFAULT_REGION

    def websocket_logs(self, value: Any) -> Optional[LogSettings]:
        path = "provider.logs.websocket"
        if value is None or value is False:
            return None
        if value is True:
            return LogSettings()
        settings = self.mapping(value, path)
        if settings is None:
            return None
        self.unknown_keys(settings, WEBSOCKET_LOG_KEYS, path)
        access = self.boolean(settings.get("accessLogging"), f"{path}.accessLogging")
        execution = self.boolean(settings.get("executionLogging"), f"{path}.executionLogging")
        full = self.boolean(settings.get("fullExecutionData"), f"{path}.fullExecutionData")
        log_format = self.string(settings.get("format"), f"{path}.format")
        level = settings.get("level")
        if level is not None and level not in LOG_LEVELS:
            self.problems.add(f"{path}.level", f"must be INFO or ERROR, got {level!r}")
            level = None
        execution = True if execution is None else execution
        access_on = True if access is None else access
        if log_format is not None:
            if access_on:
                errors, warnings = aws_rules.access_log_format_problems(log_format)
                for message in errors:
                    self.problems.add(f"{path}.format", message)
                for message in warnings:
                    self.problems.warn(f"{path}.format", message)
            else:
                self.problems.warn(f"{path}.format", "has no effect: accessLogging is false")
        if level is not None and not execution:
            self.problems.warn(f"{path}.level", "has no effect: executionLogging is false (the stage logs at OFF)")
        if full and not execution:
            self.problems.warn(f"{path}.fullExecutionData", "has no effect: executionLogging is false")
        defaults = LogSettings()
        return LogSettings(
            access_logging=True if access is None else access,
            execution_logging=execution,
            full_execution_data=True if full is None else full,
            format=log_format or defaults.format,
            level=(level or "INFO") if execution else "OFF",
        )

    def rest_api_logs(self, value: Any) -> tuple[Any, bool]:
        path = "provider.logs.restApi"
        if value is None or isinstance(value, bool):
            return None, False
        settings = self.mapping(value, path)
        if settings is None:
            return None, False
        role = settings.get("role")
        if role is not None:
            if isinstance(role, str) and not role.startswith("arn:"):
                self.problems.add(f"{path}.role", f"must be an IAM role ARN (arn:...), got {role!r}")
                role = None
            else:
                role = self.string_or_cfn(role, f"{path}.role")
        external = self.boolean(settings.get("roleManagedExternally"), f"{path}.roleManagedExternally")
        return role, bool(external)

    def retention(self, value: Any) -> Optional[int]:
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, int) or value not in LOG_RETENTION_DAYS:
            self.problems.add(
                "provider.logRetentionInDays",
                f"must be one of {', '.join(map(str, LOG_RETENTION_DAYS))}, got {value!r}",
            )
            return None
        return value

    def data_protection(self, value: Any) -> Optional[Mapping[str, Any]]:
        path = "provider.logDataProtectionPolicy"
        policy = self.mapping(value, path)
        if policy is None:
            return None
        self.unknown_keys(policy, ("Name", "Description", "Version", "Statement"), path)
        for key in ("Name", "Version", "Statement"):
            if key not in policy:
                self.problems.add(f"{path}.{key}", "is required")
        if "Statement" in policy and not isinstance(policy["Statement"], list):
            self.problems.add(f"{path}.Statement", f"must be a list, got {type_name(policy['Statement'])}")
        for key in ("Name", "Description", "Version"):
            if key in policy:
                self.string(policy[key], f"{path}.{key}")
        return policy

    def tags(self, value: Any) -> Mapping[str, str]:
        tags = self.mapping(value, "provider.tags")
        if tags is None:
            return {}
        for key, tag_value in tags.items():
            path = join_path("provider.tags", str(key))
            if not isinstance(key, str) or not TAG_KEY.match(key):
                self.problems.add(path, "is not a valid tag key (1-128 characters, not starting with aws:)")
            if not isinstance(tag_value, str):
                self.problems.add(path, f"must be a string (quote it), got {type_name(tag_value)}")
            elif len(tag_value) > 256:
                self.problems.add(path, "must be at most 256 characters")
        return dict(tags)

    def wsapi_settings(self, custom: Any) -> Any:
        """`custom.wsapi`: settings Serverless has no place for (it ignores `custom`). Returns the KMS key."""
        if not isinstance(custom, Mapping):
            return None
        settings = self.mapping(custom.get("wsapi"), "custom.wsapi")
        if settings is None:
            return None
        self.unknown_keys(settings, ("logs",), "custom.wsapi")
        logs = self.mapping(settings.get("logs"), "custom.wsapi.logs") or {}
        self.unknown_keys(logs, ("kmsKeyArn",), "custom.wsapi.logs")
        key = logs.get("kmsKeyArn")
        if isinstance(key, str) and not key.startswith("arn:"):
            self.problems.add("custom.wsapi.logs.kmsKeyArn", f"must be a KMS key ARN (arn:...), got {key!r}")
            return None
        return self.string_or_cfn(key, "custom.wsapi.logs.kmsKeyArn")

    def use_provider_tags(self, value: Any) -> bool:
        settings = self.mapping(value, "provider.websocket")
        if settings is None:
            return False
        self.unknown_keys(settings, ("useProviderTags",), "provider.websocket")
        return bool(self.boolean(settings.get("useProviderTags"), "provider.websocket.useProviderTags"))

    # -- functions and their websocket events --------------------------------------------------------

    def functions(self, value: Any, service: str, stage: str) -> tuple[dict[str, Function], list[Route]]:
        functions: dict[str, Function] = {}
        routes: list[Route] = []
        table = self.mapping(value, "functions")
        if table is None:
            return functions, routes
        pending: list[tuple[str, Any, str]] = []  # (function key, event value, path), checked after all functions are known
        for key, config in table.items():
            path = join_path("functions", str(key))
            if not isinstance(key, str) or not FUNCTION_KEY.match(key):
                self.problems.add(path, "is not a valid function key: use letters, digits, - and _")
                continue
            config = self.mapping(config, path)
            if config is None:
                if table[key] is None:
                    self.problems.add(path, "must be a mapping with at least a handler")
                continue
            function = self.function(key, config, path, service, stage)
            if function is not None:
                functions[key] = function
            events = config.get("events")
            if events is None:
                continue
            if not isinstance(events, list):
                self.problems.add(f"{path}.events", f"must be a list, got {type_name(events)}")
                continue
            for index, event in enumerate(events):
                if isinstance(event, Mapping) and "websocket" in event:
                    pending.append((key, event["websocket"], f"{path}.events[{index}].websocket"))
        for key, event, path in pending:
            route = self.websocket_event(key, event, path, functions)
            if route is not None:
                routes.append(route)
        return functions, routes

    def function(self, key: str, config: Mapping[str, Any], path: str, service: str, stage: str) -> Optional[Function]:
        handler = self.string(config.get("handler"), f"{path}.handler")
        if "handler" not in config and "image" not in config:
            self.problems.add(f"{path}.handler", "is required (or image)")
        name = self.string(config.get("name"), f"{path}.name")
        if name is not None and not LAMBDA_NAME.match(name):
            self.problems.add(f"{path}.name", f"{name!r} is not a valid Lambda function name (1-64 letters, digits, - and _)")
        concurrency = config.get("provisionedConcurrency")
        if concurrency is not None and not is_intrinsic(concurrency):
            if isinstance(concurrency, bool) or not isinstance(concurrency, int) or concurrency < 0:
                self.problems.add(f"{path}.provisionedConcurrency", f"must be a whole number >= 0, got {concurrency!r}")
                concurrency = None
        snap_start = self.boolean(config.get("snapStart"), f"{path}.snapStart")
        if concurrency and snap_start:
            self.problems.add(
                f"{path}.snapStart",
                "SnapStart does not support provisioned concurrency: remove snapStart or provisionedConcurrency",
            )
        alias = "provisioned" if concurrency else ("snapstart" if snap_start else None)
        return Function(
            key=key,
            deployed_name=name or naming.default_function_name(service, stage, key),
            alias=alias,
            handler=handler,
            runtime=self.function_runtime(config, path) if self.with_runtime else None,
        )

    def runtime_settings(self, config: Mapping[str, Any], path: str) -> dict[str, Any]:
        settings: dict[str, Any] = {}
        runtime = self.string(config.get("runtime"), f"{path}.runtime")
        if runtime is not None:
            settings["runtime"] = runtime
        for key, low, high in (("timeout", 1, 900), ("memorySize", 128, 10240)):
            value = config.get(key)
            if value is None:
                continue
            if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
                self.problems.add(f"{path}.{key}", f"must be a whole number from {low} to {high}, got {value!r}")
            else:
                settings[key] = value
        environment = self.mapping(config.get("environment"), f"{path}.environment")
        if environment is not None:
            settings["environment"] = {}
            for name, value in environment.items():
                where = join_path(f"{path}.environment", str(name))
                if not isinstance(name, str) or not re.match(r"^[A-Za-z][A-Za-z0-9_]*$", name):
                    self.problems.add(where, "is not a valid environment variable name")
                elif self.with_functions and is_intrinsic(value):
                    settings["environment"][name] = value  # CloudFormation or Pulumi evaluates it at deploy time
                elif isinstance(value, bool) or not isinstance(value, (str, int, float)):
                    self.problems.add(where, f"must be a string, got {type_name(value)} (a CloudFormation intrinsic cannot be evaluated here)")
                else:
                    settings["environment"][name] = str(value)
        return settings

    def function_runtime(self, config: Mapping[str, Any], path: str) -> FunctionRuntime:
        own = self.runtime_settings(config, path)
        base = self.provider_runtime
        return FunctionRuntime(
            runtime=own.get("runtime", base.get("runtime")),
            timeout=own.get("timeout", base.get("timeout", DEFAULT_TIMEOUT)),
            memory_size=own.get("memorySize", base.get("memorySize", DEFAULT_MEMORY_SIZE)),
            environment={**base.get("environment", {}), **own.get("environment", {})},
        )

    def websocket_event(self, function_key: str, value: Any, path: str, functions: Mapping[str, Function]) -> Optional[Route]:
        if isinstance(value, str):
            route_key = self.route_key(value, path)
            return None if route_key is None else Route(function_key, route_key, None, None, path)
        if not isinstance(value, Mapping):
            self.problems.add(path, f"must be a route key string or a mapping with `route`, got {type_name(value)}")
            return None
        self.unknown_keys(value, ("route", "routeResponseSelectionExpression", "authorizer"), path)
        if "route" not in value:
            self.problems.add(f"{path}.route", "is required")
            return None
        route_key = self.route_key(value["route"], f"{path}.route")
        expression = value.get("routeResponseSelectionExpression")
        if expression is not None and expression != "$default":
            self.problems.add(
                f"{path}.routeResponseSelectionExpression",
                f"must be $default (the only route response key WebSocket APIs support), got {expression!r}",
            )
            expression = None
        authorizer = None
        if value.get("authorizer") is not None:
            authorizer = self.authorizer(value["authorizer"], f"{path}.authorizer", functions)
        elif "authorizer" in value:
            self.problems.add(f"{path}.authorizer", "must not be empty")
        if route_key is None:
            return None
        return Route(function_key, route_key, expression, authorizer, path)

    def route_key(self, value: Any, path: str) -> Optional[str]:
        if not isinstance(value, str):
            self.problems.add(path, f"must be a string route key, got {type_name(value)}")
            return None
        if not value.strip():
            self.problems.add(path, "must not be empty")
            return None
        if value.startswith("$") and value not in RESERVED_ROUTE_KEYS:
            self.problems.add(
                path,
                f"{value!r} is not allowed: route keys starting with $ are reserved; use $connect, $disconnect, $default, or a key without $",
            )
            return None
        return value

    def authorizer(self, value: Any, path: str, functions: Mapping[str, Function]) -> Optional[Authorizer]:
        if isinstance(value, str):
            if value.startswith("arn:"):
                return Authorizer(naming.authorizer_name_from_arn(value), None, value)
            if ":" in value:
                self.problems.add(path, f"{value!r} is neither an ARN (arn:...) nor a function key")
                return None
            return self.local_authorizer(value, path, functions, (DEFAULT_IDENTITY_SOURCE,))
        if not isinstance(value, Mapping):
            self.problems.add(path, f"must be a function key, an ARN, or a mapping with name/arn, got {type_name(value)}")
            return None
        self.unknown_keys(value, ("name", "arn", "identitySource"), path)
        identity = self.identity_sources(value.get("identitySource"), f"{path}.identitySource")
        name, arn = value.get("name"), value.get("arn")
        if name is None and arn is None:
            self.problems.add(path, "needs `name` (a function key) or `arn`")
            return None
        if name is not None:
            name = self.string(name, f"{path}.name")
            if name is not None and not FUNCTION_KEY.match(name):
                self.problems.add(f"{path}.name", f"{name!r} is not a valid function name: use letters, digits, - and _")
                return None
        if arn is not None:
            if isinstance(arn, str):
                if not arn.startswith("arn:"):
                    self.problems.add(f"{path}.arn", f"must be an ARN (arn:...) or an intrinsic, got {arn!r}")
                    return None
                return Authorizer(naming.authorizer_name_from_arn(arn), None, arn, identity)
            if not is_intrinsic(arn):
                self.problems.add(f"{path}.arn", f"must be an ARN string or a CloudFormation intrinsic, got {type_name(arn)}")
                return None
            if name is None:
                self.problems.add(f"{path}.name", 'is required when "arn" is not a string (it names the authorizer)')
                return None
            return Authorizer(name, None, arn, identity)
        if name is None:
            return None
        return self.local_authorizer(name, path, functions, identity)

    def local_authorizer(self, name: str, path: str, functions: Mapping[str, Function], identity: tuple[str, ...]) -> Optional[Authorizer]:
        if name not in functions:
            known = ", ".join(sorted(functions)) or "none"
            self.problems.add(path, f"function {name!r} does not exist in this service (functions: {known})")
            return None
        return Authorizer(name, name, None, identity)

    def identity_sources(self, value: Any, path: str) -> tuple[str, ...]:
        if value is None:
            return (DEFAULT_IDENTITY_SOURCE,)
        if not isinstance(value, list):
            self.problems.add(path, f"must be a list of identity sources, got {type_name(value)}")
            return (DEFAULT_IDENTITY_SOURCE,)
        sources = []
        for index, item in enumerate(value):
            source = self.string(item, f"{path}[{index}]")
            if source is None:
                continue
            problem = aws_rules.identity_source_problem(source)
            if problem:
                self.problems.add(f"{path}[{index}]", problem)
            else:
                sources.append(source)
        return tuple(sources) if sources else (DEFAULT_IDENTITY_SOURCE,)

    def quotas(self, routes: list[Route]) -> None:
        if len(routes) > MAX_ROUTES_ACCEPTED:  # bounds export time and memory on hostile input
            self.problems.add(
                "functions",
                f"{len(routes):,} websocket routes: wsapi accepts at most {MAX_ROUTES_ACCEPTED:,} (API Gateway's quota is {aws_rules.MAX_ROUTES} per API unless raised); split the API",
            )
        elif len(routes) > aws_rules.MAX_ROUTES:
            self.problems.warn(
                "functions",
                f"{len(routes)} websocket routes: API Gateway allows {aws_rules.MAX_ROUTES} routes (and integrations) per API unless the quota is raised",
            )
        authorizers = {route.authorizer.name for route in routes if route.authorizer is not None}
        if len(authorizers) > aws_rules.MAX_AUTHORIZERS:
            self.problems.warn(
                "functions",
                f"{len(authorizers)} authorizers: API Gateway allows {aws_rules.MAX_AUTHORIZERS} per API unless the quota is raised",
            )

    def logical_id_lengths(self, routes: list[Route]) -> None:
        """CloudFormation refuses logical ids over 255 characters; long keys get there after normalizing
        (`/` -> Slash, `_` -> Underscore, ...)."""
        for route in routes:
            longest = naming.route_response(route.route_key)
            if len(longest) > naming.MAX_LOGICAL_ID:
                self.problems.add(
                    route.path,
                    f"route key of {len(route.route_key)} characters gives logical ids of up to {len(longest)} characters; CloudFormation allows {naming.MAX_LOGICAL_ID}",
                )
        for key in dict.fromkeys(route.function_key for route in routes):
            longest = naming.normalized_function_name(key) + naming.LONGEST_FUNCTION_SUFFIX
            if len(longest) > naming.MAX_LOGICAL_ID:
                self.problems.add(
                    f"functions.{key}",
                    f"function key of {len(key)} characters gives logical ids of up to {len(longest)} characters; CloudFormation allows {naming.MAX_LOGICAL_ID}",
                )

    def cross_checks(self, functions: Mapping[str, Function], routes: list[Route]) -> None:
        self.logical_id_lengths(routes)
        by_key: dict[str, Route] = {}
        by_logical_id: dict[str, Route] = {}
        for route in routes:
            if route.authorizer is not None and route.route_key != "$connect":
                self.problems.add(
                    f"{route.path}.authorizer",
                    f"authorizers run only on $connect; AWS rejects one on {route.route_key!r}. Move it to the $connect route",
                )
            first = by_key.get(route.route_key)
            if first is not None:
                self.problems.add(
                    route.path,
                    f"route {route.route_key!r} is already declared at {first.path}; each route key may appear once",
                )
                continue
            by_key[route.route_key] = route
            logical_id = naming.route(route.route_key)
            clash = by_logical_id.get(logical_id)
            if clash is not None:
                self.problems.add(
                    route.path,
                    f"route {route.route_key!r} and route {clash.route_key!r} (at {clash.path}) both become the logical id {logical_id}; rename one",
                )
                continue
            by_logical_id[logical_id] = route
        names: dict[str, Authorizer] = {}
        for route in routes:
            auth = route.authorizer
            if auth is None:
                continue
            logical_id = naming.authorizer(auth.name)
            other = names.get(logical_id)
            if other is not None and other != auth:
                self.problems.add(
                    f"{route.path}.authorizer",
                    f"authorizer {auth.name!r} clashes with another authorizer on logical id {logical_id}",
                )
            names.setdefault(logical_id, auth)


def validate_document(
    document: Mapping[str, Any],
    *,
    stage: Optional[str] = None,
    region: Optional[str] = None,
    file: str = "serverless.yml",
    config_path: Optional[Path] = None,
    with_runtime: bool = False,
    with_functions: bool = False,
) -> Service:
    """Validate a resolved document; raise `ConfigError` listing every problem. `with_runtime` also reads
    how each function runs (runtime, timeout, memory, environment); `with_functions` (for a deployment) keeps
    environment values written as CloudFormation intrinsics."""
    validator = _Validator(document, stage, region, with_runtime, with_functions)
    service = validator.run()
    validator.problems.raise_if_any(file)
    assert service is not None
    if config_path is not None:
        service = dataclasses.replace(service, config_path=config_path)
    return service
