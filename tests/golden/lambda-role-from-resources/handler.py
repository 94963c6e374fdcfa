"""Dummy handlers for the wsapi golden corpus (never executed)."""


def default(event, context):
    return {"statusCode": 200}


def connect(event, context):
    return {"statusCode": 200}


def message(event, context):
    return {"statusCode": 200}


def audit(event, context):
    return {"statusCode": 200}
