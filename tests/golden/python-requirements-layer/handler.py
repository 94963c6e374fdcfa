"""Dummy handlers for the wsapi golden corpus (never executed)."""

import wsapi_golden_dep


def connect(event, context):
    return {"statusCode": 200, "body": wsapi_golden_dep.GREETING}


def default(event, context):
    return {"statusCode": 200}
