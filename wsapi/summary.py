"""The short report `wsapi validate` prints for a valid service."""

from __future__ import annotations

from typing import Sequence

from .model import Authorizer, Service


def table(rows: Sequence[Sequence[str]]) -> list[str]:
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    return ["  ".join(cell.ljust(width) for cell, width in zip(row, widths)).rstrip() for row in rows]


def describe_authorizer(authorizer: Authorizer | None) -> str:
    if authorizer is None:
        return "-"
    where = authorizer.function_key if authorizer.function_key else "external ARN"
    return f"{authorizer.name} ({where}; {', '.join(authorizer.identity_sources)})"


def describe_logs(service: Service) -> str:
    logs = service.logs
    if logs is None:
        return "off"
    parts = []
    if logs.access_logging:
        parts.append("access logs")
    parts.append(f"execution logs {logs.level}" if logs.execution_logging else "no execution logs")
    if service.log_retention_in_days:
        parts.append(f"retention {service.log_retention_in_days} days")
    return ", ".join(parts)


def summarize(service: Service) -> str:
    api = "external " + str(service.external_api_id) if service.external_api_id is not None else service.api_name
    lines = [
        f"service {service.name}, stage {service.stage}, region {service.region}: valid",
        f"API: {api}; route selection {service.route_selection_expression}; logs: {describe_logs(service)}",
    ]
    if service.custom_domains:  # serverless-domain-manager's, deployed with the API
        lines.append("custom domains: " + ", ".join(domain.url for domain in service.custom_domains))
    lines.append("")
    if service.routes:
        rows = [("ROUTE", "FUNCTION", "DEPLOYED AS", "AUTHORIZER")]
        for route in service.routes:
            function = service.functions[route.function_key]
            deployed = function.deployed_name + (f":{function.alias}" if function.alias else "")
            rows.append((route.route_key, function.key, deployed, describe_authorizer(route.authorizer)))
        lines.extend(table(rows))
        lines.append("")
    counts = ", ".join(
        counted(len(things), noun)
        for things, noun in ((service.routes, "route"), (service.route_functions, "function"), (service.authorizers, "authorizer"))
    )
    lines.append(counts + ("" if service.routes else " (no websocket events: nothing to deploy)"))
    return "\n".join(lines) + "\n"


def counted(count: int, noun: str) -> str:
    """`1 route`, `2 routes`, `0 routes`."""
    return f"{count} {noun}{'' if count == 1 else 's'}"
