"""Adopting a deployed Serverless stack (`WebSocketApi(..., adopt=...)`, `wsapi adopt`), against recorded AWS
answers for golden services (tests/adoption/<case>/, written by tools/record_adoption_answers.py from the
template Serverless 3.40 wrote for the case): `describe-stack-resources` and `get-template`.

The expected import ids are built here from the recorded rows and the Serverless template, in the formats
pulumi-aws documents (API id; `{apiId}/{id}` for integrations, routes and authorizers; `{apiId}/{routeId}/{id}`
for route responses; `{apiId}/{stageName}`; names for functions and log groups; `{function}/{alias}`) and the
Cloud Control identifiers of pulumi-aws-native, not taken from wsapi.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Iterator

import pytest
from native_support import native_mocks
from pulumi_support import GOLDEN, Recorder, case_environment, case_settings, render

from wsapi import WebSocketApiArgs, load_service
from wsapi.cli import main
from wsapi.errors import ConfigError

ADOPTION = Path(__file__).parent / "adoption"
CASES = ["large-service", "logs-retention-data-protection", "resources-references", "external-api-id-string"]

#: What the adoption run leaves as the Serverless stack deployed it, by Pulumi type (README "Move a deployed
#: Serverless stack to Pulumi" says why for each); every other adopted type: nothing.
IGNORED = {
    "aws:apigatewayv2/api:Api": ("tags",),
    "aws:apigatewayv2/stage:Stage": ("tags",),
    "aws:lambda/function:Function": ("code", "publish", "tags"),
    "aws:cloudwatch/logGroup:LogGroup": ("kmsKeyId", "tags"),
    "aws:lambda/alias:Alias": ("functionVersion",),
    "aws:iam/role:Role": ("tags",),
}
NATIVE_IGNORED = ("tags",)
#: Types never adopted: wsapi creates its own (permissions scoped per route, a deployment with its triggers).
NEVER_ADOPTED = {"AWS::Lambda::Permission", "AWS::ApiGatewayV2::Deployment"}


@pytest.fixture
def pulumi_mocks(tmp_path: Path, monkeypatch) -> Iterator[Recorder]:
    monkeypatch.setenv("WSAPI_ARTIFACTS_DIR", str(tmp_path / "artifacts"))
    yield from native_mocks()


def stack_rows(case: str) -> dict:
    answer = json.loads((ADOPTION / case / "describe-stack-resources.json").read_text())
    return {row["LogicalResourceId"]: row for row in answer["StackResources"]}


def serverless_template(case: str) -> dict:
    return json.loads((GOLDEN / case / "expected.json").read_text())


def expected_import_ids(case: str, plan_keys: set) -> dict:
    """Logical id -> import id, for every row of the stack wsapi adopts."""
    rows = stack_rows(case)
    resources = serverless_template(case)["Resources"]

    def physical(value) -> str:
        return value if isinstance(value, str) else rows[value["Ref"]]["PhysicalResourceId"]

    found = {}
    for key, row in rows.items():
        kind, pid = row["ResourceType"], row["PhysicalResourceId"]
        props = resources[key].get("Properties", {})
        if key not in plan_keys or kind in NEVER_ADOPTED:
            continue
        if kind == "AWS::IAM::Role":
            continue  # the Lambda role: wsapi's is created new (serverless.yml names none in these cases)
        if kind in ("AWS::ApiGatewayV2::Integration", "AWS::ApiGatewayV2::Route", "AWS::ApiGatewayV2::Authorizer", "AWS::ApiGatewayV2::Stage"):
            found[key] = f"{physical(props['ApiId'])}/{pid}"
        elif kind == "AWS::ApiGatewayV2::RouteResponse":
            found[key] = f"{physical(props['ApiId'])}/{physical(props['RouteId'])}/{pid}"
        elif kind == "AWS::Lambda::Alias":
            found[key] = f"{resources[props['FunctionName']['Ref']]['Properties']['FunctionName']}/{props['Name']}"
        elif kind == "AWS::S3::BucketPolicy":
            found[key] = physical(props["Bucket"])  # its identifier: the bucket
        else:  # API id, function and log group names, a table's name, a queue's URL, a bucket's name
            found[key] = pid
    return found


def adopt_case(case: str, recorder: Recorder, **kwargs):
    folder = GOLDEN / case
    return render(
        "chat", recorder=recorder, config=folder / "serverless.yml", create_functions=True,
        adopt=str(ADOPTION / case / "describe-stack-resources.json"), **case_settings(folder), **kwargs,
    )  # fmt: skip


@pytest.mark.parametrize("case", CASES)
def test_every_adopted_child_carries_its_import_id_and_nothing_else_is_imported(case: str, pulumi_mocks: Recorder) -> None:
    with case_environment(GOLDEN / case):
        rendered = adopt_case(case, pulumi_mocks)
    plan = rendered.component.plan
    children = {r.name: r for r in rendered.children()}
    expected = expected_import_ids(case, {r.key for r in plan.resources})
    assert expected, "the case adopts nothing"
    imported = {}
    for resource in plan.resources:
        name = f"chat-{resource.child_suffix}"
        if name in children and children[name].import_id:
            imported[resource.key] = children[name].import_id
    assert imported == expected
    # no permission, deployment or role is imported, nor any extra resource (policies, provisioned concurrency)
    keys = {f"chat-{r.child_suffix}": r for r in plan.resources}
    for child in rendered.children():
        if child.name not in keys or keys[child.name].key not in expected:
            assert child.import_id == "", f"{child.name} ({child.type}) is imported"
    assert [r for r in pulumi_mocks.of_type("aws:lambda/permission:Permission") if r.import_id] == []


@pytest.mark.parametrize("case", CASES)
def test_the_adoption_run_ignores_exactly_the_properties_wsapi_deliberately_changes(case: str, pulumi_mocks: Recorder) -> None:
    with case_environment(GOLDEN / case):
        rendered = adopt_case(case, pulumi_mocks)
    for child in rendered.children():
        if not child.import_id:
            assert child.ignore_changes == (), child.name
        elif child.type.startswith("aws-native:"):
            assert child.ignore_changes == NATIVE_IGNORED, child.name
        else:
            assert child.ignore_changes == IGNORED.get(child.type, ()), child.name
    # the stage moves to wsapi's new deployment in the adoption run (Serverless's goes with its stack)
    stages = pulumi_mocks.of_type("aws:apigatewayv2/stage:Stage")
    for stage in stages:
        (deployment,) = pulumi_mocks.of_type("aws:apigatewayv2/deployment:Deployment")
        assert stage.inputs["deploymentId"] == deployment.id and "deploymentId" not in stage.ignore_changes
    # and each adopted function runs with wsapi's role from then on (Serverless's too goes with its stack)
    (role,) = [r for r in pulumi_mocks.of_type("aws:iam/role:Role") if r.name == "chat-lambda-role"]
    for function in pulumi_mocks.of_type("aws:lambda/function:Function"):
        assert function.inputs["role"] == role.state["arn"] and "role" not in function.ignore_changes


def test_a_declared_resource_cloudformation_named_keeps_its_name(pulumi_mocks: Recorder) -> None:
    case = "resources-references"
    rows = stack_rows(case)
    with case_environment(GOLDEN / case):
        adopt_case(case, pulumi_mocks)
    queue = pulumi_mocks.named("chat-MessagesQueue")
    assert queue.inputs["queueName"] == rows["MessagesQueue"]["PhysicalResourceId"].rsplit("/", 1)[1]
    bucket = pulumi_mocks.named("chat-AttachmentsBucket")
    assert bucket.inputs["bucketName"] == rows["AttachmentsBucket"]["PhysicalResourceId"]
    table = pulumi_mocks.named("chat-ConnectionsTable")  # named in serverless.yml: as it was
    assert table.inputs["tableName"] == "resources-references-dev-connections"


def test_adopt_takes_the_parsed_answer_and_the_args_class(pulumi_mocks: Recorder) -> None:
    case = "logs-retention-data-protection"
    answer = json.loads((ADOPTION / case / "describe-stack-resources.json").read_text())
    args = WebSocketApiArgs(config=GOLDEN / case / "serverless.yml", create_functions=True, adopt=answer)
    rendered = render("chat", args, recorder=pulumi_mocks)
    assert rendered.recorder.named("chat-api").import_id == stack_rows(case)["WebsocketsApi"]["PhysicalResourceId"]


def test_without_adopt_nothing_is_imported(pulumi_mocks: Recorder) -> None:
    render("chat", recorder=pulumi_mocks, config=GOLDEN / "large-service" / "serverless.yml", create_functions=True)
    assert [r.name for r in pulumi_mocks.custom() if r.import_id or r.ignore_changes] == []


def test_a_stack_that_cannot_be_adopted_stops_the_component_before_anything_is_registered(pulumi_mocks: Recorder) -> None:
    case = "external-api-id-importvalue"
    with pytest.raises(ConfigError) as raised:
        adopt_case(case, pulumi_mocks)
    label = str(ADOPTION / case / "describe-stack-resources.json")
    index = list(stack_rows(case)).index("ConnectWebsocketsIntegration")
    assert raised.value.lines()[0] == (
        f"{label}: StackResources[{index}]: ConnectWebsocketsIntegration cannot be adopted: its ApiId is known only at"
        " deploy time (Fn::ImportValue): give it as a literal to adopt"
    )
    assert pulumi_mocks.custom() == []


# -- wsapi adopt -------------------------------------------------------------------------------------------


def retained(case: str, keys: set) -> dict:
    """The Serverless template with both policies Retain on `keys` (written out here, not by wsapi)."""
    template = serverless_template(case)
    for key in keys:
        template["Resources"][key]["DeletionPolicy"] = "Retain"
        template["Resources"][key]["UpdateReplacePolicy"] = "Retain"
    return template


def adopt_cli(case: str, out: Path, *extra: str, stack: str = "", template: str = "") -> int:
    folder = ADOPTION / case
    settings = case_settings(GOLDEN / case)
    stage = ["--stage", settings["stage"]] if settings.get("stage") else []
    return main([
        "adopt", str(GOLDEN / case), *stage, "--with-functions",
        "--stack-resources", stack or str(folder / "describe-stack-resources.json"),
        "--template", template or str(folder / "get-template.json"), "-o", str(out), *extra,
    ])  # fmt: skip


@pytest.mark.parametrize("case", CASES)
def test_the_retain_template_retains_exactly_the_adopted_resources(case: str, tmp_path: Path, capsys) -> None:
    out = tmp_path / "retain.json"
    with case_environment(GOLDEN / case):
        service = load_service(GOLDEN / case, **case_settings(GOLDEN / case))
        from wsapi.compile import compile_service

        plan_keys = {r.key for r in compile_service(service, with_functions=True).resources}
        assert adopt_cli(case, out) == 0
    written = json.loads(out.read_text())
    assert written == retained(case, set(expected_import_ids(case, plan_keys)))
    listed = {tuple(line.split()[3:6]) for line in capsys.readouterr().out.splitlines() if line.startswith(" =  ")}
    assert listed == {(key, "import", import_id) for key, import_id in expected_import_ids(case, plan_keys).items()}


def test_the_listing_marks_imports_creations_and_what_is_left_behind(tmp_path: Path, capsys) -> None:
    assert adopt_cli("logs-retention-data-protection", tmp_path / "retain.json") == 0
    lines = [line.split() for line in capsys.readouterr().out.splitlines()]
    api = stack_rows("logs-retention-data-protection")["WebsocketsApi"]["PhysicalResourceId"]
    assert ["=", "aws:apigatewayv2:Api", "logs-retention-data-protection-api", "WebsocketsApi", "import", api] in lines
    assert ["+", "aws:lambda:Permission", "logs-retention-data-protection-permission-$connect", "SconnectWebsocketsPermission", "new"] in lines
    left = {line[0] for line in lines if len(line) == 3}
    assert {"ConnectLambdaPermissionWebsockets", "IamRoleLambdaExecution", "ServerlessDeploymentBucket"} <= left
    assert ["=", "7", "to", "import"] in lines and ["+", "9", "to", "create"] in lines and ["9", "left", "behind"] in lines


def test_the_raw_template_and_a_yaml_template_body_give_the_same_retain_template(tmp_path: Path) -> None:
    case = "logs-retention-data-protection"
    raw = tmp_path / "template.json"
    raw.write_text(json.dumps(serverless_template(case)))
    import yaml

    text = tmp_path / "get-template.yml"
    text.write_text(yaml.safe_dump({"TemplateBody": yaml.safe_dump(serverless_template(case), sort_keys=False)}))
    assert adopt_cli(case, tmp_path / "a.json") == 0
    assert adopt_cli(case, tmp_path / "b.json", template=str(raw)) == 0
    assert adopt_cli(case, tmp_path / "c.json", template=str(text)) == 0
    assert (tmp_path / "a.json").read_text() == (tmp_path / "b.json").read_text() == (tmp_path / "c.json").read_text()


def test_functions_the_api_invokes_but_wsapi_does_not_create_are_warned_about(tmp_path: Path, capsys) -> None:
    case = "logs-retention-data-protection"
    folder = ADOPTION / case
    status = main([
        "adopt", str(GOLDEN / case), "--stack-resources", str(folder / "describe-stack-resources.json"),
        "--template", str(folder / "get-template.json"), "-o", str(tmp_path / "retain.json"),
    ])  # fmt: skip
    assert status == 0
    assert (
        f"{GOLDEN / case}: functions.connect: warning: the API invokes logs-retention-data-protection-dev-connect, which"
        " stays in the Serverless stack: deleting that stack deletes it"
    ) in capsys.readouterr().err


# -- bad and foreign files ------------------------------------------------------------------------------------


def broken_answer(tmp_path: Path, change) -> Path:
    answer = json.loads((ADOPTION / "logs-retention-data-protection" / "describe-stack-resources.json").read_text())
    change(answer)
    path = tmp_path / "stack.json"
    path.write_text(json.dumps(answer))
    return path


def set_row(index: int, field: str, value):
    def change(answer: dict) -> None:
        if value is None:
            del answer["StackResources"][index][field]
        else:
            answer["StackResources"][index][field] = value

    return change


BAD_STACKS = {
    "a template given for the stack": (
        lambda a: a.clear() or a.update(serverless_template("logs-retention-data-protection")),
        "(document): not an answer of `aws cloudformation describe-stack-resources --stack-name NAME` (a mapping with"
        " StackResources): this is a template (Resources)",
    ),
    "rows not a list": (lambda a: a.update(StackResources={"a": 1}), "StackResources: must be a list of stack resources"),
    "a row without its physical id": (set_row(2, "PhysicalResourceId", None), "StackResources[2].PhysicalResourceId: is missing"),
    "a row that is not a mapping": (
        lambda a: a["StackResources"].insert(1, "WebsocketsApi"),
        "StackResources[1]: must be a mapping (LogicalResourceId, PhysicalResourceId, ResourceType, ...)",
    ),
    "a resource being updated": (
        set_row(6, "ResourceStatus", "UPDATE_IN_PROGRESS"),
        "StackResources[6].ResourceStatus: WebsocketsApi is UPDATE_IN_PROGRESS: adopt a stack whose resources are settled",
    ),
    "a logical id twice": (
        lambda a: a["StackResources"].append(dict(a["StackResources"][0])),
        "StackResources[16].LogicalResourceId: ServerlessDeploymentBucket is listed twice",
    ),
    "two stacks": (
        lambda a: a["StackResources"][0].update(StackId="arn:aws:cloudformation:us-east-1:123456789012:stack/other/x"),
        "StackResources: holds the resources of 2 stacks; save the answer for one stack",
    ),
    "100 rows (describe-stack-resources stops there)": (
        lambda a: a["StackResources"].extend({**a["StackResources"][0], "LogicalResourceId": f"Extra{i}"} for i in range(84)),
        "StackResources: holds 100 resources, the most describe-stack-resources answers",
    ),
    "another type under a logical id": (
        set_row(6, "ResourceType", "AWS::ApiGateway::RestApi"),
        "StackResources[6].ResourceType: WebsocketsApi is a AWS::ApiGateway::RestApi here, a AWS::ApiGatewayV2::Api in"
        " wsapi's plan: it cannot be adopted",
    ),
}


@pytest.mark.parametrize("name", BAD_STACKS)
def test_a_bad_or_foreign_stack_file_exits_2_naming_the_file_and_path(name: str, tmp_path: Path, capsys) -> None:
    change, message = BAD_STACKS[name]
    stack = broken_answer(tmp_path, change)
    out = tmp_path / "retain.json"
    assert adopt_cli("logs-retention-data-protection", out, stack=str(stack)) == 2
    err = capsys.readouterr().err
    assert f"{stack}: {message}" in err, err
    assert "Traceback" not in err and not out.exists()


def test_a_stack_file_that_is_not_json_or_missing_exits_2(tmp_path: Path, capsys) -> None:
    bad = tmp_path / "stack.json"
    bad.write_text('{"StackResources": [')
    out = tmp_path / "retain.json"
    assert adopt_cli("logs-retention-data-protection", out, stack=str(bad)) == 2
    assert capsys.readouterr().err.startswith(f"{bad}: ")
    missing = tmp_path / "missing.json"
    assert adopt_cli("logs-retention-data-protection", out, stack=str(missing)) == 2
    assert capsys.readouterr().err.startswith(f"{missing}: (document): no such file")
    assert not out.exists()


def test_a_bad_or_foreign_template_file_exits_2_naming_the_file_and_path(tmp_path: Path, capsys) -> None:
    case = "logs-retention-data-protection"
    out = tmp_path / "retain.json"
    stack_file = str(ADOPTION / case / "describe-stack-resources.json")
    assert adopt_cli(case, out, template=stack_file) == 2
    assert capsys.readouterr().err.startswith(f"{stack_file}: (document): not a CloudFormation template (a mapping with Resources)")
    other = tmp_path / "other.json"
    other.write_text(json.dumps({"TemplateBody": serverless_template("basic-string-routes")}))
    assert adopt_cli(case, out, template=str(other)) == 2
    assert f"{other}: Resources.WebsocketsLogGroup: is not in this template, though the stack holds it" in capsys.readouterr().err
    assert not out.exists()


def test_stack_resources_need_a_template_and_one_source(tmp_path: Path, capsys) -> None:
    case = GOLDEN / "logs-retention-data-protection"
    stack = str(ADOPTION / "logs-retention-data-protection" / "describe-stack-resources.json")
    assert main(["adopt", str(case), "--stack-resources", stack, "-o", str(tmp_path / "o.json")]) == 2
    assert "argument --template: required with --stack-resources" in capsys.readouterr().err
    assert main(["adopt", str(case), "--template", stack, "-o", str(tmp_path / "o.json")]) == 2
    assert "one of the arguments --stack-resources --stack is required" in capsys.readouterr().err


def test_a_stack_name_is_read_with_boto3_every_page_and_its_template(tmp_path: Path, monkeypatch, capsys) -> None:
    """`--stack NAME`: ListStackResources page by page (DescribeStackResources stops at 100), the StackId of
    DescribeStacks, the Original template of GetTemplate; the same plan and retain template as the files give."""
    import datetime

    import boto3
    from botocore.stub import Stubber

    case = "logs-retention-data-protection"
    rows = list(stack_rows(case).values())
    client = boto3.client("cloudformation", region_name="us-east-1", aws_access_key_id="a", aws_secret_access_key="b")
    stubber = Stubber(client)
    name = f"{case}-dev"
    when = datetime.datetime(2026, 11, 30, tzinfo=datetime.timezone.utc)
    stubber.add_response("describe_stacks", {"Stacks": [{
        "StackName": name, "StackId": rows[0]["StackId"], "CreationTime": when, "StackStatus": "UPDATE_COMPLETE",
    }]}, {"StackName": name})  # fmt: skip
    summaries = [{
        "LogicalResourceId": r["LogicalResourceId"], "PhysicalResourceId": r["PhysicalResourceId"],
        "ResourceType": r["ResourceType"], "LastUpdatedTimestamp": when, "ResourceStatus": r["ResourceStatus"],
    } for r in rows]  # fmt: skip
    stubber.add_response("list_stack_resources", {"StackResourceSummaries": summaries[:10], "NextToken": "t"}, {"StackName": name})
    stubber.add_response("list_stack_resources", {"StackResourceSummaries": summaries[10:]}, {"StackName": name, "NextToken": "t"})
    stubber.add_response(
        "get_template", {"TemplateBody": json.dumps(serverless_template(case))}, {"StackName": name, "TemplateStage": "Original"}
    )
    monkeypatch.setattr(boto3, "client", lambda service, **kwargs: client)
    with stubber:
        status = main(["adopt", str(GOLDEN / case), "--with-functions", "--stack", name, "-o", str(tmp_path / "a.json")])
    assert status == 0
    by_name = capsys.readouterr().out
    assert adopt_cli(case, tmp_path / "b.json") == 0
    by_files = capsys.readouterr().out
    assert by_name.splitlines()[1:] == by_files.splitlines()[1:]  # the first line names the source
    assert (tmp_path / "a.json").read_text() == (tmp_path / "b.json").read_text()


def test_wsapi_adopt_runs_without_loading_pulumi(tmp_path: Path) -> None:
    import os
    import subprocess
    import sys

    from conftest import ROOT

    case = "resources-references"  # declared resources too: their name properties come from the SDK's source
    folder = ADOPTION / case
    code = (
        "import sys\nfrom wsapi.cli import main\n"
        f"status = main(['adopt', {str(GOLDEN / case)!r}, '--with-functions', '--stack-resources',"
        f" {str(folder / 'describe-stack-resources.json')!r}, '--template', {str(folder / 'get-template.json')!r},"
        f" '-o', {str(tmp_path / 'retain.json')!r}])\n"
        "print(status, sorted(m for m in sys.modules if m.split('.')[0] in ('pulumi', 'pulumi_aws', 'pulumi_aws_native', 'grpc', 'boto3')), file=sys.stderr)\n"
    )
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=120)
    assert done.stderr.splitlines()[-1] == "0 []"


@pytest.mark.parametrize(
    ("cfn_type", "prop", "physical_id", "name"),
    [
        ("AWS::DynamoDB::Table", "TableName", "chat-dev-Table-1AB2CD3EF4GH", "chat-dev-Table-1AB2CD3EF4GH"),
        ("AWS::SQS::Queue", "QueueName", "https://sqs.eu-west-1.amazonaws.com/123456789012/chat-dev-Q-1AB", "chat-dev-Q-1AB"),
        ("AWS::SNS::Topic", "TopicName", "arn:aws:sns:eu-west-1:123456789012:chat-dev-T-1AB", "chat-dev-T-1AB"),
        ("AWS::S3::Bucket", "BucketName", "chat-dev-bucket-1ab2cd", "chat-dev-bucket-1ab2cd"),
        ("AWS::Events::Rule", "Name", "chat-dev-Rule-1AB", "chat-dev-Rule-1AB"),
        ("AWS::IAM::ManagedPolicy", "ManagedPolicyName", "arn:aws:iam::123456789012:policy/chat-dev-P-1AB", "chat-dev-P-1AB"),
        ("AWS::EC2::VPC", None, "vpc-0a1b2c3d", None),
    ],
)
def test_the_name_property_pinned_and_its_value(cfn_type: str, prop, physical_id: str, name) -> None:
    from wsapi import native_types

    assert native_types.name_property(cfn_type) == prop
    if prop is not None:
        assert native_types.name_from_physical_id(cfn_type, prop, physical_id) == name


def test_the_shipped_program_adopts_with_the_stack_setting(pulumi_mocks: Recorder) -> None:
    """`wsapi:adopt` in the stack: a describe-stack-resources answer relative to the project."""
    from pulumi_support import run_shipped_program

    case = "logs-retention-data-protection"
    run_shipped_program({
        "wsapi:serverlessConfig": f"tests/golden/{case}/serverless.yml", "wsapi:createFunctions": "true",
        "wsapi:adopt": f"tests/adoption/{case}/describe-stack-resources.json",
    })  # fmt: skip
    api = pulumi_mocks.named(f"{case}-api")
    assert api.import_id == stack_rows(case)["WebsocketsApi"]["PhysicalResourceId"]


def test_adopt_names_the_name_properties_to_add_to_serverless_yml(tmp_path: Path, capsys) -> None:
    case = "resources-references"
    queue = stack_rows(case)["MessagesQueue"]["PhysicalResourceId"].rsplit("/", 1)[1]
    bucket = stack_rows(case)["AttachmentsBucket"]["PhysicalResourceId"]
    assert adopt_cli(case, tmp_path / "retain.json") == 0
    warnings = [line for line in capsys.readouterr().err.splitlines() if ": warning: " in line]
    assert warnings == [
        f"{GOLDEN / case}: resources.Resources.{key}.Properties.{prop}: warning: CloudFormation named it {name}: adopted under"
        f" that name; add `{prop}: {name}` to serverless.yml before removing wsapi:adopt, or Pulumi would name (and so"
        " replace) it"
        for key, prop, name in (("MessagesQueue", "QueueName", queue), ("AttachmentsBucket", "BucketName", bucket))
    ]


class _Stack:
    """The stack's ids as a kind reads them: the function AFn is named svc-dev-a."""

    def physical(self, value, what):
        from wsapi.plan import Ref

        return {"AFn": "svc-dev-a"}[value.key] if isinstance(value, Ref) else value

    def pseudo(self):
        return {}


@pytest.mark.parametrize(
    ("cfn_type", "properties", "expected"),
    [
        ("AWS::Lambda::Url", {"TargetFunctionArn": ("getatt",)}, "svc-dev-a"),
        ("AWS::Lambda::Url", {"TargetFunctionArn": ("getatt", "provisioned")}, "svc-dev-a/provisioned"),
        ("AWS::Lambda::EventInvokeConfig", {"FunctionName": "ref", "Qualifier": "$LATEST"}, "svc-dev-a"),
        ("AWS::Lambda::EventInvokeConfig", {"FunctionName": "ref", "Qualifier": "provisioned"}, "svc-dev-a:provisioned"),
    ],
)
def test_function_urls_and_event_invoke_configs_import_as_pulumi_aws_documents(cfn_type, properties, expected) -> None:
    """pulumi-aws: a function URL by `{function}` or `{function}/{qualifier}`, an event invoke configuration by
    `{function}` or `{function}:{qualifier}`."""
    from wsapi.plan import GetAtt, Join, Ref, Resource
    from wsapi.registry import lookup

    def value(spec):
        if spec == "ref":
            return Ref("AFn")
        if isinstance(spec, tuple):
            arn = GetAtt("AFn", "Arn")
            return Join(":", (arn, spec[1])) if len(spec) == 2 else arn
        return spec

    resource = Resource("X", cfn_type, "x", {key: value(spec) for key, spec in properties.items()})
    assert lookup(cfn_type).import_id(resource, "ignored", _Stack()) == expected
