"""Read each function's settings, and the service's build settings, as Serverless v3 reads them
(`lib/plugins/aws/package/compile/functions.js`, `package/lib/merge-iam-templates.js`): one pass per
function into one `model.Function`, for every command.

A wrong value (a `timeout` that is not a number, a tag that is not a string) is a problem of the document,
reported by every command. What only some consumers need is kept with the function instead, as
`(needed by, problem)`, and reported by the consumer that needs it: a setting wsapi does not create (`vpc`)
only when wsapi creates the function, a value whose variables could not be resolved (`${ssm:...}` in an
environment) only when the function is run or created (`RUN`), or only created (`CREATE`).

The paths this module reads are declared on its readers (`@setting`), and `read_paths` derives from them
the paths whose variables are resolved, so the two cannot drift apart.
"""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Dict, List, Mapping, Optional, Tuple

from . import naming, runtimes
from .errors import Problem, join_path
from .intrinsics import is_intrinsic
from .model import (
    DEFAULT_MEMORY_SIZE,
    DEFAULT_TIMEOUT,
    BuildSettings,
    CfnValue,
    Function,
    PackageSettings,
    RoleSettings,
)
from .globs import PatternError, escapes_folder, glob_matcher
from .s3_uris import parse_s3_uri
from .lambda_settings import CREATE, LambdaSettingsReader
from .readers import DEFERRED, TypedReader, type_name, unresolved_in, whole_items

RUN = "run"  #: needed to run the function (offline) and to create it; CREATE (from `lambda_settings`): to create it

ARCHITECTURES = ("arm64", "x86_64")
LOGICAL_ID = re.compile(r"[A-Za-z0-9]+")  #: a CloudFormation logical id (a role in resources:)
PACKAGE_KEYS = ("patterns", "include", "exclude", "individually", "artifact", "excludeDevDependencies", "path")
FUNCTION_PACKAGE_KEYS = ("patterns", "include", "exclude", "individually", "artifact")
ROLE_KEYS = ("name", "path", "managedPolicies", "statements", "permissionBoundary", "permissionsBoundary", "tags")
STATEMENT_KEYS = ("Sid", "Effect", "Action", "NotAction", "Principal", "NotPrincipal", "Resource", "NotResource", "Condition")
FUNCTION_KEY = re.compile(r"^[a-zA-Z0-9-_]+$")
LAMBDA_NAME = re.compile(r"^[a-zA-Z0-9-_]{1,64}$")
ROLE_NAME = re.compile(r"^[A-Za-z0-9/_+=,.@-]{1,64}$")
ROLE_PATH = re.compile(r"^(/|/[\u0021-\u007f]+/)$")
RUNTIME = re.compile(r"^[a-z][a-z0-9.]*$")
ENVIRONMENT_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_]*$")


@dataclass(frozen=True)
class Setting:
    """A function setting: its key under `functions.<key>` and its reader; the reader of the provider key it
    falls back to (or merges with), if any; whether its variables must resolve for every command
    (`websocket`: the websocket module reads it) and who needs it otherwise (`RUN` or `CREATE`)."""

    key: str
    read: Callable[..., None]  #: (reader, value, path, fields, config): puts the setting into `fields`
    provider: Optional[Callable[..., Any]] = None  #: (reader, value, path) -> `provider.<key>`'s value
    websocket: bool = False
    needed_by: str = CREATE


#: Provider settings of the functions wsapi creates that are not per function (`BuildReader`).
BUILD_PROVIDER_KEYS = ("iam", "role", "iamRoleStatements", "iamManagedPolicies", "rolePermissionsBoundary")
#: Service-wide settings read for the functions wsapi creates (`BuildReader`).
BUILD_PATHS = ("package", "useDotenv", "plugins.localPath", "layers.*.path") + tuple(f"provider.{k}" for k in BUILD_PROVIDER_KEYS)


def read_paths() -> Tuple[Tuple[str, ...], Tuple[str, ...]]:
    """(paths every command resolves, paths resolved with `Unresolved` left where a value cannot be)."""
    websocket = [f"functions.*.{s.key}" for s in SETTINGS if s.websocket]
    deferred = [f"functions.*.{s.key}" for s in SETTINGS if not s.websocket]
    deferred += [f"provider.{s.key}" for s in SETTINGS if s.provider is not None]
    return tuple(websocket), tuple(deferred) + BUILD_PATHS


class SettingsReader(TypedReader):
    """Typed readers of function and build settings; problems of the document go to `report`, problems only
    some consumers care about are kept (`keep`) for the function being read."""

    def __init__(self, report: Callable[[str, str], None]) -> None:
        self._report = report
        self.reported = 0  #: how many problems of the document this reader found
        self.kept: List[Tuple[str, Problem]] = []

    def report(self, path: str, message: str) -> None:
        self.reported += 1
        self._report(path, message)

    def keep(self, needed_by: str, path: str, message: str) -> None:
        self.kept.append((needed_by, Problem(path, message)))

    def take(self) -> Tuple[Tuple[str, Problem], ...]:
        taken, self.kept = tuple(self.kept), []
        return taken

    def existing_role(self, value: Any, path: str) -> Optional[CfnValue]:
        """A role given instead of the generated one, as Serverless's `compileRole` reads it: an ARN, an intrinsic
        (`Fn::GetAtt`, `Fn::ImportValue`, `Fn::Sub`, ...), or the logical id of a role in `resources:`, which
        is `Fn::GetAtt [Id, Arn]` (`IamRoleLambdaExecution`: the generated role itself, so None)."""
        if isinstance(value, str) and not value.startswith("arn:"):
            if value == naming.LAMBDA_ROLE:
                return None
            if not LOGICAL_ID.fullmatch(value):
                self.report(path, f"{value!r} is neither a role ARN (arn:...) nor the logical id of a role in resources: (letters and digits)")
                return None
            return {"Fn::GetAtt": [value, "Arn"]}
        if value == {"Fn::GetAtt": [naming.LAMBDA_ROLE, "Arn"]}:
            return None
        return self.arn_or_intrinsic(value, path, "an IAM role")

    def package(self, value: Any, path: str, allowed: Tuple[str, ...]) -> PackageSettings:
        settings = self.mapping(value, path)
        if settings is None:
            return PackageSettings(path=path)
        self.unknown_keys(settings, allowed, path)
        patterns = self.strings(settings.get("include"), f"{path}.include") + self.strings(
            settings.get("patterns"), f"{path}.patterns"
        )
        excludes = self.strings(settings.get("exclude"), f"{path}.exclude")
        for key in ("include", "patterns", "exclude"):
            items = settings.get(key)
            for index, pattern in enumerate(items if isinstance(items, list) else []):
                if isinstance(pattern, str) and pattern:
                    self.pattern(pattern, f"{path}.{key}[{index}]")
        individually = self.boolean(settings.get("individually"), f"{path}.individually")
        self.boolean(settings.get("excludeDevDependencies"), f"{path}.excludeDevDependencies")
        artifact = self.string(settings.get("artifact"), f"{path}.artifact")
        if artifact is not None and parse_s3_uri(artifact) is None and not artifact.lower().endswith((".zip", ".jar")):
            self.keep(CREATE, f"{path}.artifact", f"must be a .zip (or .jar) file or an S3 URI, got {artifact!r}")
            artifact = None
        return PackageSettings(patterns, excludes, bool(individually), artifact, path)

    def pattern(self, pattern: str, where: str) -> None:
        if escapes_folder(pattern):
            self.keep(CREATE, where, f"{pattern!r} reaches outside the service folder; Lambda cannot unpack such entries (copy the files into the service folder)")
            return
        try:
            glob_matcher(pattern[1:] if pattern.startswith("!") else pattern)
        except PatternError as error:
            self.keep(CREATE, where, f"{pattern!r} {error}")

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
            if statement is DEFERRED:
                continue
            if not isinstance(statement, Mapping):
                self.report(where, f"must be a mapping (Effect, Action, Resource), got {type_name(statement)}")
            elif self.statement(statement, where):
                found.append((statement, where))
        return tuple(found)

    def statement(self, statement: Mapping[str, Any], where: str) -> bool:
        """Check one statement; True when it has no problem."""
        before = self.reported
        self.unknown_keys(statement, STATEMENT_KEYS, where)
        if statement.get("Effect") not in ("Allow", "Deny"):
            self.report(f"{where}.Effect", f"must be Allow or Deny, got {statement.get('Effect')!r}")
        for one, other in (("Action", "NotAction"), ("Resource", "NotResource")):
            if (one in statement) == (other in statement):
                self.report(where, f"needs exactly one of {one} and {other}")
        for key in ("Action", "NotAction"):
            if key in statement:
                items = statement[key] if isinstance(statement[key], list) else [statement[key]]
                if not items or not all(isinstance(a, str) and a for a in items):
                    self.report(f"{where}.{key}", "must be an action (service:Name) or a list of them")
        for key in ("Resource", "NotResource"):
            if key in statement:
                items = statement[key] if isinstance(statement[key], list) else [statement[key]]
                if not items or not all((isinstance(r, str) and r) or is_intrinsic(r) for r in items):
                    self.report(f"{where}.{key}", "must be an ARN, *, an intrinsic, or a list of them")
        return self.reported == before


@dataclass(frozen=True)
class Inherited:
    """Provider settings a function inherits that the websocket module reads too (validate reads them once)."""

    tags: Mapping[str, str]
    log_retention_in_days: Optional[int]
    log_data_protection_policy: Optional[Mapping[str, Any]]


class FunctionReader(LambdaSettingsReader, SettingsReader):
    """Reads every function of one document; `function` reads one, in one pass over `SETTINGS` (the readers of
    the settings beyond code, runtime and environment live in `lambda_settings`)."""

    def __init__(
        self, report: Callable[[str, str], None], provider: Mapping[str, Any], service: str, stage: str, inherited: Inherited,
        warn: Optional[Callable[[str, str], None]] = None, today: Optional[datetime.date] = None,
    ) -> None:
        super().__init__(report)
        self.warn = warn or (lambda path, message: None)
        self.today = today or runtimes.today()
        self.provider = provider
        self.service = service
        self.stage = stage
        self.inherited = inherited
        self.defaults = self.provider_defaults()

    def provider_defaults(self) -> Dict[str, Tuple[Any, Tuple[Tuple[str, Problem], ...]]]:
        """`provider.<key>` of each setting with one, read once: (value, what its unresolved variables keep
        from every function that inherits it)."""
        defaults = {}
        for setting in SETTINGS:
            if setting.provider is None:
                continue
            path = f"provider.{setting.key}"
            raw, unresolved = unresolved_in(self.provider.get(setting.key), path)
            defaults[setting.key] = (setting.provider(self, raw, path), tuple((setting.needed_by, p) for p in unresolved))
        return defaults

    def function(self, key: str, config: Mapping[str, Any]) -> Function:
        path = join_path("functions", key)
        fields: Dict[str, Any] = {"key": key, "paths": {}}
        for setting in SETTINGS:
            where = f"{path}.{setting.key}"
            raw, unresolved = unresolved_in(config.get(setting.key), where)
            self.kept.extend((setting.needed_by, problem) for problem in unresolved)
            if setting.key in self.defaults:
                self.kept.extend(self.defaults[setting.key][1])
            setting.read(self, raw, where, fields, config)
        fields["alias"] = "provisioned" if fields.get("provisioned_concurrency") else ("snapstart" if fields.get("snap_start") else None)
        fields["other_events"] = other_events(config.get("events"), path)
        fields["problems"] = self.take()
        return Function(**fields)

    def inherit(self, setting: str, own: Any, default: Any) -> Any:
        inherited = self.defaults[setting][0]
        return own if own is not None else (inherited if inherited is not None else default)

    # -- read_<setting>(value, path, fields, config): the function's own setting into `fields` ------------

    def read_handler(self, value: Any, path: str, fields: Dict[str, Any], config: Mapping[str, Any]) -> None:
        fields["handler"] = self.string(value, path)
        if "handler" not in config and config.get("image") is None:
            self.report(path, "is required (or image)")

    def read_name(self, value: Any, path: str, fields: Dict[str, Any], config: Mapping[str, Any]) -> None:
        name = self.string(value, path)
        if name is not None and not LAMBDA_NAME.fullmatch(name):
            self.report(path, f"{name!r} is not a valid Lambda function name (1-64 letters, digits, - and _)")
        fields["deployed_name"] = name or naming.default_function_name(self.service, self.stage, fields["key"])
        fields["paths"]["name"] = path if name is not None else path.rsplit(".", 1)[0]

    def read_provisionedConcurrency(self, value: Any, path: str, fields: Dict[str, Any], config: Mapping[str, Any]) -> None:
        concurrency = self.whole(value, path, 0, intrinsic=True)
        fields["provisioned_concurrency"] = concurrency or None  # 0: none
        fields["paths"]["provisionedConcurrency"] = path

    def read_snapStart(self, value: Any, path: str, fields: Dict[str, Any], config: Mapping[str, Any]) -> None:
        snap_start = bool(self.boolean(value, path))
        if snap_start and fields["provisioned_concurrency"]:
            self.report(path, "SnapStart does not support provisioned concurrency: remove snapStart or provisionedConcurrency")
        fields["snap_start"] = snap_start

    def read_runtime(self, value: Any, path: str, fields: Dict[str, Any], config: Mapping[str, Any]) -> None:
        own = self.provider_runtime(value, path)
        fields["runtime"] = self.inherit("runtime", own, None)
        if fields["runtime"] is None:
            if config.get("image") is None:  # an image brings its own runtime
                self.keep(CREATE, path, "is required to create the function (set it here or as provider.runtime)")
            return
        lifecycle = runtimes.lifecycle_problem(fields["runtime"], self.today)
        if lifecycle is not None and lifecycle[1]:  # deprecated (warned where it is written) and refused
            where = path if own is not None else "provider.runtime"
            self.keep(CREATE, where, f"{lifecycle[0]}; wsapi cannot create {fields['key']} on it")

    def provider_runtime(self, value: Any, path: str) -> Optional[str]:
        runtime = self.string(value, path)
        if runtime is not None and not RUNTIME.fullmatch(runtime):
            self.report(path, f"{runtime!r} is not a Lambda runtime name (e.g. python3.12, nodejs20.x)")
            return None
        lifecycle = runtimes.lifecycle_problem(runtime, self.today) if runtime is not None else None
        if lifecycle is not None:
            self.warn(path, lifecycle[0])
        return runtime

    def read_timeout(self, value: Any, path: str, fields: Dict[str, Any], config: Mapping[str, Any]) -> None:
        fields["timeout"] = self.inherit("timeout", self.provider_timeout(value, path), DEFAULT_TIMEOUT)

    def provider_timeout(self, value: Any, path: str) -> Optional[int]:
        return self.whole(value, path, 1, 900)

    def read_memorySize(self, value: Any, path: str, fields: Dict[str, Any], config: Mapping[str, Any]) -> None:
        fields["memory_size"] = self.inherit("memorySize", self.provider_memorySize(value, path), DEFAULT_MEMORY_SIZE)

    def provider_memorySize(self, value: Any, path: str) -> Optional[int]:
        return self.whole(value, path, 128, 10240)

    def read_environment(self, value: Any, path: str, fields: Dict[str, Any], config: Mapping[str, Any]) -> None:
        inherited, inherited_paths = self.defaults["environment"][0] or ({}, {})
        own, own_paths = self.provider_environment(value, path) or ({}, {})
        fields["environment"] = {**inherited, **own}
        fields["paths"].update({f"environment.{name}": where for name, where in {**inherited_paths, **own_paths}.items()})

    def provider_environment(self, value: Any, path: str) -> Optional[Tuple[Dict[str, Any], Dict[str, str]]]:
        """(variables, where each was written): strings (numbers become strings, as Lambda takes them) or
        CloudFormation intrinsics evaluated at deploy time."""
        environment = self.mapping(value, path)
        if environment is None:
            return None
        variables: Dict[str, Any] = {}
        paths: Dict[str, str] = {}
        for name, item in environment.items():
            where = join_path(path, str(name))
            if not isinstance(name, str) or not ENVIRONMENT_NAME.fullmatch(name):
                self.report(where, "is not a valid environment variable name")
            elif is_intrinsic(item):
                variables[name], paths[name] = item, where
            elif isinstance(item, bool) or not isinstance(item, (str, int, float)):
                self.report(where, f"must be a string, got {type_name(item)}")
            else:
                variables[name], paths[name] = str(item), where
        return variables, paths

    def read_description(self, value: Any, path: str, fields: Dict[str, Any], config: Mapping[str, Any]) -> None:
        description = self.string(value, path)
        if description is not None and len(description) > 256:
            self.report(path, "must be at most 256 characters")
        fields["description"] = description

    def read_architecture(self, value: Any, path: str, fields: Dict[str, Any], config: Mapping[str, Any]) -> None:
        fields["architecture"] = self.inherit("architecture", self.provider_architecture(value, path), None)

    def provider_architecture(self, value: Any, path: str) -> Optional[str]:
        if value is not None and value not in ARCHITECTURES:
            self.report(path, f"must be arm64 or x86_64, got {value!r}")
            return None
        return value

    def read_layers(self, value: Any, path: str, fields: Dict[str, Any], config: Mapping[str, Any]) -> None:
        fields["layers"] = self.inherit("layers", self.provider_layers(value, path), None)

    def provider_layers(self, value: Any, path: str) -> Optional[Tuple[Tuple[CfnValue, str], ...]]:
        if value is None:
            return None
        if not isinstance(value, list):
            self.report(path, f"must be a list of layer version ARNs, got {type_name(value)}")
            return None
        layers = []
        for index, item in enumerate(value):
            if item is DEFERRED:
                continue
            arn = self.arn_or_intrinsic(item, f"{path}[{index}]", "a layer version")
            if arn is not None:
                layers.append((arn, f"{path}[{index}]"))
        return tuple(layers)

    def read_tags(self, value: Any, path: str, fields: Dict[str, Any], config: Mapping[str, Any]) -> None:
        fields["tags"] = {**self.inherited.tags, **self.tags(value, path)}

    def read_role(self, value: Any, path: str, fields: Dict[str, Any], config: Mapping[str, Any]) -> None:
        fields["role"] = None if value is None else self.existing_role(value, path)
        fields["paths"]["role"] = path

    def read_logRetentionInDays(self, value: Any, path: str, fields: Dict[str, Any], config: Mapping[str, Any]) -> None:
        retention = self.retention(value, path)
        fields["log_retention_in_days"] = retention if retention is not None else self.inherited.log_retention_in_days

    def read_logDataProtectionPolicy(self, value: Any, path: str, fields: Dict[str, Any], config: Mapping[str, Any]) -> None:
        policy = self.data_protection(value, path)
        if policy is None:
            policy, path = self.inherited.log_data_protection_policy, "provider.logDataProtectionPolicy"
        fields["log_data_protection_policy"] = policy
        fields["paths"]["logDataProtectionPolicy"] = path

    def read_disableLogs(self, value: Any, path: str, fields: Dict[str, Any], config: Mapping[str, Any]) -> None:
        fields["disable_logs"] = bool(self.boolean(value, path))

    def read_reservedConcurrency(self, value: Any, path: str, fields: Dict[str, Any], config: Mapping[str, Any]) -> None:
        fields["reserved_concurrency"] = self.whole(value, path, 0, intrinsic=True)
        fields["paths"]["reservedConcurrency"] = path

    def read_ephemeralStorageSize(self, value: Any, path: str, fields: Dict[str, Any], config: Mapping[str, Any]) -> None:
        fields["ephemeral_storage_size"] = self.whole(value, path, 512, 10240)

    def read_package(self, value: Any, path: str, fields: Dict[str, Any], config: Mapping[str, Any]) -> None:
        fields["package"] = self.package(value, path, FUNCTION_PACKAGE_KEYS)


#: Every function setting wsapi reads, in reading order: the one list the reader goes through and the
#: resolved paths derive from.
SETTINGS = (
    Setting("handler", FunctionReader.read_handler, websocket=True),
    Setting("image", FunctionReader.read_image, websocket=True),
    Setting("name", FunctionReader.read_name, websocket=True),
    Setting("provisionedConcurrency", FunctionReader.read_provisionedConcurrency, websocket=True),
    Setting("snapStart", FunctionReader.read_snapStart, websocket=True),
    Setting("runtime", FunctionReader.read_runtime, FunctionReader.provider_runtime, needed_by=RUN),
    Setting("timeout", FunctionReader.read_timeout, FunctionReader.provider_timeout, needed_by=RUN),
    Setting("memorySize", FunctionReader.read_memorySize, FunctionReader.provider_memorySize, needed_by=RUN),
    Setting("environment", FunctionReader.read_environment, FunctionReader.provider_environment, needed_by=RUN),
    Setting("description", FunctionReader.read_description),
    Setting("architecture", FunctionReader.read_architecture, FunctionReader.provider_architecture),
    Setting("layers", FunctionReader.read_layers, FunctionReader.provider_layers),
    Setting("tags", FunctionReader.read_tags),
    Setting("role", FunctionReader.read_role),
    Setting("logRetentionInDays", FunctionReader.read_logRetentionInDays),
    Setting("logDataProtectionPolicy", FunctionReader.read_logDataProtectionPolicy),
    Setting("disableLogs", FunctionReader.read_disableLogs),
    Setting("reservedConcurrency", FunctionReader.read_reservedConcurrency),
    Setting("ephemeralStorageSize", FunctionReader.read_ephemeralStorageSize),
    Setting("package", FunctionReader.read_package),
    Setting("vpc", FunctionReader.read_vpc, FunctionReader.provider_vpc),
    Setting("fileSystemConfig", FunctionReader.read_fileSystemConfig),
    Setting("kmsKeyArn", FunctionReader.read_kmsKeyArn, FunctionReader.provider_kmsKeyArn),
    Setting("awsKmsKeyArn", FunctionReader.read_awsKmsKeyArn),
    Setting("tracing", FunctionReader.read_tracing, FunctionReader.provider_tracing),
    Setting("onError", FunctionReader.read_onError),
    Setting("destinations", FunctionReader.read_destinations),
    Setting("maximumEventAge", FunctionReader.read_maximumEventAge),
    Setting("maximumRetryAttempts", FunctionReader.read_maximumRetryAttempts),
    Setting("runtimeManagement", FunctionReader.read_runtimeManagement, FunctionReader.provider_runtimeManagement),
    Setting("url", FunctionReader.read_url),
    Setting("condition", FunctionReader.read_condition),
    Setting("dependsOn", FunctionReader.read_dependsOn),
)


def other_events(events: Any, path: str) -> Tuple[Tuple[str, str], ...]:
    """(path, type) of the function's events other than `websocket`, which wsapi does not deploy."""
    found = []
    for index, event in enumerate(events if isinstance(events, list) else []):
        if isinstance(event, Mapping):  # only the keys: what the events hold is not read
            found.extend((f"{path}.events[{index}]", str(kind)) for kind in event if kind != "websocket")
    return tuple(found)


class BuildReader(SettingsReader):
    """The service-wide settings of the functions wsapi creates: package, execution role, extra excludes."""

    def build(self, document: Mapping[str, Any], service_dir: Path, config_file: Optional[str]) -> BuildSettings:
        given = dict(document.get("provider")) if isinstance(document.get("provider"), Mapping) else {}
        if "iamRoleStatements" in given:
            given["iamRoleStatements"] = whole_items(given["iamRoleStatements"])
        role = given.get("iam", {}).get("role") if isinstance(given.get("iam"), Mapping) else None
        if isinstance(role, Mapping) and "statements" in role:
            given["iam"] = {**given["iam"], "role": {**role, "statements": whole_items(role["statements"])}}
        settings = {"package": document.get("package"), **{f"provider.{k}": given.get(k) for k in BUILD_PROVIDER_KEYS if k in given}}
        clean, unresolved = unresolved_in(settings, "")
        self.kept.extend((CREATE, problem) for problem in unresolved)
        provider = {key.split(".", 1)[1]: value for key, value in clean.items() if key.startswith("provider.")}
        package = self.package(clean["package"], "package", PACKAGE_KEYS)
        role = self.role(provider)
        problems = tuple(problem for _, problem in self.take())
        return BuildSettings(service_dir, package, self.extra_excludes(document, config_file), role, problems)

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
        if name is not None and not ROLE_NAME.fullmatch(name):
            self.report("provider.iam.role.name", f"{name!r} is not a valid IAM role name (1-64 of letters, digits and /_+=,.@-)")
            name = None
        role_path = self.string(settings.get("path"), "provider.iam.role.path")
        if role_path is not None and not ROLE_PATH.fullmatch(role_path):
            self.report("provider.iam.role.path", f"{role_path!r} must start and end with / (e.g. /services/)")
            role_path = None
        if "statements" in settings:
            statements = self.statements(settings.get("statements"), "provider.iam.role.statements")
        else:
            statements = self.statements(provider.get("iamRoleStatements"), "provider.iamRoleStatements")
        policies = self.managed_policies(settings, provider)
        boundary = self.boundary(settings, provider)
        tags = self.tags(settings.get("tags"), "provider.iam.role.tags")
        return RoleSettings(None, "", name, role_path, statements, policies, boundary, tags)

    def managed_policies(self, settings: Mapping[str, Any], provider: Mapping[str, Any]) -> Tuple[Tuple[CfnValue, str], ...]:
        own = "managedPolicies" in settings
        path = "provider.iam.role.managedPolicies" if own else "provider.iamManagedPolicies"
        value = settings.get("managedPolicies") if own else provider.get("iamManagedPolicies")
        if value is None:
            return ()
        if not isinstance(value, list):
            self.report(path, f"must be a list of policy ARNs, got {type_name(value)}")
            return ()
        policies = []
        for index, item in enumerate(value):
            if item is DEFERRED:
                continue
            arn = self.arn_or_intrinsic(item, f"{path}[{index}]", "a managed policy")
            if arn is not None:
                policies.append((arn, f"{path}[{index}]"))
        return tuple(policies)

    def boundary(self, settings: Mapping[str, Any], provider: Mapping[str, Any]) -> Optional[Tuple[CfnValue, str]]:
        for key in ("permissionsBoundary", "permissionBoundary"):
            if settings.get(key) is not None:
                where = f"provider.iam.role.{key}"
                value = self.arn_or_intrinsic(settings[key], where, "a policy")
                return (value, where) if value is not None else None
        if provider.get("rolePermissionsBoundary") is not None:
            where = "provider.rolePermissionsBoundary"
            value = self.arn_or_intrinsic(provider["rolePermissionsBoundary"], where, "a policy")
            return (value, where) if value is not None else None
        return None
