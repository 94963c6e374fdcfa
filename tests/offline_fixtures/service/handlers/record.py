import json
import os


def record(name, event):
    """Write an event where the test reads it: RECORD_DIR/{connectionId}.{name}.json (atomically)."""
    path = os.path.join(os.environ["RECORD_DIR"], f"{event['requestContext']['connectionId']}.{name}.json")
    with open(path + ".tmp", "w") as handle:
        json.dump(event, handle)
    os.replace(path + ".tmp", path)
