"""Dummy handlers for the wsapi golden corpus (never executed)."""


def auth(event, context):
    return {"statusCode": 200}


def connect(event, context):
    return {"statusCode": 200}
