"""Message routes. `echo` ($default) and `send_message` answer through their route response;
`whoami` has none, so it answers through the @connections management API."""

import json
import os


def echo(event, context):
    return {"statusCode": 200, "body": event.get("body") or ""}


def send_message(event, context):
    try:
        message = json.loads(event.get("body") or "{}")
    except ValueError:
        return {"statusCode": 400, "body": json.dumps({"error": "the body must be JSON"})}
    text = message.get("text")
    if not isinstance(text, str) or not text:
        return {"statusCode": 400, "body": json.dumps({"error": "sendMessage needs a non-empty text"})}
    ctx = event["requestContext"]
    user = (ctx.get("authorizer") or {}).get("user", "anonymous")
    return {"statusCode": 200, "body": json.dumps({"from": user, "text": text, "messageId": ctx.get("messageId")})}


def management_endpoint(event):
    """WSAPI_MANAGEMENT_ENDPOINT when set (wsapi offline sets it), else the API's own endpoint: never a
    custom domain, which the management API does not serve."""
    configured = os.environ.get("WSAPI_MANAGEMENT_ENDPOINT")
    if configured:
        return configured
    ctx = event["requestContext"]
    return f"https://{ctx['apiId']}.execute-api.{os.environ.get('AWS_REGION', 'us-east-1')}.amazonaws.com/{ctx['stage']}"


def whoami(event, context, client=None):
    import boto3

    ctx = event["requestContext"]
    client = client or boto3.client("apigatewaymanagementapi", endpoint_url=management_endpoint(event))
    connection = client.get_connection(ConnectionId=ctx["connectionId"])
    reply = {
        "connectionId": ctx["connectionId"],
        "user": (ctx.get("authorizer") or {}).get("user"),
        "sourceIp": connection.get("Identity", {}).get("SourceIp"),
        "connectedAt": str(connection.get("ConnectedAt")),
    }
    client.post_to_connection(ConnectionId=ctx["connectionId"], Data=json.dumps(reply).encode())
    return {"statusCode": 200}
