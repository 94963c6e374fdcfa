"""Command-line pieces every wsapi command shares: the service arguments (PATH, --stage, --region, --param,
--option), KEY=VALUE parsing and `UsageError`. A module of its own so that `wsapi.cli` and the commands it
wires in (`wsapi.offline.command`) both use it without importing each other. Standard library only."""

from __future__ import annotations

import argparse
from typing import Callable, Sequence


class UsageError(Exception):
    """A command-line argument the library never sees is malformed, or two arguments conflict. The CLI
    reports it as argparse reports its own errors: the command's usage line, then `PROG COMMAND: error: ...`."""


def split_key_value(text: str, metavar: str = "KEY=VALUE") -> tuple[str, str]:
    """`KEY=VALUE` -> (KEY, VALUE); the value may be empty or hold more `=`, the key may not be empty."""
    key, sep, value = text.partition("=")
    if not sep or not key:
        raise ValueError(f"expected {metavar}, got {text!r}")
    return key, value


def key_value_type(metavar: str = "KEY=VALUE") -> Callable[[str], str]:
    """An argparse `type=` that checks the form and keeps the text: a malformed value is refused by argparse
    itself (`argument --param: expected KEY=VALUE, got 'x'`), before anything is read."""

    def check(text: str) -> str:
        try:
            split_key_value(text, metavar)
        except ValueError as error:
            raise argparse.ArgumentTypeError(str(error)) from None
        return text

    return check


def key_values(pairs: Sequence[str], flag: str, metavar: str = "KEY=VALUE") -> dict[str, str]:
    """Repeated `flag KEY=VALUE` arguments as a mapping (the last value of a key wins)."""
    result: dict[str, str] = {}
    for pair in pairs:
        try:
            key, value = split_key_value(pair, metavar)
        except ValueError as error:
            raise UsageError(f"argument {flag}: {error}") from None
        result[key] = value
    return result


def add_service_arguments(parser: argparse.ArgumentParser) -> None:
    """PATH and the options Serverless itself takes, which every command reads the service with."""
    parser.add_argument("path", metavar="PATH", help="serverless.yml/.yaml/.json, or the folder holding it")
    parser.add_argument("--stage", help="stage (default: provider.stage, else dev)")
    parser.add_argument("--region", help="region (default: provider.region, else us-east-1)")
    parser.add_argument(
        "--param", action="append", default=[], metavar="KEY=VALUE", type=key_value_type(),
        help="value for ${param:KEY} (repeatable)",
    )  # fmt: skip
    parser.add_argument(
        "--option", action="append", default=[], metavar="KEY=VALUE", type=key_value_type(),
        help="value for ${opt:KEY} (repeatable)",
    )  # fmt: skip
