"""Read serverless-domain-manager's configuration (v7) for the WebSocket API, as the plugin reads it.

What the plugin does (serverless-domain-manager 7.4.0: `dist/src/index.js`, `models/domain-config.js`,
`utils.js`, `globals.js`, `aws/acm-wrapper.js`, `aws/route53-wrapper.js`):

- It reads `custom.customDomain` and `custom.customDomains`, both, in that order (a lone mapping under
  `customDomains` is one more entry: it is concatenated to the list). An entry with a truthy `rest`, `http`
  or `websocket` key is one domain per such block, and the entry's other keys are ignored; any other entry
  is one domain of its `apiType` (`rest` unless given; the names are case-insensitive).
- `enabled`, `createRoute53Record`, `createRoute53IPv6Record`, `splitHorizonDns`, `autoDomain` and
  `preserveExternalPathMappings` are booleans or strings/numbers reading true/1/false/0 (anything else is
  an error); disabled domains are dropped after every entry is read.
- `endpointType` defaults to EDGE, which it refuses for WebSocket domains; `securityPolicy` to tls_1_2;
  `basePath` to none; `stage` to the deployed stage. Route 53: `hostedZoneId`, else the zone whose name is
  the domain's or the longest one ending it (private or public only with `hostedZonePrivate`); with
  `splitHorizonDns` (and neither of those set) the public and the private zone; A and AAAA alias records
  unless `createRoute53Record`/`createRoute53IPv6Record` is false; `route53Params` for latency or weighted
  routing (weight 200, set identifier the domain's regional target name, unless given).

wsapi reads the same settings into `model.CustomDomain`s, refusing with their path what API Gateway would
refuse at deploy time (an EDGE or TLS 1.0 WebSocket domain, mutual TLS, a domain also used for a REST or HTTP
API) and what it cannot do (Route 53 records in another account), and warning about unknown keys and
settings that have no effect. `rest`/`http` domains are left to the plugin, with a note.

The settings are read at deferred paths: a value whose variables cannot be resolved (`${ssm:...}`) is kept
as a problem of the domain, reported by what deploys it (plan, export, the component), never by validate or
offline.
"""

from __future__ import annotations

import dataclasses
import re
from typing import Any, Callable, Dict, List, Mapping, Optional, Tuple

from . import naming
from .errors import Problem, join_path
from .functions import unresolved_in
from .model import CustomDomain, Unresolved
from .readers import TypedReader, deploy_time_deferred, read_declared, reads, type_name

API_TYPES = ("http", "rest", "websocket")  #: the plugin's order (globals.apiTypes)
WEBSOCKET = "websocket"
#: why a custom domain's setting cannot be a value found only at deploy time (`${ssm:...}`)
DEPLOY_TIME_WHY = "a custom domain's settings are read before deploying, and this value is found only at deploy time; give the value itself (e.g. with ${param:...})"
#: Every setting of a domain the plugin knows (its README and models/domain-config.js).
PLUGIN_KEYS = (
    "domainName", "basePath", "stage", "certificateName", "certificateArn", "createRoute53Record",
    "createRoute53IPv6Record", "route53Profile", "route53Region", "endpointType", "apiType", "tlsTruststoreUri",
    "tlsTruststoreVersion", "hostedZoneId", "hostedZonePrivate", "splitHorizonDns", "enabled", "securityPolicy",
    "allowPathMatching", "autoDomain", "autoDomainWaitFor", "route53Params", "preserveExternalPathMappings",
)  # fmt: skip
ROUTE53_PARAMS_KEYS = ("routingPolicy", "weight", "setIdentifier", "healthCheckId")
ROUTING_POLICIES = ("simple", "latency", "weighted")
#: Settings that only concern the Route 53 records.
RECORD_KEYS = ("createRoute53IPv6Record", "hostedZoneId", "hostedZonePrivate", "splitHorizonDns", "route53Params")
TRUE_WORDS, FALSE_WORDS = ("true", "1"), ("false", "0")
#: The plugin's "(none)": no base path.
NO_BASE_PATH = "(none)"
RESERVED_BASE_PATHS = ("ping", "sping")
MAX_BASE_PATH = 300
_LABEL = r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?"
DOMAIN_NAME = re.compile(rf"(?=.{{1,253}}$){_LABEL}(?:\.{_LABEL})+")
BASE_PATH_SEGMENT = re.compile(r"[A-Za-z0-9$\-_.+!*'()]+")
HOSTED_ZONE_ID = re.compile(r"[A-Z0-9]{1,32}")
#: API Gateway's quota of regional custom domain names per account and region (raisable).
MAX_DOMAINS = 120
#: More domains than any account could be granted: refused, so a small hostile file cannot make a plan of
#: many thousands of resources.
MAX_DOMAINS_ACCEPTED = 1000


class DomainReader(TypedReader):
    """Reads every domain entry of the document; `read` returns the enabled WebSocket domains and what
    deploying them needs that could not be resolved."""

    def __init__(
        self, document: Mapping[str, Any], report: Callable[[str, str], None], warn: Callable[[str, str], None],
        stage: str, tags: Mapping[str, str],
    ) -> None:  # fmt: skip
        self.doc = document
        self._report = report
        self.warn = warn
        self.stage = stage
        self.provider_tags = dict(tags)
        self.deploy_problems: List[Problem] = []  #: unresolved values of the service (whole blocks, stackTags)
        self.other_domains: Dict[str, str] = {}  #: REST/HTTP domain names -> where they are declared
        self.reported = 0  #: problems of the document found so far

    def report(self, path: str, message: str) -> None:
        self.reported += 1
        self._report(path, message)

    # -- the entries ---------------------------------------------------------------------------------------

    @reads("custom.customDomain", deferred=True)
    def single(self, value: Any, path: str) -> List[Tuple[Mapping[str, Any], str]]:
        value = deploy_time_deferred(value, path, DEPLOY_TIME_WHY)
        if value is None:
            return []
        if isinstance(value, Unresolved):
            self.deploy_problems.extend(value.problems)
            return []
        entry = self.mapping(value, path)
        return [] if entry is None else self.websocket_blocks(entry, path)

    @reads("custom.customDomains", deferred=True)
    def listed(self, value: Any, path: str) -> List[Tuple[Mapping[str, Any], str]]:
        value = deploy_time_deferred(value, path, DEPLOY_TIME_WHY)
        if value is None:
            return []
        if isinstance(value, Unresolved):
            self.deploy_problems.extend(value.problems)
            return []
        if isinstance(value, Mapping):  # the plugin concatenates a lone mapping as one more entry
            return self.websocket_blocks(value, path)
        if not isinstance(value, list):
            self.report(path, f"must be a list of domain settings, got {type_name(value)}")
            return []
        found = []
        for index, item in enumerate(value):
            where = f"{path}[{index}]"
            if isinstance(item, Unresolved):
                self.deploy_problems.extend(item.problems)
            elif self.mapping(item, where) is not None:
                found.extend(self.websocket_blocks(item, where))
        return found

    @reads("provider.stackTags", deferred=True)
    def stack_tags(self, value: Any, path: str) -> Dict[str, str]:
        """Tags of the domain: the plugin creates it with provider.stackTags overlaid with provider.tags."""
        clean, problems = unresolved_in(deploy_time_deferred(value, path, DEPLOY_TIME_WHY), path)
        self.deploy_problems.extend(problems)
        return self.tags(clean, path)

    def websocket_blocks(self, entry: Mapping[str, Any], path: str) -> List[Tuple[Mapping[str, Any], str]]:
        """The WebSocket domain settings of one entry: its `websocket` block, or the entry itself with
        `apiType: websocket`. REST and HTTP domains are noted and left to the plugin."""
        typed = [key for key in API_TYPES if entry.get(key)]
        if typed:
            for key in entry:
                if key not in API_TYPES:
                    self.warn(join_path(path, str(key)), "ignored: beside rest/http/websocket blocks, serverless-domain-manager reads only the blocks")
            found = []
            for key in typed:
                where = f"{path}.{key}"
                block = entry[key]
                if isinstance(block, Unresolved):
                    if key == WEBSOCKET:
                        self.deploy_problems.extend(block.problems)
                elif key != WEBSOCKET:
                    self.other_api(block, where, key)
                elif self.mapping(block, where) is not None:
                    found.append((block, where))
            return found
        api_type = entry.get("apiType")
        if isinstance(api_type, Unresolved):
            self.deploy_problems.extend(api_type.problems)
            return []
        if api_type is not None and not (isinstance(api_type, str) and api_type.lower() in API_TYPES):
            self.report(f"{path}.apiType", f"must be rest, http or websocket, got {api_type!r}")
            return []
        if api_type is not None and api_type.lower() == WEBSOCKET:
            return [(entry, path)]
        self.other_api(entry, path, (api_type or "rest").lower())
        return []

    def other_api(self, block: Any, path: str, api_type: str) -> None:
        self.warn(path, f"a custom domain of the {api_type.upper()} API: left to serverless-domain-manager (wsapi deploys only the WebSocket API)")
        name = block.get("domainName") if isinstance(block, Mapping) else None
        if isinstance(name, str):
            self.other_domains.setdefault(name.lower(), path)

    # -- the whole ---------------------------------------------------------------------------------------

    def read(self) -> Tuple[Tuple[CustomDomain, ...], Tuple[Problem, ...]]:
        entries = read_declared(self.doc, self.single) + read_declared(self.doc, self.listed)
        if len(entries) > MAX_DOMAINS_ACCEPTED:  # bounds compile time and memory on hostile input
            self.report("custom.customDomains", f"{len(entries):,} WebSocket domains: wsapi accepts at most {MAX_DOMAINS_ACCEPTED:,}")
            return (), ()
        domains = [domain for entry, path in entries for domain in [self.domain(entry, path)] if domain is not None]
        if domains:
            tags = {**read_declared(self.doc, self.stack_tags), **self.provider_tags}
            domains = [dataclasses.replace(d, tags=tags) for d in domains]
        self.cross_checks(domains)
        if len(domains) > MAX_DOMAINS:
            self.warn("custom", f"{len(domains)} WebSocket domains: API Gateway allows {MAX_DOMAINS} regional custom domain names per account and region unless the quota is raised")
        return tuple(domains), tuple(self.deploy_problems)

    def cross_checks(self, domains: List[CustomDomain]) -> None:
        first: Dict[str, CustomDomain] = {}
        ids: Dict[str, CustomDomain] = {}
        for domain in domains:
            if domain.problems:
                continue  # its name may not be known yet
            where = f"{domain.path}.domainName"
            other = self.other_domains.get(domain.domain_name)
            if other is not None:
                self.report(where, f"{domain.domain_name!r} is also the custom domain at {other}: API Gateway cannot map one domain name to a WebSocket API and a REST or HTTP API")
            if domain.domain_name in first:
                self.report(where, f"{domain.domain_name!r} is already declared at {first[domain.domain_name].path}; each domain may appear once")
                continue
            first[domain.domain_name] = domain
            logical_id = naming.domain_name(domain.domain_name)
            longest = naming.domain_record(domain.domain_name, "AAAA", private=True)
            if len(longest) > naming.MAX_LOGICAL_ID:
                self.report(where, f"a domain name of {len(domain.domain_name)} characters gives logical ids of up to {len(longest)} characters; CloudFormation allows {naming.MAX_LOGICAL_ID}")
            elif logical_id in ids:
                self.report(where, f"{domain.domain_name!r} and {ids[logical_id].domain_name!r} (at {ids[logical_id].path}) both become the logical id {logical_id}; rename one")
            ids.setdefault(logical_id, domain)

    # -- one domain --------------------------------------------------------------------------------------

    def domain(self, entry: Mapping[str, Any], path: str) -> Optional[CustomDomain]:
        """The domain of one WebSocket entry, or None when it is disabled or wrong."""
        config, unresolved = unresolved_in(entry, path)
        self.unknown_settings(config, PLUGIN_KEYS, path)
        dropped = {key for key in entry if key not in config}  # unresolved: not checked until they resolve
        before = self.reported
        enabled = self.flag(config, "enabled", path, True)
        if enabled is False:
            return None  # nothing of it is deployed (a stage may disable a domain set up for another stage)
        self.refused(config, path)
        settings = self.settings(config, path, dropped)
        records = self.records(config, path)
        if self.reported > before or enabled is None:
            return None
        if settings["domain_name"] is None:  # its variables did not resolve: deploying it reports them
            settings["domain_name"] = str(entry["domainName"].text)
        return CustomDomain(path=path, problems=tuple(unresolved), **settings, **records)

    def settings(self, config: Mapping[str, Any], path: str, dropped: set) -> Dict[str, Any]:
        name = self.domain_name(config, path, dropped)
        base_path = self.base_path(config.get("basePath"), f"{path}.basePath")
        self.stage_setting(config.get("stage"), f"{path}.stage")
        self.endpoint_type(config, path, dropped)
        policy = self.security_policy(config.get("securityPolicy"), f"{path}.securityPolicy")
        arn = self.certificate_arn(config.get("certificateArn"), f"{path}.certificateArn")
        certificate_name = self.string(config.get("certificateName"), f"{path}.certificateName")
        if arn is not None and certificate_name is not None:
            self.warn(f"{path}.certificateName", "has no effect: certificateArn is given")
            certificate_name = None
        self.flag(config, "autoDomain", path, False)  # wsapi always deploys the domain with the stack
        retain = bool(self.flag(config, "preserveExternalPathMappings", path, False))
        return {
            "domain_name": name, "base_path": base_path or "", "certificate_arn": arn,
            "certificate_name": certificate_name, "security_policy": policy, "retain": retain,
        }  # fmt: skip

    def refused(self, config: Mapping[str, Any], path: str) -> None:
        """Settings API Gateway or wsapi cannot honour for a WebSocket domain."""
        if "route53Profile" in config:
            self.report(f"{path}.route53Profile", "Route 53 records in another account need that account's credentials, which wsapi does not take: set createRoute53Record: false and create the alias records there (the domain's target is the DomainName resource's regional domain name)")
        elif "route53Region" in config:
            self.warn(f"{path}.route53Region", "has no effect without route53Profile")
        for key in ("tlsTruststoreUri", "tlsTruststoreVersion"):
            if key in config:
                self.report(f"{path}.{key}", "mutual TLS: API Gateway offers it for REST and HTTP APIs, not for WebSocket APIs")

    def domain_name(self, config: Mapping[str, Any], path: str, dropped: set) -> Optional[str]:
        where = f"{path}.domainName"
        if "domainName" not in config:
            if "domainName" not in dropped:
                self.report(where, "is required: the custom domain name")
            return None
        name = self.string(config["domainName"], where)
        if name is None:
            return None
        if not DOMAIN_NAME.fullmatch(name):
            if DOMAIN_NAME.fullmatch(name.lower()):
                self.report(where, f"must be lower case: API Gateway does not take upper-case letters in domain names (use {name.lower()!r})")
            else:
                self.report(where, f"{name!r} is not a domain name API Gateway takes: lower-case letters, digits and hyphens in two or more dot-separated labels")
            return None
        return name

    def base_path(self, value: Any, path: str) -> Optional[str]:
        text = self.string(value, path, non_empty=False)
        if text is None or not text.strip() or text == NO_BASE_PATH:
            return None
        segments = text.split("/")
        if len(text) > MAX_BASE_PATH or not all(BASE_PATH_SEGMENT.fullmatch(s) for s in segments):
            self.report(path, f"{text!r} is not an API mapping key API Gateway takes: at most {MAX_BASE_PATH} letters, digits and $-_.+!*'() in /-separated parts, none empty")
            return None
        if text in RESERVED_BASE_PATHS:
            self.warn(path, "/ping and /sping are reserved for API Gateway's health check")
        return text

    def stage_setting(self, value: Any, path: str) -> None:
        stage = self.string(value, path)
        if stage is not None and stage != self.stage:
            self.report(path, f"is {stage!r} but the service deploys stage {self.stage!r}: wsapi maps the domain to the stage it deploys (remove the setting, or write ${{sls:stage}})")

    def endpoint_type(self, config: Mapping[str, Any], path: str, dropped: set) -> None:
        where = f"{path}.endpointType"
        if "endpointType" not in config:
            if "endpointType" not in dropped:
                self.warn(where, "not set: serverless-domain-manager then uses EDGE, which it refuses for WebSocket APIs; wsapi uses REGIONAL, the only type they take (write endpointType: REGIONAL)")
            return
        value = self.string(config["endpointType"], where)
        if value is None:
            return
        if value.lower() == "edge":
            self.report(where, "EDGE: WebSocket APIs take REGIONAL custom domains only")
        elif value.lower() != "regional":
            self.report(where, f"must be REGIONAL (WebSocket APIs take no other), got {value!r}")

    def security_policy(self, value: Any, path: str) -> str:
        policy = self.string(value, path)
        if policy is not None and policy.lower() != "tls_1_2":
            known = policy.lower() in ("tls_1_0", "tls_1_3")
            self.report(path, f"{policy}: WebSocket APIs take only tls_1_2" if known else f"must be tls_1_2 (the only security policy of WebSocket APIs), got {policy!r}")
        return "TLS_1_2"

    def certificate_arn(self, value: Any, path: str) -> Optional[str]:
        arn = self.string(value, path)
        if arn is not None and not (arn.startswith("arn:") and ":acm:" in arn and ":certificate/" in arn):
            self.report(path, f"must be an ACM certificate ARN (arn:...:acm:...:certificate/...), got {arn!r}")
            return None
        return arn

    # -- the records ---------------------------------------------------------------------------------------

    def records(self, config: Mapping[str, Any], path: str) -> Dict[str, Any]:
        create = bool(self.flag(config, "createRoute53Record", path, True))
        ipv6 = bool(self.flag(config, "createRoute53IPv6Record", path, True))
        zone_id = self.hosted_zone_id(config.get("hostedZoneId"), f"{path}.hostedZoneId")
        private = self.boolean(config.get("hostedZonePrivate"), f"{path}.hostedZonePrivate")
        split = bool(self.flag(config, "splitHorizonDns", path, False))
        routing = self.routing(config.get("route53Params"), f"{path}.route53Params")
        if not create:
            for key in RECORD_KEYS:
                if key in config:
                    self.warn(f"{path}.{key}", "has no effect: createRoute53Record is false")
        elif split and (zone_id is not None or private):
            self.warn(f"{path}.splitHorizonDns", f"has no effect: {'hostedZoneId' if zone_id is not None else 'hostedZonePrivate'} chooses the zone")
            split = False
        return {
            "create_record": create, "create_ipv6_record": ipv6, "hosted_zone_id": zone_id,
            "hosted_zone_private": private, "split_horizon_dns": split, **routing,
        }  # fmt: skip

    def hosted_zone_id(self, value: Any, path: str) -> Optional[str]:
        zone = self.string(value, path)
        if zone is None:
            return None
        zone = zone.removeprefix("/hostedzone/")
        if not HOSTED_ZONE_ID.fullmatch(zone):
            self.report(path, f"must be a Route 53 hosted zone id (Z...), got {value!r}")
            return None
        return zone

    def routing(self, value: Any, path: str) -> Dict[str, Any]:
        params = self.mapping(value, path) or {}
        self.unknown_settings(params, ROUTE53_PARAMS_KEYS, path)
        policy = self.string(params.get("routingPolicy"), f"{path}.routingPolicy")
        if policy is not None and policy.lower() not in ROUTING_POLICIES:
            self.report(f"{path}.routingPolicy", f"must be simple, latency or weighted, got {policy!r}")
            policy = None
        policy = (policy or "simple").lower()
        weight = self.whole(params.get("weight"), f"{path}.weight", 0, 255)
        identifier = self.string(params.get("setIdentifier"), f"{path}.setIdentifier")
        if identifier is not None and len(identifier) > 128:
            self.report(f"{path}.setIdentifier", "must be at most 128 characters")
        health_check = self.string(params.get("healthCheckId"), f"{path}.healthCheckId")
        unused = {"simple": ("weight", "setIdentifier", "healthCheckId"), "latency": ("weight",), "weighted": ()}[policy]
        for key in unused:
            if key in params:
                self.warn(f"{path}.{key}", f"has no effect with {policy} routing")
        return {
            "routing_policy": policy, "set_identifier": identifier if policy != "simple" else None,
            "weight": 200 if weight is None else weight, "health_check_id": health_check if policy != "simple" else None,
        }  # fmt: skip

    # -- values ----------------------------------------------------------------------------------------------

    def unknown_settings(self, config: Mapping[str, Any], known: Tuple[str, ...], path: str) -> None:
        """Warned, not refused: the plugin ignores what it does not know."""
        for key in config:
            if key not in known:
                self.warn(join_path(path, str(key)), f"unknown setting of serverless-domain-manager; expected one of: {', '.join(known)}")

    def flag(self, config: Mapping[str, Any], key: str, path: str, default: bool) -> Optional[bool]:
        """The plugin's `evaluateBoolean`: a boolean, or a string or number reading true/1/false/0."""
        if key not in config:
            return default
        value = config[key]
        if isinstance(value, bool):
            return value
        if isinstance(value, (int, float)):
            text = str(int(value)) if float(value).is_integer() else str(value)
        elif isinstance(value, str):
            text = value.strip().lower()
        else:
            text = None
        if text in TRUE_WORDS or text in FALSE_WORDS:
            return text in TRUE_WORDS
        self.report(f"{path}.{key}", f"must be true or false (or a string reading true, false, 1 or 0), got {value!r}")
        return None
