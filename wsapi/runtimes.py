"""Lambda's runtime deprecation schedule: which runtimes AWS has deprecated, and from when it refuses to create
functions on them.

Source: AWS Lambda Developer Guide, "Lambda runtimes" (https://docs.aws.amazon.com/lambda/latest/dg/lambda-runtimes.html,
tables "Supported runtimes" and "Deprecated runtimes": deprecation date, block function create, block function
update) and "Runtime deprecation" (https://docs.aws.amazon.com/lambda/latest/dg/runtime-support-policy.html).
Dates as published on 2026-12-01 (the same as cfn-lint 1.58's machine-readable copy of those tables). A runtime
is judged against today's date (UTC): deprecated from its deprecation date, refused for new functions from its
block-create date. Runtimes not listed (current ones, custom ones) have no known end.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Mapping, Optional

__all__ = ["Lifecycle", "LIFECYCLES", "lifecycle_problem", "today"]


@dataclass(frozen=True)
class Lifecycle:
    deprecated: datetime.date  #: from this day AWS no longer patches it
    create_blocked: Optional[datetime.date]  #: from this day AWS refuses to create functions on it
    successor: str


def _d(text: str) -> datetime.date:
    return datetime.date.fromisoformat(text)


def _life(deprecated: str, create_blocked: Optional[str], successor: str) -> Lifecycle:
    return Lifecycle(_d(deprecated), _d(create_blocked) if create_blocked else None, successor)


#: identifier -> (deprecation date, block function create, the family's newest runtime)
LIFECYCLES: Mapping[str, Lifecycle] = {
    "nodejs": _life("2016-08-30", "2016-09-30", "nodejs24.x"),
    "nodejs4.3": _life("2020-03-05", "2020-02-03", "nodejs24.x"),
    "nodejs4.3-edge": _life("2020-03-05", "2019-03-31", "nodejs24.x"),
    "nodejs6.10": _life("2019-08-12", "2019-07-12", "nodejs24.x"),
    "nodejs8.10": _life("2020-03-06", "2020-02-04", "nodejs24.x"),
    "nodejs10.x": _life("2021-07-30", "2021-07-30", "nodejs24.x"),
    "nodejs12.x": _life("2023-03-31", "2023-03-31", "nodejs24.x"),
    "nodejs14.x": _life("2023-12-04", "2024-01-09", "nodejs24.x"),
    "nodejs16.x": _life("2024-06-12", "2027-02-01", "nodejs24.x"),
    "nodejs18.x": _life("2025-09-01", "2027-02-01", "nodejs24.x"),
    "nodejs20.x": _life("2026-04-30", "2027-02-01", "nodejs24.x"),
    "nodejs22.x": _life("2027-04-30", "2027-06-01", "nodejs24.x"),
    "nodejs24.x": _life("2028-04-30", "2028-06-01", "nodejs24.x"),
    "python2.7": _life("2021-07-15", "2021-07-15", "python3.14"),
    "python3.6": _life("2022-07-18", "2022-07-18", "python3.14"),
    "python3.7": _life("2023-12-04", "2024-01-09", "python3.14"),
    "python3.8": _life("2024-10-14", "2027-02-01", "python3.14"),
    "python3.9": _life("2025-12-15", "2027-02-01", "python3.14"),
    "python3.10": _life("2026-10-31", "2027-02-01", "python3.14"),
    "python3.11": _life("2027-06-30", "2027-07-31", "python3.14"),
    "python3.12": _life("2028-10-31", "2028-11-30", "python3.14"),
    "python3.13": _life("2029-06-30", "2029-07-31", "python3.14"),
    "python3.14": _life("2029-06-30", "2029-07-31", "python3.14"),
    "java8": _life("2024-01-08", "2024-02-08", "java25"),
    "java8.al2": _life("2027-06-30", "2027-07-31", "java25"),
    "java11": _life("2027-06-30", "2027-07-31", "java25"),
    "java17": _life("2027-06-30", "2027-07-31", "java25"),
    "java21": _life("2029-06-30", "2029-07-31", "java25"),
    "java25": _life("2029-06-30", "2029-07-31", "java25"),
    "dotnetcore1.0": _life("2019-06-27", "2019-06-30", "dotnet10"),
    "dotnetcore2.0": _life("2019-05-30", "2019-04-30", "dotnet10"),
    "dotnetcore2.1": _life("2022-01-05", "2022-01-05", "dotnet10"),
    "dotnetcore3.1": _life("2023-04-03", "2023-04-03", "dotnet10"),
    "dotnet6": _life("2024-12-20", "2027-02-01", "dotnet10"),
    "dotnet8": _life("2026-11-10", "2027-02-01", "dotnet10"),
    "dotnet9": _life("2026-11-10", None, "dotnet10"),
    "dotnet10": _life("2028-11-14", "2028-12-14", "dotnet10"),
    "go1.x": _life("2024-01-08", "2024-02-08", "provided.al2023"),
    "provided": _life("2024-01-08", "2024-02-08", "provided.al2023"),
    "provided.al2": _life("2026-07-31", "2027-02-01", "provided.al2023"),
    "provided.al2023": _life("2029-06-30", "2029-07-31", "provided.al2023"),
    "ruby2.5": _life("2021-07-30", "2021-07-30", "ruby4.0"),
    "ruby2.7": _life("2023-12-07", "2024-01-09", "ruby4.0"),
    "ruby3.2": _life("2026-03-31", "2027-02-01", "ruby4.0"),
    "ruby3.3": _life("2027-03-31", "2027-04-30", "ruby4.0"),
    "ruby3.4": _life("2028-03-31", "2028-04-30", "ruby4.0"),
    "ruby4.0": _life("2029-03-31", "2029-04-30", "ruby4.0"),
}


def today() -> datetime.date:
    return datetime.datetime.now(datetime.timezone.utc).date()


def lifecycle_problem(runtime: str, on: datetime.date) -> Optional[tuple]:
    """(deprecated message, or None; creating is refused) for `runtime` on the day `on`."""
    life = LIFECYCLES.get(runtime)
    if life is None or on < life.deprecated:
        return None
    blocked = life.create_blocked is not None and on >= life.create_blocked
    if blocked:
        when = f"AWS has refused to create functions on it since {life.create_blocked.isoformat()}"
    elif life.create_blocked is not None:
        when = f"AWS refuses to create functions on it from {life.create_blocked.isoformat()}"
    else:
        when = "AWS has not said when it stops creating functions on it"
    message = f"{runtime} is deprecated since {life.deprecated.isoformat()}: {when}; use {life.successor}"
    return message, blocked
