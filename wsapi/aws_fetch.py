"""`wsapi offline` runs the functions now, so the values only AWS knows are fetched now, with boto3 and the
default credentials, as Serverless v3 fetches them when it packages (`remote_values.Remote`):
`${aws:accountId}` (STS), `${aws:partition}` (the region's partition), `${ssm:...}` (read as Serverless v3 reads
it: decrypted unless `noDecrypt`, a StringList split and a SecureString's JSON parsed unless `raw`),
`${cf:stack.Output}` and `${s3:bucket/key}`. Without credentials, or when AWS has no such value, the next
fallback applies, else the problem says why. Each value is fetched once.
"""

from __future__ import annotations

from typing import Any, Callable, Dict, Optional, Tuple

from .remote_values import Remote, Request, ssm_value

NOT_FOUND_CODES = {"ParameterNotFound", "NoSuchKey", "NoSuchBucket"}


class Fetch(Remote):
    def __init__(self, session: Optional[Any] = None) -> None:
        self._session = session  #: a boto3 Session (default: one with the default credentials)
        self.clients: Dict[Tuple[str, str], Any] = {}
        self.answers: Dict[Tuple[Request, str], Tuple[Any, str]] = {}
        self.stacks: Dict[Tuple[str, str], Dict[str, str]] = {}  #: (stack, region) -> its outputs

    def client(self, service: str, region: str) -> Any:
        if (service, region) not in self.clients:
            if self._session is None:
                import boto3  # only offline fetches: validate, plan and export never import it

                self._session = boto3.session.Session()
            self.clients[service, region] = self._session.client(service, region_name=region)
        return self.clients[service, region]

    def value(self, request: Request, region: Callable[[], str]) -> Tuple[Any, str]:
        where = request.region or region()
        if (request, where) not in self.answers:
            self.answers[request, where] = self.fetch(request, where)
        return self.answers[request, where]

    def fetch(self, request: Request, region: str) -> Tuple[Any, str]:
        from botocore.exceptions import BotoCoreError, ClientError, NoCredentialsError

        try:
            return self.ask(request, region)
        except NoCredentialsError:
            return None, f"{request.describe()} needs AWS credentials (wsapi offline reads it with boto3), and none were found"
        except ClientError as error:
            code = error.response.get("Error", {}).get("Code", "")
            message = error.response.get("Error", {}).get("Message", "")
            if code in NOT_FOUND_CODES or "does not exist" in message:
                return None, f"{request.describe()} does not exist in AWS ({region})"
            return None, f"AWS refused to read {request.describe()}: {code} {message}".rstrip()
        except BotoCoreError as error:
            return None, f"could not read {request.describe()} from AWS: {error}"

    def ask(self, request: Request, region: str) -> Tuple[Any, str]:
        if request.source == "aws" and request.address == "accountId":
            return self.client("sts", region).get_caller_identity()["Account"], ""
        if request.source == "aws":
            return self.client("sts", region).meta.partition, ""
        if request.source == "ssm":
            parameter = self.client("ssm", region).get_parameter(Name=request.address, WithDecryption=request.decrypt)["Parameter"]
            return ssm_value(request, parameter["Type"], parameter["Value"]), ""
        if request.source == "cf":
            stack, key = request.address.split(".", 1)
            if (stack, region) not in self.stacks:  # one call per stack, however many of its outputs are used
                (found,) = self.client("cloudformation", region).describe_stacks(StackName=stack)["Stacks"]
                self.stacks[stack, region] = {output["OutputKey"]: output["OutputValue"] for output in found.get("Outputs", [])}
            return self.stacks[stack, region].get(key), f"stack {stack} has no output {key}"
        bucket, key = request.address.split("/", 1)
        body = self.client("s3", region).get_object(Bucket=bucket, Key=key)["Body"].read()
        return body.decode("utf-8", errors="replace"), ""

