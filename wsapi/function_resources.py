"""The compile step that creates the service's Lambda functions (`compile_service(..., with_functions=True)`).

For every function serving a route or used as an authorizer (and not given from elsewhere): its
`AWS::Lambda::Function` (code from `packaging`), its log group `/aws/lambda/{name}`, and with
`provisionedConcurrency` or `snapStart` the published version and alias Serverless would invoke
(`provisioned` / `snapstart`); one execution role for them all, unless `provider.iam.role` names an existing
role or every function has its own `role`.

The role grants no more than the functions need: writing their own log groups, and
`execute-api:ManageConnections` on this API's stage only
(`arn:{partition}:execute-api:{region}:{account}:{apiId}/{stage}/{POST|GET|DELETE}/@connections/*`), plus
the statements the service gives (`provider.iam.role.statements`). Serverless grants ManageConnections on
`execute-api:*:*:*/@connections/*`: any API in any account.
"""

from __future__ import annotations

import base64
import hashlib
from typing import Any, Dict, List, Mapping, Optional, Sequence

from . import naming
from .errors import ConfigError, Problem
from .model import Service
from .plan import CodeArchive, External, GetAtt, Join, Pseudo, Ref, Sub
from .intrinsics import is_intrinsic

ASSUME_LAMBDA = {
    "Version": "2012-10-17",
    "Statement": [
        {"Effect": "Allow", "Principal": {"Service": ["lambda.amazonaws.com"]}, "Action": ["sts:AssumeRole"]}
    ],
}
MANAGEMENT_METHODS = ("POST", "GET", "DELETE")
#: Above this many characters of log-group ARNs, functions named `{service}-{stage}-...` share one
#: `{service}-{stage}-*` grant (as Serverless does), keeping the role's inline policies under IAM's 10,240.
LOG_GRANT_BUDGET = 6000
LOG_GROUP_ARN = "arn:${AWS::Partition}:logs:${AWS::Region}:${AWS::AccountId}:log-group:"


def plan_value(value: Any, path: str) -> Any:
    """A value the user wrote, as a plan value: literals as they are, `Ref: AWS::Region`-style pseudo
    parameters and `Fn::Sub`/`Fn::Join` of them in the plan's own terms (so Pulumi evaluates them too), any
    other intrinsic as `External` with its path."""
    if is_intrinsic(value):
        (function, argument), = value.items()
        if function == "Ref" and isinstance(argument, str) and argument.startswith("AWS::"):
            return Pseudo(argument)
        if function == "Fn::Sub" and isinstance(argument, str):
            sub = Sub(argument)
            if all(name.startswith("AWS::") for name in sub.names()):
                return sub
        if function == "Fn::Join" and isinstance(argument, list) and len(argument) == 2:
            separator, parts = argument
            if isinstance(separator, str) and isinstance(parts, list):
                converted = tuple(plan_value(part, f"{path}.Fn::Join[1][{i}]") for i, part in enumerate(parts))
                if not any(isinstance(part, External) for part in converted):
                    return Join(separator, converted)
        return External(value, path)
    if isinstance(value, Mapping):
        return {key: plan_value(item, f"{path}.{key}") for key, item in value.items()}
    if isinstance(value, list):
        return [plan_value(item, f"{path}[{index}]") for index, item in enumerate(value)]
    return value


def tag_list(tags: Mapping[str, str]) -> List[Dict[str, str]]:
    return [{"Key": key, "Value": tags[key]} for key in sorted(tags)]


def created_keys(service: Service, external: Sequence[str]) -> List[str]:
    """Functions wsapi creates: those serving a route or authorizing one, not given from elsewhere."""
    wanted = {route.function_key for route in service.routes}
    wanted |= {a.function_key for a in service.authorizers if a.function_key is not None}
    return [key for key in service.functions if key in wanted and key not in external]


class FunctionCompiler:
    def __init__(self, compiler: Any, external: Sequence[str]) -> None:
        self.compiler = compiler
        self.service: Service = compiler.service
        self.external = set(external)
        self.label = str(self.service.config_path) if self.service.config_path else "<config>"

    def compile(self) -> Dict[str, Any]:
        """Add every function resource; return the plan value to invoke each created function by."""
        service = self.service
        deployment = service.deployment
        keys = created_keys(service, self.external)
        if not keys:
            return {}
        if deployment is None:
            raise ValueError("creating functions needs their settings: load_service(..., with_functions=True)")
        problems: List[Problem] = list(deployment.problems)
        for key in keys:
            problems.extend(deployment.functions[key].problems)
        if not problems:
            from .packaging import function_code

            code, code_problems = function_code(service, keys)
            problems.extend(code_problems)
        if problems:
            raise ConfigError(list(dict.fromkeys(problems)), self.label)

        role = self.compile_role(keys)
        targets: Dict[str, Any] = {}
        for key in keys:
            targets[key] = self.compile_function(key, code[key], role)
        return targets

    # -- the role ----------------------------------------------------------------------------------------

    def compile_role(self, keys: Sequence[str]) -> Any:
        """The role value functions without their own `role` use (None when none needs one)."""
        deployment = self.service.deployment
        settings = deployment.role
        if all(deployment.functions[key].role is not None for key in keys):
            return None
        if settings.arn is not None:
            return plan_value(settings.arn, settings.arn_path)
        statements: List[Any] = []
        logging = self.log_statements(keys)
        statements.extend(logging)
        statements.append(
            {
                "Effect": "Allow",
                "Action": ["execute-api:ManageConnections"],
                "Resource": [
                    self.compiler.execute_api_arn(f"/{self.service.stage}/{method}/@connections/*")
                    for method in MANAGEMENT_METHODS
                ],
            }
        )
        for statement, path in settings.statements:
            statements.append(plan_value(dict(statement), path))
        properties: Dict[str, Any] = {
            "AssumeRolePolicyDocument": ASSUME_LAMBDA,
            "Policies": [
                {
                    "PolicyName": f"{self.service.name}-{self.service.stage}-lambda",
                    "PolicyDocument": {"Version": "2012-10-17", "Statement": statements},
                }
            ],
        }
        if settings.managed_policies:
            properties["ManagedPolicyArns"] = [plan_value(arn, path) for arn, path in settings.managed_policies]
        if settings.path:
            properties["Path"] = settings.path
        if settings.name:
            properties["RoleName"] = settings.name
        if settings.permissions_boundary is not None:
            properties["PermissionsBoundary"] = plan_value(*settings.permissions_boundary)
        if settings.tags:
            properties["Tags"] = tag_list(settings.tags)
        self.compiler.add(naming.LAMBDA_ROLE, "AWS::IAM::Role", "lambda-role", properties)
        return GetAtt(naming.LAMBDA_ROLE, "Arn")

    def log_statements(self, keys: Sequence[str]) -> List[Dict[str, Any]]:
        """CreateLogStream/PutLogEvents on each created function's own log group, and nothing else."""
        deployment = self.service.deployment
        logged = [key for key in keys if not deployment.functions[key].disable_logs and self.uses_shared_role(key)]
        if not logged:
            return []
        names = [self.service.functions[key].deployed_name for key in logged]
        prefix = f"{self.service.name}-{self.service.stage}-"
        if sum(len(LOG_GROUP_ARN) + len(name) + 20 for name in names) > LOG_GRANT_BUDGET:
            own = [name for name in names if not name.startswith(prefix)]
            patterns = [f"{prefix}*"] + own
            silent = [
                self.service.functions[key].deployed_name
                for key in keys
                if deployment.functions[key].disable_logs and self.service.functions[key].deployed_name.startswith(prefix)
            ]
        else:
            patterns, silent = names, []
        statements: List[Dict[str, Any]] = [
            {
                "Effect": "Allow",
                "Action": ["logs:CreateLogStream", "logs:PutLogEvents"],
                "Resource": [Sub(f"{LOG_GROUP_ARN}{naming.lambda_log_group_name(name)}:*") for name in patterns],
            }
        ]
        if silent:  # a shared prefix must not let a function whose logs are off write them
            statements.append(
                {
                    "Effect": "Deny",
                    "Action": ["logs:PutLogEvents"],
                    "Resource": [Sub(f"{LOG_GROUP_ARN}{naming.lambda_log_group_name(name)}:*") for name in silent],
                }
            )
        return statements

    def uses_shared_role(self, key: str) -> bool:
        return self.service.deployment.functions[key].role is None

    # -- one function ------------------------------------------------------------------------------------

    def compile_function(self, key: str, code: Any, shared_role: Any) -> Any:
        service = self.service
        function = service.functions[key]
        settings = service.deployment.functions[key]
        runtime = function.runtime
        depends_on: Optional[List[str]] = None
        if not settings.disable_logs:
            log_group = naming.function_log_group(key)
            properties: Dict[str, Any] = {"LogGroupName": naming.lambda_log_group_name(function.deployed_name)}
            if settings.log_retention_in_days:
                properties["RetentionInDays"] = settings.log_retention_in_days
            if settings.log_data_protection_policy:
                properties["DataProtectionPolicy"] = External(
                    dict(settings.log_data_protection_policy), settings.log_data_protection_path
                )
            self.compiler.add(log_group, "AWS::Logs::LogGroup", f"function-log-group-{key}", properties)
            depends_on = [log_group]

        if isinstance(code, CodeArchive):
            code_value: Any = code
        else:  # an artifact already in S3
            code_value = {"S3Bucket": code.bucket, "S3Key": code.key}
        properties = {
            "Code": code_value,
            "Handler": function.handler,
            "Runtime": settings.runtime,
            "FunctionName": function.deployed_name,
            "MemorySize": runtime.memory_size,
            "Timeout": runtime.timeout,
        }
        if settings.architecture:
            properties["Architectures"] = [settings.architecture]
        if settings.description:
            properties["Description"] = settings.description
        if settings.tags:
            properties["Tags"] = tag_list(settings.tags)
        if runtime.environment:
            properties["Environment"] = {
                "Variables": {
                    name: plan_value(value, settings.environment_paths.get(name, f"functions.{key}.environment.{name}"))
                    for name, value in runtime.environment.items()
                }
            }
        properties["Role"] = plan_value(settings.role, settings.role_path) if settings.role is not None else shared_role
        if settings.layers is not None:
            properties["Layers"] = [plan_value(layer, path) for layer, path in settings.layers]
        if settings.reserved_concurrency is not None:
            properties["ReservedConcurrentExecutions"] = plan_value(
                settings.reserved_concurrency, f"functions.{key}.reservedConcurrency"
            )
        if settings.ephemeral_storage_size is not None:
            properties["EphemeralStorage"] = {"Size": settings.ephemeral_storage_size}
        if function.alias == "snapstart":
            properties["SnapStart"] = {"ApplyOn": "PublishedVersions"}
        function_key = naming.lambda_function(key)
        self.compiler.add(function_key, "AWS::Lambda::Function", f"function-{key}", properties, depends_on)
        if function.alias is None:
            return GetAtt(function_key, "Arn")
        return self.compile_alias(key, function_key, properties, code)

    def compile_alias(self, key: str, function_key: str, function_properties: Mapping[str, Any], code: Any) -> Ref:
        """A version named after its code and configuration (so a change publishes a new one, as Serverless
        does), and the alias Serverless invokes on it."""
        from .compile import digest

        function = self.service.functions[key]
        settings = self.service.deployment.functions[key]
        configuration = {name: value for name, value in function_properties.items() if name not in ("Code", "Tags")}
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
                "ProvisionedConcurrentExecutions": plan_value(
                    settings.provisioned_concurrency, f"functions.{key}.provisionedConcurrency"
                )
            }
            alias_key = naming.provisioned_concurrency_alias(key)
        else:
            alias_key = naming.snapstart_alias(key)
        self.compiler.add(alias_key, "AWS::Lambda::Alias", f"function-alias-{key}", alias)
        return Ref(alias_key)


def compile_functions(compiler: Any, external: Sequence[str]) -> Dict[str, Any]:
    """Add the created functions' resources to `compiler`'s drafts; return how to invoke each."""
    return FunctionCompiler(compiler, external).compile()
