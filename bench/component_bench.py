"""How much the WebSocketApi component costs over registering the same resources by hand.

Generates a serverless.yml with 300 functions and 300 websocket routes ($connect with an authorizer,
$disconnect, $default, a route response, logs on), then, in one process and under the same Pulumi mocks as
the tests (tests/pulumi_support.py), times:

* component: `WebSocketApi("bench", config=path)` - reading and validating the YAML, compiling the plan,
  registering every resource, until every registration and Output has settled;
* bare: the same resources, same types and counts, written directly with `pulumi_aws` as a hand-written
  program would (ids chained through Outputs, the deployment waiting for every route).

Runs alternate between the two; the report gives each run, the medians, and the overhead ratio
(component median / bare median; the target is <= 1.25).

    /tmp/venv/bin/python bench/component_bench.py [--runs 7] [--functions 300] [--json]
"""

from __future__ import annotations

import argparse
import gc
import json
import statistics
import sys
import tempfile
import time
from collections import Counter
from importlib import metadata
from pathlib import Path
from typing import Any, Callable

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

import pulumi  # noqa: E402
import pulumi_aws as aws  # noqa: E402
import yaml  # noqa: E402
from pulumi_support import component_outputs, fresh_mocks, run_program  # noqa: E402

from wsapi import WebSocketApi, load_service  # noqa: E402
from wsapi.compile import compile_service  # noqa: E402

TARGET_RATIO = 1.25


def service(functions: int) -> dict:
    """`functions` functions, one route each; the first three take the predefined routes."""
    config: dict[str, Any] = {
        "service": "bench",
        "frameworkVersion": "3",
        "provider": {"name": "aws", "runtime": "python3.11", "region": "eu-west-1", "logs": {"websocket": True}},
        "functions": {"auth": {"handler": "handler.auth"}},
    }
    predefined = ["$connect", "$disconnect", "$default"]
    for index in range(functions):
        route: Any = predefined[index] if index < len(predefined) else f"action{index:03d}"
        if route == "$connect":
            route = {"route": route, "authorizer": {"name": "auth", "identitySource": ["route.request.header.Auth"]}}
        elif index == 3:
            route = {"route": route, "routeResponseSelectionExpression": "$default"}
        config["functions"][f"fn{index:03d}"] = {"handler": f"handler.fn{index:03d}", "events": [{"websocket": route}]}
    return config


def write_service(directory: Path, functions: int) -> Path:
    path = directory / "serverless.yml"
    path.write_text(yaml.safe_dump(service(functions), sort_keys=False))
    (directory / "handler.py").write_text("")
    return path


def component_program(path: Path) -> Callable[[], Any]:
    def program() -> Any:
        return component_outputs(WebSocketApi("bench", config=str(path)))

    return program


def bare_program(functions: int) -> Callable[[], Any]:
    """The same resources, hand-written: what a user would otherwise have to maintain."""

    def program() -> Any:
        region = "eu-west-1"
        account = "123456789012"
        api = aws.apigatewayv2.Api(
            "bench-api",
            name="dev-bench-websockets",
            protocol_type="WEBSOCKET",
            route_selection_expression="$request.body.action",
            description="Serverless Websockets",
            region=region,
        )
        role = aws.iam.Role(
            "bench-cloudwatch-role",
            assume_role_policy=json.dumps(
                {
                    "Version": "2012-10-17",
                    "Statement": [
                        {
                            "Effect": "Allow",
                            "Principal": {"Service": ["apigateway.amazonaws.com"]},
                            "Action": ["sts:AssumeRole"],
                        }
                    ],
                }
            ),
        )
        aws.iam.RolePolicyAttachment(
            "bench-cloudwatch-role-policy",
            role=role.name,
            policy_arn="arn:aws:iam::aws:policy/service-role/AmazonAPIGatewayPushToCloudWatchLogs",
        )
        account_settings = aws.apigateway.Account("bench-account", cloudwatch_role_arn=role.arn, region=region)
        log_group = aws.cloudwatch.LogGroup("bench-log-group", name="/aws/websocket/bench-dev", region=region)

        def arn(key: str) -> str:
            return f"arn:aws:lambda:{region}:{account}:function:bench-dev-{key}"

        def uri(key: str) -> str:
            return f"arn:aws:apigateway:{region}:lambda:path/2015-03-31/functions/{arn(key)}/invocations"

        authorizer = aws.apigatewayv2.Authorizer(
            "bench-authorizer-auth",
            api_id=api.id,
            name="auth",
            authorizer_type="REQUEST",
            authorizer_uri=uri("auth"),
            identity_sources=["route.request.header.Auth"],
            region=region,
        )
        aws.lambda_.Permission(
            "bench-authorizer-permission-auth",
            function=arn("auth"),
            action="lambda:InvokeFunction",
            principal="apigateway.amazonaws.com",
            region=region,
            opts=pulumi.ResourceOptions(depends_on=[api]),
        )
        routes: list[pulumi.Resource] = []
        predefined = ["$connect", "$disconnect", "$default"]
        for index in range(functions):
            key = f"fn{index:03d}"
            route_key = predefined[index] if index < len(predefined) else f"action{index:03d}"
            integration = aws.apigatewayv2.Integration(
                f"bench-integration-{key}",
                api_id=api.id,
                integration_type="AWS_PROXY",
                integration_uri=uri(key),
                region=region,
            )
            aws.lambda_.Permission(
                f"bench-permission-{key}",
                function=arn(key),
                action="lambda:InvokeFunction",
                principal="apigateway.amazonaws.com",
                region=region,
                opts=pulumi.ResourceOptions(depends_on=[api]),
            )
            route = aws.apigatewayv2.Route(
                f"bench-route-{route_key}",
                api_id=api.id,
                route_key=route_key,
                authorization_type="CUSTOM" if route_key == "$connect" else "NONE",
                authorizer_id=authorizer.id if route_key == "$connect" else None,
                route_response_selection_expression="$default" if index == 3 else None,
                target=pulumi.Output.concat("integrations/", integration.id),
                region=region,
            )
            routes.append(route)
            if index == 3:
                routes.append(
                    aws.apigatewayv2.RouteResponse(
                        f"bench-route-response-{route_key}",
                        api_id=api.id,
                        route_id=route.id,
                        route_response_key="$default",
                        region=region,
                    )
                )
        deployment = aws.apigatewayv2.Deployment(
            "bench-deployment",
            api_id=api.id,
            description="Serverless Websockets",
            triggers={"plan": "x"},
            region=region,
            opts=pulumi.ResourceOptions(depends_on=routes),
        )
        stage = aws.apigatewayv2.Stage(
            "bench-stage",
            api_id=api.id,
            name="dev",
            description="Serverless Websockets",
            deployment_id=deployment.id,
            default_route_settings=aws.apigatewayv2.StageDefaultRouteSettingsArgs(
                data_trace_enabled=True, logging_level="INFO"
            ),
            access_log_settings=aws.apigatewayv2.StageAccessLogSettingsArgs(
                destination_arn=pulumi.Output.concat(f"arn:aws:logs:{region}:{account}:log-group:", log_group.name),
                format="$context.requestId",
            ),
            region=region,
            opts=pulumi.ResourceOptions(depends_on=[account_settings, log_group]),
        )
        return {
            "url": pulumi.Output.concat("wss://", api.id, f".execute-api.{region}.amazonaws.com/dev"),
            "stage": stage.id,
        }

    return program


def timed(program: Callable[[], Any]) -> tuple[float, Counter]:
    recorder = fresh_mocks()
    gc.collect()
    started = time.perf_counter()
    run_program(program)
    elapsed = time.perf_counter() - started
    return elapsed, Counter(r.type for r in recorder.custom())


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--functions", type=int, default=300)
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = parser.parse_args(argv)

    with tempfile.TemporaryDirectory() as directory:
        path = write_service(Path(directory), args.functions)
        component, bare = component_program(path), bare_program(args.functions)
        # warm-up: imports, first-use caches, the YAML file in the page cache
        _, component_kinds = timed(component)
        _, bare_kinds = timed(bare)
        assert component_kinds == bare_kinds, f"not the same resources:\n{component_kinds}\n{bare_kinds}"
        component_times, bare_times, load_times = [], [], []
        for run in range(args.runs):
            order = [(component, component_times), (bare, bare_times)]
            for program, times in order if run % 2 == 0 else reversed(order):
                times.append(timed(program)[0])
            started = time.perf_counter()  # the part of the component's time that is wsapi's own work
            compile_service(load_service(str(path)))
            load_times.append(time.perf_counter() - started)

    component_median = statistics.median(component_times)
    bare_median = statistics.median(bare_times)
    ratio = component_median / bare_median
    figures = {
        "functions": args.functions,
        "routes": args.functions,
        "resources": sum(component_kinds.values()),
        "runs": args.runs,
        "component_seconds": [round(t, 3) for t in component_times],
        "bare_seconds": [round(t, 3) for t in bare_times],
        "component_median": round(component_median, 3),
        "bare_median": round(bare_median, 3),
        "ratio": round(ratio, 3),
        "target": TARGET_RATIO,
        "python": sys.version.split()[0],
        "pulumi": metadata.version("pulumi"),
        "pulumi_aws": metadata.version("pulumi-aws"),
        "load_and_compile_median": round(statistics.median(load_times), 4),
    }
    if args.json:
        print(json.dumps(figures, indent=2))
    else:
        size = f"{figures['resources']} resources ({args.functions} functions, {args.functions} routes)"
        print(f"{size}, {args.runs} runs each")
        print(f"component: median {component_median:.3f} s  runs {figures['component_seconds']}")
        print(f"bare:      median {bare_median:.3f} s  runs {figures['bare_seconds']}")
        load = figures["load_and_compile_median"]
        print(f"of which reading, validating and compiling the serverless.yml: median {load:.4f} s")
        print(f"overhead ratio {ratio:.3f} (target <= {TARGET_RATIO})")
    return 0 if ratio <= TARGET_RATIO else 1


if __name__ == "__main__":
    sys.exit(main())
