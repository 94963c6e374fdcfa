import sys


def hello(event, context):
    return {"statusCode": 200, "body": f"python {sys.version_info.major} beside Node.js"}
