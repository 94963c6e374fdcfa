"""Values only AWS knows (`${aws:accountId}`, `${ssm:...}`, `${cf:...}`, `${s3:...}`): what the variable sources
give for them, by who asks.

Serverless reads them when it packages. wsapi reads the file before anything is deployed, so for `validate`,
`plan`, `export` and the Pulumi component (`DeployTime`) each becomes a value found at deploy time:
`${aws:accountId}`/`${aws:partition}` the pseudo parameters (`{"Ref": "AWS::AccountId"}`), the others a
`{"wsapi:Remote": {...}}` mapping (`REMOTE`, an intrinsic of wsapi's own: `intrinsics`), which the compile
step turns into `plan.Remote` and each renderer into its own form (a provider lookup in Pulumi, a template
parameter or dynamic reference in CloudFormation). `wsapi offline` runs the functions now, so it fetches them
(`aws_fetch.Fetch`, boto3).

A `Remote` answers `value(request)` with the value, or `None` and a note saying why there is none (the next
fallback is then tried). A deploy-time value is taken only when no fallback follows it (`deferrable`):
whether the parameter exists is known only when deploying, so `${ssm:/a, 'default'}` gives 'default'.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, Callable, Optional, Tuple

REMOTE = "wsapi:Remote"  #: the key of a deploy-time value in a resolved document
SECRETS_MANAGER = "/aws/reference/secretsmanager/"  #: SSM's path into Secrets Manager
PSEUDO = {"accountId": "AWS::AccountId", "partition": "AWS::Partition"}


@dataclass(frozen=True)
class Request:
    """One remote value a variable asks for."""

    source: str  #: "aws", "ssm", "cf" or "s3"
    address: str  #: accountId | partition (aws), the parameter's name (ssm), `stack.Output` (cf), `bucket/key` (s3)
    region: Optional[str] = None  #: `${ssm(eu-west-1):...}`, `${cf(eu-west-1):...}`
    secret: bool = False  #: `~true` (Serverless v2's decrypt), or a Secrets Manager reference
    split: bool = False  #: `~split` (v2): a StringList as a list
    raw: bool = False  #: `raw`: neither split nor JSON-parsed
    decrypt: bool = True  #: `noDecrypt` turns it off
    variable: str = ""  #: the variable as written, for messages (not kept in the document)

    def describe(self) -> str:
        """The variable it came from, as it could be written (`${ssm(eu-west-1):/name}`)."""
        return "${" + self.source + (f"({self.region})" if self.region else "") + ":" + self.address + "}"

    def as_document(self) -> dict:
        """The mapping a deploy-time value is in the resolved document (plain data: it is copied and hashed)."""
        fields: dict = {"source": self.source, "address": self.address}  # no variable text: it would resolve again
        for name in ("region",):
            if getattr(self, name) is not None:
                fields[name] = getattr(self, name)
        for name in ("secret", "split", "raw"):
            if getattr(self, name):
                fields[name] = True
        if not self.decrypt:
            fields["decrypt"] = False
        return {REMOTE: fields}


def request_of(document: Any) -> Optional[Request]:
    """The request a `{"wsapi:Remote": {...}}` mapping stands for (None for anything else)."""
    if not (isinstance(document, dict) and set(document) == {REMOTE} and isinstance(document[REMOTE], dict)):
        return None
    fields = document[REMOTE]
    try:
        return Request(
            str(fields["source"]), str(fields["address"]), fields.get("region"), bool(fields.get("secret")),
            bool(fields.get("split")), bool(fields.get("raw")), fields.get("decrypt", True) is not False,
        )
    except KeyError:
        return None


class Remote:
    """Where remote values come from (see the module's docstring)."""

    #: True when a value stands for one found later: taken only when no fallback follows
    deferrable = False

    def value(self, request: Request, region: Callable[[], str]) -> Tuple[Any, str]:
        """The value, or (None, why not). `region()`: the service's region, for a request that names none."""
        raise NotImplementedError


class DeployTime(Remote):
    """Every remote value found at deploy time."""

    deferrable = True

    def value(self, request: Request, region: Callable[[], str]) -> Tuple[Any, str]:
        note = f"{request.variable} is found only at deploy time and a fallback follows"
        if request.source == "aws":
            return {"Ref": PSEUDO[request.address]}, note
        return request.as_document(), note


def ssm_value(request: Request, type_: str, value: str) -> Any:
    """A parameter's value as Serverless v3 reads it: a StringList as a list (unless `raw`; v2's `~split`
    always), a SecureString holding JSON parsed (unless `raw`)."""
    if type_ == "StringList" and (request.split or not request.raw):
        return value.split(",")
    if type_ == "SecureString" and not request.raw and value.startswith("{"):
        try:
            return json.loads(value)
        except ValueError:
            return value
    return value
