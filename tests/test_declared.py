"""A real service's own CloudFormation (`resources:`) and the references to it and to what wsapi creates:
deployed by the Pulumi component (aws-native resources under mocks that answer as AWS would), every reference
resolved to the right Output, conditions and parameters honoured, overrides of generated resources applied,
and what Pulumi cannot do refused before anything is registered, by the component and by `wsapi plan` alike.
(The property-by-property comparison with the standalone template is test_component_cfn.py's; the template
itself against Serverless's, test_golden.py's.)"""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Iterator

import pytest
from conftest import run_cli
from native_support import REGION, native_mocks
from pulumi_support import ACCOUNT, GOLDEN, Recorder, render, run_shipped_program

from wsapi import ConfigError, load_service
from wsapi.config_files import load_config
from wsapi.compile import compile_service
from wsapi.plan_listing import describe_plan
from wsapi.render_cfn import render_template

REFERENCES = GOLDEN / "resources-references"
OVERRIDES = GOLDEN / "resources-overrides"


@pytest.fixture
def pulumi_mocks(tmp_path: Path, monkeypatch) -> Iterator[Recorder]:
    monkeypatch.setenv("WSAPI_ARTIFACTS_DIR", str(tmp_path / "artifacts"))
    yield from native_mocks()


def by_name(recorder: Recorder, name: str):
    return recorder.named(f"chat-{name}")


def service_folder(tmp_path: Path, change, source: Path = REFERENCES) -> Path:
    """A copy of a golden service (read as wsapi reads it, short tags in their long form) with `change(config)`."""
    _, document = load_config(source)
    document = copy.deepcopy(dict(document))
    change(document)
    (tmp_path / "serverless.yml").write_text(json.dumps(document))
    (tmp_path / "handler.py").write_text((source / "handler.py").read_text())
    return tmp_path


# -- references resolve to the right Outputs --------------------------------------------------------------


def test_the_services_own_table_queue_and_bucket_are_deployed_and_referenced(pulumi_mocks: Recorder) -> None:
    rendered = render("chat", recorder=pulumi_mocks, config=REFERENCES, create_functions=True)
    table = by_name(pulumi_mocks, "ConnectionsTable")
    assert table.type == "aws-native:dynamodb:Table"
    assert table.inputs["tableName"] == "resources-references-dev-connections"
    assert table.inputs["keySchema"] == [{"attributeName": "connectionId", "keyType": "HASH"}]
    assert table.inputs["globalSecondaryIndexes"][0]["indexName"] == "byRoom"
    assert table.inputs["streamSpecification"] == {"streamViewType": "NEW_AND_OLD_IMAGES"}
    assert table.inputs["pointInTimeRecoverySpecification"] == {"pointInTimeRecoveryEnabled": False}  # !If IsProd: dev
    assert table.retain_on_delete  # DeletionPolicy: Retain
    queue = by_name(pulumi_mocks, "MessagesQueue")
    assert queue.inputs["messageRetentionPeriod"] == 700  # !Sub '${RetentionDays}00' of the parameter's default
    bucket, policy = by_name(pulumi_mocks, "AttachmentsBucket"), by_name(pulumi_mocks, "AttachmentsBucketPolicy")
    assert table.urn in bucket.dependencies  # DependsOn: ConnectionsTable
    assert policy.inputs["bucket"] == bucket.id
    statement = policy.inputs["policyDocument"]["Statement"][0]  # free-form JSON: as written, ARNs filled in
    assert statement["Resource"] == [bucket.state["arn"], f"{bucket.state['arn']}/*"]
    assert statement["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}

    # the environment: Ref is the table's name and the queue's URL, GetAtt the stream's ARN, the endpoint joined
    # from the API's id
    api = pulumi_mocks.named("chat-api")
    default = by_name(pulumi_mocks, "function-default")
    assert default.inputs["environment"]["variables"] == {
        "CONNECTIONS_TABLE": table.id,
        "MESSAGES_QUEUE_URL": queue.state["queueUrl"],
        "MANAGEMENT_ENDPOINT": f"https://{api.id}.execute-api.{REGION}.amazonaws.com/dev",
        "BUCKET": bucket.id,
        "STREAM": table.state["streamArn"],
    }
    # IAM statements name the table, its indexes, the queue and the bucket's objects by their ARNs
    (inline,) = [p for p in pulumi_mocks.of_type("aws:iam/rolePolicy:RolePolicy")]
    statements = json.loads(inline.inputs["policy"])["Statement"]
    assert {"Effect": "Allow", "Action": ["dynamodb:PutItem", "dynamodb:DeleteItem", "dynamodb:Query"],
            "Resource": [table.state["arn"], f"{table.state['arn']}/index/*"]} in statements
    assert {"Effect": "Allow", "Action": ["sqs:SendMessage"], "Resource": queue.state["arn"]} in statements
    assert {"Effect": "Allow", "Action": ["s3:PutObject"], "Resource": f"{bucket.state['arn']}/*"} in statements
    # the service's outputs
    assert rendered.outputs["outputs"] == {
        "ConnectionsTableName": table.id,
        "ConnectionsStreamArn": table.state["streamArn"],
        "WebsocketEndpoint": f"wss://{api.id}.execute-api.{REGION}.amazonaws.com/dev",
    }
    # one aws-native provider, in the stack's region (aws-native reads no aws:region)
    (provider,) = pulumi_mocks.of_type("pulumi:providers:aws-native")
    assert provider.inputs["region"] == REGION and table.provider.startswith(provider.urn)


def test_a_condition_chooses_resources_and_values(tmp_path: Path, pulumi_mocks: Recorder) -> None:
    def prod_only(config: dict) -> None:
        config["resources"]["Parameters"]["EnvironmentName"]["Default"] = "prod"
        config["resources"]["Resources"]["ProdAlarms"] = {
            "Type": "AWS::SNS::Topic", "Condition": "IsProd", "Properties": {"TopicName": "alarms"},
        }
        config["resources"]["Resources"]["DevNotes"] = {
            "Type": "AWS::SQS::Queue", "Condition": "IsDev", "Properties": {"QueueName": "notes"},
        }
        config["resources"]["Conditions"]["IsDev"] = {"Fn::Not": [{"Condition": "IsProd"}]}

    folder = service_folder(tmp_path, prod_only)
    render("chat", recorder=pulumi_mocks, config=folder)
    table = by_name(pulumi_mocks, "ConnectionsTable")
    assert table.inputs["pointInTimeRecoverySpecification"] == {"pointInTimeRecoveryEnabled": True}
    assert [r.name for r in pulumi_mocks.of_type("aws-native:sqs:Queue")] == ["chat-MessagesQueue"]  # not DevNotes


def test_a_reference_to_a_function_wsapi_does_not_create_is_its_name_and_arn(tmp_path: Path, pulumi_mocks: Recorder) -> None:
    def topic_for_connect(config: dict) -> None:
        config["resources"]["Resources"]["ConnectEvents"] = {
            "Type": "AWS::SNS::Topic",
            "Properties": {
                "TopicName": {"Fn::Join": ["-", [{"Ref": "ConnectLambdaFunction"}, "events"]]},
                "Subscription": [{"Protocol": "lambda", "Endpoint": {"Fn::GetAtt": ["ConnectLambdaFunction", "Arn"]}}],
            },
        }

    folder = service_folder(tmp_path, topic_for_connect)
    render("chat", recorder=pulumi_mocks, config=folder)  # functions not created: Serverless's names
    topic = by_name(pulumi_mocks, "ConnectEvents")
    assert topic.inputs["topicName"] == "resources-references-dev-connect-events"
    assert topic.inputs["subscription"] == [
        {"protocol": "lambda", "endpoint": f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:resources-references-dev-connect"}
    ]


# -- overrides of generated resources ---------------------------------------------------------------------


def test_overrides_rename_the_api_throttle_the_stage_and_set_timeouts(pulumi_mocks: Recorder) -> None:
    render("chat", recorder=pulumi_mocks, config=OVERRIDES)
    assert_overrides_applied(pulumi_mocks)


def as_list_of_includes(folder: Path) -> Path:
    """The overrides service with `resources:` written as real services often write it: a list of items, some
    `${file(...)}` includes, one resource's settings split over two items (Serverless merges them, mergeArrays)."""

    def split(config: dict) -> None:
        resources = config["resources"]["Resources"]
        stage = resources.pop("WebsocketsDeploymentStage")
        route_settings = stage["Properties"].pop("RouteSettings")
        (folder / "stage.yml").write_text(json.dumps({"Resources": {"WebsocketsDeploymentStage": stage}}))
        config["resources"] = [
            "${file(stage.yml)}",
            {"Resources": resources},
            None,
            {"Resources": {"WebsocketsDeploymentStage": {"Properties": {"RouteSettings": route_settings}}}},
            {"extensions": config["resources"]["extensions"]},
        ]

    return service_folder(folder, split, OVERRIDES)


def test_resources_written_as_a_list_are_merged_for_the_component(tmp_path: Path, pulumi_mocks: Recorder) -> None:
    render("chat", recorder=pulumi_mocks, config=as_list_of_includes(tmp_path))
    assert_overrides_applied(pulumi_mocks)


@pytest.mark.parametrize("command", [["validate"], ["plan"], ["export"], ["export", "--compat", "serverless-v3"]], ids=" ".join)
def test_resources_written_as_a_list_read_as_the_mapping_by_every_command(tmp_path: Path, command: list[str]) -> None:
    listed = run_cli(command[0], str(as_list_of_includes(tmp_path)), *command[1:])
    mapping = run_cli(command[0], str(OVERRIDES), *command[1:])
    assert listed.returncode == mapping.returncode == 0, listed.stderr
    assert listed.stderr == mapping.stderr.replace(str(OVERRIDES), str(tmp_path))
    assert listed.stdout == mapping.stdout.replace(str(OVERRIDES), str(tmp_path))


def assert_overrides_applied(pulumi_mocks: Recorder) -> None:
    api = pulumi_mocks.named("chat-api")
    assert api.inputs["name"] == "chat-dev" and "description" not in api.inputs  # a null removed it
    stage = pulumi_mocks.named("chat-stage")
    assert stage.inputs["defaultRouteSettings"] == {
        "dataTraceEnabled": True, "loggingLevel": "INFO", "throttlingBurstLimit": 50, "throttlingRateLimit": 100,
    }
    assert stage.inputs["routeSettings"] == [{"routeKey": "sendMessage", "throttlingBurstLimit": 5, "throttlingRateLimit": 10}]
    assert pulumi_mocks.named("chat-route-sendMessage").inputs["operationName"] == "SendMessage"
    assert pulumi_mocks.named("chat-integration-default").inputs["timeoutMilliseconds"] == 10000
    assert pulumi_mocks.named("chat-integration-connect").inputs["timeoutMilliseconds"] == 5000  # extensions
    log_group = pulumi_mocks.named("chat-log-group")
    assert log_group.inputs["retentionInDays"] == 30


def test_an_override_of_a_route_redeploys(tmp_path: Path) -> None:
    """The route is published by the deployment: changing it through resources: makes a new deployment."""
    base = compile_service(load_service(OVERRIDES))

    def rename(config: dict) -> None:
        config["resources"]["Resources"]["sendMessageWebsocketsRoute"]["Properties"]["OperationName"] = "Send"

    changed = compile_service(load_service(service_folder(tmp_path, rename, OVERRIDES)))
    assert changed.published_digest != base.published_digest


# -- what Pulumi cannot do: refused with its path, by the component and by wsapi plan ------------------------


def refusal(tmp_path: Path, change, pulumi_mocks: Recorder) -> list[str]:
    folder = service_folder(tmp_path, change)
    with pytest.raises(ConfigError) as raised:
        render("chat", recorder=pulumi_mocks, config=folder)
    assert not [r for r in pulumi_mocks.resources if r.custom], "registered before refusing"
    lines = [line.split(": ", 1)[1] for line in raised.value.lines()]
    result = run_cli("plan", str(folder))  # the same checks, the same lines
    assert result.returncode == 2 and result.stdout == ""
    assert [line.split(": ", 1)[1] for line in result.stderr.splitlines() if ": warning: " not in line] == lines
    return lines


def test_a_type_aws_native_lacks_is_refused_with_what_to_use(tmp_path: Path, pulumi_mocks: Recorder) -> None:
    def policy(config: dict) -> None:
        config["resources"]["Resources"]["TablePolicy"] = {
            "Type": "AWS::IAM::Policy",
            "Properties": {"PolicyName": "p", "Roles": ["r"], "PolicyDocument": {"Version": "2012-10-17", "Statement": []}},
        }

    (line,) = refusal(tmp_path, policy, pulumi_mocks)
    assert line.startswith("resources.Resources.TablePolicy.Type: ") and "AWS::IAM::RolePolicy" in line


def test_unknown_properties_and_attributes_are_refused_with_their_paths(tmp_path: Path, pulumi_mocks: Recorder) -> None:
    def mistakes(config: dict) -> None:
        table = config["resources"]["Resources"]["ConnectionsTable"]["Properties"]
        table["StreamSpecification"]["StreamViewTyp"] = "KEYS_ONLY"
        config["resources"]["Outputs"]["ConnectionsStreamArn"]["Value"] = {"Fn::GetAtt": ["ConnectionsTable", "StreamARNs"]}

    lines = refusal(tmp_path, mistakes, pulumi_mocks)
    assert lines[0].startswith("resources.Resources.ConnectionsTable.Properties.StreamSpecification.StreamViewTyp: ")
    assert "did you mean StreamViewType?" in lines[0]
    assert lines[1].startswith("resources.Outputs.ConnectionsStreamArn.Value: Fn::GetAtt ConnectionsTable.StreamARNs: ")
    assert "StreamArn" in lines[1] and len(lines) == 2


def test_values_known_only_in_cloudformation_are_refused(tmp_path: Path, pulumi_mocks: Recorder) -> None:
    def cloudformation_only(config: dict) -> None:
        resources = config["resources"]
        resources["Parameters"]["AlarmEmail"] = {"Type": "String"}  # no Default: CloudFormation would ask
        resources["Resources"]["MessagesQueue"]["Properties"]["QueueName"] = {"Ref": "AlarmEmail"}
        resources["Conditions"]["InMainAccount"] = {"Fn::Equals": [{"Ref": "AWS::AccountId"}, "123456789012"]}
        resources["Resources"]["AttachmentsBucket"]["Condition"] = "InMainAccount"

    lines = refusal(tmp_path, cloudformation_only, pulumi_mocks)
    assert lines == [
        "resources.Parameters.AlarmEmail: needs a Default for the Pulumi component (CloudFormation asks for it at deploy time; Pulumi has no such prompt)",
        "resources.Resources.AttachmentsBucket.Condition: condition InMainAccount depends on values known only at deploy time (the account, a parameter without a default); Pulumi must know it to choose what to create",
    ]


def test_an_override_the_component_cannot_apply_is_refused(tmp_path: Path, pulumi_mocks: Recorder) -> None:
    def override(config: dict) -> None:
        config["resources"]["Resources"]["WebsocketsApi"] = {
            "Type": "AWS::ApiGatewayV2::Api", "Properties": {"BasePath": "/v1", "Name": "renamed"},
        }

    (line,) = refusal(tmp_path, override, pulumi_mocks)
    assert line.startswith("resources.Resources.WebsocketsApi.Properties.BasePath: the Pulumi component cannot set BasePath on WebsocketsApi")


def test_an_override_pulumi_has_no_input_for_but_that_changes_nothing_is_a_warning(pulumi_mocks: Recorder, capsys) -> None:
    result = run_cli("plan", str(OVERRIDES))
    assert result.returncode == 0, result.stderr
    assert "resources.Resources.WebsocketsApi.Properties.DisableSchemaValidation: warning: left out of WebsocketsApi in Pulumi" in result.stderr


# -- wsapi plan and the standalone export -------------------------------------------------------------------


def test_wsapi_plan_lists_the_services_own_resources_as_the_component_registers_them(pulumi_mocks: Recorder) -> None:
    rendered = render("chat", recorder=pulumi_mocks, config=REFERENCES)
    listing = describe_plan(compile_service(load_service(REFERENCES)), "chat")
    rows = [line.split()[2:4] for line in listing.splitlines() if line.startswith((" +   ├─", " +   └─"))]
    registered = {(r.type.replace("/", ":").split(":")[0] + ":" + r.type.split(":")[1].split("/")[0] + ":" + r.type.split(":")[-1], r.name) for r in rendered.children()}
    assert {tuple(row) for row in rows} == registered
    assert ["aws-native:dynamodb:Table", "chat-ConnectionsTable"] in rows


def test_a_variable_that_cannot_be_resolved_in_resources_stops_only_what_deploys_them(tmp_path: Path) -> None:
    def secret(config: dict) -> None:  # a Serverless Dashboard output: nothing answers it
        config["resources"]["Resources"]["MessagesQueue"]["Properties"]["KmsMasterKeyId"] = "${output:chat.queueKey}"

    folder = service_folder(tmp_path, secret)
    assert run_cli("validate", str(folder)).returncode == 0
    assert run_cli("export", str(folder), "--compat", "serverless-v3").returncode == 0  # the websocket part only
    result = run_cli("export", str(folder))
    assert result.returncode == 2 and result.stdout == ""
    assert "resources.Resources.MessagesQueue.Properties.KmsMasterKeyId: cannot resolve ${output:chat.queueKey}" in result.stderr


def test_an_ssm_parameter_in_resources_is_read_by_cloudformation_at_deploy_time(tmp_path: Path) -> None:
    def key(config: dict) -> None:
        config["resources"]["Resources"]["MessagesQueue"]["Properties"]["KmsMasterKeyId"] = "${ssm:/chat/queue-key}"

    result = run_cli("export", str(service_folder(tmp_path, key)))
    assert result.returncode == 0, result.stderr
    template = json.loads(result.stdout)
    assert template["Resources"]["MessagesQueue"]["Properties"]["KmsMasterKeyId"] == {"Ref": "SsmChatQueueKey"}
    assert template["Parameters"]["SsmChatQueueKey"]["Type"] == "AWS::SSM::Parameter::Value<String>"
    assert template["Parameters"]["SsmChatQueueKey"]["Default"] == "/chat/queue-key"


def test_the_standalone_export_with_functions_keeps_every_reference_inside_the_template() -> None:
    template = render_template(compile_service(load_service(REFERENCES), with_functions=True))
    assert "Parameters" in template and set(template["Parameters"]) == {"ArtifactBucket", "ServiceArtifactKey", "RetentionDays", "EnvironmentName"}
    environment = template["Resources"]["DefaultLambdaFunction"]["Properties"]["Environment"]["Variables"]
    assert environment["CONNECTIONS_TABLE"] == {"Ref": "ConnectionsTable"}
    assert copy.deepcopy(template["Resources"]["ConnectionsTable"]["DeletionPolicy"]) == "Retain"


def test_the_shipped_program_exports_the_services_own_outputs(pulumi_mocks: Recorder, monkeypatch) -> None:
    """`pulumi stack output` shows a service's `resources.Outputs` beside url/apiId, as Serverless's stack does."""
    import pulumi

    exported: dict = {}
    monkeypatch.setattr(pulumi, "export", lambda name, value: exported.__setitem__(name, value))
    root = Path(__file__).resolve().parent.parent
    stack = {"wsapi:serverlessConfig": str(REFERENCES.relative_to(root) / "serverless.yml")}
    resolved = run_shipped_program(stack, result=lambda: exported)
    table = pulumi_mocks.named("resources-references-ConnectionsTable")  # the component is named after the service
    assert resolved["ConnectionsTableName"] == table.id
    assert resolved["ConnectionsStreamArn"] == table.state["streamArn"]
    assert {"url", "managementEndpoint", "apiId", "WebsocketEndpoint"} <= set(resolved)
