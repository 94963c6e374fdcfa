"""$connect and $disconnect: accept the connection and log it."""

import json


def connect(event, context):
    ctx = event["requestContext"]
    print(json.dumps({"connected": ctx["connectionId"], "user": (ctx.get("authorizer") or {}).get("user")}))
    return {"statusCode": 200}


def disconnect(event, context):
    ctx = event["requestContext"]
    print(json.dumps({"disconnected": ctx["connectionId"], "status": ctx.get("disconnectStatusCode")}))
    return {"statusCode": 200}
