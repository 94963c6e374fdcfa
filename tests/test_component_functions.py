"""`WebSocketApi(..., create_functions=True)` under Pulumi mocks: the functions and their inputs, the role and
what it grants, the code archives, environment merging, aliases, functions given from elsewhere, stable
names, and the shipped Pulumi program with Pulumi.dev.yaml. (The property-by-property comparison with the
standalone template is test_component_cfn.py's.)"""

from __future__ import annotations

import copy
import json
import zipfile
from pathlib import Path
from typing import Any, Iterator

import pulumi
import pytest
import yaml
from conftest import run_cli
from pulumi_support import (
    ACCOUNT,
    COMPONENT_TYPE,
    PROVISIONED_CONCURRENCY,
    PULUMI_TYPE,
    ROLE_POLICY,
    STACK_REGION,
    Recorder,
    Rendered,
    component_outputs,
    fresh_mocks,
    isolated_mocks,
    run_program,
    run_shipped_program,
)
from test_packaging import CASES as PACKAGING_CASES
from test_packaging import write_tree

from wsapi import ConfigError, WebSocketApi

ROOT = Path(__file__).resolve().parent.parent
CHAT = ROOT / "examples" / "chat"
FUNCTION = PULUMI_TYPE["AWS::Lambda::Function"]
ALIAS = PULUMI_TYPE["AWS::Lambda::Alias"]
ROLE = PULUMI_TYPE["AWS::IAM::Role"]
LOG_GROUP = PULUMI_TYPE["AWS::Logs::LogGroup"]
INTEGRATION = PULUMI_TYPE["AWS::ApiGatewayV2::Integration"]
PERMISSION = PULUMI_TYPE["AWS::Lambda::Permission"]
CHAT_FUNCTIONS = ("auth", "connect", "disconnect", "default", "sendMessage", "whoami")


@pytest.fixture
def pulumi_mocks(tmp_path: Path, monkeypatch) -> Iterator[Recorder]:
    monkeypatch.setenv("WSAPI_ARTIFACTS_DIR", str(tmp_path / "artifacts"))
    yield from isolated_mocks()


def render(name: str, *args: Any, recorder: Recorder = None, **kwargs: Any) -> Rendered:
    """pulumi_support.render, with the created functions' ARNs among the outputs."""
    recorder = recorder if recorder is not None else fresh_mocks()
    holder: dict[str, Any] = {}

    def program() -> Any:
        holder["api"] = WebSocketApi(name, *args, **kwargs)
        return {**component_outputs(holder["api"]), "function_arns": holder["api"].function_arns}

    return Rendered(name, recorder, run_program(program), holder["api"])


def functions_of(recorder: Recorder) -> dict[str, Any]:
    return {r.inputs["name"]: r for r in recorder.of_type(FUNCTION)}


def members(archive: pulumi.FileArchive) -> list[str]:
    with zipfile.ZipFile(archive.path) as zipped:
        return zipped.namelist()


def service_folder(folder: Path, config: dict) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "handler.py").write_text("def handler(event, context):\n    return {'statusCode': 200}\n")
    (folder / "serverless.yml").write_text(json.dumps(config))
    return folder


def small_service(**extra: Any) -> dict:
    config = {
        "service": "chat",
        "provider": {"name": "aws", "runtime": "python3.11", "environment": {"SHARED": "1", "LEVEL": "info"}},
        "functions": {
            "connect": {"handler": "handler.handler", "events": [{"websocket": "$connect"}]},
            "message": {
                "handler": "handler.handler",
                "environment": {"LEVEL": "debug"},
                "events": [{"websocket": "sendMessage"}],
            },
        },
    }
    config.update(extra)
    return config


# -- the chat example --------------------------------------------------------------------------------------


def test_the_chat_example_gets_every_function_it_needs(pulumi_mocks: Recorder) -> None:
    rendered = render("chat", config=CHAT, create_functions=True, recorder=pulumi_mocks)
    functions = functions_of(pulumi_mocks)
    assert set(functions) == {f"chat-dev-{key}" for key in CHAT_FUNCTIONS}
    (role,) = [r for r in pulumi_mocks.of_type(ROLE) if r.name == "chat-lambda-role"]
    handlers = {
        "auth": "handlers/auth.handler", "connect": "handlers/connection.connect",
        "disconnect": "handlers/connection.disconnect", "default": "handlers/messages.echo",
        "sendMessage": "handlers/messages.send_message", "whoami": "handlers/messages.whoami",
    }
    for key, handler in handlers.items():
        function = functions[f"chat-dev-{key}"]
        assert function.name == f"chat-function-{key}"
        assert function.parent == rendered.component_urn
        assert {k: function.inputs[k] for k in ("handler", "runtime", "memorySize", "timeout", "role")} == {
            "handler": handler, "runtime": "python3.11", "memorySize": 1024, "timeout": 6, "role": role.state["arn"],
        }
        assert function.inputs["environment"] == {"variables": {"CHAT_TOKEN": "change-me"}}
        # exactly the handlers: not serverless.yml, not __pycache__
        assert members(function.inputs["code"]) == [
            "handlers/__init__.py", "handlers/auth.py", "handlers/connection.py", "handlers/messages.py",
        ]
        # its log group exists first, and the role's policy is in place before it can run
        log_group = pulumi_mocks.named(f"chat-function-log-group-{key}")
        assert log_group.inputs == {"name": f"/aws/lambda/chat-dev-{key}", "retentionInDays": 14, "region": "us-east-1"}
        assert log_group.urn in function.dependencies
        assert pulumi_mocks.named("chat-lambda-role-inline-policy").urn in function.dependencies
    # the API invokes the functions the component created
    (connect,) = [r for r in pulumi_mocks.of_type(INTEGRATION) if r.name == "chat-integration-connect"]
    assert connect.inputs["integrationUri"].endswith("function:chat-dev-connect/invocations")
    assert rendered.outputs["function_arns"] == {
        key: f"arn:aws:lambda:us-east-1:{ACCOUNT}:function:chat-dev-{key}" for key in CHAT_FUNCTIONS
    }


def test_the_role_manages_connections_of_this_api_and_stage_only(pulumi_mocks: Recorder) -> None:
    render("chat", config=CHAT, create_functions=True, stage="prod", recorder=pulumi_mocks)
    (policy,) = pulumi_mocks.of_type(ROLE_POLICY)
    document = json.loads(policy.inputs["policy"])
    assert policy.inputs["name"] == "chat-prod-lambda"
    logs, connections = document["Statement"]
    assert logs["Action"] == ["logs:CreateLogStream", "logs:PutLogEvents"]
    assert logs["Resource"] == [
        f"arn:aws:logs:us-east-1:{ACCOUNT}:log-group:/aws/lambda/chat-prod-{key}:*" for key in CHAT_FUNCTIONS
    ]
    assert connections == {
        "Effect": "Allow",
        "Action": ["execute-api:ManageConnections"],
        "Resource": [
            f"arn:aws:execute-api:us-east-1:{ACCOUNT}:chat-api-id/prod/{method}/@connections/*"
            for method in ("POST", "GET", "DELETE")
        ],
    }
    for statement in document["Statement"]:
        for arn in statement["Resource"]:
            region_account_api = arn.split(":", 5)
            assert "*" not in region_account_api[3] and "*" not in region_account_api[4], arn
    (role,) = [r for r in pulumi_mocks.of_type(ROLE) if r.name == "chat-lambda-role"]
    assert json.loads(role.inputs["assumeRolePolicy"])["Statement"][0]["Principal"] == {"Service": ["lambda.amazonaws.com"]}
    assert set(role.inputs) == {"assumeRolePolicy"}  # no inline policy, no managed policy on the role itself


# -- settings reach the functions --------------------------------------------------------------------------


def test_environment_is_merged_and_tags_become_a_mapping(tmp_path: Path, pulumi_mocks: Recorder) -> None:
    config = small_service()
    config["provider"]["tags"] = {"team": "chat"}
    config["functions"]["message"]["tags"] = {"fn": "message"}
    render("chat", config=service_folder(tmp_path, config), create_functions=True, recorder=pulumi_mocks)
    functions = functions_of(pulumi_mocks)
    assert functions["chat-dev-message"].inputs["environment"] == {"variables": {"SHARED": "1", "LEVEL": "debug"}}
    assert functions["chat-dev-connect"].inputs["environment"] == {"variables": {"SHARED": "1", "LEVEL": "info"}}
    assert functions["chat-dev-message"].inputs["tags"] == {"team": "chat", "fn": "message"}
    assert functions["chat-dev-connect"].inputs["tags"] == {"team": "chat"}


def test_provisioned_concurrency_and_snapstart_invoke_their_aliases(tmp_path: Path, pulumi_mocks: Recorder) -> None:
    config = small_service()
    config["functions"]["connect"]["provisionedConcurrency"] = 4
    config["functions"]["message"]["snapStart"] = True
    config["functions"]["message"]["runtime"] = "java21"
    rendered = render("chat", config=service_folder(tmp_path, config), create_functions=True, recorder=pulumi_mocks)
    functions = functions_of(pulumi_mocks)
    assert functions["chat-dev-connect"].inputs["publish"] is True
    assert functions["chat-dev-message"].inputs["snapStart"] == {"applyOn": "PublishedVersions"}
    aliases = {r.inputs["name"]: r for r in pulumi_mocks.of_type(ALIAS)}
    assert {k: aliases["provisioned"].inputs[k] for k in ("functionName", "functionVersion")} == {
        "functionName": "chat-dev-connect", "functionVersion": "1",
    }
    assert aliases["snapstart"].inputs["functionName"] == "chat-dev-message"
    (concurrency,) = pulumi_mocks.of_type(PROVISIONED_CONCURRENCY)
    assert concurrency.name == "chat-function-alias-connect-concurrency"
    assert {k: concurrency.inputs[k] for k in ("functionName", "qualifier", "provisionedConcurrentExecutions")} == {
        "functionName": "chat-dev-connect", "qualifier": "provisioned", "provisionedConcurrentExecutions": 4,
    }
    alias_arn = f"arn:aws:lambda:{STACK_REGION}:{ACCOUNT}:function:chat-dev-connect:provisioned"
    permissions = {r.name: r.inputs["function"] for r in pulumi_mocks.of_type(PERMISSION)}
    assert permissions["chat-permission-$connect"] == alias_arn
    assert permissions["chat-permission-sendMessage"].endswith("function:chat-dev-message:snapstart")
    (integration,) = [r for r in pulumi_mocks.of_type(INTEGRATION) if r.name == "chat-integration-connect"]
    assert integration.inputs["integrationUri"].endswith(f"{alias_arn}/invocations")
    assert rendered.outputs["function_arns"]["connect"] == alias_arn


@pytest.mark.parametrize("case", ["individually", "function-individually", "artifacts", "patterns"])
def test_each_function_uploads_exactly_what_serverless_packages(case: str, tmp_path: Path, pulumi_mocks: Recorder) -> None:
    folder = write_tree(tmp_path / "svc")
    (folder / "serverless.yml").write_text(json.dumps(PACKAGING_CASES[case]["serverless"]))
    render("pack", config=folder, create_functions=True, recorder=pulumi_mocks)
    expected = PACKAGING_CASES[case]["expected"]
    for key, file_name in expected["functions"].items():
        code = functions_of(pulumi_mocks)[f"pack-dev-{key}"].inputs["code"]
        if file_name in expected["archives"]:
            assert members(code) == [name for name, _ in expected["archives"][file_name]], key
            with zipfile.ZipFile(code.path) as zipped:
                modes = {i.filename: format((i.external_attr >> 16) & 0o777, "o") for i in zipped.infolist()}
            assert sorted(modes.items()) == sorted(map(tuple, expected["archives"][file_name])), key
        else:  # a ready-made artifact, uploaded as it is
            assert Path(code.path) == folder / "build" / file_name


def test_an_artifact_in_s3_is_not_uploaded(tmp_path: Path, pulumi_mocks: Recorder) -> None:
    config = small_service(package={"artifact": "s3://builds/chat.zip"})
    render("chat", config=service_folder(tmp_path, config), create_functions=True, recorder=pulumi_mocks)
    for function in pulumi_mocks.of_type(FUNCTION):
        assert "code" not in function.inputs
        assert (function.inputs["s3Bucket"], function.inputs["s3Key"]) == ("builds", "chat.zip")


def test_an_existing_role_is_used_as_given(tmp_path: Path, pulumi_mocks: Recorder) -> None:
    config = small_service()
    config["provider"]["iam"] = {"role": "arn:aws:iam::123456789012:role/given"}
    render("chat", config=service_folder(tmp_path, config), create_functions=True, recorder=pulumi_mocks)
    assert not pulumi_mocks.of_type(ROLE) and not pulumi_mocks.of_type(ROLE_POLICY)
    assert {f.inputs["role"] for f in pulumi_mocks.of_type(FUNCTION)} == {"arn:aws:iam::123456789012:role/given"}


# -- functions from elsewhere win ---------------------------------------------------------------------------


def test_functions_passed_in_win_over_created_ones(tmp_path: Path, pulumi_mocks: Recorder) -> None:
    folder = service_folder(tmp_path, small_service())
    given = "arn:aws:lambda:eu-west-1:999999999999:function:connect-elsewhere"
    rendered = render("chat", config=folder, create_functions=True, functions={"connect": given}, recorder=pulumi_mocks)
    assert set(functions_of(pulumi_mocks)) == {"chat-dev-message"}
    assert not [r for r in pulumi_mocks.of_type(LOG_GROUP) if "connect" in r.name]
    permissions = {r.name: r.inputs["function"] for r in pulumi_mocks.of_type(PERMISSION)}
    assert permissions["chat-permission-$connect"] == given
    assert set(rendered.outputs["function_arns"]) == {"message"}
    # all given: nothing to create, no role, no archive
    recorder = render("chat", config=folder, create_functions=True, functions={"connect": given, "message": given}).recorder
    assert not recorder.of_type(FUNCTION) and not recorder.of_type(ROLE) and not recorder.of_type(ROLE_POLICY)


def test_without_create_functions_nothing_is_created(pulumi_mocks: Recorder) -> None:
    rendered = render("chat", config=CHAT, recorder=pulumi_mocks)
    assert not pulumi_mocks.of_type(FUNCTION) and rendered.outputs["function_arns"] == {}
    assert not [r for r in pulumi_mocks.of_type(ROLE) if r.name == "chat-lambda-role"]


def test_settings_it_cannot_create_are_refused_before_anything_is_registered(tmp_path: Path, pulumi_mocks: Recorder) -> None:
    config = small_service()
    del config["functions"]["message"]["handler"]
    config["functions"]["message"]["image"] = "chatimage"  # one of provider.ecr.images, which Serverless builds
    with pytest.raises(ConfigError) as raised:
        render("chat", config=service_folder(tmp_path, config), create_functions=True, recorder=pulumi_mocks)
    assert "functions.message.image: names an image of provider.ecr.images, which Serverless builds with Docker" in str(raised.value)
    assert pulumi_mocks.resources == []


def built_image(function: dict) -> None:
    """An image of provider.ecr.images, which Serverless builds with Docker, instead of a handler."""
    del function["handler"]
    function["image"] = "chatimage"


#: Services the component refuses once it creates their functions, each for a reason of its own.
CREATE_REFUSALS = {
    "deprecated runtime": lambda config: config["provider"].update(runtime="python3.7"),
    # (vpc, and an ${ssm:} in the environment, were refused before issue 14: wsapi creates them now)
    "image Serverless builds": lambda config: built_image(config["functions"]["message"]),
    "unresolved environment": lambda config: config["functions"]["message"].update(environment={"KEY": "${output:chat.key}"}),
    "long Lambda name": lambda config: config.update(service="a-service-name-long-enough-to-push-the-lambda-name-past-64"),
}


@pytest.mark.parametrize("reason", CREATE_REFUSALS)
def test_plan_with_functions_refuses_what_the_component_refuses_with_the_same_lines(reason: str, tmp_path: Path, pulumi_mocks: Recorder) -> None:
    """Never "OK" from `wsapi plan --with-functions` and an error from `pulumi up` on the same file."""
    config = small_service()
    CREATE_REFUSALS[reason](config)
    folder = service_folder(tmp_path, config)
    with pytest.raises(ConfigError) as raised:
        render("chat", config=folder, create_functions=True, recorder=pulumi_mocks)
    assert pulumi_mocks.resources == []
    result = run_cli("plan", str(folder), "--with-functions")
    assert result.returncode == 2 and result.stdout == ""
    errors = [line for line in result.stderr.splitlines() if ": warning: " not in line]
    assert [line.split(": ", 1)[1] for line in errors] == [line.split(": ", 1)[1] for line in raised.value.lines()]


# -- stable identity ---------------------------------------------------------------------------------------


def test_names_come_from_function_keys_only(tmp_path: Path, pulumi_mocks: Recorder) -> None:
    base = render("chat", config=service_folder(tmp_path / "a", small_service()), create_functions=True,
                  recorder=pulumi_mocks).urns()
    more = small_service()
    more["functions"]["typing"] = {"handler": "handler.handler", "events": [{"websocket": "typing"}]}
    grown = render("chat", config=service_folder(tmp_path / "b", more), create_functions=True).urns()
    assert {u.rsplit("::", 1)[1] for u in grown - base} == {
        "chat-function-typing", "chat-function-log-group-typing", "chat-integration-typing", "chat-route-typing",
        "chat-permission-typing",
    }
    assert base - grown == set()
    changed = copy.deepcopy(small_service())
    changed["functions"]["connect"]["memorySize"] = 256
    folder = service_folder(tmp_path / "c", changed)
    (folder / "handler.py").write_text("# new code\n")
    assert render("chat", config=folder, create_functions=True).urns() == base


def test_preview_and_update_register_the_same_resources(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("WSAPI_ARTIFACTS_DIR", str(tmp_path / "artifacts"))
    urns = [render("chat", config=CHAT, create_functions=True, recorder=fresh_mocks(preview=p)).urns() for p in (True, False)]
    assert urns[0] == urns[1]


# -- the shipped Pulumi program ----------------------------------------------------------------------------


def test_pulumi_up_with_the_shipped_stack_config_deploys_the_whole_chat_backend(pulumi_mocks: Recorder) -> None:
    stack = yaml.safe_load((ROOT / "Pulumi.dev.yaml").read_text())["config"]
    assert stack["wsapi:createFunctions"] is True
    run_shipped_program(stack)
    kinds = {r.type for r in pulumi_mocks.custom()}
    assert {FUNCTION, ROLE_POLICY, LOG_GROUP, "aws:apigateway/account:Account"} <= kinds
    assert set(functions_of(pulumi_mocks)) == {f"chat-dev-{key}" for key in CHAT_FUNCTIONS}
    # every integration and authorizer invokes a function this stack creates
    created = {r.state["arn"] for r in pulumi_mocks.of_type(FUNCTION)}
    targets = [r.inputs.get("integrationUri") or r.inputs.get("authorizerUri")
               for r in pulumi_mocks.of_type(INTEGRATION) + pulumi_mocks.of_type(PULUMI_TYPE["AWS::ApiGatewayV2::Authorizer"])]
    assert targets and all(any(f"{arn}/invocations" in t for arn in created) for t in targets)
    (component,) = [r for r in pulumi_mocks.resources if r.type == COMPONENT_TYPE]
    assert component.name == "chat"


def test_outputs_include_the_created_functions(pulumi_mocks: Recorder) -> None:
    def program():
        api = WebSocketApi("chat", config=CHAT, create_functions=True)
        return {**component_outputs(api), "function_arns": api.function_arns}

    outputs = run_program(program)
    assert set(outputs["function_arns"]) == set(CHAT_FUNCTIONS)


# -- wsapi plan tells the truth ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "source",
    ["examples/chat", "tests/golden/provisioned-concurrency-route", "tests/golden/snapstart",
     "tests/golden/custom-iam-role", "tests/golden/logs-retention-data-protection", "tests/golden/large-service"],
)
def test_wsapi_plan_with_functions_lists_exactly_what_the_component_registers(
    source: str, pulumi_mocks: Recorder, capsys
) -> None:
    from wsapi.cli import main as cli_main
    from wsapi.registry import short_type as short_pulumi_type

    folder = ROOT / source
    settings = {}
    if (folder / "case.json").exists():
        case = json.loads((folder / "case.json").read_text())
        settings = {k: case[k] for k in ("stage", "region") if case.get(k)}
    render("chat", config=folder, create_functions=True, recorder=pulumi_mocks, **settings)
    registered = [(r.type, r.name) for r in pulumi_mocks.custom()]
    arguments = [f"--{k}={v}" for k, v in settings.items()]
    assert cli_main(["plan", str(folder), "--with-functions", "--name", "chat", *arguments]) == 0
    listing = capsys.readouterr().out.splitlines()
    rows = [line.split() for line in listing if line.startswith((" +   ├─", " +   └─"))]
    listed = [(row[2], row[3]) for row in rows]
    as_listed = [(t if t.startswith("pulumi-python") else short_pulumi_type(t), n) for t, n in registered]
    assert sorted(listed) == sorted(as_listed) and len(listed) == len(set(listed))
    assert listing[-1] == f"    + {len(registered) + 1} to create"
    assert any(kind == "aws:lambda:Function" for kind, _ in listed)


def test_environment_intrinsics_pulumi_can_read_and_the_ones_it_cannot(tmp_path: Path, pulumi_mocks: Recorder) -> None:
    config = small_service()
    config["provider"]["environment"] = {"QUEUE": {"Fn::ImportValue": "queue-url"}, "REGION": {"Ref": "AWS::Region"}}
    render("chat", config=service_folder(tmp_path / "a", config), create_functions=True, recorder=pulumi_mocks)
    variables = functions_of(pulumi_mocks)["chat-dev-connect"].inputs["environment"]["variables"]
    assert variables == {"QUEUE": f"queue-url@{STACK_REGION}", "REGION": STACK_REGION}
    config["provider"]["environment"]["TABLE"] = {"Ref": "ConnectionsTable"}
    with pytest.raises(ConfigError) as raised:
        render("chat", config=service_folder(tmp_path / "b", config), create_functions=True)
    (line,) = raised.value.lines()  # used by both functions, reported once
    assert "provider.environment.TABLE: " in line and "Pulumi cannot evaluate" in line
