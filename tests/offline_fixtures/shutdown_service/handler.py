import json
import os
import signal
import subprocess
import time


def disconnect(event, context):
    time.sleep(0.3)
    return {"statusCode": 200}


def slow(event, context):
    print("slow started", flush=True)
    time.sleep(json.loads(event["body"])["sleep"])
    return {"statusCode": 200, "body": "slow done"}


def stuck(event, context):
    """Never returns: ignores SIGTERM, starts a process of its own, says which processes to look for."""
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    child = subprocess.Popen(["sleep", "300"])
    print(json.dumps({"worker": os.getpid(), "child": child.pid}), flush=True)
    while True:
        pass
