"""How else a created function is invoked, as Serverless v3 compiles it (`compileFunctionUrl`,
`compileFunctionEventInvokeConfig`): its URL (`url`) and its asynchronous invocation settings
(`destinations`, `maximumEventAge`, `maximumRetryAttempts`).

Both target what the API invokes: the function, or its `provisioned`/`snapstart` alias (Serverless's
`targetAlias`), and wait for that alias.
"""

from __future__ import annotations

from typing import Any, Dict, List, Optional

from .. import naming
from ..registry.awslambda import Permission
from ..model import Function, Service
from ..plan import GetAtt, Join, Output, Ref
from .function_role import as_written

URL_DESCRIPTION = "Lambda Function URL"


class InvocationCompiler:
    def __init__(self, compiler: Any) -> None:
        self.compiler = compiler
        self.service: Service = compiler.service

    def target(self, function: Function) -> Any:
        """Serverless's `resolveLambdaTarget`: the function's ARN, joined with its alias's name when it has one."""
        arn = GetAtt(naming.lambda_function(function.key), "Arn")
        return Join(":", (arn, function.alias)) if function.alias else arn

    def waits(self, function: Function) -> Optional[List[str]]:
        alias = self.compiler.alias_logical_id(function)
        return [alias] if alias else None

    def compile(self, function: Function) -> Optional[Output]:
        """Add the function's URL and event invoke configuration, if it has them; return the URL's output."""
        self.event_invoke_config(function)
        return self.url(function)

    def event_invoke_config(self, function: Function) -> None:
        if not function.destinations and function.maximum_event_age is None and function.maximum_retry_attempts is None:
            return
        destinations: Dict[str, Any] = {}
        for name, destination in function.destinations:
            if destination.function is not None:
                target = self.service.functions[destination.function]
                value = self.target(target)
            else:
                value = as_written(destination.target, function.paths[f"destinations.{name}"])
            destinations[name] = {"Destination": value}
        properties: Dict[str, Any] = {
            "FunctionName": Ref(naming.lambda_function(function.key)),
            "DestinationConfig": destinations,
            "Qualifier": function.alias or "$LATEST",
        }
        if function.maximum_event_age is not None:
            properties["MaximumEventAgeInSeconds"] = function.maximum_event_age
        if function.maximum_retry_attempts is not None:
            properties["MaximumRetryAttempts"] = function.maximum_retry_attempts
        self.compiler.add(
            naming.event_invoke_config(function.key), "AWS::Lambda::EventInvokeConfig", f"function-invoke-config-{function.key}",
            properties, self.waits(function),
        )

    def url(self, function: Function) -> Optional[Output]:
        url = function.url
        if url is None:
            return None
        key = naming.function_url(function.key)
        properties: Dict[str, Any] = {"AuthType": url.auth_type, "TargetFunctionArn": self.target(function)}
        if url.cors is not None:
            properties["Cors"] = dict(url.cors)
        if url.invoke_mode is not None:
            properties["InvokeMode"] = url.invoke_mode
        self.compiler.add(key, "AWS::Lambda::Url", f"function-url-{function.key}", properties, self.waits(function))
        if url.auth_type == "NONE":  # a URL without an authorizer is public: anyone may invoke it
            self.compiler.add(
                naming.function_url_permission(function.key), Permission.cfn_type, f"function-url-permission-{function.key}",
                {
                    "FunctionName": self.target(function),
                    "Action": "lambda:InvokeFunctionUrl",
                    "Principal": "*",
                    "FunctionUrlAuthType": "NONE",
                },
                self.waits(function),
            )
        return Output(naming.function_url(function.key), URL_DESCRIPTION, GetAtt(key, "FunctionUrl"))
