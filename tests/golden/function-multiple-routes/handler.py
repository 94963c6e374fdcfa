"""Dummy handlers for the wsapi golden corpus (never executed)."""


def router(event, context):
    return {"statusCode": 200}
