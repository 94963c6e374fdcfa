def connect(event, context):
    import common  # from the layer (/opt/python)

    return {"statusCode": 200, "body": common.GREETING}


def default(event, context):
    return {"statusCode": 200, "body": event.get("body", "")}
