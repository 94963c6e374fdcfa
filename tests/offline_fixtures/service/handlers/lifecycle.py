import time

from handlers.record import record


def connect(event, context):
    record("connect", event)
    query = event.get("queryStringParameters") or {}
    if query.get("sleep"):
        time.sleep(float(query["sleep"]))
        print(f"$connect slept {query['sleep']} s", flush=True)
    if query.get("reject"):
        return {"statusCode": 401}
    response = {"statusCode": 200}
    offered = event["headers"].get("Sec-WebSocket-Protocol")
    if offered:
        response["headers"] = {"Sec-WebSocket-Protocol": offered.split(",")[0].strip()}
    return response


def disconnect(event, context):
    record("disconnect", event)
    return {"statusCode": 200}
