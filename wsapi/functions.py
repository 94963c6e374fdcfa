"""The settings wsapi needs to create a service's Lambda functions, read from serverless.yml as Serverless v3
reads them (`lib/plugins/aws/package/compile/functions.js`, `package/lib/merge-iam-templates.js`).

Read only when a consumer creates functions (`load_service(..., with_functions=True)`). Problems are kept
with the function (or, for `package` and `provider.iam`, the service) they belong to and raised only for the
functions actually created: a `vpc:` on a cron function never blocks deploying the websocket ones.

Supported per function: handler, runtime, memorySize, timeout, environment (provider's overlaid with the
function's), name, description, architecture, layers, tags (provider's overlaid with the function's), role,
logRetentionInDays, logDataProtectionPolicy, disableLogs, provisionedConcurrency, snapStart,
reservedConcurrency, ephemeralStorageSize and package (patterns, include, exclude, individually, artifact).
Settings Serverless knows but wsapi does not create (vpc, kmsKeyArn, tracing, image, url, destinations, ...)
are refused with their path, never silently dropped.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Dict, List, Mapping, Optional, Tuple

from .errors import Problem, join_path
from .model import CfnValue, Service
from .packaging import parse_s3_uri
from .readers import TypedReader, type_name
from .intrinsics import is_intrinsic
from .validate import LOG_RETENTION_DAYS, TAG_KEY

#: Paths whose variables are resolved when functions are created (besides validate's READ/RUNTIME paths).
FUNCTION_PATHS = (
    "package",
    "useDotenv",
    "plugins",
    "layers.*.path",
    "provider.architecture",
    "provider.layers",
    "provider.iam",
    "provider.role",
    "provider.iamRoleStatements",
    "provider.iamManagedPolicies",
    "provider.rolePermissionsBoundary",
    "provider.vpc",
    "provider.kmsKeyArn",
    "provider.tracing",
    "provider.runtimeManagement",
    "functions.*.package",
    "functions.*.architecture",
    "functions.*.layers",
    "functions.*.tags",
    "functions.*.description",
    "functions.*.role",
    "functions.*.logRetentionInDays",
    "functions.*.logDataProtectionPolicy",
    "functions.*.disableLogs",
    "functions.*.reservedConcurrency",
    "functions.*.ephemeralStorageSize",
    "functions.*.vpc",
    "functions.*.kmsKeyArn",
    "functions.*.tracing",
    "functions.*.fileSystemConfig",
    "functions.*.destinations",
    "functions.*.onError",
    "functions.*.url",
    "functions.*.runtimeManagement",
    "functions.*.condition",
    "functions.*.dependsOn",
    "functions.*.maximumEventAge",
    "functions.*.maximumRetryAttempts",
)

#: Function settings Serverless v3 knows that wsapi does not create: refused with their path.
UNSUPPORTED_FUNCTION_SETTINGS = (
    "image",
    "vpc",
    "kmsKeyArn",
    "awsKmsKeyArn",
    "tracing",
    "fileSystemConfig",
    "destinations",
    "onError",
    "url",
    "runtimeManagement",
    "condition",
    "dependsOn",
    "maximumEventAge",
    "maximumRetryAttempts",
)
UNSUPPORTED_PROVIDER_SETTINGS = ("vpc", "kmsKeyArn", "runtimeManagement")
ARCHITECTURES = ("arm64", "x86_64")
PACKAGE_KEYS = ("patterns", "include", "exclude", "individually", "artifact", "excludeDevDependencies", "path")
FUNCTION_PACKAGE_KEYS = ("patterns", "include", "exclude", "individually", "artifact")
ROLE_KEYS = ("name", "path", "managedPolicies", "statements", "permissionBoundary", "permissionsBoundary", "tags")
STATEMENT_KEYS = ("Sid", "Effect", "Action", "NotAction", "Principal", "NotPrincipal", "Resource", "NotResource", "Condition")
ROLE_NAME = re.compile(r"^[A-Za-z0-9/_+=,.@-]{1,64}$")
ROLE_PATH = re.compile(r"^(/|/[\u0021-\u007f]+/)$")
RUNTIME = re.compile(r"^[a-z][a-z0-9.]*$")
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
    """The shared execution role: an existing one (`arn`), or one wsapi creates with these settings."""

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
class FunctionSettings:
    """Everything about one function that goes into its `AWS::Lambda::Function`, log group, version and
    alias, beyond `model.Function`."""

    key: str
    runtime: Optional[str]
    description: Optional[str] = None
    architecture: Optional[str] = None
    layers: Optional[Tuple[Tuple[CfnValue, str], ...]] = None  #: the function's, else the provider's
    tags: Mapping[str, str] = field(default_factory=dict)  #: provider tags overlaid with the function's
    role: Optional[CfnValue] = None  #: the function's own `role` (an ARN or intrinsic)
    role_path: str = ""
    log_retention_in_days: Optional[int] = None  #: the function's, else the provider's
    log_data_protection_policy: Optional[Mapping[str, Any]] = None
    log_data_protection_path: str = ""
    disable_logs: bool = False
    provisioned_concurrency: Optional[CfnValue] = None  #: a whole number > 0, or an intrinsic
    snap_start: bool = False
    reserved_concurrency: Optional[CfnValue] = None
    ephemeral_storage_size: Optional[int] = None
    package: PackageSettings = field(default_factory=PackageSettings)
    #: where each environment variable was written (`functions.x.environment.K` or `provider.environment.K`)
    environment_paths: Mapping[str, str] = field(default_factory=dict)
    problems: Tuple[Problem, ...] = ()  #: why wsapi cannot create it as written


@dataclass(frozen=True)
class Deployment:
    """How the service's functions are built and run, for the functions wsapi creates."""

    service_dir: Path
    package: PackageSettings
    #: excludes Serverless adds to its defaults: the configuration file, `plugins.localPath`, the folders of
    #: the service's own layers, `.env*` with `useDotenv`
    extra_excludes: Tuple[str, ...]
    role: RoleSettings
    functions: Mapping[str, FunctionSettings]
    problems: Tuple[Problem, ...] = ()  #: service-wide (package, provider.iam): raised when any is created


class _Reader(TypedReader):
    def __init__(self) -> None:
        self.problems: List[Problem] = []

    def report(self, path: str, message: str) -> None:
        self.problems.append(Problem(path, message))

    def take(self) -> Tuple[Problem, ...]:
        taken, self.problems = tuple(self.problems), []
        return taken

    def whole(self, value: Any, path: str, low: int, high: Optional[int] = None, cfn: bool = False) -> Any:
        if value is None:
            return None
        if cfn and is_intrinsic(value):
            return value
        if isinstance(value, bool) or not isinstance(value, int) or value < low or (high is not None and value > high):
            bound = f"from {low} to {high}" if high is not None else f">= {low}"
            self.report(path, f"must be a whole number {bound}, got {value!r}")
            return None
        return value

    def strings(self, value: Any, path: str) -> Tuple[str, ...]:
        if value is None:
            return ()
        if not isinstance(value, list):
            self.report(path, f"must be a list of strings, got {type_name(value)}")
            return ()
        found = []
        for index, item in enumerate(value):
            if not isinstance(item, str) or not item:
                self.report(f"{path}[{index}]", f"must be a non-empty string, got {type_name(item)}")
            else:
                found.append(item)
        return tuple(found)

    def arn_or_cfn(self, value: Any, path: str, what: str) -> Optional[CfnValue]:
        if value is None:
            return None
        if is_intrinsic(value):
            return value
        if isinstance(value, str) and value.startswith("arn:"):
            return value
        self.report(path, f"must be {what} ARN (arn:...) or a CloudFormation intrinsic, got {value!r}")
        return None

    def tags(self, value: Any, path: str) -> Dict[str, str]:
        tags = self.mapping(value, path)
        if tags is None:
            return {}
        for key, tag in tags.items():
            where = join_path(path, str(key))
            if not isinstance(key, str) or not TAG_KEY.match(key):
                self.report(where, "is not a valid tag key (1-128 characters, not starting with aws:)")
            elif not isinstance(tag, str):
                self.report(where, f"must be a string (quote it), got {type_name(tag)}")
            elif len(tag) > 256:
                self.report(where, "must be at most 256 characters")
        return {k: v for k, v in tags.items() if isinstance(k, str) and isinstance(v, str)}

    # -- package -----------------------------------------------------------------------------------------

    def package(self, value: Any, path: str, allowed: Tuple[str, ...]) -> PackageSettings:
        settings = self.mapping(value, path)
        if settings is None:
            return PackageSettings(path=path)
        self.unknown_keys(settings, allowed, path)
        patterns = self.strings(settings.get("include"), f"{path}.include") + self.strings(
            settings.get("patterns"), f"{path}.patterns"
        )
        excludes = self.strings(settings.get("exclude"), f"{path}.exclude")
        from .globs import PatternError, escapes_folder, glob_matcher

        for key in ("include", "patterns", "exclude"):
            items = settings.get(key)
            for index, pattern in enumerate(items if isinstance(items, list) else []):
                if not isinstance(pattern, str) or not pattern:
                    continue
                where = f"{path}.{key}[{index}]"
                if escapes_folder(pattern):
                    self.report(where, f"{pattern!r} reaches outside the service folder; Lambda cannot unpack such entries (copy the files into the service folder)")
                    continue
                try:
                    glob_matcher(pattern[1:] if pattern.startswith("!") else pattern)
                except PatternError as error:
                    self.report(where, f"{pattern!r} {error}")
        individually = self.boolean(settings.get("individually"), f"{path}.individually")
        self.boolean(settings.get("excludeDevDependencies"), f"{path}.excludeDevDependencies")
        artifact = self.string(settings.get("artifact"), f"{path}.artifact")
        if artifact is not None and parse_s3_uri(artifact) is None and not artifact.lower().endswith((".zip", ".jar")):
            self.report(f"{path}.artifact", f"must be a .zip (or .jar) file or an S3 URI, got {artifact!r}")
            artifact = None
        return PackageSettings(patterns, excludes, bool(individually), artifact, path)

    # -- the execution role ------------------------------------------------------------------------------

    def existing_role(self, value: Any, path: str) -> Optional[CfnValue]:
        if isinstance(value, str) and not value.startswith("arn:"):
            self.report(path, f"{value!r} names a role defined in resources:, which wsapi does not deploy; give the role's ARN")
            return None
        return self.arn_or_cfn(value, path, "an IAM role")

    def role(self, provider: Mapping[str, Any]) -> RoleSettings:
        iam = self.mapping(provider.get("iam"), "provider.iam") or {}
        role = iam.get("role")
        if role is not None and (isinstance(role, str) or (isinstance(role, Mapping) and any("::" in str(k) for k in role))):
            return RoleSettings(arn=self.existing_role(role, "provider.iam.role"), arn_path="provider.iam.role")
        if "role" in provider:
            return RoleSettings(arn=self.existing_role(provider["role"], "provider.role"), arn_path="provider.role")
        settings = self.mapping(role, "provider.iam.role") or {}
        self.unknown_keys(settings, ROLE_KEYS, "provider.iam.role")
        name = self.string(settings.get("name"), "provider.iam.role.name")
        if name is not None and not ROLE_NAME.match(name):
            self.report("provider.iam.role.name", f"{name!r} is not a valid IAM role name (1-64 of letters, digits and /_+=,.@-)")
            name = None
        role_path = self.string(settings.get("path"), "provider.iam.role.path")
        if role_path is not None and not ROLE_PATH.match(role_path):
            self.report("provider.iam.role.path", f"{role_path!r} must start and end with / (e.g. /services/)")
            role_path = None
        if "statements" in settings:
            statements = self.statements(settings.get("statements"), "provider.iam.role.statements")
        else:
            statements = self.statements(provider.get("iamRoleStatements"), "provider.iamRoleStatements")
        policies_path = "provider.iam.role.managedPolicies" if "managedPolicies" in settings else "provider.iamManagedPolicies"
        policies_value = settings.get("managedPolicies") if "managedPolicies" in settings else provider.get("iamManagedPolicies")
        policies: List[Tuple[CfnValue, str]] = []
        if policies_value is not None:
            if not isinstance(policies_value, list):
                self.report(policies_path, f"must be a list of policy ARNs, got {type_name(policies_value)}")
            else:
                for index, item in enumerate(policies_value):
                    arn = self.arn_or_cfn(item, f"{policies_path}[{index}]", "a managed policy")
                    if arn is not None:
                        policies.append((arn, f"{policies_path}[{index}]"))
        boundary = None
        for key, where in (
            ("permissionsBoundary", "provider.iam.role.permissionsBoundary"),
            ("permissionBoundary", "provider.iam.role.permissionBoundary"),
        ):
            if settings.get(key) is not None:
                value = self.arn_or_cfn(settings[key], where, "a policy")
                boundary = (value, where) if value is not None else None
                break
        else:
            if provider.get("rolePermissionsBoundary") is not None:
                value = self.arn_or_cfn(provider["rolePermissionsBoundary"], "provider.rolePermissionsBoundary", "a policy")
                boundary = (value, "provider.rolePermissionsBoundary") if value is not None else None
        tags = self.tags(settings.get("tags"), "provider.iam.role.tags")
        return RoleSettings(None, "", name, role_path, statements, tuple(policies), boundary, tags)

    def statements(self, value: Any, path: str) -> Tuple[Tuple[Mapping[str, Any], str], ...]:
        """IAM statements in Serverless's format (`awsIamPolicyStatements`)."""
        if value is None:
            return ()
        if not isinstance(value, list):
            self.report(path, f"must be a list of IAM statements, got {type_name(value)}")
            return ()
        found = []
        for index, statement in enumerate(value):
            where = f"{path}[{index}]"
            if not isinstance(statement, Mapping):
                self.report(where, f"must be a mapping (Effect, Action, Resource), got {type_name(statement)}")
                continue
            before = len(self.problems)
            self.unknown_keys(statement, STATEMENT_KEYS, where)
            if statement.get("Effect") not in ("Allow", "Deny"):
                self.report(f"{where}.Effect", f"must be Allow or Deny, got {statement.get('Effect')!r}")
            for one, other in (("Action", "NotAction"), ("Resource", "NotResource")):
                if (one in statement) == (other in statement):
                    self.report(where, f"needs exactly one of {one} and {other}")
            for key in ("Action", "NotAction"):
                if key in statement:
                    actions = statement[key]
                    items = actions if isinstance(actions, list) else [actions]
                    if not items or not all(isinstance(a, str) and a for a in items):
                        self.report(f"{where}.{key}", "must be an action (service:Name) or a list of them")
            for key in ("Resource", "NotResource"):
                if key in statement:
                    resources = statement[key]
                    items = resources if isinstance(resources, list) else [resources]
                    if not items or not all((isinstance(r, str) and r) or is_intrinsic(r) for r in items):
                        self.report(f"{where}.{key}", "must be an ARN, *, an intrinsic, or a list of them")
            if len(self.problems) == before:
                found.append((statement, where))
        return tuple(found)

    # -- one function ------------------------------------------------------------------------------------

    def function(self, key: str, config: Mapping[str, Any], provider: Mapping[str, Any], service: Service) -> FunctionSettings:
        path = join_path("functions", key)
        for setting in UNSUPPORTED_FUNCTION_SETTINGS:
            if config.get(setting) not in (None, False):
                self.report(
                    f"{path}.{setting}",
                    f"wsapi does not create functions with {setting}; create this function yourself and pass its ARN "
                    f"(functions={{'{key}': ...}} or --function {key}=ARN), or remove the setting",
                )
        runtime_settings = service.functions[key].runtime if key in service.functions else None
        runtime = runtime_settings.runtime if runtime_settings is not None else None
        if runtime is None:
            self.report(f"{path}.runtime", "is required to create the function (set it here or as provider.runtime)")
        elif not RUNTIME.match(runtime):
            self.report(f"{path}.runtime", f"{runtime!r} is not a Lambda runtime name (e.g. python3.12, nodejs20.x)")
        description = self.string(config.get("description"), f"{path}.description")
        if description is not None and len(description) > 256:
            self.report(f"{path}.description", "must be at most 256 characters")
        architecture = config.get("architecture", provider.get("architecture"))
        arch_path = f"{path}.architecture" if "architecture" in config else "provider.architecture"
        if architecture is not None and architecture not in ARCHITECTURES:
            self.report(arch_path, f"must be arm64 or x86_64, got {architecture!r}")
            architecture = None
        layers_path = f"{path}.layers" if config.get("layers") is not None else "provider.layers"
        layers_value = config.get("layers") if config.get("layers") is not None else provider.get("layers")
        layers = None
        if layers_value is not None:
            if not isinstance(layers_value, list):
                self.report(layers_path, f"must be a list of layer version ARNs, got {type_name(layers_value)}")
            else:
                items = []
                for index, item in enumerate(layers_value):
                    arn = self.arn_or_cfn(item, f"{layers_path}[{index}]", "a layer version")
                    if arn is not None:
                        items.append((arn, f"{layers_path}[{index}]"))
                layers = tuple(items)
        tags = {**service.tags, **self.tags(config.get("tags"), f"{path}.tags")}
        role = None
        if config.get("role") is not None:
            role = self.existing_role(config["role"], f"{path}.role")
        retention = config.get("logRetentionInDays")
        if retention is not None and (isinstance(retention, bool) or retention not in LOG_RETENTION_DAYS):
            self.report(
                f"{path}.logRetentionInDays",
                f"must be one of {', '.join(map(str, LOG_RETENTION_DAYS))}, got {retention!r}",
            )
            retention = None
        protection = self.mapping(config.get("logDataProtectionPolicy"), f"{path}.logDataProtectionPolicy")
        protection_path = f"{path}.logDataProtectionPolicy"
        if protection is not None:
            for required in ("Name", "Version", "Statement"):
                if required not in protection:
                    self.report(f"{protection_path}.{required}", "is required")
        else:
            protection, protection_path = service.log_data_protection_policy, "provider.logDataProtectionPolicy"
        disable_logs = bool(self.boolean(config.get("disableLogs"), f"{path}.disableLogs"))
        concurrency = config.get("provisionedConcurrency")
        concurrency = concurrency if is_intrinsic(concurrency) or (isinstance(concurrency, int) and concurrency > 0) else None
        reserved = self.whole(config.get("reservedConcurrency"), f"{path}.reservedConcurrency", 0, cfn=True)
        storage = self.whole(config.get("ephemeralStorageSize"), f"{path}.ephemeralStorageSize", 512, 10240)
        package = self.package(config.get("package"), f"{path}.package", FUNCTION_PACKAGE_KEYS)
        environment_paths = {
            name: join_path("provider.environment", name) for name in (provider.get("environment") or {})
        } if isinstance(provider.get("environment"), Mapping) else {}
        if isinstance(config.get("environment"), Mapping):
            environment_paths.update({name: join_path(f"{path}.environment", name) for name in config["environment"]})
        return FunctionSettings(
            key=key,
            runtime=runtime,
            description=description,
            architecture=architecture,
            layers=layers,
            tags=tags,
            role=role,
            role_path=f"{path}.role",
            log_retention_in_days=retention if retention is not None else service.log_retention_in_days,
            log_data_protection_policy=protection,
            log_data_protection_path=protection_path,
            disable_logs=disable_logs,
            provisioned_concurrency=concurrency,
            snap_start=bool(config.get("snapStart") is True),
            reserved_concurrency=reserved,
            ephemeral_storage_size=storage,
            package=package,
            environment_paths={str(k): v for k, v in environment_paths.items()},
            problems=self.take(),
        )

    def extra_excludes(self, document: Mapping[str, Any], config_file: Optional[str]) -> Tuple[str, ...]:
        excludes: List[str] = []
        if config_file:
            excludes.append(config_file)
        plugins = document.get("plugins")
        if isinstance(plugins, Mapping) and isinstance(plugins.get("localPath"), str):
            excludes.append(plugins["localPath"])
        layers = document.get("layers")
        if isinstance(layers, Mapping):
            for layer in layers.values():
                if isinstance(layer, Mapping) and isinstance(layer.get("path"), str):
                    excludes.append(f"{layer['path']}/**")
        if document.get("useDotenv") is True:
            excludes.append(".env*")
        return tuple(excludes)


def read_deployment(
    document: Mapping[str, Any], service: Service, *, service_dir: Path, config_file: Optional[str]
) -> Deployment:
    """The deployment settings of every function of `service`, from its variable-resolved document."""
    reader = _Reader()
    provider = document.get("provider") if isinstance(document.get("provider"), Mapping) else {}
    for setting in UNSUPPORTED_PROVIDER_SETTINGS:
        if provider.get(setting) not in (None, False):
            reader.report(f"provider.{setting}", f"wsapi does not create functions with {setting}; remove it, or create the functions yourself and pass their ARNs")
    tracing = provider.get("tracing")
    if isinstance(tracing, Mapping) and tracing.get("lambda") not in (None, False):
        reader.report("provider.tracing.lambda", "wsapi does not create functions with tracing; remove it, or create the functions yourself and pass their ARNs")
    package = reader.package(document.get("package"), "package", PACKAGE_KEYS)
    role = reader.role(provider)
    extra = reader.extra_excludes(document, config_file)
    service_problems = reader.take()
    table = document.get("functions") if isinstance(document.get("functions"), Mapping) else {}
    functions = {
        key: reader.function(key, config, provider, service)
        for key, config in table.items()
        if key in service.functions and isinstance(config, Mapping)
    }
    return Deployment(service_dir, package, extra, role, functions, service_problems)
