"""`wsapi.WebSocketApi`: the Pulumi component. It builds the same `Plan` the CloudFormation exporter renders,
each resource by its kind in the registry (`pulumi_builder`)."""

from __future__ import annotations

import dataclasses
import os
from dataclasses import dataclass
from typing import Any, Mapping, Optional, Union

import pulumi
import pulumi_aws as aws

from . import naming
from .adoption import AdoptSource, plan_adoption, read_stack
from .compile import compile_service
from .config import ConfigSource, load_service
from .errors import ConfigError, Problem
from .native_checks import declared_problems
from .packaging import cache_problems
from .preflight import pulumi_problems
from .plan import ACCOUNT_ID, PARTITION, REGION, STANDALONE, URL_SUFFIX, Plan
from .pulumi_builder import PulumiBuilder
from .remote_values import Request

#: What `functions=` accepts for a function key: a function wsapi should invoke, or its ARN.
FunctionInput = Union[aws.lambda_.Function, str, pulumi.Output]


@dataclass
class WebSocketApiArgs:
    """`config`: path to a serverless.yml (or its folder), or an already-loaded mapping. `stage`, `region`,
    `params` and `options` are what `--stage`, `--region`, `--param K=V` and `--K V` are to Serverless.
    `functions` maps a function key to the function to invoke (resource, ARN, or Output of an ARN); any
    function not given is referenced by its Serverless name in the stack's account, region and partition,
    or, with `create_functions`, created from the serverless.yml (code, role, log groups, aliases)."""

    config: ConfigSource
    stage: Optional[str] = None
    region: Optional[str] = None
    params: Optional[Mapping[str, Any]] = None  #: a value may be an Output (a secret): it stays one
    options: Optional[Mapping[str, str]] = None
    functions: Optional[Mapping[str, FunctionInput]] = None
    create_functions: bool = False
    #: a deployed Serverless stack to take over (README "Move a deployed Serverless stack to Pulumi"): its
    #: describe-stack-resources answer (a JSON file's path, or the parsed mapping), or its name (boto3)
    adopt: Optional[AdoptSource] = None


class WebSocketApi(pulumi.ComponentResource):
    """An API Gateway WebSocket API, built from the `websocket` events of a Serverless v3 service."""

    api_id: pulumi.Output[str]
    api_endpoint: pulumi.Output[str]
    url: pulumi.Output[str]
    management_endpoint: pulumi.Output[str]
    stage_name: pulumi.Output[str]
    execution_arn: pulumi.Output[str]
    route_ids: pulumi.Output[dict]
    function_arns: pulumi.Output[dict]
    #: the URLs of the created functions that have one (`url`), by function key
    function_urls: pulumi.Output[dict]
    #: the service's own `resources.Outputs`, by name (a Python dict, so a program can export each)
    outputs: dict
    custom_domain_urls: pulumi.Output[list]

    def __init__(
        self,
        name: str,
        args: Union[WebSocketApiArgs, ConfigSource, None] = None,
        opts: Optional[pulumi.ResourceOptions] = None,
        *,
        config: Optional[ConfigSource] = None,
        stage: Optional[str] = None,
        region: Optional[str] = None,
        params: Optional[Mapping[str, Any]] = None,
        options: Optional[Mapping[str, str]] = None,
        functions: Optional[Mapping[str, FunctionInput]] = None,
        create_functions: bool = False,
        adopt: Optional[AdoptSource] = None,
    ) -> None:
        keywords = WebSocketApiArgs(config, stage, region, params, options, functions, create_functions, adopt)
        args = arguments(args, keywords)
        # a param given as an Output (a Pulumi secret) is a value found at deploy time: it stays an Output
        secret_params = {key: value for key, value in (args.params or {}).items() if isinstance(value, pulumi.Output)}
        params = {
            key: Request("param", key, secret=True).as_document() if key in secret_params else value
            for key, value in (args.params or {}).items()
        }
        service = load_service(args.config, stage=args.stage, region=args.region, params=params, options=args.options)
        function_inputs = dict(args.functions or {})
        plan = compile_service(
            service, STANDALONE, with_functions=args.create_functions, external_functions=tuple(function_inputs)
        )
        plan_warnings = check_inputs(plan, function_inputs)
        adoption = None
        if args.adopt is not None:  # before anything is registered: a stack that cannot be adopted stops here
            adoption = plan_adoption(plan, read_stack(args.adopt))
            plan = adoption.plan
            plan_warnings = [*plan_warnings, *adoption.warnings]

        super().__init__(naming.COMPONENT_TYPE, name, None, opts)
        label = os.fspath(service.config_path) if service.config_path else "<config>"
        for warning in (*service.warnings, *plan.warnings, *plan_warnings):
            pulumi.log.warn(warning.format_warning(label), resource=self)
        self.plan = plan
        region = None if service.region_is_default else service.region
        self._builder = PulumiBuilder(self, name, plan, function_inputs, region, secret_params, adoption)
        #: every resource the component registered, by the plan's (CloudFormation) logical id
        self.resources: dict[str, pulumi.CustomResource] = self._builder.build()
        self._set_outputs()

    # -- outputs -------------------------------------------------------------------------------------------

    def _set_outputs(self) -> None:
        plan = self.plan
        outputs = {o.key: o for o in plan.outputs}
        self.api_id = pulumi.Output.from_input(self._builder.value(plan.api_id))
        self.url = pulumi.Output.from_input(self._builder.value(outputs[naming.SERVICE_ENDPOINT_OUTPUT].value))
        self.management_endpoint = pulumi.Output.from_input(self._builder.value(outputs[naming.MANAGEMENT_ENDPOINT_OUTPUT].value))
        self.stage_name = pulumi.Output.from_input(plan.service.stage)
        api = self.resources.get(naming.API)
        if api is not None:
            self.api_endpoint = api.api_endpoint
            self.execution_arn = api.execution_arn
        else:
            self.api_endpoint = pulumi.Output.concat(
                "wss://", self.api_id, ".execute-api.", self._builder.pseudo(REGION), ".", self._builder.pseudo(URL_SUFFIX)
            )
            self.execution_arn = pulumi.Output.concat(
                "arn:", self._builder.pseudo(PARTITION), ":execute-api:", self._builder.pseudo(REGION), ":", self._builder.pseudo(ACCOUNT_ID),
                ":", self.api_id,
            )
        routes = {r.route_key: self.resources[naming.route(r.route_key, compat=False)].id for r in plan.service.routes}
        self.route_ids = pulumi.Output.all(**routes) if routes else pulumi.Output.from_input({})
        created = {key: self._builder.value(target) for key, target in plan.function_targets.items()}
        self.function_arns = pulumi.Output.all(**created) if created else pulumi.Output.from_input({})
        urls = {key: self._builder.value(url) for key, url in plan.function_urls.items()}
        self.function_urls = pulumi.Output.all(**urls) if urls else pulumi.Output.from_input({})
        generated = (naming.SERVICE_ENDPOINT_OUTPUT, naming.MANAGEMENT_ENDPOINT_OUTPUT, naming.API_ID_OUTPUT)
        generated += tuple(naming.function_url(key) for key in plan.function_urls)
        declared = {
            output.key: self._builder.value(output.value)
            for output in plan.outputs
            if output.key not in generated and (output.condition is None or self._builder.condition(output.condition))
        }
        self.outputs = {key: pulumi.Output.from_input(value) for key, value in declared.items()}
        self.custom_domain_urls = pulumi.Output.from_input([domain.url for domain in plan.service.custom_domains])
        self.register_outputs(
            {
                "api_id": self.api_id,
                "api_endpoint": self.api_endpoint,
                "url": self.url,
                "management_endpoint": self.management_endpoint,
                "stage_name": self.stage_name,
                "execution_arn": self.execution_arn,
                "route_ids": self.route_ids,
                "function_arns": self.function_arns,
                "function_urls": self.function_urls,
                "outputs": pulumi.Output.all(**self.outputs) if self.outputs else {},
                "custom_domain_urls": self.custom_domain_urls,
            }
        )


def arguments(args: Union[WebSocketApiArgs, ConfigSource, None], keywords: WebSocketApiArgs) -> WebSocketApiArgs:
    """`WebSocketApi(name, WebSocketApiArgs(...), opts)` as Pulumi components are called, or, as a convenience,
    the config positionally or as `config=` with the other settings as keywords; never both forms at once."""
    if isinstance(args, WebSocketApiArgs):
        given = [f for f, default in vars(WebSocketApiArgs(None)).items() if getattr(keywords, f) != default]
        if given:
            raise TypeError(f"WebSocketApi: give the settings in WebSocketApiArgs or as keywords, not both ({', '.join(given)})")
        return args
    if args is not None and keywords.config is not None:
        raise TypeError("WebSocketApi: the config is given twice (positionally and as config=)")
    source = keywords.config if keywords.config is not None else args
    if source is None:
        raise TypeError("WebSocketApi needs a config: a serverless.yml path, its folder, or a mapping (WebSocketApiArgs(config=...))")
    return dataclasses.replace(keywords, config=source)


def check_inputs(plan: Plan, functions: Mapping[str, Any]) -> list[Problem]:
    """Problems Pulumi would only hit half-way through an update: unknown function keys, wrong function
    values, and what it cannot evaluate or set in the plan (`preflight`). Returns the warnings."""
    problems: list[Problem] = []
    for key, value in functions.items():
        if key not in plan.service.functions:
            known = ", ".join(sorted(plan.service.functions)) or "none"
            problems.append(Problem(f"functions.{key}", f"is not a function of this service (functions: {known})"))
        elif isinstance(value, str) and not value.startswith("arn:"):
            problems.append(Problem(f"functions.{key}", f"must be a Lambda function ARN (arn:...), got {value!r}"))
        elif not isinstance(value, (aws.lambda_.Function, str, pulumi.Output)):
            problems.append(Problem(f"functions.{key}", f"must be an aws.lambda_.Function, an ARN or an Output, got {type(value).__name__}"))

    plan_problems, warnings = pulumi_problems(plan)
    problems.extend(plan_problems)
    problems.extend(cache_problems(plan))
    problems.extend(declared_problems(plan))
    if problems:
        label = os.fspath(plan.service.config_path) if plan.service.config_path else "<config>"
        raise ConfigError(problems, label)
    return warnings
