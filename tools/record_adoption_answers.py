#!/usr/bin/env python3
"""Write the recorded AWS answers the adoption tests read (tests/adoption/<case>/), for golden cases whose
template Serverless 3.40 wrote (tests/golden/<case>/expected.json):

* `describe-stack-resources.json`: what `aws cloudformation describe-stack-resources --stack-name
  {service}-{stage}` answers once that template is deployed: one row per resource, with the physical id
  CloudFormation reports for its type (API Gateway's 10- and 7-character ids, a function's or log group's
  name, a version's or alias's ARN, `{stack}-{LogicalId}-{RANDOM}` for what CloudFormation names itself, a
  queue's URL, ...), derived from the logical id so a rerun writes the same file;
* `get-template.json`: what `aws cloudformation get-template --stack-name ...` answers (`TemplateBody`, the
  deployed template, `StagesAvailable`).

Run by hand after regenerating the golden corpus: `python tools/record_adoption_answers.py`. Standard library only.
"""

from __future__ import annotations

import hashlib
import json
import string
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
GOLDEN = ROOT / "tests" / "golden"
TARGET = ROOT / "tests" / "adoption"
#: the cases recorded: functions, an authorizer, route responses, aliases, logs, a REST API beside
#: (large-service); logs with retention and data protection; a service's own table, queue and buckets; an
#: external API given as a literal id and as an Fn::ImportValue
CASES = (
    "large-service", "logs-retention-data-protection", "resources-references", "external-api-id-string",
    "external-api-id-importvalue",
)
ACCOUNT = "123456789012"
REGION = "us-east-1"
PARTITION = "aws"
STACK_GUID = "1f2e3d40-aaaa-11ef-9f00-0a1b2c3d4e5f"


def token(seed: str, length: int, alphabet: str = string.ascii_lowercase + string.digits) -> str:
    digest = hashlib.sha256(seed.encode()).digest()
    return "".join(alphabet[b % len(alphabet)] for b in digest[:length])


def evaluate(value, pseudo: dict):
    """A literal, `Fn::Join` of literals and pseudo parameters, or `Ref` of a pseudo parameter; else None."""
    if isinstance(value, str):
        return value
    if isinstance(value, dict) and list(value) == ["Ref"] and value["Ref"] in pseudo:
        return pseudo[value["Ref"]]
    if isinstance(value, dict) and list(value) == ["Fn::Join"]:
        separator, parts = value["Fn::Join"]
        values = [evaluate(part, pseudo) for part in parts]
        return None if None in values else separator.join(values)
    return None


def generated(stack: str, key: str) -> str:
    """CloudFormation's own name for a resource: `{stack}-{LogicalId}-{13 upper-case characters}`."""
    return f"{stack}-{key}-{token(key, 13, string.ascii_uppercase + string.digits)}"


def physical_id(key: str, resource: dict, resources: dict, stack: str, pseudo: dict) -> str:
    kind = resource["Type"]
    p = resource.get("Properties", {})
    arn = f"arn:{PARTITION}:lambda:{REGION}:{ACCOUNT}:function:"
    if kind == "AWS::ApiGatewayV2::Api":
        return token(key, 10)
    if kind in ("AWS::ApiGatewayV2::Integration", "AWS::ApiGatewayV2::Route", "AWS::ApiGatewayV2::RouteResponse",
                "AWS::ApiGatewayV2::Authorizer", "AWS::ApiGatewayV2::Deployment", "AWS::ApiGateway::Resource",
                "AWS::ApiGateway::Deployment"):
        return token(key, 6)
    if kind == "AWS::ApiGateway::RestApi":
        return token(key, 10)
    if kind == "AWS::ApiGatewayV2::Stage":
        return p["StageName"]
    if kind == "AWS::Lambda::Function":
        return p["FunctionName"]
    if kind == "AWS::Lambda::Version":
        function = resources[p["FunctionName"]["Ref"]]["Properties"]["FunctionName"]
        return f"{arn}{function}:1"
    if kind == "AWS::Lambda::Alias":
        function = resources[p["FunctionName"]["Ref"]]["Properties"]["FunctionName"]
        return f"{arn}{function}:{p['Name']}"
    if kind == "AWS::Logs::LogGroup":
        return p["LogGroupName"]
    if kind == "AWS::IAM::Role":
        return evaluate(p.get("RoleName"), pseudo) or generated(stack, key)
    if kind == "AWS::S3::Bucket":
        return p.get("BucketName") or generated(stack, key).lower()
    if kind == "AWS::S3::BucketPolicy":  # its identifier (and Ref) is the bucket's name
        bucket = p["Bucket"]
        return bucket if isinstance(bucket, str) else physical_id(bucket["Ref"], resources[bucket["Ref"]], resources, stack, pseudo)
    if kind == "AWS::DynamoDB::Table":
        return p.get("TableName") or generated(stack, key)
    if kind == "AWS::SQS::Queue":
        return f"https://sqs.{REGION}.amazonaws.com/{ACCOUNT}/{p.get('QueueName') or generated(stack, key)}"
    return generated(stack, key)  # permissions, custom resources, REST methods


def record(case: str) -> None:
    template = json.loads((GOLDEN / case / "expected.json").read_text())
    settings = json.loads((GOLDEN / case / "case.json").read_text())
    stage = settings.get("stage") or "dev"
    stack = f"{case}-{stage}"  # every golden service is named after its case
    stack_id = f"arn:{PARTITION}:cloudformation:{REGION}:{ACCOUNT}:stack/{stack}/{STACK_GUID}"
    pseudo = {"AWS::Region": REGION, "AWS::AccountId": ACCOUNT, "AWS::Partition": PARTITION, "AWS::StackName": stack}
    resources = template["Resources"]
    rows = [
        {
            "StackName": stack,
            "StackId": stack_id,
            "LogicalResourceId": key,
            "PhysicalResourceId": physical_id(key, resource, resources, stack, pseudo),
            "ResourceType": resource["Type"],
            "Timestamp": "2026-11-30T09:15:00.000000+00:00",
            "ResourceStatus": "CREATE_COMPLETE",
            "DriftInformation": {"StackResourceDriftStatus": "NOT_CHECKED"},
        }
        for key, resource in resources.items()
    ]
    folder = TARGET / case
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "describe-stack-resources.json").write_text(json.dumps({"StackResources": rows}, indent=4) + "\n")
    answer = {"TemplateBody": template, "StagesAvailable": ["Original", "Processed"]}
    (folder / "get-template.json").write_text(json.dumps(answer, indent=4) + "\n")
    print(f"wrote {folder.relative_to(ROOT)} ({len(rows)} resources)")


if __name__ == "__main__":
    for name in sys.argv[1:] or CASES:
        record(name)
