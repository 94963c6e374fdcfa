"""Dummy handlers for the wsapi golden corpus (never executed)."""


def connect(event, context):
    return {"statusCode": 200}


def default(event, context):
    return {"statusCode": 200}


def disconnect(event, context):
    return {"statusCode": 200}
