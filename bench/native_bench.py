"""What the generic pulumi-aws-native translation costs.

* import: `import wsapi.native_types` in a fresh interpreter, bytecode cached as in an installed package (after
  `import wsapi` and `import wsapi.plan`, which it needs and every command that compiles a plan pays anyway), then its first answers: `native_type` (reads the SDK's resource table from its `__init__.py`) and
  `ref_rule` (reads wsapi/native_identifiers.json). The subprocess also checks that neither pulumi nor the SDK
  got imported.
* build: 50 user resources (10 DynamoDB tables with a GSI and a stream, 10 SQS queues each with a redrive
  policy to the previous one, 10 S3 buckets and 10 bucket policies, 5 Cognito user pools and 5 clients), with
  `Ref`/`Fn::GetAtt` Outputs between them, registered through `wsapi.native` under the test suite's mocks
  (tests/native_support.py) until every registration and Output has settled. The first run in the process is
  reported apart (it imports the SDK modules and reads their annotations); then the median of the others.

    .venv/bin/python bench/native_bench.py [--runs 7] [--json]
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

IMPORT_PROBE = """
import sys, time
start = time.perf_counter(); import wsapi; package = time.perf_counter() - start
start = time.perf_counter(); import wsapi.plan; plan = time.perf_counter() - start
start = time.perf_counter(); import wsapi.native_types as n; module = time.perf_counter() - start
start = time.perf_counter(); n.native_type("AWS::DynamoDB::Table"); first_type = time.perf_counter() - start
start = time.perf_counter(); n.ref_rule("AWS::SQS::Queue"); first_ref = time.perf_counter() - start
start = time.perf_counter(); [n.native_type(t) for t in ("AWS::SQS::Queue", "AWS::S3::Bucket") * 50]; later = (time.perf_counter() - start) / 100
loaded = sorted(m for m in sys.modules if m.split(".")[0] in ("pulumi", "pulumi_aws_native"))
print(__import__("json").dumps(dict(package=package, plan=plan, module=module, first_type=first_type, first_ref=first_ref, later=later, loaded=loaded)))
"""


def import_costs(runs: int) -> dict:
    # as installed: bytecode cached (this environment may set PYTHONDONTWRITEBYTECODE); one run writes it first
    env = {key: value for key, value in os.environ.items() if key != "PYTHONDONTWRITEBYTECODE"}
    env["PYTHONPATH"] = str(ROOT)
    subprocess.run([sys.executable, "-c", IMPORT_PROBE], capture_output=True, env=env, check=True)
    samples = [
        json.loads(
            subprocess.run(
                [sys.executable, "-c", IMPORT_PROBE], capture_output=True, text=True, env=env, check=True
            ).stdout
        )
        for _ in range(runs)
    ]
    assert all(sample["loaded"] == [] for sample in samples), samples[0]["loaded"]
    keys = ("package", "plan", "module", "first_type", "first_ref", "later")
    return {key: statistics.median(sample[key] for sample in samples) for key in keys}


def program() -> Any:
    from wsapi import native

    outputs = []
    previous_queue = None
    for index in range(10):
        table = native.build(
            "AWS::DynamoDB::Table",
            f"table{index}",
            {
                "BillingMode": "PAY_PER_REQUEST",
                "AttributeDefinitions": [
                    {"AttributeName": "id", "AttributeType": "S"},
                    {"AttributeName": "g", "AttributeType": "S"},
                ],
                "KeySchema": [{"AttributeName": "id", "KeyType": "HASH"}],
                "GlobalSecondaryIndexes": [
                    {
                        "IndexName": "g",
                        "KeySchema": [{"AttributeName": "g", "KeyType": "HASH"}],
                        "Projection": {"ProjectionType": "ALL"},
                    }
                ],
                "StreamSpecification": {"StreamViewType": "NEW_IMAGE"},
            },
        )
        outputs.append(native.output(table, "AWS::DynamoDB::Table", "StreamArn"))
        redrive = (
            {"deadLetterTargetArn": native.output(previous_queue, "AWS::SQS::Queue", "Arn"), "maxReceiveCount": 5}
            if previous_queue
            else None
        )
        queue = native.build(
            "AWS::SQS::Queue",
            f"queue{index}",
            {"VisibilityTimeout": 30, **({"RedrivePolicy": redrive} if redrive else {})},
        )
        outputs.append(native.output(queue, "AWS::SQS::Queue"))
        previous_queue = queue
        bucket = native.build("AWS::S3::Bucket", f"bucket{index}", {"VersioningConfiguration": {"Status": "Enabled"}})
        document = {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Effect": "Deny",
                    "Principal": "*",
                    "Action": "s3:*",
                    "Resource": native.output(bucket, "AWS::S3::Bucket", "Arn"),
                }
            ],
        }
        native.build(
            "AWS::S3::BucketPolicy",
            f"policy{index}",
            {"Bucket": native.output(bucket, "AWS::S3::Bucket"), "PolicyDocument": document},
        )
    for index in range(5):
        pool = native.build(
            "AWS::Cognito::UserPool", f"pool{index}", {"Policies": {"PasswordPolicy": {"MinimumLength": 12}}}
        )
        client = native.build(
            "AWS::Cognito::UserPoolClient",
            f"client{index}",
            {"UserPoolId": native.output(pool, "AWS::Cognito::UserPool")},
        )
        outputs.append(native.output(client, "AWS::Cognito::UserPoolClient"))
    return outputs


def build_costs(runs: int) -> dict:
    from native_support import NativeRecorder
    from pulumi_support import fresh_mocks, run_program

    timings = []
    for _ in range(runs + 1):
        recorder = fresh_mocks(recorder_type=NativeRecorder)
        gc.collect()
        start = time.perf_counter()
        run_program(program)
        timings.append(time.perf_counter() - start)
        assert len([r for r in recorder.resources if r.type.startswith("aws-native:")]) == 50
    return {"first": timings[0], "median": statistics.median(timings[1:]), "runs": timings[1:]}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    report = {"import": import_costs(args.runs), "build50": build_costs(args.runs)}
    if args.json:
        print(json.dumps(report, indent=2))
        return 0
    costs, build = report["import"], report["build50"]
    print(f"import wsapi (baseline)          {costs['package'] * 1000:7.1f} ms")
    print(f"import wsapi.plan (it needs)     {costs['plan'] * 1000:7.1f} ms   (validate/plan/export import it anyway)")
    print(f"import wsapi.native_types        {costs['module'] * 1000:7.1f} ms   (pulumi and the SDK: not imported)")
    print(f"first native_type()              {costs['first_type'] * 1000:7.1f} ms   (reads the SDK's resource table)")
    print(f"first ref_rule()                 {costs['first_ref'] * 1000:7.1f} ms   (reads native_identifiers.json)")
    print(f"later native_type()              {costs['later'] * 1e6:7.1f} us")
    print(
        f"build 50 resources, first run    {build['first'] * 1000:7.1f} ms   (imports SDK modules, reads annotations)"
    )
    print(
        f"build 50 resources, median       {build['median'] * 1000:7.1f} ms   ({build['median'] / 50 * 1000:.2f} ms a resource)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
