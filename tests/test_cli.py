"""The `python -m wsapi` commands as a user runs them: exit codes, what goes to stdout and stderr."""

import json
from pathlib import Path

import yaml

from conftest import ROOT, run_cli

CHAT = ROOT / "examples" / "chat"


def test_validate_prints_a_summary_of_routes() -> None:
    result = run_cli("validate", str(CHAT))
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    lines = result.stdout.splitlines()
    assert lines[0] == "service chat, stage dev, region us-east-1: valid"
    table = {line.split()[0]: line.split()[1:] for line in lines if line.startswith(("$", "send", "whoami"))}
    assert table["$connect"][:2] == ["connect", "chat-dev-connect"]
    assert "auth" in table["$connect"][2]
    assert table["sendMessage"] == ["sendMessage", "chat-dev-sendMessage", "-"]
    assert lines[-1] == "5 routes, 5 functions, 1 authorizer"


def test_validate_applies_stage_and_params() -> None:
    result = run_cli("validate", str(CHAT / "serverless.yml"), "--stage", "prod", "--param", "chatToken=x")
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[0] == "service chat, stage prod, region us-east-1: valid"
    assert "chat-prod-connect" in result.stdout


def test_plan_lists_every_resource_under_the_component_with_a_count() -> None:
    result = run_cli("plan", str(CHAT))
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    rows = [line for line in lines if line.startswith(" +   ")]
    assert "wsapi:index:WebSocketApi" in rows[0] and " chat " in rows[0]
    names = [row.split()[3] if row.split()[1] in ("├─", "└─") else row.split()[2] for row in rows]
    assert "chat-route-$connect" in names and "chat-authorizer-auth" in names and "chat-deployment" in names
    template = json.loads(run_cli("export", str(CHAT)).stdout)
    # the component, each template resource, and the role's policy attachment (a property in CloudFormation)
    assert len(rows) == 1 + len(template["Resources"]) + 1
    assert lines[-1] == f"    + {len(rows)} to create"
    route_row = next(row for row in rows if "chat-route-sendMessage" in row)
    assert "key=sendMessage" in route_row and "routeResponse=$default" in route_row


def test_export_json_yaml_and_output_file_agree(tmp_path: Path) -> None:
    as_json = run_cli("export", str(CHAT))
    as_yaml = run_cli("export", str(CHAT), "--format", "yaml")
    to_file = run_cli("export", str(CHAT), "-o", str(tmp_path / "t.json"))
    assert as_json.returncode == as_yaml.returncode == to_file.returncode == 0
    template = json.loads(as_json.stdout)
    assert yaml.safe_load(as_yaml.stdout) == template
    assert to_file.stdout == ""
    assert json.loads((tmp_path / "t.json").read_text()) == template
    assert template["AWSTemplateFormatVersion"] == "2010-09-09"
    assert set(template["Outputs"]) == {"ServiceEndpointWebsocket", "ServiceEndpointWebsocketManagement", "WebsocketsApiId"}


def test_export_uses_given_function_arns_and_serverless_names_otherwise() -> None:
    arn = "arn:aws:lambda:us-east-1:123456789012:function:elsewhere"
    template = json.loads(run_cli("export", str(CHAT), "--function", f"whoami={arn}").stdout)
    permissions = {k: v["Properties"]["FunctionName"] for k, v in template["Resources"].items() if v["Type"] == "AWS::Lambda::Permission"}
    assert permissions["whoamiWebsocketsPermission"] == arn
    assert permissions["SconnectWebsocketsPermission"] == {
        "Fn::Sub": "arn:${AWS::Partition}:lambda:${AWS::Region}:${AWS::AccountId}:function:chat-dev-connect"
    }


def test_export_refuses_an_unknown_function_key(tmp_path: Path) -> None:
    out = tmp_path / "t.json"
    result = run_cli("export", str(CHAT), "--function", "nope=arn:aws:lambda:us-east-1:1:function:x", "-o", str(out))
    assert result.returncode == 2
    assert result.stderr.splitlines() == [
        f"{CHAT}: --function nope: no function 'nope' in this service (functions: auth, connect, default, disconnect, sendMessage, whoami)"
    ]
    assert not out.exists()


def test_malformed_key_value_arguments_exit_2() -> None:
    result = run_cli("validate", str(CHAT), "--param", "novalue")
    assert result.returncode == 2
    assert result.stderr.splitlines()[-1] == "python -m wsapi validate: error: argument --param: expected KEY=VALUE, got 'novalue'"


def test_a_missing_file_is_one_clean_line(tmp_path: Path) -> None:
    result = run_cli("validate", str(tmp_path / "missing.yml"))
    assert result.returncode == 2
    assert len(result.stderr.splitlines()) == 1
    assert result.stderr.startswith(f"{tmp_path / 'missing.yml'}: ")
    assert "Traceback" not in result.stderr


def test_unknown_command_is_a_usage_error() -> None:
    result = run_cli("deploy", str(CHAT))
    assert result.returncode == 2
    assert "usage:" in result.stderr


def test_export_warns_when_cloudformation_limits_are_exceeded(tmp_path: Path) -> None:
    functions = {f"f{i}": {"handler": "h.h", "events": [{"websocket": f"route{i}"}]} for i in range(170)}
    (tmp_path / "serverless.yml").write_text(yaml.safe_dump({"service": "big", "provider": {"name": "aws"}, "functions": functions}))
    result = run_cli("export", str(tmp_path), "-o", str(tmp_path / "t.json"))
    assert result.returncode == 0
    count = len(json.loads((tmp_path / "t.json").read_text())["Resources"])
    assert count > 500
    assert result.stderr.splitlines() == [
        f"{tmp_path}: warning: the template has {count} resources; CloudFormation allows 500 per stack (split the service, or deploy with Pulumi)"
    ]


def test_settings_without_effect_and_raisable_quotas_are_warnings_not_errors(tmp_path: Path) -> None:
    functions = {f"f{i}": {"handler": "h.h", "events": [{"websocket": f"route{i}"}]} for i in range(301)}
    config = {
        "service": "big",
        "provider": {
            "name": "aws",
            "logs": {"websocket": {"accessLogging": False, "executionLogging": False, "format": "$context.requestId", "level": "ERROR"}},
        },
        "functions": functions,
    }
    (tmp_path / "serverless.yml").write_text(yaml.safe_dump(config))
    result = run_cli("validate", str(tmp_path))
    assert result.returncode == 0
    assert result.stderr.splitlines() == [
        f"{tmp_path}: provider.logs.websocket.format: warning: has no effect: accessLogging is false",
        f"{tmp_path}: provider.logs.websocket.level: warning: has no effect: executionLogging is false (the stage logs at OFF)",
        f"{tmp_path}: functions: warning: 301 websocket routes: API Gateway allows 300 routes (and integrations) per API unless the quota is raised",
    ]
    assert result.stdout.splitlines()[-1].startswith("301 routes")


def test_a_valid_custom_access_log_format_passes_and_an_undocumented_variable_warns(tmp_path: Path) -> None:
    fmt = '{"id":"$context.requestId","route":"$context.routeKey","who":"$context.authorizer.user","x":"$context.newThing"}'
    config = {
        "service": "fmt",
        "provider": {"name": "aws", "websocketsApiRouteSelectionExpression": "${request.body.service}/${request.body.action}", "logs": {"websocket": {"format": fmt}}},
        "functions": {"f": {"handler": "h.h", "events": [{"websocket": "$default"}]}},
    }
    (tmp_path / "serverless.yml").write_text(yaml.safe_dump(config))
    result = run_cli("export", str(tmp_path))
    assert result.returncode == 0
    assert result.stderr.splitlines() == [
        f"{tmp_path}: provider.logs.websocket.format: warning: uses $context.newThing, not among the WebSocket access-log variables API Gateway documents"
    ]
    stage = json.loads(result.stdout)["Resources"]["WebsocketsDeploymentStage"]["Properties"]
    assert stage["AccessLogSettings"]["Format"] == fmt


def test_offline_is_a_wsapi_command_and_refuses_a_runtime_it_does_not_run(tmp_path: Path) -> None:
    config = {
        "service": "java",
        "provider": {"name": "aws", "runtime": "java17"},
        "functions": {"connect": {"handler": "handler.connect", "events": [{"websocket": "$connect"}]}},
    }
    (tmp_path / "serverless.yml").write_text(yaml.safe_dump(config))
    result = run_cli("offline", str(tmp_path), "--port", "0")
    assert result.returncode == 2
    assert result.stderr.splitlines() == [
        f"{tmp_path}: functions.connect.runtime: is java17: wsapi offline runs Python (python3.x) and Node.js (nodejsN.x) handlers; connect cannot be served"
    ]


def test_a_stage_aws_refuses_is_refused_from_the_command_line_too(tmp_path: Path) -> None:
    """`--stage 'bad stage!'` would name the functions `chat-bad stage!-connect`: refused before anything else."""
    config = {"service": "chat", "provider": {"name": "aws"}, "functions": {"connect": {"handler": "h.h", "events": [{"websocket": "$connect"}]}}}
    (tmp_path / "serverless.yml").write_text(yaml.safe_dump(config))
    for command in ("validate", "export", "plan"):
        result = run_cli(command, str(tmp_path), "--stage", "bad stage!")
        assert result.returncode == 2 and result.stdout == ""
        assert result.stderr.splitlines() == [
            f"{tmp_path}/serverless.yml: --stage: 'bad stage!' is not a stage name AWS accepts: use letters, digits, - and _ (at most 128 characters)"
        ]
    assert run_cli("validate", str(tmp_path), "--stage", "prod_eu-1").returncode == 0
