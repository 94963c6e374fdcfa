"""The normalized, validated view of a service's websocket configuration.

Everything downstream (compile, both renderers, offline) reads these frozen dataclasses, never the raw
YAML, so a setting means the same thing everywhere. Values a user may write as CloudFormation intrinsics
(`websocketApiId`, an authorizer `arn`, `provisionedConcurrency`) keep their raw form (`CfnValue`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Mapping, Optional, Tuple

if TYPE_CHECKING:  # pragma: no cover
    from .errors import Problem

#: A literal string, or a CloudFormation intrinsic as written (`{"Fn::ImportValue": "x"}`).
CfnValue = Any

DEFAULT_IDENTITY_SOURCE = "route.request.header.Auth"
DEFAULT_ROUTE_SELECTION_EXPRESSION = "$request.body.action"
DEFAULT_DESCRIPTION = "Serverless Websockets"
DEFAULT_ACCESS_LOG_FORMAT = " ".join(
    [
        "$context.identity.sourceIp",
        "$context.identity.caller",
        "$context.identity.user",
        "[$context.requestTime]",
        '"$context.eventType $context.routeKey $context.connectionId"',
        "$context.requestId",
    ]
)
RESERVED_ROUTE_KEYS = ("$connect", "$disconnect", "$default")


@dataclass(frozen=True)
class FunctionRuntime:
    """How a function runs: read only when asked for (`load_service(..., with_runtime=True)`), so a
    `${ssm:...}` in an environment never blocks validate or export, which do not need it."""

    runtime: Optional[str]  #: function `runtime`, else `provider.runtime`
    timeout: int  #: seconds: function `timeout`, else `provider.timeout`, else 6 (Serverless's default)
    memory_size: int  #: MB: function `memorySize`, else `provider.memorySize`, else 1024
    #: `provider.environment` overlaid with the function's (loaded `with_functions`, a value may also be a
    #: CloudFormation intrinsic, evaluated at deploy time)
    environment: Mapping[str, Any]


@dataclass(frozen=True)
class Function:
    """A function of the service, as the websocket module refers to it."""

    key: str  #: its key under `functions:`
    deployed_name: str  #: `name:`, else `{service}-{stage}-{key}`
    alias: Optional[str]  #: `provisioned` (provisionedConcurrency) or `snapstart`, else None
    handler: Optional[str]
    runtime: Optional[FunctionRuntime] = None


@dataclass(frozen=True)
class Authorizer:
    """A Lambda REQUEST authorizer. Exactly one of `function_key` and `arn` is set."""

    name: str  #: the function key, the ARN's last segment, or the `name` given with an `arn`
    function_key: Optional[str]
    arn: Optional[CfnValue]
    identity_sources: Tuple[str, ...] = (DEFAULT_IDENTITY_SOURCE,)


@dataclass(frozen=True)
class Route:
    """One `websocket` event: a route key served by a function."""

    function_key: str
    route_key: str
    route_response_selection_expression: Optional[str]
    authorizer: Optional[Authorizer]
    path: str  #: where it was declared, e.g. `functions.connect.events[0].websocket`


@dataclass(frozen=True)
class LogSettings:
    """`provider.logs.websocket`, with Serverless's defaults filled in."""

    access_logging: bool = True
    execution_logging: bool = True
    full_execution_data: bool = True
    format: str = DEFAULT_ACCESS_LOG_FORMAT
    level: str = "INFO"  #: INFO, ERROR, or OFF when execution logging is off


@dataclass(frozen=True)
class Service:
    name: str
    stage: str
    region: str
    api_name: str
    route_selection_expression: str
    description: str
    external_api_id: Optional[CfnValue]  #: `provider.apiGateway.websocketApiId`
    logs: Optional[LogSettings]
    cloudwatch_role_arn: Optional[CfnValue]  #: `provider.logs.restApi.role`
    cloudwatch_role_managed_externally: bool
    log_retention_in_days: Optional[int]
    log_data_protection_policy: Optional[Mapping[str, Any]]
    tags: Mapping[str, str]  #: provider tags
    api_tags: Optional[Mapping[str, str]]  #: tags put on the API (only with `websocket.useProviderTags`)
    functions: Mapping[str, Function]
    routes: Tuple[Route, ...]
    #: True when neither --region nor provider.region chose the region (the Pulumi component then uses the
    #: stack's aws:region rather than us-east-1)
    region_is_default: bool = False
    #: `custom.wsapi.logs.kmsKeyArn`: KMS key for the websocket access-log group (wsapi only; Serverless has none)
    log_kms_key_arn: Optional[CfnValue] = None
    #: things that deploy but deserve a look (quotas AWS can raise, settings that have no effect)
    warnings: Tuple["Problem", ...] = field(default=(), compare=False)
    config_path: Optional[Path] = field(default=None, compare=False)
    #: how to build and run the functions (`functions.Deployment`), read only for consumers that create them
    #: (`load_service(..., with_functions=True)`)
    deployment: Optional[Any] = field(default=None, compare=False, repr=False)

    @property
    def authorizers(self) -> Tuple[Authorizer, ...]:
        """Distinct authorizers in declaration order."""
        seen: dict[str, Authorizer] = {}
        for route in self.routes:
            if route.authorizer is not None and route.authorizer.name not in seen:
                seen[route.authorizer.name] = route.authorizer
        return tuple(seen.values())

    @property
    def route_functions(self) -> Tuple[Function, ...]:
        """Functions serving at least one route, in declaration order."""
        keys = dict.fromkeys(route.function_key for route in self.routes)
        return tuple(self.functions[key] for key in keys)
