"""The Pulumi component's values of variables found at deploy time (`plan.Remote`), from the provider's lookups
(in the service's region, else the stack's, unless the variable names one):

- `${ssm:/name}`: `ssm.getParameter` (decrypted unless `noDecrypt`), then as Serverless v3 reads it: a
  StringList as a list (unless `raw`), a SecureString holding JSON parsed (unless `raw`). SecureString and
  Secrets Manager values (and `~true`) are Pulumi secrets, never written to the state in plain text.
- `${cf(region):stack.Output}`: `cloudformation.getStack`'s output of that name (an error naming the stack's
  outputs when it has none).
- `${s3:bucket/key}`: `s3.getObject`'s body (the provider gives it for text content types only).
- a `wsapi:params` value given as a Pulumi secret (an Output): that Output.

Each value is looked up once, however many settings use it. Never creates resources.
"""

from __future__ import annotations

from typing import Any, Dict, Mapping, Optional

import pulumi
import pulumi_aws as aws

from .plan import Remote
from .remote_values import Request, ssm_value


def secret_if_one(request: Request, type_: str, value: str) -> Any:
    """A parameter's value as Serverless v3 reads it (`remote_values.ssm_value`), a Pulumi secret when it is one."""
    result = ssm_value(request, type_, value)
    return pulumi.Output.secret(result) if request.secret or type_ == "SecureString" else result


def stack_output(request: Request, outputs: Optional[Mapping[str, Any]], key: str) -> Any:
    if not outputs or key not in outputs:
        stack = request.address.split(".", 1)[0]
        raise ValueError(f"wsapi: {request.describe()}: stack {stack} has no output {key} (its outputs: {', '.join(sorted(outputs or {})) or 'none'})")
    return outputs[key]


class RemoteLookups:
    def __init__(self, parent: pulumi.Resource, region: Optional[str], secret_params: Mapping[str, Any]) -> None:
        self.parent = parent
        self.region = region  #: the service's region, or None for the stack's
        self.secret_params = secret_params  #: `wsapi:params` given as Outputs, by name
        self.found: Dict[Request, Any] = {}
        self.stacks: Dict[Any, Any] = {}  #: (stack, region) -> its outputs

    def value(self, remote: Remote) -> Any:
        request = remote.request
        if request not in self.found:
            self.found[request] = self.look_up(request)
        return self.found[request]

    def look_up(self, request: Request) -> Any:
        options = pulumi.InvokeOutputOptions(parent=self.parent)
        region = request.region or self.region
        if request.source == "param":
            return pulumi.Output.secret(self.secret_params[request.address])
        if request.source == "ssm":
            found = aws.ssm.get_parameter_output(name=request.address, with_decryption=request.decrypt, region=region, opts=options)
            typed = pulumi.Output.unsecret(pulumi.Output.all(found.type, found.value))  # secret again below if it is one
            return typed.apply(lambda answer: secret_if_one(request, answer[0], answer[1]))
        if request.source == "cf":
            stack, key = request.address.split(".", 1)
            if (stack, region) not in self.stacks:  # one read per stack, however many of its outputs are used
                self.stacks[stack, region] = aws.cloudformation.get_stack_output(name=stack, region=region, opts=options).outputs
            return self.stacks[stack, region].apply(lambda answer: stack_output(request, answer, key))
        bucket, key = request.address.split("/", 1)
        return aws.s3.get_object_output(bucket=bucket, key=key, region=region, opts=options).body
