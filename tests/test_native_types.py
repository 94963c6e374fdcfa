"""wsapi.native_types: which CloudFormation types deploy as pulumi-aws-native resources, their Ref and import id,
answered without importing pulumi or the SDK (validate/plan/export may ask)."""

from __future__ import annotations

import ast
import importlib.util
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import ROOT

from wsapi import native_types
from wsapi.native_types import (
    ImportIdError,
    UnknownOutput,
    Untranslatable,
    import_id,
    instead,
    ref_exceptions,
    native_type,
    primary_identifier,
    ref_rule,
    untranslatable_reason,
)

SDK = Path(next(iter(importlib.util.find_spec("pulumi_aws_native").submodule_search_locations)))
SCHEMAS = Path(next(iter(importlib.util.find_spec("cfnlint").submodule_search_locations))) / "data" / "schemas"


def test_importing_it_and_asking_loads_neither_pulumi_nor_the_sdk() -> None:
    code = (
        "import sys, wsapi.native_types as n\n"
        "n.native_type('AWS::DynamoDB::Table'); n.ref_rule('AWS::Cognito::UserPoolClient')\n"
        "n.untranslatable_reason('AWS::IAM::Policy'); n.import_id('AWS::SQS::Queue', 'https://q')\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('pulumi', 'pulumi_aws_native', 'grpc')))\n"
    )
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=60)
    assert (done.returncode, done.stderr, done.stdout) == (0, "", "[]\n")


@pytest.mark.parametrize(
    ("cfn_type", "token", "module", "class_name"),
    [
        ("AWS::DynamoDB::Table", "aws-native:dynamodb:Table", "pulumi_aws_native.dynamodb", "Table"),
        ("AWS::Lambda::LayerVersion", "aws-native:lambda:LayerVersion", "pulumi_aws_native.lambda_", "LayerVersion"),
        ("AWS::EC2::VPC", "aws-native:ec2:Vpc", "pulumi_aws_native.ec2", "Vpc"),
        ("AWS::RDS::DBInstance", "aws-native:rds:DbInstance", "pulumi_aws_native.rds", "DbInstance"),
        ("AWS::IAM::OIDCProvider", "aws-native:iam:OidcProvider", "pulumi_aws_native.iam", "OidcProvider"),
        (
            "AWS::Config::ConfigRule",
            "aws-native:configuration:ConfigRule",
            "pulumi_aws_native.configuration",
            "ConfigRule",
        ),
        (
            "AWS::MediaConnect::FlowOutput",
            "aws-native:mediaconnect:FlowOutput",
            "pulumi_aws_native.mediaconnect",
            "FlowOutput",
        ),
        (
            "AWS::MediaConnect::BridgeOutput",
            "aws-native:mediaconnect:BridgeOutputResource",
            "pulumi_aws_native.mediaconnect",
            "BridgeOutputResource",
        ),
    ],
)
def test_the_token_and_sdk_class_of_a_type(cfn_type: str, token: str, module: str, class_name: str) -> None:
    found = native_type(cfn_type)
    assert (found.cfn_type, found.token, found.module, found.class_name) == (cfn_type, token, module, class_name)
    source = SDK / Path(*module.split(".")[1:]) / f"{re.sub(r'(?<!^)(?=[A-Z])', '_', class_name).lower()}.py"
    assert f'@pulumi.type_token("{token}")\nclass {class_name}(pulumi.CustomResource)' in source.read_text()


def sdk_tokens() -> set:
    text = (SDK / "__init__.py").read_text()
    table = json.loads(re.search(r'resource_modules="""(.*?)"""', text, re.S).group(1))
    return {token for module in table for token in module["classes"]}


def cloudformation_types() -> set:
    return {
        cfn_type
        for region in (SCHEMAS / "providers").glob("*.json")
        if region.name != "sam.json"
        for cfn_type in json.loads(region.read_text())
    }


def test_every_sdk_resource_is_reached_by_exactly_one_cloudformation_type() -> None:
    reached: dict = {}
    for cfn_type in cloudformation_types():
        if untranslatable_reason(cfn_type) is None:
            reached.setdefault(native_type(cfn_type).token, []).append(cfn_type)
    assert [types for types in reached.values() if len(types) > 1] == []
    # the rest: pulumi-aws-native's own resources, and types newer or older than cfn-lint's schemas
    assert sorted(sdk_tokens() - set(reached)) == [
        "aws-native:cloudformation:CustomResourceEmulator",
        "aws-native:cloudwatch:AccessProfile",
        "aws-native:cloudwatch:DomainForOrganization",
        "aws-native:cloudwatch:OmniDashboard",
        "aws-native:datasync:StorageSystem",
        "aws-native:ec2:TransitGatewayAttachmentNatConfiguration",
        "aws-native:index:ExtensionResource",
        "aws-native:iot:OtaUpdate",
        "aws-native:iotfleethub:Application",
        "aws-native:networkmonitor:Probe",
        "aws-native:nimblestudio:LaunchProfile",
        "aws-native:nimblestudio:StreamingImage",
        "aws-native:nimblestudio:StudioComponent",
        "aws-native:opsworkscm:Server",
        "aws-native:route53resolver:FirewallConfig",
        "aws-native:securityagent:PrivateConnection",
    ]


@pytest.mark.parametrize(
    ("cfn_type", "reason"),
    [
        ("Custom::Broadcast", "Custom::Broadcast is a custom resource: CloudFormation calls its ServiceToken"),
        ("AWS::CloudFormation::CustomResource", "AWS::CloudFormation::CustomResource is a custom resource"),
        (
            "AWS::Serverless::Function",
            "AWS::Serverless::Function is an AWS SAM type, which only the AWS::Serverless-2016-10-31",
        ),
        ("MongoDB::Atlas::Cluster", "MongoDB::Atlas::Cluster is not an AWS type: only AWS:: types deploy"),
        ("AWS::SQS", "'AWS::SQS' is not a CloudFormation resource type (Vendor::Service::Resource"),
        (
            "AWS::SSM::Parameter::Value<String>",
            "'AWS::SSM::Parameter::Value<String>' is not a CloudFormation resource type",
        ),
        (42, "a resource type must be a string such as AWS::DynamoDB::Table, not int"),
        (
            "AWS::DynamoDB::Tabel",
            "AWS::DynamoDB::Tabel is not a CloudFormation resource type (neither CloudFormation's",
        ),
        ("AWS::CDK::Metadata", "pulumi-aws-native 1.84.0 has no resource for AWS::CDK::Metadata (it covers the types"),
        (
            "AWS::IAM::Policy",
            "pulumi-aws-native 1.84.0 has no resource for AWS::IAM::Policy (it covers the types Cloud Control API"
            " manages): write AWS::IAM::RolePolicy, AWS::IAM::UserPolicy or AWS::IAM::GroupPolicy",
        ),
        ("AWS::SQS::QueuePolicy", "pulumi-aws-native 1.84.0 has no resource for AWS::SQS::QueuePolicy"),
    ],
)
def test_a_type_that_cannot_be_translated_gets_a_reason(cfn_type: object, reason: str) -> None:
    assert untranslatable_reason(cfn_type).startswith(reason)
    with pytest.raises(Untranslatable, match=re.escape(reason)):
        native_type(cfn_type)


def test_what_to_write_instead_is_translatable() -> None:
    for cfn_type, hint in instead().items():
        assert untranslatable_reason(cfn_type) is not None
        named = re.findall(r"AWS::\w+::\w+", hint)
        assert named and [untranslatable_reason(other) for other in named] == [None] * len(named)


def test_the_identifiers_file_is_what_the_schemas_say() -> None:
    done = subprocess.run(
        [sys.executable, str(ROOT / "tools" / "regen_native_identifiers.py"), "--check"], capture_output=True, text=True
    )
    assert (done.returncode, done.stderr) == (0, "")


def sdk_identifier(token: str) -> set:
    """The arguments of the SDK's `get_*` function of a resource: the identifier's parts, alphabetically."""
    _, module, name = token.split(":")
    package = SDK / ("lambda_" if module == "lambda" else module)
    getter = package / f"get_{re.sub(r'(?<!^)(?=[A-Z])', '_', name).lower()}.py"
    if not getter.exists():
        return set()
    return {key.lower() for key in re.findall(r"__args__\['(\w+)'\]", getter.read_text())}


def test_the_identifiers_agree_with_the_sdks_lookup_functions() -> None:
    disagree = {}
    for cfn_type, names in json.loads(native_types.IDENTIFIERS_FILE.read_text())["types"].items():
        if untranslatable_reason(cfn_type) is None:
            got = sdk_identifier(native_type(cfn_type).token)
            if got and got != {name.lower() for name in names}:
                disagree[cfn_type] = sorted(got)
    # schema changes between cfn-lint's copy and the one pulumi-aws-native 1.84.0 was built from
    assert disagree == {
        "AWS::CodeBuild::Project": ["name"],
        "AWS::DataZone::ProjectMembership": [
            "domainidentifier",
            "memberidentifier",
            "memberidentifiertype",
            "projectidentifier",
        ],
        "AWS::DynamoDB::Backup": ["backuparn"],
    }


# -- Ref ------------------------------------------------------------------------------------------------------

#: CloudFormation's documented Ref of the types real WebSocket services declare, as a property of the type
#: (the identifier ones are the resource's primary identifier, i.e. the aws-native resource's `id`).
COMMON_REFS = {
    "AWS::DynamoDB::Table": ("identifier", "TableName"),
    "AWS::DynamoDB::GlobalTable": ("identifier", "TableName"),
    "AWS::S3::Bucket": ("identifier", "BucketName"),
    "AWS::SQS::Queue": ("identifier", "QueueUrl"),
    "AWS::SNS::Topic": ("identifier", "TopicArn"),
    "AWS::Cognito::UserPool": ("identifier", "UserPoolId"),
    "AWS::Cognito::UserPoolClient": ("property", "ClientId"),
    "AWS::Cognito::IdentityPool": ("identifier", "Id"),
    "AWS::Events::Rule": ("event-rule", "Arn"),
    "AWS::Kinesis::Stream": ("identifier", "Name"),
    "AWS::SecretsManager::Secret": ("identifier", "Id"),
    "AWS::Logs::LogGroup": ("identifier", "LogGroupName"),
    "AWS::KMS::Key": ("identifier", "KeyId"),
    "AWS::ElastiCache::ReplicationGroup": ("identifier", "ReplicationGroupId"),
    "AWS::ElastiCache::CacheCluster": ("identifier", "ClusterName"),
    "AWS::ElastiCache::SubnetGroup": ("identifier", "CacheSubnetGroupName"),
    "AWS::ElastiCache::ServerlessCache": ("identifier", "ServerlessCacheName"),
    "AWS::RDS::DBInstance": ("identifier", "DBInstanceIdentifier"),
    "AWS::Lambda::LayerVersion": ("identifier", "LayerVersionArn"),
    "AWS::IAM::ManagedPolicy": ("identifier", "PolicyArn"),
    "AWS::IAM::RolePolicy": ("property", "PolicyName"),
    "AWS::SSM::Parameter": ("identifier", "Name"),
    "AWS::StepFunctions::StateMachine": ("identifier", "Arn"),
    "AWS::ApiGatewayV2::DomainName": ("identifier", "DomainName"),
    "AWS::ApiGatewayV2::ApiMapping": ("property", "ApiMappingId"),
}


@pytest.mark.parametrize("cfn_type", sorted(COMMON_REFS))
def test_ref_of_the_types_websocket_services_use(cfn_type: str) -> None:
    kind, prop = COMMON_REFS[cfn_type]
    rule = ref_rule(cfn_type)
    assert rule.kind == kind
    if kind == "identifier":
        assert primary_identifier(cfn_type) == (prop,)
    elif kind == "property":
        assert rule.prop == prop and prop in primary_identifier(cfn_type)
    else:
        assert primary_identifier(cfn_type) == (prop,)
    assert untranslatable_reason(cfn_type) is None


def test_every_exception_is_part_of_a_composite_identifier_with_its_page() -> None:
    for cfn_type, prop in ref_exceptions().items():
        rule = ref_rule(cfn_type)
        service, name = cfn_type.split("::")[1:]
        page = f"aws-resource-{service.lower()}-{name.lower()}"
        assert rule.source.startswith(
            f"https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/{page}.html#{page}-return-values"
        )
        if cfn_type == "AWS::Events::Rule":
            assert rule.kind == "event-rule" and "cloudformation-coverage-roadmap/issues/1131" in rule.source
            continue
        identifier = primary_identifier(cfn_type)
        assert len(identifier) > 1, cfn_type
        assert rule.kind == "identifier" if prop == native_types.IDENTIFIER else rule.prop in identifier


def test_a_composite_identifier_with_no_documented_ref_is_refused() -> None:
    with pytest.raises(UnknownOutput) as raised:
        ref_rule("AWS::Lambda::Permission")
    assert str(raised.value) == (
        "Ref of AWS::Lambda::Permission: its identifier is composite (FunctionName|Id) and CloudFormation documents"
        " no Ref value wsapi knows for it; use Fn::GetAtt or the property you need instead"
    )


# -- import ids -----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("cfn_type", "physical_id", "values", "expected"),
    [
        ("AWS::DynamoDB::Table", "chat-connections", {}, "chat-connections"),
        ("AWS::S3::Bucket", "chat-uploads", {}, "chat-uploads"),
        ("AWS::SQS::Queue", "https://sqs.eu-west-1.amazonaws.com/1/q", {}, "https://sqs.eu-west-1.amazonaws.com/1/q"),
        ("AWS::SNS::Topic", "arn:aws:sns:eu-west-1:1:t", {}, "arn:aws:sns:eu-west-1:1:t"),
        ("AWS::Cognito::UserPool", "eu-west-1_abc", {}, "eu-west-1_abc"),
        ("AWS::Cognito::UserPoolClient", "client1", {"UserPoolId": "eu-west-1_abc"}, "eu-west-1_abc|client1"),
        ("AWS::Cognito::IdentityPool", "eu-west-1:0d01", {}, "eu-west-1:0d01"),
        ("AWS::Kinesis::Stream", "events", {}, "events"),
        (
            "AWS::SecretsManager::Secret",
            "arn:aws:secretsmanager:eu-west-1:1:secret:s-AbC",
            {},
            "arn:aws:secretsmanager:eu-west-1:1:secret:s-AbC",
        ),
        ("AWS::Logs::LogGroup", "/aws/lambda/chat", {}, "/aws/lambda/chat"),
        ("AWS::KMS::Key", "1234abcd-12ab", {}, "1234abcd-12ab"),
        ("AWS::ElastiCache::ReplicationGroup", "chat-cache", {}, "chat-cache"),
        ("AWS::RDS::DBInstance", "chat-db", {}, "chat-db"),
        (
            "AWS::Lambda::LayerVersion",
            "arn:aws:lambda:eu-west-1:1:layer:deps:3",
            {},
            "arn:aws:lambda:eu-west-1:1:layer:deps:3",
        ),
        ("AWS::IAM::ManagedPolicy", "arn:aws:iam::1:policy/p", {}, "arn:aws:iam::1:policy/p"),
        ("AWS::IAM::RolePolicy", "access", {"RoleName": "chat-role"}, "access|chat-role"),
        ("AWS::ApiGatewayV2::ApiMapping", "m1", {"DomainName": "ws.example.com"}, "m1|ws.example.com"),
        ("AWS::Lambda::Permission", "", {"FunctionName": "f", "Id": "s1"}, "f|s1"),
        ("AWS::WAFv2::WebACL", "acl|a1b2|REGIONAL", {}, "acl|a1b2|REGIONAL"),
        (
            "AWS::Events::Rule",
            "tick",
            {"Arn": "arn:aws:events:eu-west-1:1:rule/tick"},
            "arn:aws:events:eu-west-1:1:rule/tick",
        ),
        (
            "AWS::Events::Rule",
            "chat|joined",
            {"AWS::Partition": "aws", "AWS::Region": "eu-west-1", "AWS::AccountId": "123456789012"},
            "arn:aws:events:eu-west-1:123456789012:rule/chat/joined",
        ),
    ],
)
def test_the_import_id_of_a_resource_cloudformation_created(
    cfn_type: str, physical_id: str, values: dict, expected: str
) -> None:
    assert import_id(cfn_type, physical_id, values) == expected


@pytest.mark.parametrize(
    ("cfn_type", "values", "message"),
    [
        (
            "AWS::Cognito::UserPoolClient",
            {},
            "the import id of AWS::Cognito::UserPoolClient is UserPoolId|ClientId: give UserPoolId",
        ),
        (
            "AWS::Lambda::Permission",
            {"FunctionName": "f"},
            "the import id of AWS::Lambda::Permission is FunctionName|Id: give Id",
        ),
        (
            "AWS::Events::Rule",
            {"AWS::Region": "eu-west-1"},
            "the import id of an event rule is its Arn: give Arn, or AWS::Partition, AWS::AccountId",
        ),
        ("AWS::Nope::Nothing", {}, "the primary identifier of AWS::Nope::Nothing is not known to wsapi"),
    ],
)
def test_an_import_id_missing_a_part_says_which(cfn_type: str, values: dict, message: str) -> None:
    with pytest.raises((ImportIdError, UnknownOutput)) as raised:
        import_id(cfn_type, "x", values)
    assert str(raised.value).startswith(message)


def test_the_module_imports_nothing_of_pulumi_even_inside_functions() -> None:
    tree = ast.parse(Path(native_types.__file__).read_text())
    imported = {alias.name for node in ast.walk(tree) if isinstance(node, ast.Import) for alias in node.names}
    imported |= {node.module for node in ast.walk(tree) if isinstance(node, ast.ImportFrom) and node.module}
    assert not {name for name in imported if name.split(".")[0] in ("pulumi", "pulumi_aws_native")}
