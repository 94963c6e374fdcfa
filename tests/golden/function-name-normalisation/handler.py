"""Dummy handlers for the wsapi golden corpus (never executed)."""


def auth(event, context):
    return {"statusCode": 200}


def on_connect(event, context):
    return {"statusCode": 200}


def send_message(event, context):
    return {"statusCode": 200}
