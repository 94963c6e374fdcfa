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

from .. import naming
from ..digests import digest
from ..errors import ConfigError, Problem
from ..model import Service
from ..packaging import function_code
from ..plan import CodeArchive, External, GetAtt, Ref, Sub
from ..functions import CREATE, RUN
from ..intrinsics import is_intrinsic

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


def as_written(value: Any, path: str) -> Any:
    """A value the user wrote: literals as they are, each CloudFormation intrinsic as `External` with its path
    (the compile step turns those it can evaluate into plan values once every resource is known:
    `references`)."""
    if is_intrinsic(value):
        return External(value, path)
    if isinstance(value, Mapping):
        return {key: as_written(item, f"{path}.{key}") for key, item in value.items()}
    if isinstance(value, list):
        return [as_written(item, f"{path}[{index}]") for index, item in enumerate(value)]
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
        keys = created_keys(service, self.external)
        if not keys:
            return {}
        problems: List[Problem] = list(service.build.problems)
        for key in keys:
            problems.extend(service.functions[key].problems_for(RUN, CREATE))
        if not problems:
            code, code_problems = function_code(service, keys)
            problems.extend(code_problems)
        if problems:
            raise ConfigError(problems, self.label)

        role = self.compile_role(keys)
        targets: Dict[str, Any] = {}
        for key in keys:
            targets[key] = self.compile_function(key, code[key], role)
        return targets

    # -- the role ----------------------------------------------------------------------------------------

    def compile_role(self, keys: Sequence[str]) -> Any:
        """The role value functions without their own `role` use (None when none needs one)."""
        settings = self.service.build.role
        if all(self.service.functions[key].role is not None for key in keys):
            return None
        if settings.arn is not None:
            return as_written(settings.arn, settings.arn_path)
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
            statements.append(as_written(dict(statement), path))
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
            properties["ManagedPolicyArns"] = [as_written(arn, path) for arn, path in settings.managed_policies]
        if settings.path:
            properties["Path"] = settings.path
        if settings.name:
            properties["RoleName"] = settings.name
        if settings.permissions_boundary is not None:
            properties["PermissionsBoundary"] = as_written(*settings.permissions_boundary)
        if settings.tags:
            properties["Tags"] = tag_list(settings.tags)
        self.compiler.add(naming.LAMBDA_ROLE, "AWS::IAM::Role", "lambda-role", properties)
        return GetAtt(naming.LAMBDA_ROLE, "Arn")

    def log_statements(self, keys: Sequence[str]) -> List[Dict[str, Any]]:
        """CreateLogStream/PutLogEvents on each created function's own log group, and nothing else."""
        functions = self.service.functions
        logged = [key for key in keys if not functions[key].disable_logs and self.uses_shared_role(key)]
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
                if functions[key].disable_logs and functions[key].deployed_name.startswith(prefix)
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
        return self.service.functions[key].role is None

    # -- one function ------------------------------------------------------------------------------------

    def compile_function(self, key: str, code: Any, shared_role: Any) -> Any:
        service = self.service
        function = settings = service.functions[key]
        depends_on: Optional[List[str]] = None
        if not settings.disable_logs:
            log_group = naming.function_log_group(key)
            properties: Dict[str, Any] = {"LogGroupName": naming.lambda_log_group_name(function.deployed_name)}
            if settings.log_retention_in_days:
                properties["RetentionInDays"] = settings.log_retention_in_days
            if settings.log_data_protection_policy:
                properties["DataProtectionPolicy"] = External(
                    dict(settings.log_data_protection_policy), settings.paths["logDataProtectionPolicy"]
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
            "MemorySize": function.memory_size,
            "Timeout": function.timeout,
        }
        if settings.architecture:
            properties["Architectures"] = [settings.architecture]
        if settings.description:
            properties["Description"] = settings.description
        if settings.tags:
            properties["Tags"] = tag_list(settings.tags)
        if function.environment:
            properties["Environment"] = {
                "Variables": {
                    name: as_written(value, function.paths[f"environment.{name}"])
                    for name, value in function.environment.items()
                }
            }
        properties["Role"] = as_written(function.role, function.paths["role"]) if function.role is not None else shared_role
        if settings.layers is not None:
            properties["Layers"] = [as_written(layer, path) for layer, path in settings.layers]
        if settings.reserved_concurrency is not None:
            properties["ReservedConcurrentExecutions"] = as_written(
                settings.reserved_concurrency, settings.paths["reservedConcurrency"]
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
        function = settings = self.service.functions[key]
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


def compile_functions(compiler: Any, external: Sequence[str]) -> Dict[str, Any]:
    """Add the created functions' resources to `compiler`'s drafts; return how to invoke each."""
    return FunctionCompiler(compiler, external).compile()
