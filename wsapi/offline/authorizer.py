"""A `$connect` Lambda REQUEST authorizer, as API Gateway applies it: pure functions for the identity-source
check and for the evaluation of the authorizer's response.

- Every identity source must be present and non-empty, else 401 without calling the authorizer.
- An authorizer that raises `Exception("Unauthorized")` gives 401; any other failure, or a response API
  Gateway cannot use (no principalId, no policy document, context values that are not strings, numbers or
  booleans), gives 500.
- A policy with a Deny statement matching the method ARN gives 403; without a matching Allow, 403 too.
- Allowed: `requestContext.authorizer` is the principalId, the context values (as strings, as API Gateway
  passes them) and integrationLatency.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Dict, Mapping, Optional, Sequence, Tuple

HEADER_SOURCE = "route.request.header."
QUERY_SOURCE = "route.request.querystring."


@dataclass(frozen=True)
class Decision:
    status: int  #: 200 when allowed, else the HTTP status the upgrade request gets
    reason: str = ""
    authorizer: Dict[str, Any] = field(default_factory=dict)

    @property
    def allowed(self) -> bool:
        return self.status == 200


def missing_identity_sources(
    sources: Sequence[str], headers: Sequence[Tuple[str, str]], query: Sequence[Tuple[str, str]]
) -> Tuple[str, ...]:
    """The identity sources the request lacks (headers match case-insensitively, query keys exactly)."""
    header_values = {name.lower(): value for name, value in headers}
    query_values = dict(query)
    missing = []
    for source in sources:
        if source.startswith(HEADER_SOURCE):
            value = header_values.get(source[len(HEADER_SOURCE) :].lower())
        elif source.startswith(QUERY_SOURCE):
            value = query_values.get(source[len(QUERY_SOURCE) :])
        elif source.startswith("context."):
            value = "context"  # request context variables are always there
        else:  # stageVariables.X: Serverless v3 defines no stage variables, so API Gateway never finds one
            value = None
        if not value:
            missing.append(source)
    return tuple(missing)


def _matches(pattern: str, value: str) -> bool:
    """IAM wildcard matching: `*` any run of characters, `?` any one character."""
    regex = "".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in pattern)
    return re.fullmatch(regex, value, re.DOTALL) is not None


def _as_list(value: Any) -> list:
    if value is None:
        return []
    return list(value) if isinstance(value, (list, tuple)) else [value]


def _statement_matches(statement: Mapping[str, Any], method_arn: str) -> bool:
    actions = [a for a in _as_list(statement.get("Action")) if isinstance(a, str)]
    if not any(_matches(a.lower(), "execute-api:invoke") for a in actions):
        return False
    resources = [r for r in _as_list(statement.get("Resource")) if isinstance(r, str)]
    return any(_matches(r, method_arn) for r in resources)


def evaluate_policy(policy: Any, method_arn: str) -> Tuple[Optional[bool], str]:
    """(True, "") when an Allow statement matches and no Deny does; (False, why) when denied; (None, why)
    when the document is malformed."""
    if not isinstance(policy, Mapping):
        return None, "the response has no policyDocument object"
    statements = policy.get("Statement")
    if isinstance(statements, Mapping):
        statements = [statements]
    if not isinstance(statements, list) or not all(isinstance(s, Mapping) for s in statements):
        return None, "policyDocument.Statement must be a statement or a list of statements"
    matching = [s for s in statements if _statement_matches(s, method_arn)]
    if any(s.get("Effect") == "Deny" for s in matching):
        return False, "the policy denies " + method_arn
    if any(s.get("Effect") == "Allow" for s in matching):
        return True, ""
    return False, "no statement of the policy allows " + method_arn


def context_values(context: Any) -> Tuple[Optional[Dict[str, str]], str]:
    """The authorizer context as API Gateway passes it on: every value a string."""
    if context is None:
        return {}, ""
    if not isinstance(context, Mapping):
        return None, "the authorizer response context must be an object"
    values: Dict[str, str] = {}
    for key, value in context.items():
        if isinstance(value, bool):
            values[str(key)] = "true" if value else "false"
        elif isinstance(value, (str, int, float)):
            values[str(key)] = str(value)
        else:
            return None, f"authorizer context value {key!r} must be a string, number or boolean"
    return values, ""


def decide(response: Any, method_arn: str, latency_ms: int) -> Decision:
    """Evaluate what the authorizer function returned."""
    if not isinstance(response, Mapping):
        return Decision(500, "the authorizer must return an object with principalId and policyDocument")
    principal = response.get("principalId")
    if not isinstance(principal, (str, int, float)) or isinstance(principal, bool) or principal == "":
        return Decision(500, "the authorizer response has no principalId")
    allowed, why = evaluate_policy(response.get("policyDocument"), method_arn)
    if allowed is None:
        return Decision(500, why)
    if not allowed:
        return Decision(403, why)
    context, why = context_values(response.get("context"))
    if context is None:
        return Decision(500, why)
    authorizer: Dict[str, Any] = dict(context)
    authorizer["principalId"] = str(principal)
    authorizer["integrationLatency"] = latency_ms
    return Decision(200, "", authorizer)


def decide_error(error_message: str) -> Decision:
    """An authorizer that raised: `Unauthorized` is API Gateway's cue for 401."""
    if error_message == "Unauthorized":
        return Decision(401, "the authorizer raised Unauthorized")
    return Decision(500, f"the authorizer failed: {error_message}")
