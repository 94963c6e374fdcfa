"""The execution role of the functions wsapi creates (`IamRoleLambdaExecution`), and what it grants.

It grants no more than the functions need: writing their own log groups, `execute-api:ManageConnections` on
this API's stage only (`arn:{partition}:execute-api:{region}:{account}:{apiId}/{stage}/{POST|GET|DELETE}/@connections/*`),
what their settings need (below), then the statements the service gives (`provider.iam.role.statements`).
Serverless grants ManageConnections on `execute-api:*:*:*/@connections/*`: any API in any account.

What the settings need, as Serverless grants it, narrower where AWS allows:
- `vpc`: the network interfaces Lambda creates in the function's subnets. Serverless attaches the managed
  `AWSLambdaVPCAccessExecutionRole` (which also grants writing any log group); wsapi grants the ENI actions
  only: the two `Describe` calls on `*` (they take no resource), creating, deleting and (un)assigning
  addresses on this account and region's EC2 resources.
- `tracing`: `xray:PutTraceSegments`/`PutTelemetryRecords` (on `*`: X-Ray has no resource to name).
- `kmsKeyArn`: `kms:Decrypt` on the key (Serverless only for a key given as a string).
- `onError`: `sns:Publish` on the topic (a topic given as an intrinsic gets none, as in Serverless; one read from
  AWS, `${cf:...}`, is a string to Serverless, so it gets it).
- `destinations`: invoking, sending or publishing to each one, by its type (a function of the service: its
  ARN, qualified by its alias, where Serverless names the unqualified function, which does not cover an alias).
- `fileSystemConfig`: `elasticfilesystem:ClientMount`/`ClientWrite` on the access point.
Only the functions that run as this role count (not those with their own `role`).
"""

from __future__ import annotations

from typing import Any, Dict, List, Mapping, Optional, Sequence

from .. import naming
from ..intrinsics import is_intrinsic
from ..model import Function, Service
from ..plan import External, GetAtt, Sub
from ..remote_values import request_of
from ..registry.iam import Role

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
#: Lambda's calls for a function's network interfaces (AWS's list for a VPC function's role): the first two
#: take no resource, the others are granted on this account and region's EC2 resources only.
ENI_DESCRIBE = ("ec2:DescribeNetworkInterfaces", "ec2:DescribeSubnets")
ENI_MANAGE = (
    "ec2:CreateNetworkInterface", "ec2:DeleteNetworkInterface", "ec2:AssignPrivateIpAddresses", "ec2:UnassignPrivateIpAddresses",
)  # fmt: skip
EC2_IN_THIS_ACCOUNT = "arn:${AWS::Partition}:ec2:${AWS::Region}:${AWS::AccountId}:*"
XRAY_ACTIONS = ("xray:PutTraceSegments", "xray:PutTelemetryRecords")
EFS_ACTIONS = ("elasticfilesystem:ClientMount", "elasticfilesystem:ClientWrite")


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


def role_resource(role: Any) -> Optional[str]:
    """The resource of the service a role given as `Fn::GetAtt [Id, Arn]` (or a logical id, read as that) is,
    which the function waits for, as Serverless's `compileRole` makes it."""
    if not (isinstance(role, Mapping) and set(role) == {"Fn::GetAtt"}):
        return None
    argument = role["Fn::GetAtt"]
    if isinstance(argument, str) and argument.endswith(".Arn"):
        return argument[: -len(".Arn")]
    if isinstance(argument, list) and len(argument) == 2 and isinstance(argument[0], str) and argument[1] == "Arn":
        return argument[0]
    return None


def tag_list(tags: Mapping[str, str]) -> List[Dict[str, str]]:
    return [{"Key": key, "Value": tags[key]} for key in sorted(tags)]


def allow(actions: Sequence[str], resources: List[Any]) -> Dict[str, Any]:
    return {"Effect": "Allow", "Action": list(actions), "Resource": resources}


class RoleCompiler:
    """Adds the role to `compiler`'s drafts for the functions `keys` (see the module's docstring)."""

    def __init__(self, compiler: Any, keys: Sequence[str]) -> None:
        self.compiler = compiler
        self.service: Service = compiler.service
        self.keys = keys
        self.shared = [self.service.functions[key] for key in keys if self.service.functions[key].role is None]

    def compile(self) -> Any:
        """The role value functions without their own `role` use (None when none needs one)."""
        settings = self.service.build.role
        if not self.shared:
            return None
        if settings.arn is not None:
            return as_written(settings.arn, settings.arn_path)
        statements: List[Any] = self.log_statements()
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
        statements.extend(self.setting_statements())
        for statement, path in settings.statements:
            statements.append(as_written(dict(statement), path))
        self.compiler.add(naming.LAMBDA_ROLE, Role.cfn_type, "lambda-role", self.properties(statements))
        return GetAtt(naming.LAMBDA_ROLE, "Arn")

    def properties(self, statements: List[Any]) -> Dict[str, Any]:
        settings = self.service.build.role
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
        return properties

    def log_statements(self) -> List[Dict[str, Any]]:
        """CreateLogStream/PutLogEvents on each created function's own log group, and nothing else."""
        functions = self.service.functions
        names = [function.deployed_name for function in self.shared if not function.disable_logs]
        if not names:
            return []
        prefix = f"{self.service.name}-{self.service.stage}-"
        if sum(len(LOG_GROUP_ARN) + len(name) + 20 for name in names) > LOG_GRANT_BUDGET:
            own = [name for name in names if not name.startswith(prefix)]
            patterns = [f"{prefix}*"] + own
            silent = [
                functions[key].deployed_name
                for key in self.keys
                if functions[key].disable_logs and functions[key].deployed_name.startswith(prefix)
            ]
        else:
            patterns, silent = names, []
        statements: List[Dict[str, Any]] = [
            allow(
                ("logs:CreateLogStream", "logs:PutLogEvents"),
                [Sub(f"{LOG_GROUP_ARN}{naming.lambda_log_group_name(name)}:*") for name in patterns],
            )
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

    def setting_statements(self) -> List[Dict[str, Any]]:
        """What the functions' settings need (see the module's docstring), each resource once."""
        statements: List[Dict[str, Any]] = []
        if any(function.vpc is not None for function in self.shared):
            statements.append(allow(ENI_DESCRIBE, ["*"]))
            statements.append(allow(ENI_MANAGE, [Sub(EC2_IN_THIS_ACCOUNT)]))
        if any(function.tracing for function in self.shared):
            statements.append(allow(XRAY_ACTIONS, ["*"]))
        grants: Dict[Any, List[Any]] = {}  # actions -> resources, in the order first needed
        for function in self.shared:
            for actions, value, path in self.resources_needed(function):
                resources = grants.setdefault(actions, [])
                resource = as_written(value, path)
                if resource not in resources:
                    resources.append(resource)
        statements.extend(allow(actions, resources) for actions, resources in grants.items())
        return statements

    def resources_needed(self, function: Function) -> List[tuple]:
        """(actions, resource as written, its path) for one function's key, dead-letter target, destinations
        and file system."""
        needed: List[tuple] = []
        paths = function.paths
        if function.kms_key_arn is not None:
            needed.append((("kms:Decrypt",), function.kms_key_arn, paths["kmsKeyArn"]))
        if isinstance(function.on_error, str) or request_of(function.on_error) is not None:  # a topic ARN, or one read from AWS
            needed.append((("sns:Publish",), function.on_error, paths["onError"]))
        for name, destination in function.destinations:
            where = paths[f"destinations.{name}"]
            if destination.function is not None:
                target = self.service.functions.get(destination.function)
                if target is None:
                    continue  # reported by the compile step
                arn = f"arn:${{AWS::Partition}}:lambda:${{AWS::Region}}:${{AWS::AccountId}}:function:{target.deployed_name}"
                needed.append(((destination.action,), {"Fn::Sub": arn + (f":{target.alias}" if target.alias else "")}, where))
            else:
                needed.append(((destination.action,), destination.target, where))
        if function.file_system is not None:
            needed.append((EFS_ACTIONS, function.file_system[0], paths["fileSystemConfig"]))
        return needed


def compile_role(compiler: Any, keys: Sequence[str]) -> Any:
    """Add the functions' shared role (unless an existing one is given, or every function has its own);
    return the role value they use."""
    return RoleCompiler(compiler, keys).compile()
