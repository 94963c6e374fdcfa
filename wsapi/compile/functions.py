"""The compile step that creates the service's Lambda functions (`compile_service(..., with_functions=True)`).

For every function serving a route or used as an authorizer (and not given from elsewhere): its
`AWS::Lambda::Function` (code from `packaging`, or a container image) with every setting Serverless v3
compiles, its log group `/aws/lambda/{name}`, with `provisionedConcurrency` or `snapStart` the published
version and alias Serverless would invoke (`provisioned` / `snapstart`), its URL and asynchronous invocation
settings (`function_invocation`); one execution role for them all (`function_role`), unless
`provider.iam.role` names an existing role or every function has its own `role`.
"""

from __future__ import annotations

import base64
import hashlib
from typing import Any, Dict, List, Mapping, Optional, Sequence, Tuple

from .. import naming
from ..digests import digest
from ..errors import ConfigError, Problem
from ..model import Function, Service
from ..registry.logs import LogGroup
from .layers import compile_layers
from ..plan import CodeArchive, External, GetAtt, Output, Ref
from ..functions import CREATE, RUN
from ..lambda_settings import image_settings_tuple
from .function_invocation import InvocationCompiler
from .function_role import as_written, compile_role, role_resource, tag_list

LAMBDA_LAYER_LIMIT = 5


def created_keys(service: Service, external: Sequence[str]) -> List[str]:
    """Functions wsapi creates: those serving a route or authorizing one, not given from elsewhere."""
    wanted = {route.function_key for route in service.routes}
    wanted |= {a.function_key for a in service.authorizers if a.function_key is not None}
    return [key for key in service.functions if key in wanted and key not in external]


class FunctionCompiler:
    def __init__(self, compiler: Any, external: Sequence[str]) -> None:
        self.compiler = compiler
        self.layers: Dict[str, List[Any]] = {}  #: the layers wsapi built, by the function they serve
        self.service: Service = compiler.service
        self.external = set(external)
        self.label = str(self.service.config_path) if self.service.config_path else "<config>"
        self.invocation = InvocationCompiler(compiler)
        self.urls: Dict[str, Output] = {}  #: the function URLs' outputs, by function key

    def compile(self) -> Dict[str, Any]:
        """Add every function resource; return the plan value to invoke each created function by."""
        service = self.service
        keys = created_keys(service, self.external)
        if not keys:
            return {}
        problems: List[Problem] = list(service.build.problems)
        for key in keys:
            problems.extend(service.functions[key].problems_for(RUN, CREATE))
            problems.extend(self.reference_problems(service.functions[key]))
        if not problems:
            zipped = [key for key in keys if service.functions[key].image is None]
            # imported here: packaging brings the build plugins' code, which only creating functions needs
            # (`wsapi export` of the websocket part starts 40 ms sooner without it)
            from ..packaging import package_functions

            packaged = package_functions(service, zipped)
            problems.extend(packaged.problems)
        if problems:
            raise ConfigError(problems, self.label)
        if service.build.code is not None:  # build settings that change nothing (the Docker options, ...)
            self.compiler.build_warnings.extend(service.build.code.warnings)

        role = compile_role(self.compiler, keys)
        self.layers = compile_layers(self.compiler, packaged.layers)
        code = packaged.code
        targets: Dict[str, Any] = {}
        for key in keys:
            targets[key] = self.compile_function(key, code.get(key), role)
            url = self.invocation.compile(service.functions[key])
            if url is not None:
                self.urls[key] = url
        return targets

    def function_layers(self, function: Function) -> Optional[List[Any]]:
        """The function's `layers` (its own, else the provider's), then the layers wsapi built for it unless
        it names them itself (`{Ref: PythonRequirementsLambdaLayer}`); at most Lambda's 5."""
        own = list(function.layers or ())
        named = {layer.get("Ref") for layer, _ in own if isinstance(layer, Mapping)}
        built = [ref for ref in self.layers.get(function.key, []) if ref.key not in named]
        if function.layers is None and not built:
            return None
        if len(own) + len(built) > LAMBDA_LAYER_LIMIT:
            raise ConfigError([Problem(
                f"functions.{function.key}.layers",
                f"{len(own)} layers and the requirements layer make {len(own) + len(built)}; Lambda allows {LAMBDA_LAYER_LIMIT} per function",
            )], self.label)  # fmt: skip
        return [as_written(layer, path) for layer, path in own] + built

    def reference_problems(self, function: Function) -> List[Problem]:
        """What a function's settings name that does not exist: a destination function, a `dependsOn` resource,
        a condition (CloudFormation refuses the template; Pulumi has nothing to wait for or choose by)."""
        problems = []
        for name, destination in function.destinations:
            if destination.function is not None and destination.function not in self.service.functions:
                known = ", ".join(sorted(self.service.functions))
                problems.append(Problem(function.paths[f"destinations.{name}"], f"names no function of this service (functions: {known})"))
        declared = self.service.declared
        for index, key in enumerate(function.depends_on):
            if key not in declared.resources:
                problems.append(Problem(f"{function.paths['dependsOn']}[{index}]", f"{key} is not a resource of resources.Resources; the function can only wait for one of those"))
        role, role_path = self.role_as_written(function)
        named = role_resource(role)
        if named is not None and named not in declared.resources:
            problems.append(Problem(role_path, f"{named!r} is not a resource of resources.Resources; give the logical id of a role there, or the role's ARN"))
        if function.condition is not None and function.condition not in declared.conditions:
            problems.append(Problem(function.paths["condition"], f"{function.condition} is not a condition of resources.Conditions"))
        return problems

    def role_as_written(self, function: Function) -> Tuple[Any, str]:
        """The role a function runs as, as given (its own, else the provider's; None for the generated one), and
        where it was written."""
        if function.role is not None:
            return function.role, function.paths["role"]
        settings = self.service.build.role
        return settings.arn, settings.arn_path

    # -- one function ------------------------------------------------------------------------------------

    def compile_function(self, key: str, code: Any, shared_role: Any) -> Any:
        function = self.service.functions[key]
        depends_on = self.compile_log_group(function)
        if function.depends_on:
            depends_on = (depends_on or []) + list(function.depends_on)
        properties = self.function_properties(function, code)
        properties["Role"] = as_written(function.role, function.paths["role"]) if function.role is not None else shared_role
        properties.update(self.more_properties(function))
        attributes = {"Condition": function.condition} if function.condition is not None else {}
        function_key = naming.lambda_function(key)
        self.compiler.add(function_key, "AWS::Lambda::Function", f"function-{key}", properties, depends_on, **attributes)
        if function.alias is None:
            return GetAtt(function_key, "Arn")
        return self.compile_alias(key, function_key, properties, code)

    def compile_log_group(self, function: Function) -> Optional[List[str]]:
        """The function's log group (unless `disableLogs`): what the function waits for."""
        if function.disable_logs:
            return None
        log_group = naming.function_log_group(function.key)
        properties: Dict[str, Any] = {"LogGroupName": naming.lambda_log_group_name(function.deployed_name)}
        if function.log_retention_in_days:
            properties["RetentionInDays"] = function.log_retention_in_days
        if function.log_data_protection_policy:
            properties["DataProtectionPolicy"] = External(
                dict(function.log_data_protection_policy), function.paths["logDataProtectionPolicy"]
            )
        self.compiler.add(log_group, LogGroup.cfn_type, f"function-log-group-{function.key}", properties)
        return [log_group]

    def function_properties(self, function: Function, code: Any) -> Dict[str, Any]:
        """Code, handler and runtime (or the container image), name, memory, timeout and the settings before
        the role, in the order wsapi has always written them."""
        properties: Dict[str, Any]
        if function.image is not None:
            properties = {"Code": {"ImageUri": function.image.uri}}
            image_config = dict(image_settings_tuple(function.image))
            if image_config:
                properties["ImageConfig"] = image_config
            properties["PackageType"] = "Image"
        else:
            code_value = code if isinstance(code, CodeArchive) else {"S3Bucket": code.bucket, "S3Key": code.key}
            properties = {"Code": code_value, "Handler": function.handler, "Runtime": function.runtime}
            if function.runtime_management is not None:
                update_on, version = function.runtime_management
                management: Dict[str, Any] = {"UpdateRuntimeOn": update_on}
                if version is not None:
                    management["RuntimeVersionArn"] = as_written(version, function.paths["runtimeManagement"] + ".arn")
                properties["RuntimeManagementConfig"] = management
        properties.update(FunctionName=function.deployed_name, MemorySize=function.memory_size, Timeout=function.timeout)
        if function.architecture:
            properties["Architectures"] = [function.architecture]
        if function.description:
            properties["Description"] = function.description
        if function.tags:
            properties["Tags"] = tag_list(function.tags)
        if function.environment:
            properties["Environment"] = {
                "Variables": {
                    name: as_written(value, function.paths[f"environment.{name}"])
                    for name, value in function.environment.items()
                }
            }
        return properties

    def more_properties(self, function: Function) -> Dict[str, Any]:
        """The settings after the role: layers, concurrency, storage, SnapStart, then those Serverless compiles
        in between (each only when set, so a function without them is written as before)."""
        paths = function.paths
        properties: Dict[str, Any] = {}
        layers = self.function_layers(function)
        if layers is not None:
            properties["Layers"] = layers
        if function.reserved_concurrency is not None:
            properties["ReservedConcurrentExecutions"] = as_written(function.reserved_concurrency, paths["reservedConcurrency"])
        if function.ephemeral_storage_size is not None:
            properties["EphemeralStorage"] = {"Size": function.ephemeral_storage_size}
        if function.alias == "snapstart":
            properties["SnapStart"] = {"ApplyOn": "PublishedVersions"}
        if function.on_error is not None:
            properties["DeadLetterConfig"] = {"TargetArn": as_written(function.on_error, paths["onError"])}
        if function.kms_key_arn is not None:
            properties["KmsKeyArn"] = as_written(function.kms_key_arn, paths["kmsKeyArn"])
        if function.tracing is not None:
            properties["TracingConfig"] = {"Mode": function.tracing}
        if function.vpc is not None:
            properties["VpcConfig"] = {
                "SecurityGroupIds": as_written(function.vpc.security_group_ids, paths["vpc"] + ".securityGroupIds"),
                "SubnetIds": as_written(function.vpc.subnet_ids, paths["vpc"] + ".subnetIds"),
            }
        if function.file_system is not None:
            arn, mount = function.file_system
            properties["FileSystemConfigs"] = [{"Arn": as_written(arn, paths["fileSystemConfig"] + ".arn"), "LocalMountPath": mount}]
        return properties

    def compile_alias(self, key: str, function_key: str, function_properties: Mapping[str, Any], code: Any) -> Ref:
        """A version named after its code and configuration (so a change publishes a new one, as Serverless
        does), and the alias Serverless invokes on it."""
        function = settings = self.service.functions[key]
        configuration = {name: value for name, value in function_properties.items() if name not in ("Code", "Tags")}
        if function.image is not None:
            code_identity = function.image.uri
        else:
            code_identity = code.digest if isinstance(code, CodeArchive) else f"s3://{code.bucket}/{code.key}"
        hashed = base64.b64encode(hashlib.sha256((code_identity + digest(configuration)).encode()).digest()).decode()
        version_key = naming.lambda_version(key, hashed)
        version: Dict[str, Any] = {"FunctionName": Ref(function_key)}
        if settings.description:
            version["Description"] = settings.description
        # a replaced version stays (Serverless keeps them too): an alias may still be moving off it
        self.compiler.add(
            version_key, "AWS::Lambda::Version", f"version-{key}", version,
            DeletionPolicy="Retain", UpdateReplacePolicy="Retain",
        )
        alias: Dict[str, Any] = {
            "FunctionName": Ref(function_key),
            "FunctionVersion": GetAtt(version_key, "Version"),
            "Name": function.alias,
        }
        if function.alias == "provisioned":
            alias["ProvisionedConcurrencyConfig"] = {
                "ProvisionedConcurrentExecutions": as_written(
                    settings.provisioned_concurrency, settings.paths["provisionedConcurrency"]
                )
            }
            alias_key = naming.provisioned_concurrency_alias(key)
        else:
            alias_key = naming.snapstart_alias(key)
        self.compiler.add(alias_key, "AWS::Lambda::Alias", f"function-alias-{key}", alias)
        return Ref(alias_key)


def ignored_events(service: Service, created: Sequence[str]) -> List[Problem]:
    """One warning per event of a created function that wsapi does not deploy (`http`, `schedule`, `sqs`, ...):
    a service moving to wsapi must know what stays behind."""
    return [
        Problem(path, f"{kind} event of {key}: not deployed; wsapi creates the function for the WebSocket API only (Serverless would deploy this {kind} event too)")
        for key in created
        for path, kind in service.functions[key].other_events
    ]


def compile_functions(compiler: Any, external: Sequence[str]) -> Tuple[Dict[str, Any], Dict[str, Output]]:
    """Add the created functions' resources to `compiler`'s drafts; return how to invoke each, and the outputs
    of their URLs (by function key)."""
    functions = FunctionCompiler(compiler, external)
    return functions.compile(), functions.urls
