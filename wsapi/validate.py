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
from typing import Any, Mapping, Optional, Sequence

from . import aws_rules, naming
from .build_settings import BuildSettingsReader
from .service_layers import ServiceLayerReader
from .domains import DomainReader
from .errors import Problem, ProblemCollector, join_path, shorten
from .declared import DeclaredReader
from .functions import FUNCTION_KEY, BuildReader, FunctionReader, Inherited, read_paths
from .intrinsics import is_intrinsic
from .plugins import plugin_warnings
from .model import (
    DEFAULT_DESCRIPTION,
    DEFAULT_IDENTITY_SOURCE,
    DEFAULT_ROUTE_SELECTION_EXPRESSION,
    RESERVED_ROUTE_KEYS,
    Authorizer,
    DeclaredResources,
    Function,
    LogSettings,
    Route,
    Service,
)
from .readers import TypedReader, declared_paths, read_declared, reads, type_name

#: More routes than any API could be granted: refused, so that a small hostile file cannot make an export
#: run for many seconds and take a gigabyte (tests/test_hostile_input.py, bench/README-hostile.md).
MAX_ROUTES_ACCEPTED = 10_000

SERVICE_NAME = re.compile(r"^[a-zA-Z][0-9a-zA-Z-]+$")
STAGE_NAME = re.compile(r"[a-zA-Z0-9_-]{1,128}")
VALIDATION_MODES = ("warn", "error", "off")
MISINDENTED_ROUTE = (
    "is empty: its route: sits beside websocket: in the same list item instead of under it; indent route: (and "
    "the event's other settings) under websocket: (Serverless drops this event with a warning)"
)
REGION = re.compile(r"^[a-z]{2}(-gov|-iso|-isob|-isoe|-isof)?-[a-z]+-\d+$")
LOG_LEVELS = ("INFO", "ERROR")
WEBSOCKET_LOG_KEYS = ("accessLogging", "executionLogging", "format", "fullExecutionData", "level")
DEFAULT_STAGE = "dev"
DEFAULT_REGION = "us-east-1"


class _Validator(TypedReader):
    def __init__(self, document: Mapping[str, Any], stage: Optional[str], region: Optional[str]) -> None:
        self.doc = document
        self.problems = ProblemCollector()
        self.stage_option = stage
        self.region_option = region
        self.provider_tags_given = False

    def report(self, path: str, message: str) -> None:
        self.problems.add(path, message)

    def read(self, reader: Any) -> Any:
        """Call a `@reads` reader with the value at its path (None where the path is missing)."""
        return read_declared(self.doc, reader)

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

    def run(self, service_dir: Path, config_file: Optional[str], schema_problems: Sequence[Problem] = ()) -> Optional[Service]:
        self.schema(schema_problems, self.read(self.validation_mode))
        self.read(self.plugins)
        service_name = self.read(self.service_name)
        self.provider()
        self.read(self.provider_name)
        stage = self.read(self.stage)
        region = self.read(self.region)
        api_name = self.read(self.api_name)
        expression = self.read(self.route_selection_expression)
        description = self.read(self.description)
        external_api_id = self.read(self.external_api_id)
        logs = self.read(self.websocket_logs)
        role_arn, role_external = self.read(self.rest_api_logs)
        retention = self.read(self.log_retention)
        protection = self.read(self.log_data_protection)
        tags = self.read(self.provider_tags)
        use_provider_tags = self.read(self.use_provider_tags)
        kms_key_arn = self.read(self.wsapi_settings)
        declared = self.read(self.declared)
        inherited = Inherited(tags, retention, protection)
        provider = self.doc.get("provider") if isinstance(self.doc.get("provider"), Mapping) else {}
        reader = FunctionReader(self.report, provider, service_name or "service", stage, inherited, self.problems.warn)
        functions, routes = self.functions(reader)
        self.cross_checks(functions, routes)
        self.lambda_names(functions, routes, stage)
        self.quotas(routes)
        build = BuildReader(self.report).build(self.doc, service_dir, config_file)
        build = dataclasses.replace(build, code=BuildSettingsReader(self.doc, self.report).read())
        domains, domain_problems = DomainReader(self.doc, self.report, self.problems.warn, stage, tags).read()

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
            logs=logs,
            cloudwatch_role_arn=role_arn,
            cloudwatch_role_managed_externally=role_external,
            log_retention_in_days=retention,
            log_data_protection_policy=protection,
            tags=tags,
            api_tags=dict(tags) if self.provider_tags_given and use_provider_tags else None,
            functions=functions,
            routes=tuple(routes),
            build=build,
            declared=declared,
            region_is_default=self.region_option is None and provider.get("region") is None,
            log_kms_key_arn=kms_key_arn,
            warnings=tuple(self.problems.warnings),
            custom_domains=domains,
            custom_domain_problems=domain_problems,
        )

    @reads("configValidationMode")
    def validation_mode(self, value: Any, path: str) -> str:
        """Serverless's `warn` (the default), `error` or `off`: what becomes of the schema's findings."""
        return value if value in VALIDATION_MODES else "warn"

    def schema(self, findings: Sequence[Problem], mode: str) -> None:
        """What Serverless's schema finds that both ignore (`config_schema`): warnings, errors under
        `configValidationMode: error`, nothing under `off`."""
        for finding in findings:
            if mode == "error":
                self.problems.add(finding.path, f"{finding.message} (configValidationMode: error)")
            elif mode == "warn":
                self.problems.warn(finding.path, finding.message)

    @reads("plugins")
    def plugins(self, value: Any, path: str) -> None:
        for warning in plugin_warnings(value):
            self.problems.warn(warning.path, warning.message)

    @reads("service")
    def service_name(self, value: Any, path: str) -> Optional[str]:
        if value is None:
            self.problems.add(path, "is required: the service name")
            return None
        if isinstance(value, Mapping) and "name" in value:  # the pre-v3 object form
            self.problems.add(path, "must be a string (the `service: {name: ...}` form was removed in v3)")
            return None
        name = self.string(value, path)
        if name is not None and not SERVICE_NAME.fullmatch(name):
            self.problems.add(
                path,
                f"{name!r} is not a valid service name: Serverless v3 requires an ASCII letter, then one or more ASCII letters, digits or dashes (2 characters at least)",
            )
            return None
        return name

    def provider(self) -> None:
        """Only its presence and shape (no `@reads`: its variables are resolved setting by setting, by the
        readers of the settings under it)."""
        if "provider" not in self.doc:
            self.problems.add("provider", "is required (provider: {name: aws})")
        else:
            self.mapping(self.doc.get("provider"), "provider")

    @reads("provider.name")
    def provider_name(self, value: Any, path: str) -> None:
        provider = self.doc.get("provider")
        if not isinstance(provider, Mapping):
            return
        if "name" not in provider:
            self.problems.add(path, "is required and must be aws")
        elif value != "aws":
            self.problems.add(path, f"must be aws, got {value!r}")

    @reads("provider.stage")
    def stage(self, value: Any, path: str) -> str:
        if self.stage_option is not None:
            if not self.stage_option.strip():
                self.problems.add("--stage", "must not be empty")
            else:
                self.stage_name(self.stage_option, "--stage")
            return self.stage_option
        stage = self.string(value, path)
        if stage is not None:
            self.stage_name(stage, path)
        return stage or DEFAULT_STAGE

    def stage_name(self, stage: str, path: str) -> None:
        """The stage names the API Gateway stage and is part of every function's and log group's name: AWS takes
        letters, digits, - and _ (at most 128 characters)."""
        if not STAGE_NAME.fullmatch(stage):
            self.problems.add(path, f"{stage!r} is not a stage name AWS accepts: use letters, digits, - and _ (at most 128 characters)")

    @reads("provider.region")
    def region(self, value: Any, path: str) -> str:
        if self.region_option is not None:
            if not REGION.fullmatch(self.region_option):
                self.problems.add("--region", f"{self.region_option!r} is not an AWS region name")
            return self.region_option
        region = self.string(value, path)
        if region is not None and not REGION.fullmatch(region):
            self.problems.add(path, f"{region!r} is not an AWS region name")
        return region or DEFAULT_REGION

    @reads("provider.websocketsApiName")
    def api_name(self, value: Any, path: str) -> Optional[str]:
        return self.string(value, path)

    @reads("provider.websocketsApiRouteSelectionExpression")
    def route_selection_expression(self, value: Any, path: str) -> Optional[str]:
        expression = self.string(value, path)
        if expression is not None:
            problem = aws_rules.route_selection_expression_problem(expression)
            if problem:
                self.problems.add(path, problem)
        return expression

    @reads("provider.websocketsDescription")
    def description(self, value: Any, path: str) -> Optional[str]:
        return self.string(value, path)

    @reads("provider.apiGateway.websocketApiId")
    def external_api_id(self, value: Any, path: str) -> Any:
        provider = self.doc.get("provider")
        if isinstance(provider, Mapping):
            self.mapping(provider.get("apiGateway"), "provider.apiGateway")
        return self.string_or_cfn(value, path)

    @reads("provider.logs.websocket")
    def websocket_logs(self, value: Any, path: str) -> Optional[LogSettings]:
        self.logs_mapping()
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

    def logs_mapping(self) -> None:
        provider = self.doc.get("provider")
        if isinstance(provider, Mapping):
            self.mapping(provider.get("logs"), "provider.logs")

    @reads("provider.logs.restApi")
    def rest_api_logs(self, value: Any, path: str) -> tuple[Any, bool]:
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

    @reads("provider.logRetentionInDays")
    def log_retention(self, value: Any, path: str) -> Optional[int]:
        return self.retention(value, path)

    @reads("provider.logDataProtectionPolicy")
    def log_data_protection(self, value: Any, path: str) -> Optional[Mapping[str, Any]]:
        return self.data_protection(value, path)

    @reads("provider.tags")
    def provider_tags(self, value: Any, path: str) -> Mapping[str, str]:
        tags = self.mapping(value, path)
        self.provider_tags_given = tags is not None  # `tags: {}` too: Serverless then gives the API `Tags: {}`
        self.tags(tags, path)
        return dict(tags or {})

    @reads("custom.wsapi")
    def wsapi_settings(self, value: Any, path: str) -> Any:
        """`custom.wsapi`: settings Serverless has no place for (it ignores `custom`). Returns the KMS key."""
        settings = self.mapping(value, path)
        if settings is None:
            return None
        self.unknown_keys(settings, ("logs", "codeUnchangedBy"), path)  # codeUnchangedBy: build_settings
        logs = self.mapping(settings.get("logs"), f"{path}.logs") or {}
        self.unknown_keys(logs, ("kmsKeyArn",), f"{path}.logs")
        key = logs.get("kmsKeyArn")
        if isinstance(key, str) and not key.startswith("arn:"):
            self.problems.add(f"{path}.logs.kmsKeyArn", f"must be a KMS key ARN (arn:...), got {key!r}")
            return None
        return self.string_or_cfn(key, f"{path}.logs.kmsKeyArn")

    @reads("resources", deferred=True)
    def declared(self, value: Any, path: str) -> DeclaredResources:
        return DeclaredReader(self.report).read(value, path)

    @reads("provider.websocket")
    def use_provider_tags(self, value: Any, path: str) -> bool:
        settings = self.mapping(value, path)
        if settings is None:
            return False
        self.unknown_keys(settings, ("useProviderTags",), path)
        return bool(self.boolean(settings.get("useProviderTags"), f"{path}.useProviderTags"))

    # -- functions and their websocket events --------------------------------------------------------

    @reads("functions.*.events[*].websocket")
    def functions(self, reader: FunctionReader) -> tuple[dict[str, Function], list[Route]]:
        """Every function (its settings: `functions.SETTINGS`), then every websocket event."""
        functions: dict[str, Function] = {}
        routes: list[Route] = []
        table = self.mapping(self.doc.get("functions"), "functions")
        if table is None:
            return functions, routes
        pending: list[tuple[str, Any, str]] = []  # (function key, event value, path), checked after all functions are known
        for key, config in table.items():
            path = join_path("functions", str(key))
            if not isinstance(key, str) or not FUNCTION_KEY.fullmatch(key):
                self.problems.add(path, "is not a valid function key: use letters, digits, - and _")
                continue
            config = self.mapping(config, path)
            if config is None:
                if table[key] is None:
                    self.problems.add(path, "is empty (null): give it a handler, or remove it (Serverless leaves such an entry out silently)")
                continue
            functions[key] = reader.function(key, config)
            events = config.get("events")
            if events is None:
                continue
            if not isinstance(events, list):
                self.problems.add(f"{path}.events", f"must be a list, got {type_name(events)}")
                continue
            for index, event in enumerate(events):
                if isinstance(event, Mapping) and "websocket" in event:
                    where = f"{path}.events[{index}].websocket"
                    if event["websocket"] is None and "route" in event:
                        self.problems.add(where, MISINDENTED_ROUTE)
                        continue
                    pending.append((key, event["websocket"], where))
        for key, event, path in pending:
            route = self.websocket_event(key, event, path, functions)
            if route is not None:
                routes.append(route)
        return functions, routes

    def websocket_event(self, function_key: str, value: Any, path: str, functions: Mapping[str, Function]) -> Optional[Route]:
        if isinstance(value, str):
            route_key = self.route_key(value, path)
            return None if route_key is None else Route(function_key, route_key, None, None, path)
        if not isinstance(value, Mapping):
            self.problems.add(path, f"must be a route key string or a mapping with `route`, got {type_name(value)}")
            return None
        if "routeKey" in value and "route" not in value:
            self.problems.add(
                f"{path}.routeKey",
                "is serverless-websockets-plugin's name for the route: Serverless v3 calls it route (and fails on routeKey); rename it to route",
            )
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
            if name is not None and not FUNCTION_KEY.fullmatch(name):
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
        """The given list (an empty one stays empty, as Serverless keeps it), else Serverless's default."""
        if value is None:
            return (DEFAULT_IDENTITY_SOURCE,)
        if not isinstance(value, list):
            self.problems.add(path, f"must be a list of identity sources, got {type_name(value)}")
            return (DEFAULT_IDENTITY_SOURCE,)
        if not value:
            return ()
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
            longest = max(naming.route_response(route.route_key), naming.route_response(route.route_key, compat=False), key=len)
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

    def lambda_names(self, functions: Mapping[str, Function], routes: list[Route], stage: str) -> None:
        """The Lambda names Serverless derives (`{service}-{stage}-{key}`) of the functions the API invokes: AWS
        takes at most 64 characters (a given `name:` is checked where it is read, a bad stage where it is set)."""
        keys = [route.function_key for route in routes]
        keys += [route.authorizer.function_key for route in routes if route.authorizer is not None and route.authorizer.function_key]
        for key in dict.fromkeys(keys):
            function = functions[key]
            path = function.paths.get("name", f"functions.{key}")
            if path.endswith(".name") or not STAGE_NAME.fullmatch(stage) or len(function.deployed_name) <= 64:
                continue
            self.problems.add(
                path,
                f"its Lambda function name {shorten(function.deployed_name)!r} ({{service}}-{{stage}}-{{key}}) is {len(function.deployed_name):,} "
                "characters; AWS allows 64: set a shorter name:, or shorten the service name, stage or function key",
            )

    def cross_checks(self, functions: Mapping[str, Function], routes: list[Route]) -> None:
        self.logical_id_lengths(routes)
        by_key: dict[str, Route] = {}
        by_logical_id: dict[bool, dict[str, Route]] = {True: {}, False: {}}  # Serverless's ids, the standalone ones
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
            for compat in (True, False):  # Serverless's ids, then the standalone export's (valid ones)
                logical_id = naming.route(route.route_key, compat)
                clash = by_logical_id[compat].get(logical_id)
                if clash is not None:
                    where = "" if compat else " in the standalone export and Pulumi"
                    self.problems.add(
                        route.path,
                        f"route {route.route_key!r} and route {clash.route_key!r} (at {clash.path}) both become the logical id {logical_id}{where}; rename one",
                    )
                    break
                by_logical_id[compat][logical_id] = route
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


def resolved_paths() -> tuple[tuple[str, ...], tuple[str, ...]]:
    """(paths whose variables every command resolves, paths resolved leaving `Unresolved` where they cannot
    be): exactly what the readers read, the document's and the custom domains' (`@reads`) and the functions'
    (`functions.SETTINGS`)."""
    own, own_deferred = declared_paths(_Validator, DomainReader, BuildSettingsReader, ServiceLayerReader)
    websocket, deferred = read_paths()
    return own + websocket, deferred + own_deferred


def validate_document(
    document: Mapping[str, Any],
    *,
    stage: Optional[str] = None,
    region: Optional[str] = None,
    file: str = "serverless.yml",
    config_path: Optional[Path] = None,
    service_dir: Optional[Path] = None,
    schema_problems: Sequence[Problem] = (),
) -> Service:
    """Validate a resolved document; raise `ConfigError` listing every problem. `service_dir` (default: the
    configuration's folder, else the current one) is where the functions' code is packaged from;
    `schema_problems`: what Serverless's schema found (`config_schema.apply_schema`)."""
    validator = _Validator(document, stage, region)
    folder = service_dir or (config_path.parent if config_path is not None else Path.cwd())
    service = validator.run(folder, config_path.name if config_path is not None else None, schema_problems)
    validator.problems.raise_if_any(file)
    assert service is not None
    if config_path is not None:
        service = dataclasses.replace(service, config_path=config_path)
    return service
