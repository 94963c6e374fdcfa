"""$connect authorizer: allow a connection whose `token` (query string, or Authorization header) matches
CHAT_TOKEN. The user name it reads from `user` reaches the other handlers as requestContext.authorizer."""

import hmac
import os


def policy(principal, effect, resource, context=None):
    document = {
        "principalId": principal,
        "policyDocument": {
            "Version": "2012-10-17",
            "Statement": [{"Action": "execute-api:Invoke", "Effect": effect, "Resource": resource}],
        },
    }
    if context:
        document["context"] = context
    return document


def handler(event, context):
    query = event.get("queryStringParameters") or {}
    headers = {k.lower(): v for k, v in (event.get("headers") or {}).items()}
    token = query.get("token") or headers.get("authorization", "")
    expected = os.environ.get("CHAT_TOKEN", "")
    user = query.get("user") or "anonymous"
    if expected and hmac.compare_digest(token.encode(), expected.encode()):
        return policy(user, "Allow", event["methodArn"], {"user": user})
    return policy(user, "Deny", event["methodArn"])
