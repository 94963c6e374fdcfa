"""Dummy handlers for the wsapi golden corpus (never executed)."""


def connect(event, context):
    return {"statusCode": 200}


def auth(event, context):
    return {"principalId": "user", "policyDocument": {}}


def message(event, context):
    return {"statusCode": 200}
