"""What `wsapi offline` serves, read from the validated model: the route table, the route selector, and how
each function runs (runtime, handler, timeout, memory, environment). Everything a user must fix is reported at
once as a `ConfigError`, at the path of the setting: a function neither Python nor Node.js, or one whose
Node.js is missing or too old (`functions.<key>.runtime`), one with no handler (`functions.<key>.handler`), an
expression API Gateway would not evaluate."""

from __future__ import annotations

import os
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, List, Mapping, Optional

from ..errors import ConfigError, ProblemCollector
from ..functions import RUN
from ..model import Authorizer, Function, Service
from ..route_selection import ExpressionError, RouteSelectionExpression
from .environment import Evaluated, evaluate_environments, local_environment
from .events import Api, api_id, function_arn, log_stream_name, now_ms
from .node import NodeInstall, NodeUnusable, locate_node
from .runtimes import PYTHON, SERVERLESS_DEFAULT_RUNTIME, Launcher, language_of, node_launcher, node_major
from .settings import Settings
from .typescript import TypeScriptBuild, plan_build
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
    #: each function's runtime, as Lambda would run it (Serverless's default where none is set)
    runtimes: Dict[str, str] = field(default_factory=dict)
    node: Optional[NodeInstall] = None  #: the Node.js that runs the Node functions (None without any)
    build: Optional[TypeScriptBuild] = None  #: the TypeScript handlers to build on start
    #: each function's environment variables written as CloudFormation intrinsics, evaluated for offline
    intrinsics: Dict[str, Dict[str, Evaluated]] = field(default_factory=dict)


def build_app(
    service: Service, file: Optional[str] = None, node: Optional[str] = None,
    params: Optional[Mapping[str, str]] = None, options: Optional[Mapping[str, str]] = None,
) -> OfflineApp:  # fmt: skip
    """Check that offline can serve this service; raise ConfigError naming every problem. `node` is `--node`
    (default: `node` on PATH), looked for only when a function needs it; `params`/`options` are the command's,
    for the build plugins' settings a TypeScript handler needs."""
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
    runtimes = {key: _check_function(key, function, problems, warnings) for key, function in needed.items()}
    node_install = _check_node(runtimes, node, problems, warnings)
    runnable = {key: runtime for key, runtime in runtimes.items() if runtime is not None}
    build = plan_build(service, runnable, problems, params, options)
    problems.raise_if_any(file)
    assert selector is not None
    task_root = (service.config_path.parent if service.config_path is not None else Path.cwd()).resolve()
    api = Api(api_id(service.name, service.stage), service.stage, service.region)
    intrinsics = evaluate_environments(service, api, needed)
    return OfflineApp(service, api, selector, routes, needed, task_root, warnings, file, runnable, node_install, build, intrinsics)


def _check_function(key: str, function: Function, problems: ProblemCollector, warnings: List[str]) -> Optional[str]:
    """The runtime the function runs offline (None when it cannot run); its problems and warnings added."""
    where = f"functions.{key}"
    unresolved = function.problems_for(RUN)
    problems.extend(unresolved)
    runtime = function.runtime
    if not function.handler:
        problems.add(f"{where}.handler", "is not set (a container image function cannot run offline)")
    if unresolved:
        return None  # the runtime (or another setting it needs) could not be resolved: reported above
    if runtime is None:
        warnings.append(f"{where}.runtime: is not set (nor provider.runtime): Serverless deploys {SERVERLESS_DEFAULT_RUNTIME}, so it runs on Node.js here")
        return SERVERLESS_DEFAULT_RUNTIME
    language = language_of(runtime)
    if language is None:
        problems.add(f"{where}.runtime", f"is {runtime}: wsapi offline runs Python (python3.x) and Node.js (nodejsN.x) handlers; {key} cannot be served")
        return None
    here = f"python{sys.version_info.major}.{sys.version_info.minor}"
    if language == "python" and runtime != here:
        warnings.append(f"{where}.runtime: {runtime} runs here on {here}")
    return runtime


def _check_node(runtimes: Mapping[str, Optional[str]], node: Optional[str], problems: ProblemCollector, warnings: List[str]) -> Optional[NodeInstall]:
    """The Node.js for the Node functions: a problem at each one's runtime when there is none usable, a warning
    where its version is not the runtime's."""
    wanted = {key: runtime for key, runtime in runtimes.items() if runtime is not None and language_of(runtime) == "node"}
    if not wanted:
        return None
    try:
        install = locate_node(node)
    except NodeUnusable as error:
        for key, runtime in wanted.items():
            problems.add(f"functions.{key}.runtime", f"is {runtime}, which needs Node.js: {error}")
        return None
    for key, runtime in wanted.items():
        major = node_major(runtime)
        if major is not None and major != install.major:
            warnings.append(f"functions.{key}.runtime: {runtime} runs here on Node.js {install.version} ({install.path})")
    return install


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
    Lambda sets, IS_OFFLINE and WSAPI_MANAGEMENT_ENDPOINT, then the function's `environment` on top, its
    intrinsics evaluated for offline (`environment.py`: a value the host gives for one of those wins)."""
    given = os.environ if base is None else base
    env = dict(given)
    region = app.api.region
    runtime = app.runtimes.get(function.key, function.runtime)
    if runtime is not None and language_of(runtime) == "node":
        # Lambda's NODE_PATH ends with the task root: `require('lib/db')` finds LAMBDA_TASK_ROOT/lib/db.js
        env["NODE_PATH"] = os.pathsep.join(p for p in (env.get("NODE_PATH"), str(app.task_root)) if p)
    env.update(
        {
            "AWS_REGION": region,
            "AWS_DEFAULT_REGION": region,
            "AWS_EXECUTION_ENV": f"AWS_Lambda_{runtime}",
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
    env.update((name, value) for name, value in function.environment.items() if isinstance(value, str))
    env.update(local_environment(app.intrinsics.get(function.key, {}), app.api, endpoint, given))
    return env


def launcher_for(app: OfflineApp, key: str, built: bool = False) -> Launcher:
    """What runs the function's processes: this Python, or the Node.js found (with source maps for a handler
    built from TypeScript)."""
    runtime = app.runtimes.get(key)
    if runtime is not None and language_of(runtime) == "node":
        assert app.node is not None
        return node_launcher(app.node.path, source_maps=built)
    return PYTHON


def function_specs(
    app: OfflineApp, endpoint: str, base_env: Optional[Mapping[str, str]] = None, built: Optional[Mapping[str, str]] = None
) -> Dict[str, FunctionSpec]:
    """Each function's spec; `built` maps a function whose handler was built (TypeScript) to the handler to run."""
    built = built or {}
    specs: Dict[str, FunctionSpec] = {}
    for key, function in app.functions.items():
        assert function.handler is not None
        specs[key] = FunctionSpec(
            key=key,
            deployed_name=function.deployed_name,
            handler=built.get(key, function.handler),
            task_root=str(app.task_root),
            timeout=float(function.timeout),
            memory_size=function.memory_size,
            environment=function_environment(app, function, endpoint, base_env),
            function_arn=function_arn(app.api, function.deployed_name),
            launcher=launcher_for(app, key, key in built),
        )
    return specs


#: A Node handler's missing AWS SDK: Lambda's Node.js runtime provides it, a local run needs it installed.
MISSING_SDK = re.compile(r"Cannot find (?:module|package) '(?P<package>aws-sdk|@aws-sdk/[^/']+)")


def handler_problems(failures: Mapping[str, str], file: str) -> ConfigError:
    """Handlers that failed to load, as problems at `functions.<key>.handler`."""
    problems = ProblemCollector()
    for key, error in failures.items():
        missing = MISSING_SDK.search(error)
        hint = (
            f"; Lambda's Node.js runtime provides the AWS SDK, a local run needs it in the service's node_modules "
            f"(npm install --save-dev {missing.group('package')})"
        ) if missing else ""  # fmt: skip
        problems.add(f"functions.{key}.handler", f"cannot be loaded: {error}{hint}")
    return ConfigError(problems.problems, file)

