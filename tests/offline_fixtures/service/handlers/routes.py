import json
import os
import sys
import time

COLD = {"pid": os.getpid()}  # module state lives as long as the warm worker


def inspect(event, context):
    return {
        "statusCode": 200,
        "body": json.dumps(
            {
                "event": event,
                "context": {
                    "aws_request_id": context.aws_request_id,
                    "function_name": context.function_name,
                    "function_version": context.function_version,
                    "invoked_function_arn": context.invoked_function_arn,
                    "memory_limit_in_mb": context.memory_limit_in_mb,
                    "log_group_name": context.log_group_name,
                    "log_stream_name": context.log_stream_name,
                    "remaining": context.get_remaining_time_in_millis(),
                },
                "env": {k: os.environ.get(k) for k in ("ROLE", "SHARED", "ONLY_DEFAULT", "IS_OFFLINE", "WSAPI_MANAGEMENT_ENDPOINT", "AWS_REGION", "AWS_LAMBDA_FUNCTION_NAME")},
                "modules": sorted(m for m in sys.modules if m.split(".")[0] in ("handlers", "other")),
                "pid": COLD["pid"],
            }
        ),
    }


def echo(event, context):
    return {"statusCode": 200, "body": event["body"]}


def silent(event, context):
    return {"statusCode": 200, "body": "never sent: the route has no route response"}


def boom(event, context):
    raise ValueError("boom from the handler")


def slow(event, context):
    time.sleep(json.loads(event["body"]).get("sleep", 3))
    return {"statusCode": 200, "body": "slow done"}
