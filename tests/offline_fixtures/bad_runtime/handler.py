def fine(event, context):
    return {"statusCode": 200}
