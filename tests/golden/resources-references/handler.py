"""Dummy handlers for the wsapi golden corpus (never executed)."""


def admin(event, context):
    return {"statusCode": 200}


def auth(event, context):
    return {"statusCode": 200}


def chat(event, context):
    return {"statusCode": 200}


def connect(event, context):
    return {"statusCode": 200}


def default(event, context):
    return {"statusCode": 200}


def disconnect(event, context):
    return {"statusCode": 200}


def legacy_auth(event, context):
    return {"statusCode": 200}


def presence(event, context):
    return {"statusCode": 200}


def rooms(event, context):
    return {"statusCode": 200}
