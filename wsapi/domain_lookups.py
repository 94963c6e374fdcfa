"""Find what a custom domain leaves to be found (`plan.Lookup`) with the provider's lookups, as
serverless-domain-manager finds them with API calls, before the component registers any child.

- The certificate (`acm.getCertificate`, issued certificates, the most recent of equals): with
  `certificateName`, the one of that name; else the closest that covers the domain: one for the domain
  itself, else a wildcard for its parent (`*.example.com` for `ws.example.com`). The plugin's own rule
  (the longest certificate name contained in the domain's) can also pick one that does not cover it
  (`example.com` for `ws.example.com`, or `*.example.com` for `a.b.example.com`); wsapi does not.
- The Route 53 zone (`route53.getZone`): the zone named like the domain, else its parent, grandparent, ...
  (the longest that ends it, as the plugin's rule), private or public as `hostedZonePrivate` says, else
  either (public first for zones of the same name).

Each lookup is one invoke per candidate until one answers; what none answers is a `ConfigError` naming the
setting to give instead, raised with every other one.
"""

from __future__ import annotations

from typing import Any, Dict, List, Optional, Sequence

import pulumi
import pulumi_aws as aws

from .errors import ConfigError, Problem
from .plan import CERTIFICATE, Lookup


def certificate_names(lookup: Lookup) -> List[str]:
    """The certificate names to try, best first."""
    if lookup.name is not None:
        return [lookup.name]
    labels = lookup.domain.split(".")
    return [lookup.domain] + (["*." + ".".join(labels[1:])] if len(labels) > 2 else [])


def zone_names(domain: str) -> List[str]:
    """The domain, then each parent down to two labels: the zone with the longest name wins."""
    labels = domain.split(".")
    return [".".join(labels[index:]) for index in range(len(labels) - 1)]


class Finder:
    def __init__(self, parent: pulumi.Resource, region: Optional[str]) -> None:
        self.options = pulumi.InvokeOptions(parent=parent)
        self.region = region  #: the service's region for the certificate (ACM is regional), else the stack's
        self.last_error = ""

    def attempt(self, lookup: Any, **args: Any) -> Optional[Any]:
        """One invoke; None when it finds nothing (the provider answers an error)."""
        try:
            return lookup(**args, opts=self.options)
        except Exception as error:  # noqa: BLE001 - "not found" comes back as an invoke error
            self.last_error = str(error).splitlines()[0] if str(error) else type(error).__name__
            return None

    def certificate(self, lookup: Lookup) -> Optional[str]:
        for name in certificate_names(lookup):
            found = self.attempt(aws.acm.get_certificate, domain=name, statuses=["ISSUED"], most_recent=True, region=self.region)
            if found is not None:
                return found.arn
        return None

    def zone(self, lookup: Lookup) -> Optional[str]:
        kinds = [False, True] if lookup.private is None else [lookup.private]
        for name in zone_names(lookup.domain):
            for private in kinds:
                found = self.attempt(aws.route53.get_zone, name=name, private_zone=private)
                if found is not None:
                    return found.zone_id
        return None

    def problem(self, lookup: Lookup) -> Problem:
        if lookup.kind == CERTIFICATE:
            tried = ", ".join(certificate_names(lookup))
            where = f" in {self.region}" if self.region else ""
            message = f"no issued ACM certificate{where} for {tried}; give certificateArn (or certificateName)"
        else:
            kind = {None: "", True: "private ", False: "public "}[lookup.private]
            message = f"no {kind}Route 53 hosted zone for {lookup.domain} (looked for {', '.join(zone_names(lookup.domain))}); give hostedZoneId"
        return Problem(lookup.path, f"{message} (last answer: {self.last_error})" if self.last_error else message)


def find(lookups: Sequence[Lookup], parent: pulumi.Resource, region: Optional[str], label: str) -> Dict[Lookup, str]:
    """The value of every lookup; a ConfigError naming each one that found nothing."""
    finder = Finder(parent, region)
    found: Dict[Lookup, str] = {}
    problems: List[Problem] = []
    for lookup in lookups:
        finder.last_error = ""
        value = finder.certificate(lookup) if lookup.kind == CERTIFICATE else finder.zone(lookup)
        if value is None:
            problems.append(finder.problem(lookup))
        else:
            found[lookup] = value
    if problems:
        raise ConfigError(problems, label)
    return found
