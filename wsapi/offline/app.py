"""What `wsapi offline` serves, read from the validated model: the route table, the route selector, and how
each function runs (handler, timeout, memory, environment). Everything a user must fix is reported at once
as a `ConfigError`, at the path of the setting: a function that is not Python (`functions.<key>.runtime`),
one with no handler (`functions.<key>.handler`), an expression API Gateway would not evaluate."""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, List, Mapping, Optional

from ..errors import ConfigError, ProblemCollector
from ..functions import RUN
from ..model import Authorizer, Function, Service
from ..route_selection import ExpressionError, RouteSelectionExpression
from .events import Api, api_id, function_arn, log_stream_name, now_ms
from .settings import Settings
from .workers import FunctionSpec

__all__ = ["OfflineApp", "RouteTarget", "Settings", "build_app"]


@dataclass(frozen=True)
class RouteTarget:
    route_key: str
    function_key: str
    send_response: bool  #: the route has a route response: the handler's `body` goes back to the client
    authorizer: Optional[Authorizer] = None


@dataclass
class OfflineApp:
    service: Service
    api: Api
    selector: RouteSelectionExpression
    routes: Dict[str, RouteTarget]
    functions: Dict[str, Function]  #: the functions offline runs: route handlers and authorizers
    task_root: Path
    warnings: List[str] = field(default_factory=list)
    file: str = "serverless.yml"


def build_app(service: Service, file: Optional[str] = None) -> OfflineApp:
    """Check that offline can serve this service; raise ConfigError naming every problem."""
    file = file or str(service.config_path or "serverless.yml")
    problems = ProblemCollector()
    warnings: List[str] = []
    selector: Optional[RouteSelectionExpression] = None
    try:
        selector = RouteSelectionExpression(service.route_selection_expression)
    except ExpressionError as error:  # validation refused it already; a Service built some other way
        problems.add("provider.websocketsApiRouteSelectionExpression", str(error))
    routes: Dict[str, RouteTarget] = {}
    needed: Dict[str, Function] = {}
    for route in service.routes:
        authorizer = route.authorizer
        if authorizer is not None and authorizer.function_key is None:
            warnings.append(
                f"{route.path}.authorizer: {authorizer.name} is a Lambda outside this service (an ARN): offline "
                "cannot run it, so $connect accepts every connection"
            )
            authorizer = None
        routes[route.route_key] = RouteTarget(
            route.route_key, route.function_key, route.route_response_selection_expression is not None, authorizer
        )
        needed.setdefault(route.function_key, service.functions[route.function_key])
        if authorizer is not None and authorizer.function_key is not None:
            needed.setdefault(authorizer.function_key, service.functions[authorizer.function_key])
    if not routes:
        problems.add("functions", "no function has a websocket event: there is nothing to serve")
    here = f"python{sys.version_info.major}.{sys.version_info.minor}"
    for key, function in needed.items():
        where = f"functions.{key}"
        unresolved = function.problems_for(RUN)
        problems.extend(unresolved)
        runtime = function.runtime
        if unresolved:
            pass  # the runtime (or another setting it needs) could not be resolved: reported above
        elif runtime is None:
            problems.add(f"{where}.runtime", "is not set (nor provider.runtime): wsapi offline runs Python handlers; set runtime: python3.x")
        elif not runtime.startswith("python3"):
            problems.add(
                f"{where}.runtime",
                f"is {runtime}: wsapi offline runs only Python handlers (python3.x); {key} cannot be served",
            )
        elif runtime != here:
            warnings.append(f"{where}.runtime: {runtime} runs here on {here}")
        if not function.handler:
            problems.add(f"{where}.handler", "is not set (a container image function cannot run offline)")
        for name, value in function.environment.items():
            if not isinstance(value, str):  # an intrinsic only a deployment evaluates
                problems.add(f"{where}.environment.{name}", "must be a string to run offline (a CloudFormation intrinsic is evaluated only when deployed)")
    problems.raise_if_any(file)
    assert selector is not None
    task_root = (service.config_path.parent if service.config_path is not None else Path.cwd()).resolve()
    api = Api(api_id(service.name, service.stage), service.stage, service.region)
    return OfflineApp(service, api, selector, routes, needed, task_root, warnings, file)


def management_endpoint(host: str, port: int, stage: str) -> str:
    reachable = "127.0.0.1" if host in ("", "0.0.0.0") else "::1" if host == "::" else host
    if ":" in reachable:
        reachable = f"[{reachable}]"
    return f"http://{reachable}:{port}/{stage}"


def _has_aws_credentials(env: Mapping[str, str]) -> bool:
    if env.get("AWS_ACCESS_KEY_ID") or env.get("AWS_PROFILE") or env.get("AWS_CONTAINER_CREDENTIALS_FULL_URI"):
        return True
    if env.get("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI") or env.get("AWS_WEB_IDENTITY_TOKEN_FILE"):
        return True
    home = Path(env.get("HOME") or os.path.expanduser("~"))
    files = [env.get("AWS_SHARED_CREDENTIALS_FILE"), env.get("AWS_CONFIG_FILE")]
    candidates = [Path(f) for f in files if f] + [home / ".aws" / "credentials", home / ".aws" / "config"]
    return any(path.is_file() for path in candidates)


def function_environment(
    app: OfflineApp, function: Function, endpoint: str, base: Optional[Mapping[str, str]] = None
) -> Dict[str, str]:
    """A function's process environment: the host's (so PATH, HOME and AWS credentials work), the variables
    Lambda sets, IS_OFFLINE and WSAPI_MANAGEMENT_ENDPOINT, then the function's `environment` on top."""
    env = dict(os.environ if base is None else base)
    region = app.api.region
    env.update(
        {
            "AWS_REGION": region,
            "AWS_DEFAULT_REGION": region,
            "AWS_EXECUTION_ENV": f"AWS_Lambda_{function.runtime}",
            "AWS_LAMBDA_FUNCTION_NAME": function.deployed_name,
            "AWS_LAMBDA_FUNCTION_VERSION": "$LATEST",
            "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": str(function.memory_size),
            "AWS_LAMBDA_LOG_GROUP_NAME": f"/aws/lambda/{function.deployed_name}",
            "AWS_LAMBDA_LOG_STREAM_NAME": log_stream_name(now_ms()),
            "LAMBDA_TASK_ROOT": str(app.task_root),
            "_HANDLER": function.handler or "",
            "TZ": ":UTC",
            "IS_OFFLINE": "true",
            "WSAPI_MANAGEMENT_ENDPOINT": endpoint,
        }
    )
    if not _has_aws_credentials(env):  # boto3 signs every request, even to the local management API
        env.update({"AWS_ACCESS_KEY_ID": "offline", "AWS_SECRET_ACCESS_KEY": "offline"})
    env.update(function.environment)
    return env


def function_specs(app: OfflineApp, endpoint: str, base_env: Optional[Mapping[str, str]] = None) -> Dict[str, FunctionSpec]:
    specs: Dict[str, FunctionSpec] = {}
    for key, function in app.functions.items():
        assert function.handler is not None
        specs[key] = FunctionSpec(
            key=key,
            deployed_name=function.deployed_name,
            handler=function.handler,
            task_root=str(app.task_root),
            timeout=float(function.timeout),
            memory_size=function.memory_size,
            environment=function_environment(app, function, endpoint, base_env),
            function_arn=function_arn(app.api, function.deployed_name),
        )
    return specs


def handler_problems(failures: Mapping[str, str], file: str) -> ConfigError:
    """Handlers that failed to load, as problems at `functions.<key>.handler`."""
    problems = ProblemCollector()
    for key, error in failures.items():
        problems.add(f"functions.{key}.handler", f"cannot be loaded: {error}")
    return ConfigError(problems.problems, file)

