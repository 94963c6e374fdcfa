def send(event, context):
    return {"statusCode": 200, "body": "sent:" + event["requestContext"]["routeKey"]}
