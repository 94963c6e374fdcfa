"""CloudFormation resources as pulumi-aws-native resources (wsapi.native), under mocks that answer as AWS would
(tests/native_support.py): the registered type token, the inputs as the engine receives them (wire names), and
`Ref`/`Fn::GetAtt` with CloudFormation's meaning. Each program returns the Outputs it checks (run_program)."""

from __future__ import annotations

import importlib
from typing import Any, Iterator

import pulumi
import pulumi_aws_native as aws_native
import pytest
from native_support import CLIENT_ID, REGION, SUFFIX, USER_POOL_ID, NativeRecorder, native_mocks
from pulumi_support import ACCOUNT, normal, run_program

from wsapi import native, native_types
from wsapi.native_types import PropertyError, UnknownOutput, Untranslatable

TABLE = "AWS::DynamoDB::Table"


@pytest.fixture
def pulumi_mocks() -> Iterator[NativeRecorder]:
    yield from native_mocks()


def connections_table(**overrides: Any) -> dict:
    """A connections table as real WebSocket services declare it: a GSI, a stream, TTL, SSE, tags."""
    return {
        "TableName": "chat-connections",
        "BillingMode": "PAY_PER_REQUEST",
        "AttributeDefinitions": [
            {"AttributeName": "connectionId", "AttributeType": "S"},
            {"AttributeName": "room", "AttributeType": "S"},
        ],
        "KeySchema": [{"AttributeName": "connectionId", "KeyType": "HASH"}],
        "GlobalSecondaryIndexes": [
            {
                "IndexName": "byRoom",
                "KeySchema": [{"AttributeName": "room", "KeyType": "HASH"}],
                "Projection": {"ProjectionType": "INCLUDE", "NonKeyAttributes": ["user"]},
            }
        ],
        "StreamSpecification": {"StreamViewType": "NEW_AND_OLD_IMAGES"},
        "TimeToLiveSpecification": {"AttributeName": "ttl", "Enabled": True},
        "SSESpecification": {"SSEEnabled": True},
        "PointInTimeRecoverySpecification": {"PointInTimeRecoveryEnabled": True},
        "Tags": [{"Key": "team", "Value": "chat"}],
        **overrides,
    }


def test_a_dynamodb_table_with_streams_gsis_and_ttl(pulumi_mocks: NativeRecorder) -> None:
    def program() -> dict:
        table = native.build(TABLE, "chat-connections", connections_table())
        return {
            "ref": native.output(table, TABLE),
            "arn": native.output(table, TABLE, "Arn"),
            "stream": native.output(table, TABLE, "StreamArn"),
            "sdk_getter": table.stream_arn,  # the SDK's own getters read the same outputs
        }

    outputs = run_program(program)
    (table,) = pulumi_mocks.of_type("aws-native:dynamodb:Table")
    assert normal(table.inputs) == {
        "tableName": "chat-connections",
        "billingMode": "PAY_PER_REQUEST",
        "attributeDefinitions": [
            {"attributeName": "connectionId", "attributeType": "S"},
            {"attributeName": "room", "attributeType": "S"},
        ],
        "keySchema": [{"attributeName": "connectionId", "keyType": "HASH"}],
        "globalSecondaryIndexes": [
            {
                "indexName": "byRoom",
                "keySchema": [{"attributeName": "room", "keyType": "HASH"}],
                "projection": {"projectionType": "INCLUDE", "nonKeyAttributes": ["user"]},
            }
        ],
        "streamSpecification": {"streamViewType": "NEW_AND_OLD_IMAGES"},
        "timeToLiveSpecification": {"attributeName": "ttl", "enabled": True},
        "sseSpecification": {"sseEnabled": True},
        "pointInTimeRecoverySpecification": {"pointInTimeRecoveryEnabled": True},
        "tags": [{"key": "team", "value": "chat"}],
    }
    arn = f"arn:aws:dynamodb:{REGION}:{ACCOUNT}:table/chat-connections"
    stream = f"{arn}/stream/2026-12-01T00:00:00.000"
    assert outputs == {"ref": "chat-connections", "arn": arn, "stream": stream, "sdk_getter": stream}


def test_the_resource_is_the_sdks_class_with_its_options(pulumi_mocks: NativeRecorder) -> None:
    """The SDK's constructor still runs: its provider version and the `replace_on_changes` of create-only
    properties reach the registration (seen by a transformation, which gets the final options)."""
    seen: dict = {}

    def record(args: pulumi.ResourceTransformationArgs) -> None:
        seen.update(type=args.type_, replace=args.opts.replace_on_changes, version=args.opts.version)

    def program() -> Any:
        table = native.build(TABLE, "t", connections_table(), pulumi.ResourceOptions(transformations=[record]))
        assert isinstance(table, aws_native.dynamodb.Table)
        return table.arn

    run_program(program)
    assert seen["type"] == "aws-native:dynamodb:Table"
    assert "tableName" in seen["replace"]
    assert seen["version"]  # the pinned provider plugin's version


def test_an_s3_bucket_and_its_policy_document_kept_as_written(pulumi_mocks: NativeRecorder) -> None:
    bucket_props = {
        "BucketName": "chat-uploads",
        "VersioningConfiguration": {"Status": "Enabled"},
        "PublicAccessBlockConfiguration": {"BlockPublicAcls": True, "RestrictPublicBuckets": True},
        "BucketEncryption": {
            "ServerSideEncryptionConfiguration": [{"ServerSideEncryptionByDefault": {"SSEAlgorithm": "aws:kms"}}]
        },
        "CorsConfiguration": {"CorsRules": [{"AllowedMethods": ["GET"], "AllowedOrigins": ["*"], "MaxAge": 300}]},
    }

    def program() -> dict:
        bucket = native.build("AWS::S3::Bucket", "uploads", bucket_props)
        document = {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Sid": "DenyInsecure",
                    "Effect": "Deny",
                    "Principal": "*",
                    "Action": "s3:*",
                    "Resource": [native.output(bucket, "AWS::S3::Bucket", "Arn"), "arn:aws:s3:::chat-uploads/*"],
                    "Condition": {"Bool": {"aws:SecureTransport": "false"}},
                }
            ],
        }
        policy = native.build(
            "AWS::S3::BucketPolicy",
            "uploads-policy",
            {"Bucket": native.output(bucket, "AWS::S3::Bucket"), "PolicyDocument": document},
        )
        return {
            "ref": native.output(bucket, "AWS::S3::Bucket"),
            "domain": native.output(bucket, "AWS::S3::Bucket", "RegionalDomainName"),
            "website": native.output(bucket, "AWS::S3::Bucket", "WebsiteURL"),
            "policy_ref": native.output(policy, "AWS::S3::BucketPolicy"),
        }

    outputs = run_program(program)
    (bucket,) = pulumi_mocks.of_type("aws-native:s3:Bucket")
    assert normal(bucket.inputs) == {
        "bucketName": "chat-uploads",
        "versioningConfiguration": {"status": "Enabled"},
        "publicAccessBlockConfiguration": {"blockPublicAcls": True, "restrictPublicBuckets": True},
        "bucketEncryption": {
            "serverSideEncryptionConfiguration": [{"serverSideEncryptionByDefault": {"sseAlgorithm": "aws:kms"}}]
        },
        "corsConfiguration": {"corsRules": [{"allowedMethods": ["GET"], "allowedOrigins": ["*"], "maxAge": 300}]},
    }
    (policy,) = pulumi_mocks.of_type("aws-native:s3:BucketPolicy")
    assert policy.inputs == {
        "bucket": "chat-uploads",
        "policyDocument": {  # free-form JSON: CloudFormation's keys, untouched
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Sid": "DenyInsecure",
                    "Effect": "Deny",
                    "Principal": "*",
                    "Action": "s3:*",
                    "Resource": ["arn:aws:s3:::chat-uploads", "arn:aws:s3:::chat-uploads/*"],
                    "Condition": {"Bool": {"aws:SecureTransport": "false"}},
                }
            ],
        },
    }
    assert outputs == {
        "ref": "chat-uploads",
        "domain": f"chat-uploads.s3.{REGION}.amazonaws.com",
        "website": f"http://chat-uploads.s3-website-{REGION}.amazonaws.com",
        "policy_ref": "chat-uploads",
    }


def test_an_sqs_queue_with_a_redrive_policy(pulumi_mocks: NativeRecorder) -> None:
    def program() -> dict:
        dead = native.build("AWS::SQS::Queue", "dead", {"MessageRetentionPeriod": 1209600})
        redrive = {"deadLetterTargetArn": native.output(dead, "AWS::SQS::Queue", "Arn"), "maxReceiveCount": 3}
        queue = native.build(
            "AWS::SQS::Queue", "work", {"QueueName": "chat-work", "VisibilityTimeout": 60, "RedrivePolicy": redrive}
        )
        return {
            "ref": native.output(queue, "AWS::SQS::Queue"),
            "arn": native.output(queue, "AWS::SQS::Queue", "Arn"),
            "name": native.output(queue, "AWS::SQS::Queue", "QueueName"),
            "url": native.output(queue, "AWS::SQS::Queue", "QueueUrl"),
            "dead_name": native.output(dead, "AWS::SQS::Queue", "QueueName"),
        }

    outputs = run_program(program)
    work = pulumi_mocks.named("work")
    assert work.type == "aws-native:sqs:Queue"
    assert normal(work.inputs) == {
        "queueName": "chat-work",
        "visibilityTimeout": 60,
        "redrivePolicy": {"deadLetterTargetArn": f"arn:aws:sqs:{REGION}:{ACCOUNT}:dead-{SUFFIX}", "maxReceiveCount": 3},
    }
    url = f"https://sqs.{REGION}.amazonaws.com/{ACCOUNT}/chat-work"
    assert outputs == {
        "ref": url,  # CloudFormation's Ref of a queue is its URL (its primary identifier)
        "arn": f"arn:aws:sqs:{REGION}:{ACCOUNT}:chat-work",
        "name": "chat-work",
        "url": url,
        "dead_name": f"dead-{SUFFIX}",
    }


def test_a_cognito_user_pool_and_client(pulumi_mocks: NativeRecorder) -> None:
    pool_props = {
        "UserPoolName": "chat-users",
        "UsernameAttributes": ["email"],
        "AutoVerifiedAttributes": ["email"],
        "Policies": {"PasswordPolicy": {"MinimumLength": 12, "RequireSymbols": True}},
        "Schema": [{"Name": "email", "AttributeDataType": "String", "Mutable": True, "Required": True}],
        "UserPoolTags": {"Team": "chat"},  # a map in CloudFormation: keys are the user's own
    }

    def program() -> dict:
        pool = native.build("AWS::Cognito::UserPool", "users", pool_props)
        client = native.build(
            "AWS::Cognito::UserPoolClient",
            "web",
            {
                "UserPoolId": native.output(pool, "AWS::Cognito::UserPool"),
                "ClientName": "web",
                "GenerateSecret": True,
                "ExplicitAuthFlows": ["ALLOW_USER_SRP_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"],
                "TokenValidityUnits": {"AccessToken": "hours"},
            },
        )
        return {
            "pool": native.output(pool, "AWS::Cognito::UserPool"),
            "provider_url": native.output(pool, "AWS::Cognito::UserPool", "ProviderURL"),
            "provider_name": native.output(pool, "AWS::Cognito::UserPool", "ProviderName"),
            "pool_arn": native.output(pool, "AWS::Cognito::UserPool", "Arn"),
            "client": native.output(client, "AWS::Cognito::UserPoolClient"),
            "client_id": client.id,
            "secret": native.output(client, "AWS::Cognito::UserPoolClient", "ClientSecret"),
            "client_name": native.output(client, "AWS::Cognito::UserPoolClient", "Name"),
        }

    outputs = run_program(program)
    (pool,) = pulumi_mocks.of_type("aws-native:cognito:UserPool")
    assert normal(pool.inputs) == {
        "userPoolName": "chat-users",
        "usernameAttributes": ["email"],
        "autoVerifiedAttributes": ["email"],
        "policies": {"passwordPolicy": {"minimumLength": 12, "requireSymbols": True}},
        "schema": [{"name": "email", "attributeDataType": "String", "mutable": True, "required": True}],
        "userPoolTags": {"Team": "chat"},
    }
    (client,) = pulumi_mocks.of_type("aws-native:cognito:UserPoolClient")
    assert client.inputs == {
        "userPoolId": USER_POOL_ID,
        "clientName": "web",
        "generateSecret": True,
        "explicitAuthFlows": ["ALLOW_USER_SRP_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"],
        "tokenValidityUnits": {"accessToken": "hours"},
    }
    provider = f"cognito-idp.{REGION}.amazonaws.com/{USER_POOL_ID}"
    assert outputs == {
        "pool": USER_POOL_ID,
        "provider_url": f"https://{provider}",
        "provider_name": provider,
        "pool_arn": f"arn:aws:cognito-idp:{REGION}:{ACCOUNT}:userpool/{USER_POOL_ID}",
        "client": CLIENT_ID,  # CloudFormation's Ref: the client id, not the Cloud Control id below
        "client_id": f"{USER_POOL_ID}|{CLIENT_ID}",
        "secret": "s3cr3t-from-cognito",
        "client_name": "web",
    }


def test_an_iam_managed_policy_on_a_table(pulumi_mocks: NativeRecorder) -> None:
    def program() -> dict:
        table = native.build(TABLE, "connections", connections_table(TableName="conn"))
        document = {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Effect": "Allow",
                    "Action": ["dynamodb:PutItem", "dynamodb:DeleteItem", "dynamodb:Query"],
                    "Resource": [
                        native.output(table, TABLE, "Arn"),
                        native.output(table, TABLE, "Arn").apply(lambda a: f"{a}/index/*"),
                    ],
                }
            ],
        }
        policy = native.build(
            "AWS::IAM::ManagedPolicy",
            "access",
            {
                "ManagedPolicyName": "chat-access",
                "Path": "/chat/",
                "Roles": ["chat-prod-lambda"],
                "PolicyDocument": document,
            },
        )
        return {
            "ref": native.output(policy, "AWS::IAM::ManagedPolicy"),
            "policy_id": native.output(policy, "AWS::IAM::ManagedPolicy", "PolicyId"),
        }

    outputs = run_program(program)
    (policy,) = pulumi_mocks.of_type("aws-native:iam:ManagedPolicy")
    table_arn = f"arn:aws:dynamodb:{REGION}:{ACCOUNT}:table/conn"
    assert policy.inputs == {
        "managedPolicyName": "chat-access",
        "path": "/chat/",
        "roles": ["chat-prod-lambda"],
        "policyDocument": {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Effect": "Allow",
                    "Action": ["dynamodb:PutItem", "dynamodb:DeleteItem", "dynamodb:Query"],
                    "Resource": [table_arn, f"{table_arn}/index/*"],
                }
            ],
        },
    }
    assert outputs == {"ref": f"arn:aws:iam::{ACCOUNT}:policy/chat/chat-access", "policy_id": "ANPAEXAMPLE"}
    (table,) = pulumi_mocks.of_type("aws-native:dynamodb:Table")
    assert table.urn in policy.dependencies  # the Output carried the table as a dependency


def test_event_rules_ref_their_name_or_bus_and_name(pulumi_mocks: NativeRecorder) -> None:
    rule = "AWS::Events::Rule"

    def program() -> dict:
        default = native.build(rule, "tick", {"ScheduleExpression": "rate(5 minutes)", "State": "ENABLED"})
        custom = native.build(
            rule, "on-bus", {"Name": "joined", "EventBusName": "chat", "EventPattern": {"source": ["chat"]}}
        )
        return {
            "default": native.output(default, rule),
            "custom": native.output(custom, rule),
            "custom_arn": native.output(custom, rule, "Arn"),
        }

    outputs = run_program(program)
    assert outputs == {
        "default": f"tick-{SUFFIX}",
        "custom": "chat|joined",
        "custom_arn": f"arn:aws:events:{REGION}:{ACCOUNT}:rule/chat/joined",
    }
    assert pulumi_mocks.named("on-bus").inputs["eventPattern"] == {"source": ["chat"]}  # JSON, as written


def test_a_layer_version_from_the_lambda_module(pulumi_mocks: NativeRecorder) -> None:
    def program() -> Any:
        layer = native.build(
            "AWS::Lambda::LayerVersion",
            "deps",
            {
                "LayerName": "chat-deps",
                "Content": {"S3Bucket": "artifacts", "S3Key": "deps.zip"},
                "CompatibleRuntimes": ["python3.12"],
            },
        )
        assert isinstance(layer, aws_native.lambda_.LayerVersion)
        return native.output(layer, "AWS::Lambda::LayerVersion")

    assert run_program(program) == f"arn:aws:lambda:{REGION}:{ACCOUNT}:layer:chat-deps:1"
    (layer,) = pulumi_mocks.of_type("aws-native:lambda:LayerVersion")
    assert layer.inputs["content"] == {"s3Bucket": "artifacts", "s3Key": "deps.zip"}


def test_nested_attributes_and_a_top_level_id(pulumi_mocks: NativeRecorder) -> None:
    def program() -> dict:
        db = native.build(
            "AWS::RDS::DBInstance",
            "db",
            {"DBInstanceClass": "db.t4g.micro", "Engine": "postgres", "AllocatedStorage": "20"},
        )
        secret = native.build("AWS::SecretsManager::Secret", "token", {"Name": "chat-token"})
        return {
            "address": native.output(db, "AWS::RDS::DBInstance", "Endpoint.Address"),
            "port": native.output(db, "AWS::RDS::DBInstance", "Endpoint.Port"),
            "ref": native.output(db, "AWS::RDS::DBInstance"),
            "secret_ref": native.output(secret, "AWS::SecretsManager::Secret"),
            "secret_id": native.output(secret, "AWS::SecretsManager::Secret", "Id"),  # `awsId` in the SDK
        }

    outputs = run_program(program)
    secret_arn = f"arn:aws:secretsmanager:{REGION}:{ACCOUNT}:secret:chat-token-AbCdEf"
    assert outputs == {
        "address": f"db-{SUFFIX}.c9akciq32example.{REGION}.rds.amazonaws.com",
        "port": "5432",
        "ref": f"db-{SUFFIX}",
        "secret_ref": secret_arn,
        "secret_id": secret_arn,
    }
    assert pulumi_mocks.named("db").inputs == {
        "dbInstanceClass": "db.t4g.micro",
        "engine": "postgres",
        "allocatedStorage": "20",
    }


def test_an_output_holding_a_typed_object_is_translated_when_it_resolves(pulumi_mocks: NativeRecorder) -> None:
    def program() -> Any:
        stream = pulumi.Output.from_input({"StreamViewType": "KEYS_ONLY"})
        return native.build(TABLE, "t", connections_table(StreamSpecification=stream)).arn

    run_program(program)
    (table,) = pulumi_mocks.of_type("aws-native:dynamodb:Table")
    assert table.inputs["streamSpecification"] == {"streamViewType": "KEYS_ONLY"}


def test_scalars_become_the_declared_type_as_cloudformation_converts_them(pulumi_mocks: NativeRecorder) -> None:
    """`${self:custom.x}` and `${param:x}` give strings; CloudFormation converts them to the schema's type (and
    a number where a string is declared to its text). Free-form JSON is left alone."""

    def program() -> Any:
        native.build(
            "AWS::SQS::Queue",
            "q",
            {
                "VisibilityTimeout": "60",
                "FifoQueue": "true",
                "DelaySeconds": pulumi.Output.from_input(" 5 "),
                "RedrivePolicy": {"deadLetterTargetArn": "arn:aws:sqs:x:1:d", "maxReceiveCount": "3"},
                "KmsMasterKeyId": 1234,
            },
        )
        table = native.build(
            TABLE,
            "t",
            connections_table(
                BillingMode="PROVISIONED",
                ProvisionedThroughput={"ReadCapacityUnits": "5", "WriteCapacityUnits": 2},
                DeletionProtectionEnabled="False",
            ),
        )
        native.build(
            "AWS::RDS::DBInstance", "db", {"DBInstanceClass": "db.t4g.micro", "AllocatedStorage": 20, "MultiAZ": "no"}
        )
        return table.arn

    run_program(program)
    queue = pulumi_mocks.named("q").inputs
    assert (queue["visibilityTimeout"], queue["fifoQueue"], queue["delaySeconds"]) == (60, True, 5)
    assert queue["redrivePolicy"] == {"deadLetterTargetArn": "arn:aws:sqs:x:1:d", "maxReceiveCount": "3"}
    assert queue["kmsMasterKeyId"] == "1234"
    table = pulumi_mocks.named("t").inputs
    assert normal(table["provisionedThroughput"]) == {"readCapacityUnits": 5, "writeCapacityUnits": 2}
    assert table["deletionProtectionEnabled"] is False
    db = pulumi_mocks.named("db").inputs
    assert (db["allocatedStorage"], db["multiAz"]) == ("20", "no")  # "no" is no boolean: the provider says so


# -- what cannot be translated -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("properties", "path", "message"),
    [
        (
            {"VisibilityTimout": 30},
            ("VisibilityTimout",),
            "AWS::SQS::Queue has no property 'VisibilityTimout' (did you mean VisibilityTimeout?)",
        ),
        (
            {"Nothing": 1},
            ("Nothing",),
            "AWS::SQS::Queue has no property 'Nothing'; it has: ContentBasedDeduplication, ",
        ),
        ({"QueueName": "a", "queuename": "b"}, ("queuename",), "AWS::SQS::Queue is given QueueName twice"),
    ],
)
def test_an_unknown_property_is_an_error_naming_it(properties: dict, path: tuple, message: str) -> None:
    with pytest.raises(PropertyError) as raised:
        native.arguments("AWS::SQS::Queue", properties)
    assert raised.value.path == path
    assert str(raised.value).startswith(message)


@pytest.mark.parametrize(
    ("overrides", "path", "message"),
    [
        (
            {"StreamSpecification": {"StreamViewTyp": "KEYS_ONLY"}},
            ("StreamSpecification", "StreamViewTyp"),
            "did you mean StreamViewType?",
        ),
        (
            {"GlobalSecondaryIndexes": [{"IndexName": "i", "KeySchema": [], "Projection": {"ProjectionTyp": "ALL"}}]},
            ("GlobalSecondaryIndexes", 0, "Projection", "ProjectionTyp"),
            "Projection has no property 'ProjectionTyp'",
        ),
        (
            {"KeySchema": [{"AttributeName": "id", "KeyKind": "HASH"}]},
            ("KeySchema", 0, "KeyKind"),
            "KeySchema has no property 'KeyKind'",
        ),
    ],
)
def test_an_unknown_nested_property_is_an_error_with_its_path(overrides: dict, path: tuple, message: str) -> None:
    with pytest.raises(PropertyError) as raised:
        native.arguments(TABLE, connections_table(**overrides))
    assert raised.value.path == path
    assert message in str(raised.value)


def test_properties_that_are_no_mapping_are_an_error() -> None:
    with pytest.raises(PropertyError) as raised:
        native.arguments("AWS::SQS::Queue", ["QueueName"])
    assert (raised.value.path, str(raised.value)) == (
        (),
        "the properties of AWS::SQS::Queue must be a mapping, not list",
    )


def test_a_missing_required_property_is_an_error() -> None:
    properties = connections_table()
    del properties["KeySchema"]
    with pytest.raises(PropertyError) as raised:
        native.arguments(TABLE, properties)
    assert (raised.value.path, str(raised.value)) == ((), "AWS::DynamoDB::Table requires KeySchema")


@pytest.mark.parametrize(
    ("attribute", "message"),
    [
        ("StreamArm", "AWS::DynamoDB::Table has no attribute 'StreamArm' (did you mean StreamArn?)"),
        ("Arn.Region", "AWS::DynamoDB::Table attribute Arn has no attribute 'Region'"),
        (
            "StreamSpecification.ViewType",
            "AWS::DynamoDB::Table attribute StreamSpecification has no attribute 'ViewType'",
        ),
    ],
)
def test_an_unknown_attribute_is_an_error(attribute: str, message: str, pulumi_mocks: NativeRecorder) -> None:
    def program() -> Any:
        table = native.build(TABLE, "t", connections_table())
        with pytest.raises(UnknownOutput) as raised:
            native.output(table, TABLE, attribute)
        assert str(raised.value).startswith(message)
        return table.arn

    run_program(program)


@pytest.mark.parametrize(
    ("cfn_type", "reason"),
    [
        ("Custom::Broadcast", "Custom::Broadcast is a custom resource"),
        ("AWS::Serverless::Function", "AWS::Serverless::Function is an AWS SAM type"),
        ("AWS::IAM::Policy", "pulumi-aws-native 1.84.0 has no resource for AWS::IAM::Policy"),
    ],
)
def test_an_untranslatable_type_registers_nothing(cfn_type: str, reason: str, pulumi_mocks: NativeRecorder) -> None:
    def program() -> str:
        with pytest.raises(Untranslatable) as raised:
            native.build(cfn_type, "x", {})
        assert str(raised.value).startswith(reason)
        return "checked"

    assert run_program(program) == "checked"
    assert [r for r in pulumi_mocks.resources if r.type.startswith("aws-native:")] == []


# -- the SDK's type information, read whole ------------------------------------------------------------------

#: The services of the types real WebSocket services declare (see test_native_types.COMMON_REFS).
COMMON_SERVICES = (
    "apigatewayv2", "cognito", "dynamodb", "elasticache", "events", "iam", "kinesis", "kms", "lambda", "logs", "rds",
    "s3", "secretsmanager", "sns", "sqs", "ssm", "stepfunctions",
)  # fmt: skip


def walk(cls: type, seen: set) -> None:
    """Resolve the annotation of every property reachable from `cls` (an unresolvable one raises)."""
    if cls in seen:
        return
    seen.add(cls)
    for field in native.fields(cls).values():
        shape = native._shape(field.hint)
        for inner in (shape.items, shape.values):
            if inner is not None and native._shape(inner).obj is not None:
                walk(native._shape(inner).obj, seen)
        if shape.obj is not None:
            walk(shape.obj, seen)


def test_every_property_of_the_common_services_resolves_to_a_type() -> None:
    seen: set = set()
    tokens = [t for t in native_types._sdk_resources().values() if t[0].split(":")[1] in COMMON_SERVICES]
    assert len(tokens) > 150
    for _token, module, class_name in tokens:
        sdk_class = getattr(importlib.import_module(module), class_name)
        walk(native._args_class(sdk_class), seen)
        walk(sdk_class, seen)
    assert len(seen) > 500  # the walk went down nested types, not just the top level


def test_every_ref_exception_reads_an_output_the_sdk_has() -> None:
    for cfn_type, prop in native_types.ref_exceptions().items():
        if native_types.untranslatable_reason(cfn_type) is None and prop not in (
            native_types.IDENTIFIER,
            native_types.EVENT_RULE,
        ):
            outputs = native.fields(native.resource_class(cfn_type))
            assert prop.lower() in outputs, (cfn_type, prop)


def test_a_top_level_id_property_is_the_sdks_aws_id() -> None:
    assert native.arguments("AWS::MediaPackage::Channel", {"Id": "live", "Description": "d"}) == {
        "aws_id": "live",
        "description": "d",
    }
