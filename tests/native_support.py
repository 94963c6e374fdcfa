"""Mocks that answer pulumi-aws-native registrations as AWS would: the resource's `id` is its Cloud Control
identifier (the primary identifier's values, `|`-joined in the schema's order), and the read-only attributes
are shaped like the real ones. Written out by hand per type (from the CloudFormation schemas and the services'
ARN formats), not derived from wsapi, so a test notices when wsapi reads the wrong output.

Every other registration is answered by `pulumi_support.Recorder` unchanged.
"""

from __future__ import annotations

from typing import Any, Callable, Dict, Iterator, Tuple

from pulumi.runtime import mocks as _mocks
from pulumi_support import ACCOUNT, DNS_SUFFIX, PARTITION, STACK_REGION, Recorder, drain, fresh_mocks

#: pulumi-aws-native's auto-name suffix, as the engine would add it to a resource's name
SUFFIX = "0a1b2c3"
REGION = STACK_REGION  #: the aws-native provider's region (its own `aws-native:region` setting)

Answer = Callable[[str, Dict[str, Any]], Tuple[str, Dict[str, Any]]]  #: (name, inputs) -> (id, outputs)


def table(name: str, inputs: Dict[str, Any]) -> Tuple[str, Dict[str, Any]]:
    table_name = inputs.get("tableName") or f"{name}-{SUFFIX}"
    arn = f"arn:{PARTITION}:dynamodb:{REGION}:{ACCOUNT}:table/{table_name}"
    state = {**inputs, "tableName": table_name, "arn": arn}
    if inputs.get("streamSpecification"):
        state["streamArn"] = f"{arn}/stream/2026-12-01T00:00:00.000"
    return table_name, state


def bucket(name: str, inputs: Dict[str, Any]) -> Tuple[str, Dict[str, Any]]:
    bucket_name = inputs.get("bucketName") or f"{name}-{SUFFIX}".lower()
    return bucket_name, {
        **inputs,
        "bucketName": bucket_name,
        "arn": f"arn:{PARTITION}:s3:::{bucket_name}",
        "domainName": f"{bucket_name}.s3.{DNS_SUFFIX}",
        "regionalDomainName": f"{bucket_name}.s3.{REGION}.{DNS_SUFFIX}",
        "dualStackDomainName": f"{bucket_name}.s3.dualstack.{REGION}.{DNS_SUFFIX}",
        "websiteUrl": f"http://{bucket_name}.s3-website-{REGION}.{DNS_SUFFIX}",
    }


def bucket_policy(name: str, inputs: Dict[str, Any]) -> Tuple[str, Dict[str, Any]]:
    return inputs["bucket"], dict(inputs)  # identifier: Bucket


def queue(name: str, inputs: Dict[str, Any]) -> Tuple[str, Dict[str, Any]]:
    queue_name = inputs.get("queueName") or f"{name}-{SUFFIX}"
    url = f"https://sqs.{REGION}.{DNS_SUFFIX}/{ACCOUNT}/{queue_name}"
    return url, {
        **inputs,
        "queueName": queue_name,
        "queueUrl": url,
        "arn": f"arn:{PARTITION}:sqs:{REGION}:{ACCOUNT}:{queue_name}",
    }


USER_POOL_ID = f"{REGION}_AbCdEf123"
CLIENT_ID = "1h57kf5cpq17m0eml12example"


def user_pool(name: str, inputs: Dict[str, Any]) -> Tuple[str, Dict[str, Any]]:
    provider = f"cognito-idp.{REGION}.{DNS_SUFFIX}/{USER_POOL_ID}"
    return USER_POOL_ID, {
        **inputs,
        "userPoolId": USER_POOL_ID,
        "arn": f"arn:{PARTITION}:cognito-idp:{REGION}:{ACCOUNT}:userpool/{USER_POOL_ID}",
        "providerName": provider,
        "providerUrl": f"https://{provider}",
    }


def user_pool_client(name: str, inputs: Dict[str, Any]) -> Tuple[str, Dict[str, Any]]:
    state = {**inputs, "clientId": CLIENT_ID, "name": inputs.get("clientName", "")}
    if inputs.get("generateSecret"):
        state["clientSecret"] = "s3cr3t-from-cognito"
    return f"{inputs['userPoolId']}|{CLIENT_ID}", state  # identifier: UserPoolId, ClientId


def managed_policy(name: str, inputs: Dict[str, Any]) -> Tuple[str, Dict[str, Any]]:
    policy_name = inputs.get("managedPolicyName") or f"{name}-{SUFFIX}"
    arn = f"arn:{PARTITION}:iam::{ACCOUNT}:policy{inputs.get('path', '/')}{policy_name}"
    return arn, {
        **inputs,
        "managedPolicyName": policy_name,
        "policyArn": arn,
        "policyId": "ANPAEXAMPLE",
        "isAttachable": True,
    }


def event_rule(name: str, inputs: Dict[str, Any]) -> Tuple[str, Dict[str, Any]]:
    rule_name = inputs.get("name") or f"{name}-{SUFFIX}"
    bus = inputs.get("eventBusName")
    on_bus = f"{bus}/" if bus and bus != "default" else ""
    arn = f"arn:{PARTITION}:events:{REGION}:{ACCOUNT}:rule/{on_bus}{rule_name}"
    return arn, {**inputs, "name": rule_name, "arn": arn}  # identifier: Arn


def layer_version(name: str, inputs: Dict[str, Any]) -> Tuple[str, Dict[str, Any]]:
    arn = f"arn:{PARTITION}:lambda:{REGION}:{ACCOUNT}:layer:{inputs.get('layerName') or name}:1"
    return arn, {**inputs, "layerVersionArn": arn}


def db_instance(name: str, inputs: Dict[str, Any]) -> Tuple[str, Dict[str, Any]]:
    identifier = (inputs.get("dbInstanceIdentifier") or f"{name}-{SUFFIX}").lower()  # RDS lower-cases it
    return identifier, {
        **inputs,
        "dbInstanceIdentifier": identifier,
        "dbInstanceArn": f"arn:{PARTITION}:rds:{REGION}:{ACCOUNT}:db:{identifier}",
        "endpoint": {
            "address": f"{identifier}.c9akciq32example.{REGION}.rds.{DNS_SUFFIX}",
            "port": "5432",
            "hostedZoneId": "Z2R2ITUGPM61AM",
        },
    }


def secret(name: str, inputs: Dict[str, Any]) -> Tuple[str, Dict[str, Any]]:
    arn = f"arn:{PARTITION}:secretsmanager:{REGION}:{ACCOUNT}:secret:{inputs.get('name') or name}-AbCdEf"
    return arn, {**inputs, "awsId": arn}  # identifier: Id, the secret's ARN


def websocket_api(name: str, inputs: Dict[str, Any]) -> Tuple[str, Dict[str, Any]]:
    api_id = f"{name}-{SUFFIX}"
    return api_id, {**inputs, "apiId": api_id, "apiEndpoint": f"wss://{api_id}.execute-api.{REGION}.{DNS_SUFFIX}"}


def topic(name: str, inputs: Dict[str, Any]) -> Tuple[str, Dict[str, Any]]:
    topic_name = inputs.get("topicName") or f"{name}-{SUFFIX}"
    arn = f"arn:{PARTITION}:sns:{REGION}:{ACCOUNT}:{topic_name}"
    return arn, {**inputs, "topicName": topic_name, "topicArn": arn}  # identifier: TopicArn


def event_bus(name: str, inputs: Dict[str, Any]) -> Tuple[str, Dict[str, Any]]:
    bus_name = inputs["name"]  # required
    return bus_name, {**inputs, "arn": f"arn:{PARTITION}:events:{REGION}:{ACCOUNT}:event-bus/{bus_name}"}  # identifier: Name


def iam_role(name: str, inputs: Dict[str, Any]) -> Tuple[str, Dict[str, Any]]:
    role_name = inputs.get("roleName") or f"{name}-{SUFFIX}"
    path = inputs.get("path") or "/"
    arn = f"arn:{PARTITION}:iam::{ACCOUNT}:role{path}{role_name}"
    return role_name, {**inputs, "roleName": role_name, "arn": arn, "roleId": "AROAEXAMPLEID0000000"}  # identifier: RoleName


KEY_ID = "1234abcd-12ab-34cd-56ef-1234567890ab"


def kms_key(name: str, inputs: Dict[str, Any]) -> Tuple[str, Dict[str, Any]]:
    return KEY_ID, {**inputs, "keyId": KEY_ID, "arn": f"arn:{PARTITION}:kms:{REGION}:{ACCOUNT}:key/{KEY_ID}"}  # identifier: KeyId


ANSWERS: Dict[str, Answer] = {
    "aws-native:events:EventBus": event_bus,
    "aws-native:kms:Key": kms_key,
    "aws-native:iam:Role": iam_role,
    "aws-native:sns:Topic": topic,
    "aws-native:apigatewayv2:Api": websocket_api,
    "aws-native:dynamodb:Table": table,
    "aws-native:s3:Bucket": bucket,
    "aws-native:s3:BucketPolicy": bucket_policy,
    "aws-native:sqs:Queue": queue,
    "aws-native:cognito:UserPool": user_pool,
    "aws-native:cognito:UserPoolClient": user_pool_client,
    "aws-native:iam:ManagedPolicy": managed_policy,
    "aws-native:events:Rule": event_rule,
    "aws-native:lambda:LayerVersion": layer_version,
    "aws-native:rds:DbInstance": db_instance,
    "aws-native:secretsmanager:Secret": secret,
}


class NativeRecorder(Recorder):
    """`Recorder`, with aws-native resources answered by `ANSWERS` (an aws-native type without an answer fails
    the test, rather than getting a made-up id)."""

    def new_resource(self, args: _mocks.MockResourceArgs):
        if not args.typ.startswith("aws-native:"):
            return super().new_resource(args)
        if args.typ not in ANSWERS:
            raise AssertionError(f"native_support.ANSWERS has no answer for {args.typ}")
        id_, state = ANSWERS[args.typ](args.name, dict(args.inputs))
        self.record(args, id_, state)
        return id_, state


def native_mocks() -> Iterator[NativeRecorder]:
    """Body of a `pulumi_mocks` fixture with aws-native answers."""
    recorder = fresh_mocks(recorder_type=NativeRecorder)
    yield recorder
    drain()
