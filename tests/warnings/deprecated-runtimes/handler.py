def connect(e, c):
    return {"statusCode": 200}
