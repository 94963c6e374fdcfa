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


def side_by_side(event, context):
    """Returns once `count` invocations of its `group` run at the same time, each in its own process (one that
    waited for another to finish would wait here until its timeout is near)."""
    request = json.loads(event["body"])
    time.sleep(0.05)  # never a fast function: the pool gives concurrent invocations processes of their own
    folder = os.path.join(os.environ["RECORD_DIR"], "group-" + request["group"])
    os.makedirs(folder, exist_ok=True)
    open(os.path.join(folder, str(os.getpid())), "w").close()
    while len(os.listdir(folder)) < request["count"] and context.get_remaining_time_in_millis() > 1000:
        time.sleep(0.01)
    return {"statusCode": 200, "body": json.dumps({"pid": os.getpid(), "running": len(os.listdir(folder))})}
