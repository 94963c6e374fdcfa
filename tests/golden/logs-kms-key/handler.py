"""Dummy handlers for the wsapi golden corpus (never executed)."""


def connect(event, context):
    return {"statusCode": 200}


def default(event, context):
    return {"statusCode": 200}


def message(event, context):
    return {"statusCode": 200}
