"""Code written for AWS: it reads its table name and management endpoint from the environment."""

import json
import os

import boto3

NAMES = ("CONNECTIONS_TABLE", "CONNECTIONS_TABLE_ARN", "APIG_ENDPOINT", "SUB_ENDPOINT", "STACK", "STREAM_ARN", "SHARED_QUEUE", "SELF_ARN")


def connect(event, context):
    return {"statusCode": 200}


def default(event, context):
    """`env`: the variables; `post`: a message to this connection through APIG_ENDPOINT, as on AWS."""
    if event.get("body") == "post":
        client = boto3.client("apigatewaymanagementapi", endpoint_url=os.environ["APIG_ENDPOINT"])
        client.post_to_connection(ConnectionId=event["requestContext"]["connectionId"], Data=b"posted through APIG_ENDPOINT")
        return {"statusCode": 200, "body": "sent"}
    return {"statusCode": 200, "body": json.dumps({name: os.environ.get(name) for name in NAMES})}
