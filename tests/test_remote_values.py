"""Values only AWS knows (`${aws:accountId}`, `${ssm:}`, `${cf:}`, `${s3:}`, secret `wsapi:params`): found at
deploy time by the Pulumi component (provider lookups, secrets kept secret), read by CloudFormation itself in
the standalone export where it can (else refused with the path), fetched with boto3 by `wsapi offline`."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import boto3
import pulumi
import pytest
from botocore.exceptions import ClientError
from botocore.stub import Stubber
from conftest import run_cli
from pulumi.runtime import rpc
from pulumi_support import Call, Recorder, fresh_mocks, render, run_shipped_program

from wsapi import ConfigError, load_service
from wsapi.aws_fetch import Fetch
from wsapi.compile import compile_service
from wsapi.plan import COMPAT
from wsapi.render_cfn import render_template

FUNCTION = "aws:lambda/function:Function"
ROLE_POLICY = "aws:iam/rolePolicy:RolePolicy"
#: the SSM parameters, stack outputs and S3 objects the mocked AWS holds
PARAMETERS = {
    "/chat/secret": ("SecureString", "s3cret"),
    "/chat/db": ("SecureString", '{"user": "chat", "password": "pw"}'),
    "/aws/service/powertools/layer": ("String", "arn:aws:lambda:eu-west-1:017000801446:layer:AWSLambdaPowertoolsPythonV3:7"),
    "/network/subnets": ("StringList", "subnet-1,subnet-2"),
    "/aws/reference/secretsmanager/chat/api-key": ("SecureString", "k3y"),
}
STACKS = {"network": {"SecurityGroup": "sg-0123", "AlertsTopic": "arn:aws:sns:eu-west-1:123456789012:alerts"}}


def service(**environment: str) -> dict:
    """A VPC function with `${aws:accountId}` ARNs, an `${ssm:}` layer, a secret in its environment and a
    `${cf:}` output, the things real services read from AWS."""
    return {
        "service": "chat",
        "provider": {
            "name": "aws", "runtime": "python3.11", "region": "eu-west-1",
            "environment": {"ACCOUNT": "${aws:accountId}", "SECRET": "${ssm:/chat/secret~true}", **environment},
            "iam": {"role": {"statements": [{
                "Effect": "Allow", "Action": "dynamodb:PutItem",
                "Resource": "arn:${aws:partition}:dynamodb:${aws:region}:${aws:accountId}:table/chat",
            }]}},
        },
        "functions": {
            "connect": {
                "handler": "handler.handler",
                "layers": ["${ssm:/aws/service/powertools/layer}"],
                "vpc": {"securityGroupIds": ["${cf:network.SecurityGroup}"], "subnetIds": "${ssm:/network/subnets~split}"},
                "onError": "${cf:network.AlertsTopic}",
                "events": [{"websocket": "$connect"}],
            },
        },
    }


def folder_with(tmp_path: Path, config: dict) -> Path:
    tmp_path.mkdir(parents=True, exist_ok=True)
    (tmp_path / "handler.py").write_text("def handler(event, context):\n    return {'statusCode': 200}\n")
    (tmp_path / "serverless.yml").write_text(json.dumps(config))
    return tmp_path


class AwsHolds(Recorder):
    """Mocks that also answer the lookups of deploy-time values."""

    def call(self, args):
        if args.token.startswith(("aws:ssm/", "aws:cloudformation/getStack", "aws:s3/")):
            self.calls.append(Call(args.token, dict(args.args)))
        if args.token == "aws:ssm/getParameter:getParameter":
            name = args.args["name"]
            type_, value = PARAMETERS[name]
            return {"name": name, "type": type_, "value": value, "insecureValue": value, "id": name, "arn": f"arn:aws:ssm:::parameter{name}", "version": 1}
        if args.token == "aws:cloudformation/getStack:getStack":
            return {"name": args.args["name"], "outputs": STACKS.get(args.args["name"], {}), "id": args.args["name"]}
        if args.token == "aws:s3/getObject:getObject":
            return {"bucket": args.args["bucket"], "key": args.args["key"], "body": "from s3", "id": args.args["key"]}
        return super().call(args)


def is_secret(value: Any) -> bool:
    return isinstance(value, dict) and value.get(rpc._special_sig_key) == rpc._special_secret_sig


# -- Pulumi: each value an Output of the provider's lookup, secrets secret -------------------------------------


def test_the_component_looks_values_up_at_deploy_time_and_keeps_secrets_secret(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("WSAPI_ARTIFACTS_DIR", str(tmp_path / "artifacts"))
    recorder = fresh_mocks(recorder_type=AwsHolds)
    config = service(TOKEN="${param:token}", DB="${ssm(raw):/chat/db}")
    render("chat", recorder=recorder, config=folder_with(tmp_path / "svc", config), create_functions=True,
           params={"token": pulumi.Output.secret("t0ken")})
    (function,) = recorder.of_type(FUNCTION)
    environment = function.inputs["environment"]
    assert is_secret(environment)  # the whole environment: it holds secrets
    assert environment["value"]["variables"] == {
        "ACCOUNT": "123456789012", "SECRET": "s3cret", "TOKEN": "t0ken", "DB": '{"user": "chat", "password": "pw"}',
    }
    # the rest is not secret, and is what AWS holds
    assert function.inputs["layers"] == ["arn:aws:lambda:eu-west-1:017000801446:layer:AWSLambdaPowertoolsPythonV3:7"]
    assert function.inputs["vpcConfig"] == {"securityGroupIds": ["sg-0123"], "subnetIds": ["subnet-1", "subnet-2"]}
    assert function.inputs["deadLetterConfig"] == {"targetArn": "arn:aws:sns:eu-west-1:123456789012:alerts"}
    (policy,) = recorder.of_type(ROLE_POLICY)
    statements = json.loads(policy.inputs["policy"])["Statement"]
    assert {"Effect": "Allow", "Action": ["dynamodb:PutItem"], "Resource": "arn:aws:dynamodb:eu-west-1:123456789012:table/chat"} in statements
    assert {"Effect": "Allow", "Action": ["sns:Publish"], "Resource": ["arn:aws:sns:eu-west-1:123456789012:alerts"]} in statements
    # one lookup per value, in the service's region, decrypted
    lookups = [call.args for call in recorder.calls if call.token == "aws:ssm/getParameter:getParameter"]
    assert sorted(args["name"] for args in lookups) == ["/aws/service/powertools/layer", "/chat/db", "/chat/secret", "/network/subnets"]
    assert all(args["withDecryption"] is True and args["region"] == "eu-west-1" for args in lookups)
    stacks = [call.args for call in recorder.calls if call.token == "aws:cloudformation/getStack:getStack"]
    assert stacks == [{"name": "network", "region": "eu-west-1"}]


def test_a_stack_without_the_output_is_an_error_naming_its_outputs(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("WSAPI_ARTIFACTS_DIR", str(tmp_path / "artifacts"))
    config = service(VPC="${cf:network.VpcId}")
    with pytest.raises(Exception) as raised:
        render("chat", recorder=fresh_mocks(recorder_type=AwsHolds), config=folder_with(tmp_path, config), create_functions=True)
    assert "${cf:network.VpcId}: stack network has no output VpcId (its outputs: AlertsTopic, SecurityGroup)" in str(raised.value)


def test_secret_params_of_the_shipped_program_stay_secret(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("WSAPI_ARTIFACTS_DIR", str(tmp_path / "artifacts"))
    recorder = fresh_mocks()
    stack = {"wsapi:serverlessConfig": "examples/chat", "wsapi:createFunctions": "true", "wsapi:secretParams": json.dumps({"chatToken": "s3cret"})}
    run_shipped_program(stack, ["wsapi:secretParams"])
    with_token = [f for f in recorder.of_type(FUNCTION) if "CHAT_TOKEN" in json.dumps(f.inputs.get("environment"))]
    assert with_token and all(is_secret(f.inputs["environment"]) for f in with_token)
    assert all(f.inputs["environment"]["value"]["variables"]["CHAT_TOKEN"] == "s3cret" for f in with_token)


# -- the standalone export: what CloudFormation reads itself, the rest refused ---------------------------------


def test_the_export_reads_ssm_parameters_and_secrets_at_deploy_time_and_lints_clean(tmp_path: Path) -> None:
    from test_cfn_lint import lint_errors

    config = service(API_KEY="${ssm:/aws/reference/secretsmanager/chat/api-key}")
    del config["provider"]["environment"]["SECRET"]
    config["functions"]["connect"]["vpc"]["securityGroupIds"] = ["sg-0a1b2c3d4e5f60001"]
    del config["functions"]["connect"]["onError"]
    template = render_template(compile_service(load_service(folder_with(tmp_path, config)), with_functions=True))
    function = template["Resources"]["ConnectLambdaFunction"]["Properties"]
    assert function["Environment"]["Variables"] == {
        "ACCOUNT": {"Ref": "AWS::AccountId"},
        "API_KEY": "{{resolve:secretsmanager:chat/api-key}}",
    }
    assert function["Layers"] == [{"Ref": "SsmAwsServicePowertoolsLayer"}]
    assert function["VpcConfig"]["SubnetIds"] == {"Ref": "SsmNetworkSubnetsList"}
    assert template["Parameters"]["SsmAwsServicePowertoolsLayer"] == {
        "Type": "AWS::SSM::Parameter::Value<String>", "Default": "/aws/service/powertools/layer",
        "Description": "SSM parameter read at each deploy (${ssm:/aws/service/powertools/layer} at functions.connect.layers[0])",
    }
    assert template["Parameters"]["SsmNetworkSubnetsList"]["Type"] == "AWS::SSM::Parameter::Value<List<String>>"
    statement = template["Resources"]["IamRoleLambdaExecution"]["Properties"]["Policies"][0]["PolicyDocument"]["Statement"][-1]
    assert statement["Resource"] == {"Fn::Join": ["", [
        "arn:", {"Ref": "AWS::Partition"}, ":dynamodb:eu-west-1:", {"Ref": "AWS::AccountId"}, ":table/chat",
    ]]}
    assert lint_errors(template) == []


def test_what_cloudformation_cannot_read_is_refused_with_its_path(tmp_path: Path) -> None:
    config = service(FILE="${s3:chat-config/settings.json}", OTHER="${ssm(us-west-2):/chat/other}")
    folder = folder_with(tmp_path, config)
    result = run_cli("export", str(folder), "--with-functions")
    label = folder
    assert result.returncode == 2 and result.stdout == ""
    assert result.stderr.splitlines() == [  # each where first used: the role grants sns:Publish on the onError topic
        f"{label}: functions.connect.onError: CloudFormation cannot read another stack's outputs at deploy time; pass the value instead: write ${{param:AlertsTopic, cf:network.AlertsTopic}} and give --param AlertsTopic=VALUE (or deploy with Pulumi, which reads it)",
        f"{label}: provider.environment.SECRET: CloudFormation cannot read SecureString parameters into Lambda settings (ssm-secure dynamic references serve only a few properties) at deploy time; pass the value instead: write ${{param:secret, ssm:/chat/secret}} and give --param secret=VALUE (or deploy with Pulumi, which reads it)",
        f"{label}: provider.environment.FILE: CloudFormation cannot read S3 objects at deploy time; pass the value instead: write ${{param:settings, s3:chat-config/settings.json}} and give --param settings=VALUE (or deploy with Pulumi, which reads it)",
        f"{label}: provider.environment.OTHER: CloudFormation cannot read a parameter of another region (us-west-2) at deploy time; pass the value instead: write ${{param:other, ssm(us-west-2):/chat/other}} and give --param other=VALUE (or deploy with Pulumi, which reads it)",
        f"{label}: functions.connect.vpc.securityGroupIds[0]: CloudFormation cannot read another stack's outputs at deploy time; pass the value instead: write ${{param:SecurityGroup, cf:network.SecurityGroup}} and give --param SecurityGroup=VALUE (or deploy with Pulumi, which reads it)",
    ]
    # as suggested: the value given with --param
    config["provider"]["environment"]["SECRET"] = "${param:secret, ssm:/chat/secret~true}"
    for name in ("FILE", "OTHER"):
        del config["provider"]["environment"][name]
    config["functions"]["connect"]["vpc"]["securityGroupIds"] = ["${param:sg, cf:network.SecurityGroup}"]
    config["functions"]["connect"]["onError"] = "${param:alerts, cf:network.AlertsTopic}"
    folder_with(tmp_path, config)
    given = run_cli("export", str(folder), "--with-functions", "--param", "secret=s", "--param", "sg=sg-1", "--param", "alerts=arn:aws:sns:eu-west-1:123456789012:a")
    assert given.returncode == 0, given.stderr
    # the websocket part alone reads none of them
    assert run_cli("export", str(folder)).returncode == 0


def test_compat_cannot_write_what_serverless_read_when_packaging(tmp_path: Path) -> None:
    config = service()
    config["functions"]["connect"]["events"] = [{"websocket": {"route": "$connect", "authorizer": {"name": "auth", "arn": "${ssm:/chat/authorizer}"}}}]
    with pytest.raises(ConfigError) as raised:
        render_template(compile_service(load_service(folder_with(tmp_path, config)), COMPAT))
    assert [p.message for p in raised.value.problems] == [
        "${ssm:/chat/authorizer} is found only at deploy time; --compat serverless-v3 writes what Serverless read when packaging, which wsapi cannot"
    ]


def test_a_fallback_after_a_deploy_time_value_is_taken_and_one_before_it_is_tried(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.delenv("CHAT_LEVEL", raising=False)
    config = service(FALLBACK="${ssm:/chat/level, 'info'}", FIRST="${env:CHAT_LEVEL, ssm:/chat/level}", TOPIC="arn:aws:sns:${aws:region}:${aws:accountId}:t")
    environment = load_service(folder_with(tmp_path, config)).functions["connect"].environment
    assert environment["FALLBACK"] == "info"
    assert environment["FIRST"] == {"wsapi:Remote": {"source": "ssm", "address": "/chat/level"}}
    assert environment["TOPIC"] == {"Fn::Join": ["", ["arn:aws:sns:eu-west-1:", {"Ref": "AWS::AccountId"}, ":t"]]}


# -- wsapi offline: fetched now with boto3 ---------------------------------------------------------------------


def stubbed(fetch: Fetch, service_name: str, region: str = "eu-west-1") -> Stubber:
    client = boto3.session.Session(aws_access_key_id="AKIAFAKE", aws_secret_access_key="fake").client(service_name, region_name=region)
    fetch.clients[service_name, region] = client
    stubber = Stubber(client)
    stubber.activate()
    return stubber


class ParameterStore:
    """boto3's SSM client as far as Fetch uses it (the order of the calls is the resolver's)."""

    def __init__(self) -> None:
        self.asked: list = []

    def get_parameter(self, Name: str, WithDecryption: bool) -> dict:  # noqa: N803 (boto3's names)
        self.asked.append((Name, WithDecryption))
        if Name not in PARAMETERS:
            raise ClientError({"Error": {"Code": "ParameterNotFound", "Message": ""}}, "GetParameter")
        type_, value = PARAMETERS[Name]
        return {"Parameter": {"Name": Name, "Type": type_, "Value": value}}


def test_offline_fetches_the_values_with_boto3(tmp_path: Path) -> None:
    fetch = Fetch()
    sts, cloudformation = stubbed(fetch, "sts"), stubbed(fetch, "cloudformation")
    ssm = fetch.clients["ssm", "eu-west-1"] = ParameterStore()
    sts.add_response("get_caller_identity", {"Account": "210987654321", "Arn": "arn:aws:iam::210987654321:user/dev", "UserId": "AIDA"})
    outputs = [{"OutputKey": key, "OutputValue": value} for key, value in STACKS["network"].items()]
    cloudformation.add_response(
        "describe_stacks", {"Stacks": [{"StackName": "network", "CreationTime": "2026-01-01T00:00:00Z", "StackStatus": "CREATE_COMPLETE", "Outputs": outputs}]},
        {"StackName": "network"},
    )
    config = service(MISSING="${ssm:/chat/missing, 'fallback'}")
    function = load_service(folder_with(tmp_path, config), remote=fetch).functions["connect"]
    assert function.problems == ()
    assert function.environment == {"ACCOUNT": "210987654321", "SECRET": "s3cret", "MISSING": "fallback"}
    assert function.layers == (("arn:aws:lambda:eu-west-1:017000801446:layer:AWSLambdaPowertoolsPythonV3:7", "functions.connect.layers[0]"),)
    assert function.vpc.subnet_ids == ["subnet-1", "subnet-2"] and function.vpc.security_group_ids == ["sg-0123"]
    for stubber in (sts, cloudformation):
        stubber.assert_no_pending_responses()  # each value read once, though used twice
    assert sorted(ssm.asked) == sorted([(name, True) for name in ("/chat/secret", "/aws/service/powertools/layer", "/network/subnets", "/chat/missing")])


def test_offline_without_credentials_says_so(tmp_path: Path, monkeypatch) -> None:
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    config = {"service": "chat", "provider": {"name": "aws", "runtime": "python3.11", "environment": {"ACCOUNT": "${aws:accountId}"}},
              "functions": {"connect": {"handler": "handler.handler", "events": [{"websocket": "$connect"}]}}}
    function = load_service(folder_with(tmp_path / "svc", config), remote=Fetch()).functions["connect"]
    (problem,) = [problem for _, problem in function.problems]
    assert problem.path == "provider.environment.ACCOUNT"
    assert problem.message.startswith("cannot resolve ${aws:accountId}: ${aws:accountId} needs AWS credentials (wsapi offline reads it with boto3), and none were found")


def test_an_s3_object_and_another_regions_stack_output_are_read_where_they_are(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("WSAPI_ARTIFACTS_DIR", str(tmp_path / "artifacts"))
    recorder = fresh_mocks(recorder_type=AwsHolds)
    config = service(SETTINGS="${s3:chat-config/settings.txt}", TOPIC="${cf(us-west-2):network.AlertsTopic}")
    render("chat", recorder=recorder, config=folder_with(tmp_path / "svc", config), create_functions=True)
    (function,) = recorder.of_type(FUNCTION)
    variables = function.inputs["environment"]["value"]["variables"]
    assert variables["SETTINGS"] == "from s3" and variables["TOPIC"] == "arn:aws:sns:eu-west-1:123456789012:alerts"
    objects = [call.args for call in recorder.calls if call.token == "aws:s3/getObject:getObject"]
    assert objects == [{"bucket": "chat-config", "key": "settings.txt", "region": "eu-west-1"}]
    stacks = sorted(call.args["region"] for call in recorder.calls if call.token == "aws:cloudformation/getStack:getStack")
    assert stacks == ["eu-west-1", "us-west-2"]  # the service's stack outputs, and the one the variable names


def test_a_secret_wsapi_params_keeps_every_value_secret(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("WSAPI_ARTIFACTS_DIR", str(tmp_path / "artifacts"))
    recorder = fresh_mocks()
    stack = {"wsapi:serverlessConfig": "examples/chat", "wsapi:createFunctions": "true", "wsapi:params": json.dumps({"chatToken": "s3cret"})}
    run_shipped_program(stack, ["wsapi:params"])  # pulumi config set --secret --path wsapi:params.chatToken
    with_token = [f for f in recorder.of_type(FUNCTION) if "CHAT_TOKEN" in json.dumps(f.inputs.get("environment"))]
    assert with_token and all(is_secret(f.inputs["environment"]) for f in with_token)
