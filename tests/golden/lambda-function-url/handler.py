"""Dummy handlers for the wsapi golden corpus (never executed)."""


def default(event, context):
    return {"statusCode": 200}
