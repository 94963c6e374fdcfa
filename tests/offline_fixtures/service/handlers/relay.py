"""Post a text to another connection through the management API, as deployed code does with boto3."""

import json
import os

import boto3

client = boto3.client("apigatewaymanagementapi", endpoint_url=os.environ["WSAPI_MANAGEMENT_ENDPOINT"])


def relay(event, context):
    message = json.loads(event["body"])
    try:
        client.post_to_connection(ConnectionId=message["to"], Data=message["text"].encode())
    except client.exceptions.GoneException:
        return {"statusCode": 410, "body": json.dumps({"gone": message["to"]})}
    me = client.get_connection(ConnectionId=event["requestContext"]["connectionId"])
    return {"statusCode": 200, "body": json.dumps({"sent": message["to"], "mySourceIp": me["Identity"]["SourceIp"]})}
