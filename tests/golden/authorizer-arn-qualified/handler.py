"""Dummy handlers for the wsapi golden corpus (never executed)."""


def connect(event, context):
    return {"statusCode": 200}
