"""Variables found at deploy time (`plan.Remote`) in a CloudFormation template, where CloudFormation can read
them itself:

- an SSM parameter of the stack's region: a template parameter of type `AWS::SSM::Parameter::Value<String>`
  (`<List<String>>` with `~split`) whose default is the parameter's name, so CloudFormation reads it at each
  deploy (a SecureString cannot be read so: CloudFormation refuses the stack; mark it `~true`);
- a Secrets Manager secret (`${ssm:/aws/reference/secretsmanager/ID}`): the dynamic reference
  `{{resolve:secretsmanager:ID}}`.

CloudFormation cannot read the others (a SecureString, which `{{resolve:ssm-secure:...}}` gives only to a few
properties, none of Lambda's; another region's parameter; a stack output; an S3 object): each is refused with
its path, suggesting to pass the value with `--param`. `--compat serverless-v3` refuses them all: Serverless
writes the value it read when packaging.
"""

from __future__ import annotations

import re
from typing import Any, Dict, List, Tuple

from .errors import ConfigError, Problem
from .plan import COMPAT, Plan, Remote
from .remote_values import SECRETS_MANAGER, Request, request_of

WHAT = {"cf": "another stack's outputs", "s3": "S3 objects", "param": "Pulumi secrets"}


def parameter_name(address: str) -> str:
    """`/aws/service/x-y` -> `SsmAwsServiceXY`: a template parameter name (letters and digits)."""
    words = [word for word in re.split(r"[^A-Za-z0-9]+", address) if word]
    return ("Ssm" + "".join(word[:1].upper() + word[1:] for word in words))[:200]


def refusal(plan: Plan, request: Request) -> str:
    if plan.mode == COMPAT:
        return f"{request.describe()} is found only at deploy time; --compat serverless-v3 writes what Serverless read when packaging, which wsapi cannot"
    if request.source == "ssm" and request.region not in (None, plan.service.region):
        what = f"a parameter of another region ({request.region})"
    elif request.source == "ssm":
        what = "SecureString parameters into Lambda settings (ssm-secure dynamic references serve only a few properties)"
    else:
        what = WHAT.get(request.source, "it")
    last = request.address.split(".", 1)[1] if request.source == "cf" else request.address.rsplit("/", 1)[-1].split(".")[0]
    name = re.sub(r"[^A-Za-z0-9]+", "", last) or "value"
    return (
        f"CloudFormation cannot read {what} at deploy time; pass the value instead: write "
        f"${{param:{name}, {request.describe()[2:-1]}}} and give --param {name}=VALUE (or deploy with Pulumi, which reads it)"
    )


def remote_values(plan: Plan) -> Tuple[Dict[Remote, Any], Dict[str, dict]]:
    """What each deploy-time value of a plan renders as, and the template parameters they need; raises
    `ConfigError` (every refused value, with its path) when CloudFormation cannot read one."""
    rendered: Dict[Remote, Any] = {}
    parameters: Dict[str, dict] = {}
    names: Dict[Tuple[str, bool], str] = {}
    problems: List[Problem] = []
    for remote in plan.remote_values():
        request = remote.request
        same_region = request.region in (None, plan.service.region)
        if plan.mode != COMPAT and request.source == "ssm" and same_region and request.address.startswith(SECRETS_MANAGER):
            rendered[remote] = "{{resolve:secretsmanager:" + request.address[len(SECRETS_MANAGER):] + "}}"
        elif plan.mode != COMPAT and request.source == "ssm" and same_region and not request.secret and request.decrypt:
            key = (request.address, request.split)
            if key not in names:
                name = parameter_name(request.address) + ("List" if request.split else "")
                while name in parameters:
                    name += "X"
                names[key] = name
                kind = "List<String>" if request.split else "String"
                parameters[name] = {
                    "Type": f"AWS::SSM::Parameter::Value<{kind}>",
                    "Default": request.address,
                    "Description": f"SSM parameter read at each deploy ({request.describe()} at {remote.path})",
                }
            rendered[remote] = {"Ref": names[key]}
        else:
            problems.append(Problem(remote.path, refusal(plan, request)))
    for external in plan.externals():  # written as is (compat, or inside an intrinsic wsapi does not evaluate)
        for request in requests_in(external.value):
            problems.append(Problem(external.path, refusal(plan, request)))
    if problems:
        raise ConfigError(problems)
    return rendered, parameters


def requests_in(value: Any) -> List[Request]:
    """The deploy-time values inside a value written as is."""
    request = request_of(value)
    if request is not None:
        return [request]
    items = value.values() if isinstance(value, dict) else value if isinstance(value, list) else ()
    return [found for item in items for found in requests_in(item)]
