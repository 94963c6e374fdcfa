"""Created functions in the plan (`compile_service(..., with_functions=True)`) and the standalone template:
each function as Serverless v3 compiles it, its log group, version and alias; one execution role that grants
no more than the functions' own log groups and this API's @connections; the settings wsapi refuses."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest
from golden_support import CASES, case_settings
from pulumi_support import Intrinsics

from wsapi import ConfigError, load_service
from wsapi.compile import compile_service
from wsapi.compile.function_role import role_resource
from wsapi.config_schema import integer, mapping, number
from wsapi.plan import COMPAT
from wsapi.render_cfn import render_template
from wsapi.schema_engine import check

ROOT = Path(__file__).resolve().parent.parent
CHAT = ROOT / "examples" / "chat"
API_ID = "abc123"


@pytest.fixture(autouse=True)
def artifacts_cache(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("WSAPI_ARTIFACTS_DIR", str(tmp_path / "cache"))


def service_config(**provider: Any) -> dict:
    return {
        "service": "chat",
        "provider": {"name": "aws", "runtime": "python3.11", **provider},
        "functions": {
            "auth": {"handler": "handler.auth"},
            "connect": {
                "handler": "handler.connect",
                "events": [{"websocket": {"route": "$connect", "authorizer": "auth"}}],
            },
            "message": {"handler": "handler.message", "events": [{"websocket": "sendMessage"}]},
            "cron": {"handler": "handler.cron", "events": [{"schedule": "rate(1 hour)"}]},
        },
    }


def template_for(folder: Path, config: dict, **compile_args: Any) -> dict:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "handler.py").write_text("def connect(e, c):\n    return {'statusCode': 200}\n")
    (folder / "serverless.yml").write_text(json.dumps(config))
    service = load_service(folder)
    return render_template(compile_service(service, with_functions=True, **compile_args))


def evaluate(template: dict, value: Any, region: str = "eu-west-1") -> Any:
    refs = {key: f"<{key}>" for key in template["Resources"]}
    refs["WebsocketsApi"] = API_ID
    refs.update({name: p.get("Default", f"<{name}>") for name, p in template.get("Parameters", {}).items()})
    attributes = {(key, "Arn"): f"<{key}.Arn>" for key in template["Resources"]}
    return Intrinsics(refs=refs, attributes=attributes, region=region, import_value=lambda n: f"<import {n}>")(value)


def role_statements(template: dict) -> list[dict]:
    (policy,) = template["Resources"]["IamRoleLambdaExecution"]["Properties"]["Policies"]
    return evaluate(template, policy["PolicyDocument"]["Statement"])


# -- as Serverless compiles them ---------------------------------------------------------------------------

#: Function properties wsapi writes as Serverless does (Code and Role differ by design: S3 parameters, and
#: a role of wsapi's own).
SAME_AS_SERVERLESS = (
    "Handler", "Runtime", "FunctionName", "MemorySize", "Timeout", "Environment", "Architectures",
    "Description", "Layers", "SnapStart", "ReservedConcurrentExecutions", "EphemeralStorage", "VpcConfig",
    "KmsKeyArn", "TracingConfig", "DeadLetterConfig", "FileSystemConfigs", "ImageConfig", "PackageType",
    "RuntimeManagementConfig",
)
#: Resources Serverless compiles beside a function that wsapi writes exactly as Serverless does: the URL and
#: its public permission (`url`), the asynchronous invocation settings (`destinations`, `maximumEventAge`, ...).
SERVERLESS_COMPANIONS = ("AWS::Lambda::Url", "AWS::Lambda::EventInvokeConfig")


def created(template: dict, type_: str) -> dict:
    return {k: v for k, v in template["Resources"].items() if v["Type"] == type_}


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_functions_log_groups_and_aliases_are_serverlesss(case: Path) -> None:
    serverless = json.loads((case / "expected.json").read_text())["Resources"]
    settings = {k: v for k, v in case_settings(case).items() if k != "env"}
    service = load_service(case, env=case_settings(case)["env"], **settings)
    try:
        template = render_template(compile_service(service, with_functions=True))
    except ConfigError as error:
        assert case.name == "authorizer-object-arn-getatt", error.lines()
        return
    functions = created(template, "AWS::Lambda::Function")
    assert functions, "every corpus service has functions to create"
    for key, body in functions.items():
        theirs = serverless[key]
        ours = body["Properties"]
        for prop in SAME_AS_SERVERLESS:
            assert ours.get(prop) == theirs["Properties"].get(prop), f"{key}.{prop}"
        tags = {t["Key"]: t["Value"] for t in ours.get("Tags", [])}
        assert tags == {t["Key"]: t["Value"] for t in theirs["Properties"].get("Tags", [])}, key
        # Serverless also lists a role of resources: its Role's Fn::GetAtt already waits for (cfn-lint W3005)
        role = role_resource(theirs["Properties"]["Role"])
        assert body.get("DependsOn") == [k for k in theirs.get("DependsOn", []) if k != role] or None, key
        assert body.get("Condition") == theirs.get("Condition"), key
        if "ImageUri" in theirs["Properties"]["Code"]:
            assert ours["Code"] == theirs["Properties"]["Code"], key
        # the generated role (wsapi's own), else the one given (an ARN, a role of resources:, an intrinsic) as given
        assert ours["Role"] == theirs["Properties"]["Role"], key
    companions = [k for k, v in serverless.items() if v["Type"] in SERVERLESS_COMPANIONS or k.endswith("LambdaPermissionFnUrl")]
    for key in companions:  # DependsOn: Serverless writes one id as a scalar, wsapi as a list of one
        listed = {**serverless[key], "DependsOn": [serverless[key]["DependsOn"]]} if isinstance(serverless[key].get("DependsOn"), str) else serverless[key]
        assert template["Resources"][key] == listed, key
    for key, body in created(template, "AWS::Logs::LogGroup").items():
        if key != "WebsocketsLogGroup":
            assert body["Properties"] == serverless[key]["Properties"], key
    for key, body in created(template, "AWS::Lambda::Alias").items():
        theirs = serverless[key]["Properties"]
        assert {k: v for k, v in body["Properties"].items() if k != "FunctionVersion"} == {
            k: v for k, v in theirs.items() if k != "FunctionVersion"
        }
        version = body["Properties"]["FunctionVersion"]["Fn::GetAtt"][0]
        assert version.startswith(key.split("ProvConc")[0].split("SnapStart")[0] + "LambdaVersion")
        assert template["Resources"][version]["DeletionPolicy"] == "Retain"  # as Serverless keeps versions


LAYER_CASES = [case for case in CASES if '"AWS::Lambda::LayerVersion"' in (case / "expected.json").read_text()]


@pytest.mark.parametrize("case", LAYER_CASES, ids=[c.name for c in LAYER_CASES])
def test_layers_are_serverlesss(case: Path) -> None:
    """The layers of the corpus (the service's own `layers:`, serverless-python-requirements' `layer`) as
    Serverless compiles them, their content aside (S3 parameters); the requirements layer also says the
    architecture it was built for, which the plugin leaves out."""
    serverless = json.loads((case / "expected.json").read_text())["Resources"]
    settings = {k: v for k, v in case_settings(case).items() if k != "env"}
    service = load_service(case, env=case_settings(case)["env"], **settings)
    template = render_template(compile_service(service, with_functions=True))
    ours = created(template, "AWS::Lambda::LayerVersion")
    theirs = {key: body for key, body in serverless.items() if body["Type"] == "AWS::Lambda::LayerVersion"}
    assert set(ours) == set(theirs)
    for key, body in ours.items():
        properties = {k: v for k, v in body["Properties"].items() if k != "Content"}
        if key == "PythonRequirementsLambdaLayer":
            assert properties.pop("CompatibleArchitectures") == [service.functions["connect"].architecture or "x86_64"]
        assert properties == {k: v for k, v in theirs[key]["Properties"].items() if k != "Content"}, key
        assert body["Properties"]["Content"]["S3Bucket"] == {"Ref": "ArtifactBucket"}


def test_only_functions_serving_routes_or_authorizers_are_created(tmp_path: Path) -> None:
    template = template_for(tmp_path, service_config())
    assert set(created(template, "AWS::Lambda::Function")) == {
        "AuthLambdaFunction", "ConnectLambdaFunction", "MessageLambdaFunction",
    }
    assert "CronLambdaFunction" not in template["Resources"] and "CronLogGroup" not in template["Resources"]


# -- the role grants no more than this API ------------------------------------------------------------------


def test_the_role_writes_only_its_functions_logs_and_manages_only_this_apis_connections(tmp_path: Path) -> None:
    template = template_for(tmp_path, service_config(region="eu-west-1"))
    logs, connections = role_statements(template)
    assert logs == {
        "Effect": "Allow",
        "Action": ["logs:CreateLogStream", "logs:PutLogEvents"],
        "Resource": [
            f"arn:aws:logs:eu-west-1:123456789012:log-group:/aws/lambda/chat-dev-{key}:*"
            for key in ("auth", "connect", "message")
        ],
    }
    assert connections == {
        "Effect": "Allow",
        "Action": ["execute-api:ManageConnections"],
        "Resource": [
            f"arn:aws:execute-api:eu-west-1:123456789012:{API_ID}/dev/{method}/@connections/*"
            for method in ("POST", "GET", "DELETE")
        ],
    }
    # nothing for any account, any API or any stage; nothing Serverless's `execute-api:*:*:*` would allow
    for statement in role_statements(template):
        for arn in statement["Resource"]:
            assert ":*:" not in arn and "::" not in arn.split(":log-group:")[0], arn
    assert set(template["Resources"]["IamRoleLambdaExecution"]["Properties"]) == {
        "AssumeRolePolicyDocument", "Policies",
    }
    assert template["Resources"]["IamRoleLambdaExecution"]["Properties"]["AssumeRolePolicyDocument"]["Statement"] == [
        {"Effect": "Allow", "Principal": {"Service": ["lambda.amazonaws.com"]}, "Action": ["sts:AssumeRole"]}
    ]


def test_an_existing_api_id_scopes_manage_connections_to_that_api(tmp_path: Path) -> None:
    config = service_config(apiGateway={"websocketApiId": "xyz789"}, stage="prod")
    template = template_for(tmp_path, config)
    _, connections = role_statements(template)
    assert connections["Resource"] == [
        f"arn:aws:execute-api:eu-west-1:123456789012:xyz789/prod/{m}/@connections/*" for m in ("POST", "GET", "DELETE")
    ]


def test_the_services_statements_follow_in_serverlesss_format(tmp_path: Path) -> None:
    statements = [
        {"Effect": "Allow", "Action": ["dynamodb:PutItem"], "Resource": {"Fn::Sub": "arn:${AWS::Partition}:dynamodb:${AWS::Region}:${AWS::AccountId}:table/chat"}},
        {"Effect": "Allow", "Action": "sqs:SendMessage", "Resource": [{"Fn::ImportValue": "queue-arn"}]},
    ]
    template = template_for(tmp_path, service_config(iam={"role": {"statements": statements}}))
    added = role_statements(template)[2:]
    assert added == [
        {"Effect": "Allow", "Action": ["dynamodb:PutItem"], "Resource": "arn:aws:dynamodb:eu-west-1:123456789012:table/chat"},
        # a single action becomes a one-item list, as Serverless's schema converts it (ajv's coerceTypes: 'array')
        {"Effect": "Allow", "Action": ["sqs:SendMessage"], "Resource": ["<import queue-arn>"]},
    ]
    legacy = template_for(tmp_path / "legacy", service_config(iamRoleStatements=statements[:1]))
    assert role_statements(legacy)[2:] == added[:1]


def test_role_name_path_boundary_tags_and_managed_policies(tmp_path: Path) -> None:
    role = {
        "name": "chat-functions",
        "path": "/chat/",
        "managedPolicies": ["arn:aws:iam::aws:policy/AWSXrayWriteOnlyAccess"],
        "permissionsBoundary": "arn:aws:iam::123456789012:policy/boundary",
        "tags": {"team": "chat"},
    }
    properties = template_for(tmp_path, service_config(iam={"role": role}))["Resources"]["IamRoleLambdaExecution"]["Properties"]
    assert properties["RoleName"] == "chat-functions" and properties["Path"] == "/chat/"
    assert properties["ManagedPolicyArns"] == ["arn:aws:iam::aws:policy/AWSXrayWriteOnlyAccess"]
    assert properties["PermissionsBoundary"] == "arn:aws:iam::123456789012:policy/boundary"
    assert properties["Tags"] == [{"Key": "team", "Value": "chat"}]


def test_an_existing_role_is_used_and_none_is_created(tmp_path: Path) -> None:
    arn = "arn:aws:iam::123456789012:role/given"
    for provider in ({"iam": {"role": arn}}, {"role": arn}):
        template = template_for(tmp_path / str(len(provider)), service_config(**provider))
        assert "IamRoleLambdaExecution" not in template["Resources"]
        assert {f["Properties"]["Role"] for f in created(template, "AWS::Lambda::Function").values()} == {arn}
    config = service_config()
    for key in ("auth", "connect", "message"):
        config["functions"][key]["role"] = {"Fn::ImportValue": f"{key}-role"}
    template = template_for(tmp_path / "own", config)
    assert "IamRoleLambdaExecution" not in template["Resources"]
    assert template["Resources"]["AuthLambdaFunction"]["Properties"]["Role"] == {"Fn::ImportValue": "auth-role"}


ROLE_RESOURCE = {
    "Type": "AWS::IAM::Role",
    "Properties": {
        "AssumeRolePolicyDocument": {
            "Version": "2012-10-17",
            "Statement": [{"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}],
        }
    },
}


def test_a_role_of_resources_is_named_by_its_logical_id_as_serverless_reads_it(tmp_path: Path) -> None:
    for provider in ({"iam": {"role": "SharedRole"}}, {"role": "SharedRole"}, {"iam": {"role": {"Fn::GetAtt": ["SharedRole", "Arn"]}}}):
        config = {**service_config(**provider), "resources": {"Resources": {"SharedRole": ROLE_RESOURCE}}}
        template = template_for(tmp_path / str(len(json.dumps(provider))), config)
        roles = {f["Properties"]["Role"]["Fn::GetAtt"][0] for f in created(template, "AWS::Lambda::Function").values()}
        assert roles == {"SharedRole"} and "IamRoleLambdaExecution" not in template["Resources"]
    config = {**service_config(), "resources": {"Resources": {"ConnectRole": ROLE_RESOURCE}}}
    config["functions"]["auth"]["role"] = "IamRoleLambdaExecution"  # the generated role, by its logical id
    config["functions"]["connect"]["role"] = "ConnectRole"
    template = template_for(tmp_path / "own", config)
    roles = {key: f["Properties"]["Role"] for key, f in created(template, "AWS::Lambda::Function").items()}
    assert roles == {
        "AuthLambdaFunction": {"Fn::GetAtt": ["IamRoleLambdaExecution", "Arn"]},
        "ConnectLambdaFunction": {"Fn::GetAtt": ["ConnectRole", "Arn"]},
        "MessageLambdaFunction": {"Fn::GetAtt": ["IamRoleLambdaExecution", "Arn"]},
    }
    for role, line in (
        ("my-role", "'my-role' is neither a role ARN (arn:...) nor the logical id of a role in resources: (letters and digits)"),
        ("MissingRole", "'MissingRole' is not a resource of resources.Resources; give the logical id of a role there, or the role's ARN"),
    ):
        config = service_config()
        config["functions"]["connect"]["role"] = role
        with pytest.raises(ConfigError) as raised:
            template_for(tmp_path / role, config)
        assert raised.value.lines() == [f"{tmp_path / role / 'serverless.yml'}: functions.connect.role: {line}"]


def test_a_function_with_logs_off_has_no_log_group_and_no_grant(tmp_path: Path) -> None:
    config = service_config()
    config["functions"]["message"]["disableLogs"] = True
    template = template_for(tmp_path, config)
    assert "MessageLogGroup" not in template["Resources"]
    assert "DependsOn" not in template["Resources"]["MessageLambdaFunction"]
    assert all("chat-dev-message" not in arn for arn in role_statements(template)[0]["Resource"])


def test_many_functions_share_one_log_grant_and_logs_off_are_denied(tmp_path: Path) -> None:
    config = service_config()
    for index in range(80):
        config["functions"][f"route{index}"] = {"handler": "handler.connect", "events": [{"websocket": f"r{index}"}]}
    config["functions"]["route3"]["disableLogs"] = True
    config["functions"]["route5"]["name"] = "custom-name"
    statements = role_statements(template_for(tmp_path, config))
    assert statements[0]["Resource"] == [
        "arn:aws:logs:eu-west-1:123456789012:log-group:/aws/lambda/chat-dev-*:*",
        "arn:aws:logs:eu-west-1:123456789012:log-group:/aws/lambda/custom-name:*",
    ]
    assert statements[1] == {
        "Effect": "Deny",
        "Action": ["logs:PutLogEvents"],
        "Resource": ["arn:aws:logs:eu-west-1:123456789012:log-group:/aws/lambda/chat-dev-route3:*"],
    }
    assert len(json.dumps(statements)) < 10_240  # IAM's limit for a role's inline policies


# -- settings ----------------------------------------------------------------------------------------------


def test_environment_is_the_providers_overlaid_with_the_functions(tmp_path: Path) -> None:
    config = service_config(environment={"STAGE": "dev", "LEVEL": "info"})
    config["functions"]["message"]["environment"] = {"LEVEL": "debug", "ONLY": "message"}
    resources = template_for(tmp_path, config)["Resources"]
    assert resources["MessageLambdaFunction"]["Properties"]["Environment"] == {
        "Variables": {"STAGE": "dev", "LEVEL": "debug", "ONLY": "message"}
    }
    assert resources["ConnectLambdaFunction"]["Properties"]["Environment"] == {"Variables": {"STAGE": "dev", "LEVEL": "info"}}


def test_tags_layers_architecture_and_the_rest(tmp_path: Path) -> None:
    config = service_config(
        tags={"team": "chat", "env": "dev"}, architecture="arm64", layers=["arn:aws:lambda:eu-west-1:1:layer:base:1"],
        memorySize=256, timeout=10, logRetentionInDays=30,
    )
    config["functions"]["message"].update(
        {
            "tags": {"env": "prod", "fn": "message"},
            "architecture": "x86_64",
            "layers": [{"Ref": "AWS::NoValue"}, "arn:aws:lambda:eu-west-1:1:layer:extra:2"],
            "description": "sends messages",
            "memorySize": 512,
            "reservedConcurrency": 5,
            "ephemeralStorageSize": 1024,
            "logRetentionInDays": 7,
            "name": "chat-messages",
        }
    )
    resources = template_for(tmp_path, config)["Resources"]
    message = resources["MessageLambdaFunction"]["Properties"]
    assert message["Tags"] == [{"Key": "env", "Value": "prod"}, {"Key": "fn", "Value": "message"}, {"Key": "team", "Value": "chat"}]
    assert message["Architectures"] == ["x86_64"] and message["MemorySize"] == 512 and message["Timeout"] == 10
    assert message["Layers"] == [{"Ref": "AWS::NoValue"}, "arn:aws:lambda:eu-west-1:1:layer:extra:2"]
    assert message["Description"] == "sends messages" and message["FunctionName"] == "chat-messages"
    assert message["ReservedConcurrentExecutions"] == 5 and message["EphemeralStorage"] == {"Size": 1024}
    assert resources["MessageLogGroup"]["Properties"] == {"LogGroupName": "/aws/lambda/chat-messages", "RetentionInDays": 7}
    connect = resources["ConnectLambdaFunction"]["Properties"]
    assert connect["Architectures"] == ["arm64"] and connect["Layers"] == ["arn:aws:lambda:eu-west-1:1:layer:base:1"]
    assert connect["Tags"] == [{"Key": "env", "Value": "dev"}, {"Key": "team", "Value": "chat"}]
    assert resources["ConnectLogGroup"]["Properties"]["RetentionInDays"] == 30


def test_provisioned_concurrency_and_snapstart_get_serverlesss_aliases(tmp_path: Path) -> None:
    config = service_config()
    config["functions"]["connect"]["provisionedConcurrency"] = 3
    config["functions"]["message"]["snapStart"] = True
    template = template_for(tmp_path, config)
    resources = template["Resources"]
    alias = resources["ConnectProvConcLambdaAlias"]["Properties"]
    assert alias["Name"] == "provisioned" and alias["ProvisionedConcurrencyConfig"] == {"ProvisionedConcurrentExecutions": 3}
    assert resources["MessageSnapStartLambdaAlias"]["Properties"]["Name"] == "snapstart"
    assert resources["MessageLambdaFunction"]["Properties"]["SnapStart"] == {"ApplyOn": "PublishedVersions"}
    # the API invokes, and lets invoke, the alias
    integration = resources["ConnectWebsocketsIntegration"]["Properties"]["IntegrationUri"]
    assert {"Ref": "ConnectProvConcLambdaAlias"} in integration["Fn::Join"][1]
    assert resources["SconnectWebsocketsPermission"]["Properties"]["FunctionName"] == {"Ref": "ConnectProvConcLambdaAlias"}
    assert resources["sendMessageWebsocketsPermission"]["Properties"]["FunctionName"] == {"Ref": "MessageSnapStartLambdaAlias"}
    assert resources["AuthLambdaPermissionWebsockets"]["Properties"]["FunctionName"] == {"Fn::GetAtt": ["AuthLambdaFunction", "Arn"]}


def test_a_new_version_exactly_when_code_or_configuration_changes(tmp_path: Path) -> None:
    def version_key(folder: Path, config: dict, handler: str = "v1") -> str:
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "handler.py").write_text(handler)
        (folder / "serverless.yml").write_text(json.dumps(config))
        plan = compile_service(load_service(folder), with_functions=True)
        (version,) = [r.key for r in plan.by_type("AWS::Lambda::Version")]
        return version

    config = service_config()
    config["functions"]["connect"]["provisionedConcurrency"] = 1
    base = version_key(tmp_path / "a", config)
    assert version_key(tmp_path / "b", config) == base  # same code, same configuration, elsewhere
    assert version_key(tmp_path / "c", config, handler="v2") != base
    changed = copy.deepcopy(config)
    changed["functions"]["connect"]["environment"] = {"X": "1"}
    assert version_key(tmp_path / "d", changed) != base
    tagged = copy.deepcopy(config)
    tagged["functions"]["connect"]["tags"] = {"x": "y"}  # tags apply to the function, not to a version
    assert version_key(tmp_path / "e", tagged) == base


def test_functions_given_from_elsewhere_are_not_created(tmp_path: Path) -> None:
    template = template_for(tmp_path, service_config(), external_functions=("connect", "auth", "message"))
    assert not created(template, "AWS::Lambda::Function") and "IamRoleLambdaExecution" not in template["Resources"]
    assert "Parameters" not in template
    template = template_for(tmp_path, service_config(), external_functions=("auth",))
    assert set(created(template, "AWS::Lambda::Function")) == {"ConnectLambdaFunction", "MessageLambdaFunction"}
    assert template["Resources"]["AuthLambdaPermissionWebsockets"]["Properties"]["FunctionName"] == {
        "Fn::Sub": "arn:${AWS::Partition}:lambda:${AWS::Region}:${AWS::AccountId}:function:chat-dev-auth"
    }


def test_code_comes_from_one_bucket_parameter_and_a_key_per_archive(tmp_path: Path) -> None:
    config = service_config()
    config["functions"]["message"]["package"] = {"individually": True, "patterns": ["!**", "handler.py"]}
    template = template_for(tmp_path, config)
    parameters = template["Parameters"]
    assert list(parameters) == ["ArtifactBucket", "ServiceArtifactKey", "MessageFunctionArtifactKey"]
    assert parameters["ServiceArtifactKey"]["Default"].startswith("chat/dev/chat-")
    assert parameters["MessageFunctionArtifactKey"]["Default"].startswith("chat/dev/message-")
    assert "auth, connect" in parameters["ServiceArtifactKey"]["Description"]
    assert template["Resources"]["MessageLambdaFunction"]["Properties"]["Code"] == {
        "S3Bucket": {"Ref": "ArtifactBucket"}, "S3Key": {"Ref": "MessageFunctionArtifactKey"},
    }
    config["functions"]["message"]["package"] = {"artifact": "s3://builds/message.zip"}
    template = template_for(tmp_path / "s3", config)
    assert template["Resources"]["MessageLambdaFunction"]["Properties"]["Code"] == {"S3Bucket": "builds", "S3Key": "message.zip"}
    assert list(template["Parameters"]) == ["ArtifactBucket", "ServiceArtifactKey"]


# -- what wsapi refuses ------------------------------------------------------------------------------------


def test_settings_wsapi_cannot_create_are_refused_with_their_paths_for_created_functions_only(tmp_path: Path) -> None:
    config = service_config()
    del config["functions"]["message"]["handler"]
    config["functions"]["message"]["image"] = {"name": "chatimage", "command": ["app.message"]}  # Serverless builds it
    config["functions"]["connect"]["role"] = "MyRoleInResources"
    del config["functions"]["cron"]["handler"]
    config["functions"]["cron"]["image"] = "cronimage"  # not created
    with pytest.raises(ConfigError) as raised:
        template_for(tmp_path, config)
    label = str(tmp_path / "serverless.yml")
    assert raised.value.lines() == [
        f"{label}: functions.connect.role: 'MyRoleInResources' is not a resource of resources.Resources; give the logical id of a role there, or the role's ARN",
        f"{label}: functions.message.image: names an image of provider.ecr.images, which Serverless builds with Docker; wsapi builds no images: push it to ECR and give its uri",
    ]
    # the same file validates and exports without functions: nothing is wrong with it, wsapi just does not
    # create such functions; given from elsewhere, they are no problem either
    assert load_service(tmp_path).functions["message"].problems
    template = template_for(tmp_path / "given", config, external_functions=("connect", "message"))
    assert set(created(template, "AWS::Lambda::Function")) == {"AuthLambdaFunction"}


def test_wrong_values_are_refused_by_every_command_with_their_paths(tmp_path: Path) -> None:
    """One reader, one answer: a value AWS would refuse is a problem of the document whatever consumes it
    (validate, export, offline, create_functions), not only of the functions wsapi creates."""
    config = service_config()
    config["functions"]["message"]["architecture"] = "sparc"
    config["functions"]["cron"]["timeout"] = "thirty"
    config["provider"]["iam"] = {"role": {"statements": [{"Effect": "Maybe", "Action": "s3:GetObject"}]}}
    (tmp_path / "serverless.yml").write_text(json.dumps(config))
    label = str(tmp_path / "serverless.yml")
    expected = [
        f"{label}: functions.cron.timeout: must be a whole number from 1 to 900, got 'thirty'",
        f"{label}: functions.message.architecture: must be arm64 or x86_64, got 'sparc'",
        f"{label}: provider.iam.role.statements[0].Effect: must be Allow or Deny, got 'Maybe'",
        f"{label}: provider.iam.role.statements[0]: needs exactly one of Resource and NotResource",
    ]
    with pytest.raises(ConfigError) as raised:
        load_service(tmp_path)
    assert sorted(raised.value.lines()) == expected


def test_a_runtime_is_required_to_create_a_function(tmp_path: Path) -> None:
    config = service_config()
    del config["provider"]["runtime"]
    config["functions"]["message"]["runtime"] = "nodejs20.x"
    with pytest.raises(ConfigError) as raised:
        template_for(tmp_path, config)
    assert [line.split(": ", 1)[1] for line in raised.value.lines()] == [
        "functions.auth.runtime: is required to create the function (set it here or as provider.runtime)",
        "functions.connect.runtime: is required to create the function (set it here or as provider.runtime)",
    ]


def test_a_runtime_aws_no_longer_creates_functions_on_is_refused_for_created_functions_only(tmp_path: Path) -> None:
    """Deprecated runtimes are warned about wherever they are written (tests/warnings/deprecated-runtimes); once
    AWS refuses to create functions on one, creating the function stops with the path that chose it."""
    config = service_config(runtime="python3.7")
    config["functions"]["message"]["runtime"] = "nodejs14.x"
    with pytest.raises(ConfigError) as raised:
        template_for(tmp_path, config)
    assert [line.split(": ", 1)[1] for line in raised.value.lines()] == [
        "provider.runtime: python3.7 is deprecated since 2023-12-04: AWS has refused to create functions on it since 2024-01-09; use python3.14; wsapi cannot create auth on it",
        "provider.runtime: python3.7 is deprecated since 2023-12-04: AWS has refused to create functions on it since 2024-01-09; use python3.14; wsapi cannot create connect on it",
        "functions.message.runtime: nodejs14.x is deprecated since 2023-12-04: AWS has refused to create functions on it since 2024-01-09; use nodejs24.x; wsapi cannot create message on it",
    ]
    service = load_service(tmp_path)  # given from elsewhere (or only validated): warnings, no error
    assert [w.path for w in service.warnings] == ["provider.runtime", "functions.message.runtime"]
    template_for(tmp_path / "given", config, external_functions=("auth", "connect", "message"))


def test_a_runtimes_lifecycle_is_judged_on_the_day() -> None:
    from datetime import date

    from wsapi.runtimes import lifecycle_problem

    assert lifecycle_problem("python3.9", date(2025, 12, 14)) is None
    assert lifecycle_problem("python3.9", date(2025, 12, 15)) == (
        "python3.9 is deprecated since 2025-12-15: AWS refuses to create functions on it from 2027-02-01; use python3.14", False
    )
    assert lifecycle_problem("python3.9", date(2027, 2, 1))[1] is True
    assert lifecycle_problem("dotnet9", date(2027, 1, 1)) == (
        "dotnet9 is deprecated since 2026-11-10: AWS has not said when it stops creating functions on it; use dotnet10", False
    )
    assert lifecycle_problem("python3.12", date(2026, 12, 1)) is None and lifecycle_problem("provided", date(2030, 1, 1))[1]


def test_compat_exports_cannot_create_functions() -> None:
    service = load_service(CHAT)
    with pytest.raises(ValueError, match="compat mode"):
        compile_service(service, COMPAT, with_functions=True)


def test_the_chat_example_creates_every_function_it_routes_to(tmp_path: Path) -> None:
    template = render_template(compile_service(load_service(CHAT), with_functions=True))
    functions = created(template, "AWS::Lambda::Function")
    assert {f["Properties"]["FunctionName"] for f in functions.values()} == {
        f"chat-dev-{key}" for key in ("auth", "connect", "disconnect", "default", "sendMessage", "whoami")
    }
    assert {f["Properties"]["Environment"]["Variables"]["CHAT_TOKEN"] for f in functions.values()} == {"change-me"}
    assert template["Parameters"]["ServiceArtifactKey"]["Description"].endswith("auth, connect, disconnect, default, sendMessage, whoami")


# -- the standalone export with functions deploys --------------------------------------------------------------


#: What cfn-lint says of an export whose created function has a `condition` (as of Serverless's own template):
#: the API's integration and permission reference the function whatever the condition, so such a stack deploys
#: only where the condition holds (the component refuses a false one: test_functions_with_a_false_condition...).
CONDITIONAL_FUNCTION_WARNINGS = {
    "lambda-condition-depends-on": [
        f"W1001 GetAtt to resource 'ConnectLambdaFunction' that may not be available when condition 'ConnectionsTracked' is False at {where} at {where}"
        for where in (
            "Resources/ConnectWebsocketsIntegration/Properties/IntegrationUri/Fn::Join/1/5",
            "Resources/SconnectWebsocketsPermission/Properties/FunctionName",
        )
    ],
}


@pytest.mark.parametrize("source", CASES + [CHAT], ids=[c.name for c in CASES] + ["chat"])
def test_the_export_with_functions_lints_clean(source: Path) -> None:
    from test_cfn_lint import lint_errors

    settings = case_settings(source) if (source / "case.json").exists() else {}
    service = load_service(source, **settings)
    try:
        template = render_template(compile_service(service, with_functions=True))
    except ConfigError as error:
        assert source.name == "authorizer-object-arn-getatt", error.lines()
        return
    assert lint_errors(template) == CONDITIONAL_FUNCTION_WARNINGS.get(source.name, [])
    assert "ArtifactBucket" in template["Parameters"]


def test_every_supported_setting_at_once_lints_clean(tmp_path: Path) -> None:
    from test_cfn_lint import lint_errors

    config = service_config(
        tags={"team": "chat"}, architecture="arm64", memorySize=256, timeout=20, logRetentionInDays=30,
        environment={"SHARED": "1"}, logs={"websocket": True},
        iam={"role": {
            "name": "chat-functions", "path": "/chat/", "tags": {"team": "chat"},
            "managedPolicies": ["arn:aws:iam::aws:policy/AWSXrayWriteOnlyAccess"],
            "permissionsBoundary": "arn:aws:iam::123456789012:policy/boundary",
            "statements": [{"Effect": "Allow", "Action": ["dynamodb:PutItem"], "Resource": {"Fn::Sub": "arn:${AWS::Partition}:dynamodb:${AWS::Region}:${AWS::AccountId}:table/chat"}}],
        }},
    )
    config["package"] = {"patterns": ["!serverless.yml"]}
    config["functions"]["connect"].update({"provisionedConcurrency": 2, "description": "connects", "reservedConcurrency": 10})
    config["functions"]["message"].update({
        "snapStart": True, "runtime": "java21", "layers": ["arn:aws:lambda:eu-west-1:123456789012:layer:base:1"],
        "ephemeralStorageSize": 1024, "package": {"individually": True, "patterns": ["!**", "handler.py"]},
        "tags": {"fn": "message"}, "environment": {"ONLY": "message"}, "logRetentionInDays": 7,
    })
    config["functions"]["auth"]["role"] = "arn:aws:iam::123456789012:role/authorizer"
    template = template_for(tmp_path, config)
    assert lint_errors(template) == []
    assert {"ConnectProvConcLambdaAlias", "MessageSnapStartLambdaAlias"} <= set(template["Resources"])


#: checkov findings on created functions that are the config's choice, not wsapi's: a concurrency limit
#: (`reservedConcurrency`), a dead-letter queue (asynchronous invocations only; API Gateway invokes
#: synchronously), a VPC, KMS for environment variables and for the functions' log groups.
FUNCTION_CHOICES = {"CKV_AWS_115", "CKV_AWS_116", "CKV_AWS_117", "CKV_AWS_173", "CKV_AWS_158"}


def test_checkov_finds_no_grant_too_wide_in_the_export_with_functions(tmp_path: Path) -> None:
    import os
    import subprocess

    from test_scanners import CHECKOV, allowed_failures

    assert CHECKOV.exists(), f"checkov not found at {CHECKOV} (see tests/test_scanners.py)"
    service = load_service(CHAT)
    (tmp_path / "chat.json").write_text(json.dumps(render_template(compile_service(service, with_functions=True))))
    run = subprocess.run(
        [str(CHECKOV), "-f", str(tmp_path / "chat.json"), "--framework", "cloudformation", "--compact",
         "--skip-download", "-o", "json"],
        capture_output=True, text=True, timeout=300, env={**os.environ, "BC_SKIP_MAPPING": "TRUE"},
    )
    results = json.loads(run.stdout)["results"]
    failed = {check["check_id"] for check in results["failed_checks"]}
    assert failed <= FUNCTION_CHOICES | allowed_failures(service), failed
    passed = {check["check_id"] for check in results["passed_checks"]}
    # the IAM checks ran on the role and passed: no wildcard write, no exfiltration, no privilege escalation
    assert {"CKV_AWS_111", "CKV_AWS_108", "CKV_AWS_107", "CKV_AWS_109", "CKV_AWS_110"} <= passed


def test_environment_values_may_be_intrinsics_evaluated_at_deploy_time(tmp_path: Path) -> None:
    config = service_config(environment={"TABLE": {"Ref": "ConnectionsTable"}, "REGION": {"Ref": "AWS::Region"}})
    config["functions"]["message"]["environment"] = {"QUEUE": {"Fn::ImportValue": "queue-url"}}
    template = template_for(tmp_path, config)
    variables = template["Resources"]["MessageLambdaFunction"]["Properties"]["Environment"]["Variables"]
    assert variables == {"TABLE": {"Ref": "ConnectionsTable"}, "REGION": {"Ref": "AWS::Region"}, "QUEUE": {"Fn::ImportValue": "queue-url"}}
    # a Ref to a resource of the Serverless stack becomes a parameter of the standalone template
    assert template["Parameters"]["ConnectionsTable"]["Description"] == "Value of provider.environment.TABLE (a Ref outside this template)"
    # wsapi offline evaluates what it can locally and leaves the rest unset (tests/test_offline_units.py)
    from wsapi.offline.app import build_app

    intrinsics = build_app(load_service(tmp_path)).intrinsics["message"]
    assert intrinsics["REGION"].value == "us-east-1"
    assert intrinsics["QUEUE"].value is None and intrinsics["QUEUE"].path == "functions.message.environment.QUEUE"


def test_a_value_only_some_commands_need_is_reported_only_by_them(tmp_path: Path) -> None:
    """A value nothing answers (a Serverless Dashboard `${output:...}`) in an environment never blocks validate or
    an export of the websocket part; running the function (offline) or creating it reports it, with the
    variable's path."""
    from wsapi.offline.app import build_app

    config = service_config(environment={"SECRET": "${output:chat.secret}"})
    config["functions"]["cron"]["environment"] = {"ONLY_CRON": "${output:chat.cron}"}
    config["functions"]["message"]["layers"] = ["${output:chat.layer}"]
    folder = tmp_path / "svc"
    folder.mkdir()
    (folder / "handler.py").write_text("def connect(e, c):\n    return {'statusCode': 200}\n")
    (folder / "serverless.yml").write_text(json.dumps(config))
    service = load_service(folder)
    render_template(compile_service(service))  # the websocket part alone: fine
    label = str(folder / "serverless.yml")
    ssm = "cannot resolve ${output:chat.secret}: \"output\" is a remote source (Serverless Dashboard outputs) that wsapi does not query; add a fallback if that is expected, e.g. ${output:chat.secret, 'value'}"
    with pytest.raises(ConfigError) as raised:
        build_app(service)
    assert raised.value.lines() == [f"{label}: provider.environment.SECRET: {ssm}"]  # once, though three functions inherit it
    with pytest.raises(ConfigError) as raised:
        compile_service(service, with_functions=True)
    assert raised.value.lines() == [
        f"{label}: provider.environment.SECRET: {ssm}",
        f"{label}: functions.message.layers[0]: " + ssm.replace("secret", "layer"),
    ]
    # the cron function is neither served nor created: its own unresolved value concerns nobody
    assert "ONLY_CRON" not in " ".join(raised.value.lines())


@pytest.mark.parametrize(
    ("setting", "value", "line"),
    [
        ("service", "chat\n", "service: 'chat\\n' is not a valid service name"),
        ("functions.message.name", "svc-message\n", "functions.message.name: 'svc-message\\n' is not a valid Lambda function name"),
        ("provider.tags", {"team\n": "t"}, "provider.tags.team\\n: is not a valid tag key"),
        ("provider.region", "eu-west-1\n", "provider.region: 'eu-west-1\\n' is not an AWS region name"),
    ],
)
def test_a_trailing_newline_is_not_part_of_a_valid_name(setting: str, value: Any, line: str, tmp_path: Path) -> None:
    """Serverless's schema (JavaScript regular expressions) refuses a name with a trailing newline; so does wsapi
    (a Python `$` would let it through into every logical id and table)."""
    config = service_config()
    *parents, last = setting.split(".")
    target = config
    for key in parents:
        target = target[key]
    target[last] = value
    (tmp_path / "serverless.yml").write_text(json.dumps(config))
    with pytest.raises(ConfigError) as raised:
        load_service(tmp_path)
    assert any(line in problem for problem in raised.value.lines()), raised.value.lines()


def test_a_statement_resource_only_creating_needs_is_no_problem_of_the_document(tmp_path: Path) -> None:
    """One item of an IAM statement's Resource list cannot be resolved (a variable nothing answers: an `${ssm:}`
    is now found at deploy time): the statement is not wrong, wsapi just cannot create the role yet; validate
    says nothing, creating names the variable."""
    config = service_config(iam={"role": {"statements": [{
        "Effect": "Allow", "Action": "dynamodb:Query",
        "Resource": ["arn:aws:dynamodb:eu-west-1:123456789012:table/a", "arn:aws:dynamodb:eu-west-1:${output:acct}:table/b"],
    }]}})
    (tmp_path / "handler.py").write_text("def connect(e, c):\n    return {'statusCode': 200}\n")
    (tmp_path / "serverless.yml").write_text(json.dumps(config))
    service = load_service(tmp_path)  # no problem of the document
    with pytest.raises(ConfigError) as raised:
        compile_service(service, with_functions=True)
    assert [line.split(": ", 1)[1] for line in raised.value.lines()] == [
        "provider.iam.role.statements[0].Resource[1]: cannot resolve ${output:acct}: \"output\" is a remote source (Serverless Dashboard outputs) that wsapi does not query; add a fallback if that is expected, e.g. ${output:acct, 'value'}"
    ]


def test_a_statement_whose_only_resource_is_not_resolved_is_not_missing_its_resource(tmp_path: Path) -> None:
    config = service_config(iam={"role": {"statements": [
        {"Effect": "Allow", "Action": "dynamodb:Query", "Resource": "arn:aws:dynamodb:eu-west-1:${output:acct}:table/b"},
        {"Effect": "Maybe", "Action": "s3:GetObject", "Resource": "*"},
    ]}})
    (tmp_path / "serverless.yml").write_text(json.dumps(config))
    with pytest.raises(ConfigError) as raised:
        load_service(tmp_path)  # only the statement that is wrong as written
    assert [line.split(": ", 1)[1] for line in raised.value.lines()] == [
        "provider.iam.role.statements[1].Effect: must be Allow or Deny, got 'Maybe'"
    ]


SETTING_GRANTS = {
    "lambda-vpc": [  # the network interfaces of the function's VPC, and its EFS access point
        {"Effect": "Allow", "Action": ["ec2:DescribeNetworkInterfaces", "ec2:DescribeSubnets"], "Resource": ["*"]},
        {"Effect": "Allow", "Action": ["ec2:CreateNetworkInterface", "ec2:DeleteNetworkInterface", "ec2:AssignPrivateIpAddresses", "ec2:UnassignPrivateIpAddresses"],
         "Resource": [{"Fn::Sub": "arn:${AWS::Partition}:ec2:${AWS::Region}:${AWS::AccountId}:*"}]},
        {"Effect": "Allow", "Action": ["elasticfilesystem:ClientMount", "elasticfilesystem:ClientWrite"],
         "Resource": ["arn:aws:elasticfilesystem:eu-west-1:123456789012:access-point/fsap-0a1b2c3d4e5f60001"]},
    ],
    "lambda-kms-tracing": [  # X-Ray, and each function's environment key (the provider's and a key of resources:)
        {"Effect": "Allow", "Action": ["xray:PutTraceSegments", "xray:PutTelemetryRecords"], "Resource": ["*"]},
        {"Effect": "Allow", "Action": ["kms:Decrypt"],
         "Resource": ["arn:aws:kms:us-east-1:123456789012:key/11111111-2222-3333-4444-555555555555", {"Fn::GetAtt": ["FunctionsKey", "Arn"]}]},
    ],
    "lambda-async-invoke": [  # the dead-letter topic and each destination, by its type
        {"Effect": "Allow", "Action": ["sns:Publish"], "Resource": [
            "arn:aws:sns:us-east-1:123456789012:connect-failures",
            {"Fn::Sub": "arn:${AWS::Partition}:sns:${AWS::Region}:${AWS::AccountId}:default-done"},
        ]},
        {"Effect": "Allow", "Action": ["lambda:InvokeFunction"],
         "Resource": [{"Fn::Sub": "arn:${AWS::Partition}:lambda:${AWS::Region}:${AWS::AccountId}:function:lambda-async-invoke-dev-audit"}]},
        {"Effect": "Allow", "Action": ["sqs:SendMessage"], "Resource": ["arn:aws:sqs:us-east-1:123456789012:message-failures"]},
        {"Effect": "Allow", "Action": ["events:PutEvents"], "Resource": [{"Fn::GetAtt": ["FailuresBus", "Arn"]}]},
    ],
}


@pytest.mark.parametrize("name", sorted(SETTING_GRANTS))
def test_the_role_grants_what_each_setting_needs_and_no_more(name: str) -> None:
    template = render_template(compile_service(load_service(ROOT / "tests" / "golden" / name), with_functions=True))
    (policy,) = template["Resources"]["IamRoleLambdaExecution"]["Properties"]["Policies"]
    logs, connections, *settings = policy["PolicyDocument"]["Statement"]
    assert logs["Action"] == ["logs:CreateLogStream", "logs:PutLogEvents"]
    assert connections["Action"] == ["execute-api:ManageConnections"]
    assert settings == SETTING_GRANTS[name]



@pytest.mark.parametrize("value", [10**400, -(10**400)], ids=["1e400", "-1e400"])
@pytest.mark.parametrize("kind", ["integer", "number"])
def test_a_number_beyond_the_double_range_is_a_finding_not_a_crash(value: int, kind: str) -> None:
    """JavaScript reads such a number as Infinity, which ajv's integer and number types refuse; Python's int is
    exact and float() of it overflows (found by the fuzz test): it is a finding at its path."""
    shape = mapping({"timeout": integer() if kind == "integer" else number()})
    findings = check(shape, {"timeout": value})
    assert [finding.path for finding in findings] == [("timeout",)]


def test_provider_tracing_as_a_boolean_is_a_warning_and_traces_nothing_as_serverless(tmp_path: Path) -> None:
    """Serverless v3 reads `provider.tracing.lambda`; `tracing: true` has no such key, so it compiles no
    TracingConfig (a real service of the corpus writes it so): a warning, not a refusal."""
    config = service_config(tracing=True)
    template = template_for(tmp_path, config)
    assert [w.path for w in load_service(tmp_path).warnings] == ["provider.tracing"]
    functions = [r for r in template["Resources"].values() if r["Type"] == "AWS::Lambda::Function"]
    assert functions and all("TracingConfig" not in f["Properties"] for f in functions)
