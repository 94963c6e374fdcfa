"""Allow X-Token: allow, deny X-Token: deny; `raise` -> Unauthorized, `crash` -> a failure."""

from handlers.record import record


def policy(effect, resource, context=None):
    document = {
        "principalId": "user-1",
        "policyDocument": {
            "Version": "2012-10-17",
            "Statement": [{"Action": "execute-api:Invoke", "Effect": effect, "Resource": resource}],
        },
    }
    if context is not None:
        document["context"] = context
    return document


def handler(event, context):
    record("auth", event)
    token = event["headers"].get("X-Token") or event["headers"].get("x-token")
    if token == "raise":
        raise Exception("Unauthorized")
    if token == "crash":
        raise ValueError("authorizer bug")
    if token == "allow":
        return policy("Allow", event["methodArn"], {"user": "ann", "level": 3, "admin": True})
    return policy("Deny", event["methodArn"])
