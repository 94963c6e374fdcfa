"""The normalized, validated view of a service's websocket configuration.

Everything downstream (compile, both renderers, offline) reads these frozen dataclasses, never the raw
YAML, so a setting means the same thing everywhere. Values a user may write as CloudFormation intrinsics
(`websocketApiId`, an authorizer `arn`, `provisionedConcurrency`, environment values) keep their raw form
(`CfnValue`).
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
DEFAULT_TIMEOUT = 6
DEFAULT_MEMORY_SIZE = 1024


@dataclass(frozen=True)
class Unresolved:
    """What stands in the resolved document for a value that could not be resolved at a deferred path (a path
    only some consumers read, such as a function's environment): the text as written and why. The consumer
    that needs the value reports the problems; the others never see them."""

    text: Any
    problems: Tuple["Problem", ...]


@dataclass(frozen=True)
class PackageSettings:
    """`package` of the service or of one function."""

    patterns: Tuple[str, ...] = ()  #: `include` (deprecated in v3) then `patterns`, in order
    excludes: Tuple[str, ...] = ()  #: `exclude` (deprecated in v3)
    individually: bool = False
    artifact: Optional[str] = None  #: a local .zip/.jar (relative to the service folder) or an S3 URI
    path: str = "package"  #: where it was written


@dataclass(frozen=True)
class RoleSettings:
    """The functions' shared execution role: an existing one (`arn`), or one wsapi creates with these settings."""

    arn: Optional[CfnValue] = None  #: `provider.iam.role` as an ARN or intrinsic, or `provider.role`
    arn_path: str = ""
    name: Optional[str] = None
    path: Optional[str] = None
    #: `provider.iam.role.statements` (else `provider.iamRoleStatements`), each with its path
    statements: Tuple[Tuple[Mapping[str, Any], str], ...] = ()
    managed_policies: Tuple[Tuple[CfnValue, str], ...] = ()
    permissions_boundary: Optional[Tuple[CfnValue, str]] = None
    tags: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class VpcConfig:
    """`vpc` (the function's, else `provider.vpc`, key by key as Serverless merges them)."""

    security_group_ids: CfnValue  #: a list (items ids or intrinsics), or an intrinsic giving one
    subnet_ids: CfnValue


@dataclass(frozen=True)
class Destination:
    """One of `destinations.onSuccess`/`onFailure`: where Lambda sends an asynchronous invocation's result."""

    target: CfnValue  #: an ARN, an intrinsic, or (`function` set) the key of a function of the service
    action: str  #: what the role must be allowed to do with it (`sqs:SendMessage`, `lambda:InvokeFunction`, ...)
    function: Optional[str] = None  #: the function of this service it names, by key


@dataclass(frozen=True)
class FunctionUrl:
    """`url`: a Lambda function URL (`AWS::Lambda::Url`)."""

    auth_type: str  #: NONE (public, with Serverless's `lambda:InvokeFunctionUrl` permission for `*`) or AWS_IAM
    cors: Optional[Mapping[str, Any]] = None  #: CloudFormation's `Cors`, Serverless's defaults filled in
    invoke_mode: Optional[str] = None  #: RESPONSE_STREAM (BUFFERED is Lambda's default and not written)


@dataclass(frozen=True)
class ContainerImage:
    """`image`: the function's code is a container image in ECR."""

    uri: str
    command: Optional[Tuple[str, ...]] = None
    entry_point: Optional[Tuple[str, ...]] = None
    working_directory: Optional[str] = None


@dataclass(frozen=True)
class Function:
    """One function of the service with every setting wsapi reads, read in one pass (`functions.py`): what
    the websocket module refers to, how it runs (`wsapi offline`) and how it is created
    (`create_functions`)."""

    key: str  #: its key under `functions:`
    deployed_name: str  #: `name:`, else `{service}-{stage}-{key}`
    alias: Optional[str]  #: `provisioned` (provisionedConcurrency) or `snapstart`, else None
    handler: Optional[str]
    runtime: Optional[str] = None  #: the function's `runtime`, else `provider.runtime`
    timeout: int = DEFAULT_TIMEOUT  #: seconds: the function's, else the provider's, else Serverless's 6
    memory_size: int = DEFAULT_MEMORY_SIZE  #: MB: the function's, else the provider's, else 1024
    #: `provider.environment` overlaid with the function's; a value may be a CloudFormation intrinsic
    environment: Mapping[str, Any] = field(default_factory=dict)
    description: Optional[str] = None
    architecture: Optional[str] = None
    layers: Optional[Tuple[Tuple[CfnValue, str], ...]] = None  #: the function's, else the provider's
    tags: Mapping[str, str] = field(default_factory=dict)  #: provider tags overlaid with the function's
    role: Optional[CfnValue] = None  #: the function's own `role` (an ARN or intrinsic)
    log_retention_in_days: Optional[int] = None  #: the function's, else the provider's
    log_data_protection_policy: Optional[Mapping[str, Any]] = None
    disable_logs: bool = False
    provisioned_concurrency: Optional[CfnValue] = None  #: a whole number > 0, or an intrinsic
    snap_start: bool = False
    reserved_concurrency: Optional[CfnValue] = None
    ephemeral_storage_size: Optional[int] = None
    package: PackageSettings = field(default_factory=PackageSettings)
    vpc: Optional[VpcConfig] = None  #: None also for `vpc: ~`, which turns `provider.vpc` off for this function
    kms_key_arn: Optional[CfnValue] = None  #: the function's, else the provider's
    tracing: Optional[str] = None  #: Active or PassThrough (the function's, else `provider.tracing.lambda`)
    on_error: Optional[CfnValue] = None  #: the dead-letter target (an SNS topic ARN, or an intrinsic)
    destinations: Tuple[Tuple[str, Destination], ...] = ()  #: ("OnSuccess"|"OnFailure", destination)
    maximum_event_age: Optional[int] = None  #: seconds
    maximum_retry_attempts: Optional[int] = None
    file_system: Optional[Tuple[CfnValue, str]] = None  #: (EFS access point ARN, local mount path)
    #: (UpdateRuntimeOn, RuntimeVersionArn): the provider's `runtimeManagement` merged with the function's;
    #: None for Lambda's default (auto)
    runtime_management: Optional[Tuple[str, Optional[CfnValue]]] = None
    url: Optional[FunctionUrl] = None
    image: Optional[ContainerImage] = None  #: a container image instead of `handler` and a code archive
    condition: Optional[str] = None  #: a condition of `resources.Conditions`: the function exists when it holds
    depends_on: Tuple[str, ...] = ()  #: logical ids the function waits for (after its log group)
    #: (path, type) of its events other than `websocket` (`http`, `schedule`, ...), which wsapi does not deploy
    other_events: Tuple[Tuple[str, str], ...] = field(default=(), compare=False)
    #: where settings that may hold intrinsics were written (`role`, `logDataProtectionPolicy`,
    #: `reservedConcurrency`, `provisionedConcurrency`, `environment.NAME`, ...), and the name (`name`: the
    #: function's own path when Serverless derives it), for their problems' paths
    paths: Mapping[str, str] = field(default_factory=dict, compare=False)
    #: (needed by, problem): why wsapi cannot run or create it as written (a setting it does not create, a
    #: value whose variables could not be resolved), reported by the consumer that needs the setting:
    #: `functions.RUN` (running it, and creating it) or `functions.CREATE` (creating it)
    problems: Tuple[Tuple[str, "Problem"], ...] = field(default=(), compare=False)

    def problems_for(self, *needs: str) -> Tuple["Problem", ...]:
        """The problems that concern a consumer needing `needs` (`functions.RUN`, `functions.CREATE`)."""
        return tuple(problem for needed_by, problem in self.problems if needed_by in needs)


@dataclass(frozen=True)
class BuildSettings:
    """How the service's functions are packaged and which role they run as, for the functions wsapi creates."""

    service_dir: Path
    package: PackageSettings = field(default_factory=PackageSettings)
    #: excludes Serverless adds to its defaults: the configuration file, `plugins.localPath`, the folders of
    #: the service's own layers, `.env*` with `useDotenv`
    extra_excludes: Tuple[str, ...] = ()
    role: RoleSettings = field(default_factory=RoleSettings)
    problems: Tuple["Problem", ...] = ()  #: service-wide (package, provider.iam): raised when any is created
    #: the build plugins and their settings, and the service's own layers: a `build_settings.CodeBuildSettings`
    #: (not imported here: that module reads documents, which needs this one)
    code: Optional[Any] = None


@dataclass(frozen=True)
class DeclaredResources:
    """The service's own CloudFormation (`resources:`), as written (variables resolved): merged into what wsapi
    generates as Serverless merges it (`compile/declared.py`)."""

    resources: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)  #: logical id -> definition
    outputs: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    conditions: Mapping[str, Any] = field(default_factory=dict)
    parameters: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    mappings: Mapping[str, Any] = field(default_factory=dict)
    #: `resources.extensions`: attributes added to resources Serverless generates, after the merge
    extensions: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    #: values whose variables could not be resolved: reported by the consumers that deploy these
    problems: Tuple["Problem", ...] = ()


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
class CustomDomain:
    """A custom domain name of the WebSocket API, from serverless-domain-manager's settings (`domains.py`):
    the domain (REGIONAL, the only type WebSocket APIs take), its API mapping to the service's stage, and its
    Route 53 alias records."""

    domain_name: str
    path: str  #: where it was declared: `custom.customDomain.websocket`, `custom.customDomains[1].websocket`
    base_path: str = ""  #: the API mapping key; empty: the domain's root
    certificate_arn: Optional[str] = None
    certificate_name: Optional[str] = None  #: the certificate's domain name; neither: the closest match
    security_policy: str = "TLS_1_2"
    create_record: bool = True  #: createRoute53Record: an A alias record (and AAAA, see below)
    create_ipv6_record: bool = True  #: createRoute53IPv6Record
    hosted_zone_id: Optional[str] = None  #: else the zone found for the domain
    hosted_zone_private: Optional[bool] = None  #: look in private (True) or public (False) zones only
    split_horizon_dns: bool = False  #: records in both the public and the private zone
    routing_policy: str = "simple"  #: route53Params.routingPolicy: simple, latency or weighted
    set_identifier: Optional[str] = None
    weight: int = 200
    health_check_id: Optional[str] = None
    retain: bool = False  #: preserveExternalPathMappings: the domain and its records outlive the stack
    tags: Mapping[str, str] = field(default_factory=dict)  #: provider.stackTags overlaid with provider.tags
    #: values whose variables could not be resolved: reported by what deploys the domain (plan, export,
    #: the component), never by validate or offline
    problems: Tuple["Problem", ...] = field(default=(), compare=False)

    @property
    def url(self) -> str:
        return f"wss://{self.domain_name}" + (f"/{self.base_path}" if self.base_path else "")


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
    #: how the functions wsapi creates are packaged and which role they run as
    build: Optional[BuildSettings] = field(default=None, compare=False, repr=False)
    #: the service's own CloudFormation (`resources:`)
    declared: DeclaredResources = field(default_factory=DeclaredResources, compare=False, repr=False)
    #: the WebSocket API's custom domains (serverless-domain-manager's `custom.customDomain(s)`), enabled ones
    custom_domains: Tuple[CustomDomain, ...] = ()
    #: what deploying them needs that could not be resolved (a whole `customDomain: ${ssm:...}`)
    custom_domain_problems: Tuple["Problem", ...] = field(default=(), compare=False)

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
