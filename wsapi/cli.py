"""`python -m wsapi`: validate, plan and export a serverless.yml's WebSocket API. Thin by design: parse
arguments, call the library, print. Bad input exits 2 with one `FILE: path: message` line per problem."""

from __future__ import annotations

import argparse
import json
import os
import sys
from typing import Any, Callable, Optional, Sequence

from .errors import ConfigError
from .offline.command import add_arguments as add_offline_arguments

EXIT_OK = 0
EXIT_INTERNAL = 1
EXIT_BAD_INPUT = 2


class UsageError(Exception):
    """A command-line argument the library never sees is malformed."""


def key_values(pairs: Sequence[str], flag: str) -> dict[str, str]:
    result: dict[str, str] = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key:
            raise UsageError(f"{flag}: expected KEY=VALUE, got {pair!r}")
        result[key] = value
    return result


def add_service_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("path", metavar="PATH", help="serverless.yml/.yaml/.json, or the folder holding it")
    parser.add_argument("--stage", help="stage (default: provider.stage, else dev)")
    parser.add_argument("--region", help="region (default: provider.region, else us-east-1)")
    parser.add_argument("--param", action="append", default=[], metavar="KEY=VALUE", help="value for ${param:KEY}")
    parser.add_argument("--option", action="append", default=[], metavar="KEY=VALUE", help="value for ${opt:KEY}")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m wsapi", description=__doc__.split(".")[0] + ".")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    validate = commands.add_parser("validate", help="check a serverless.yml and summarize its routes")
    add_service_arguments(validate)

    plan = commands.add_parser("plan", help="list what the Pulumi component would create, as pulumi preview does")
    add_service_arguments(plan)
    plan.add_argument("--name", help="component name (default: the service name)")
    plan.add_argument(
        "--with-functions", action="store_true",
        help="also the Lambda functions, role and log groups (the component's create_functions=True)",
    )
    plan.add_argument(
        "--function", action="append", default=[], metavar="KEY=ARN",
        help="a function deployed elsewhere (with --with-functions: not created)",
    )

    export = commands.add_parser("export", help="render the WebSocket API as a CloudFormation template")
    add_service_arguments(export)
    export.add_argument("--format", choices=("json", "yaml"), default="json")
    export.add_argument(
        "--compat", choices=("serverless-v3",), help="the websocket part exactly as `serverless package` (v3) writes it"
    )
    export.add_argument(
        "--function", action="append", default=[], metavar="KEY=ARN",
        help="ARN of a function deployed elsewhere (default: built from Serverless naming in the stack's account)",
    )
    export.add_argument(
        "--with-functions", action="store_true",
        help="also create the Lambda functions, their role and log groups; their code is read from S3 (template parameters)",
    )
    export.add_argument(
        "--artifacts", metavar="DIR",
        help="with --with-functions: write the code archives under DIR, at the S3 keys the template expects",
    )
    export.add_argument("-o", "--output", metavar="FILE", help="write here instead of stdout (written only on success)")
    offline = commands.add_parser(
        "offline", help="serve the WebSocket API locally, each function in its own warm worker processes"
    )
    add_service_arguments(offline)
    add_offline_arguments(offline)
    return parser


def load(args: argparse.Namespace):
    from .config import load_service

    service = load_service(
        args.path,
        stage=args.stage,
        region=args.region,
        params=key_values(args.param, "--param"),
        options=key_values(args.option, "--option"),
    )
    for warning in service.warnings:
        print(warning.format_warning(args.path), file=sys.stderr)
    return service


def run_validate(args: argparse.Namespace) -> str:
    from .summary import summarize

    return summarize(load(args))


def run_plan(args: argparse.Namespace) -> str:
    from .compile import compile_service
    from .plan_listing import describe_plan

    external = key_values(args.function, "--function")
    service = load(args)
    try:
        plan = compile_service(service, with_functions=args.with_functions, external_functions=tuple(external))
    except ConfigError as error:
        raise error.with_file(args.path) from None
    return describe_plan(plan, args.name or service.name)


def run_export(args: argparse.Namespace) -> str:
    from .compile import compile_service
    from .plan import COMPAT, STANDALONE
    from .render_cfn import limit_warnings, render_template

    if args.with_functions and args.compat:
        raise UsageError("--with-functions: a --compat serverless-v3 export is the websocket part of a Serverless stack, whose functions Serverless creates")
    if args.artifacts and not args.with_functions:
        raise UsageError("--artifacts: the code archives belong to --with-functions")
    function_arns = key_values(args.function, "--function")
    service = load(args)
    try:
        plan = compile_service(
            service, COMPAT if args.compat else STANDALONE, with_functions=args.with_functions,
            external_functions=tuple(function_arns),
        )
        template = render_template(plan, function_arns)
    except ConfigError as error:
        raise error.with_file(args.path) from None
    if args.artifacts:
        from pathlib import Path

        from .packaging import write_archive
        from .render_cfn import code_archives

        for archive in code_archives(plan):
            target = Path(args.artifacts) / archive.s3_key(service.name, service.stage)
            write_archive(archive, target)
            print(f"{args.path}: wrote {target} ({', '.join(archive.functions)})", file=sys.stderr)
    text = dump(template, args.format)
    for warning in limit_warnings(template, len(text.encode())):
        print(f"{args.path}: warning: {warning}", file=sys.stderr)
    return text


def dump(template: dict, fmt: str) -> str:
    if fmt == "yaml":
        import yaml

        dumper = getattr(yaml, "CSafeDumper", yaml.SafeDumper)
        return yaml.dump(template, Dumper=dumper, sort_keys=False, default_flow_style=False, allow_unicode=True, width=120)
    return json.dumps(template, indent=2, ensure_ascii=False) + "\n"


def write_atomically(path: str, text: str) -> None:
    """Never a partial output file: write beside `path`, then rename."""
    from .atomic import atomic_file

    with atomic_file(path, "w", encoding="utf-8") as handle:
        handle.write(text)


def run_offline(args: argparse.Namespace) -> str:
    from .offline.command import run_offline as serve

    return serve(args)


COMMANDS: dict[str, Callable[[argparse.Namespace], str]] = {
    "validate": run_validate,
    "plan": run_plan,
    "export": run_export,
    "offline": run_offline,
}


def main(argv: Optional[Sequence[str]] = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)  # exits 2 with a usage line on bad arguments
    try:
        text = COMMANDS[args.command](args)
        output: Optional[str] = getattr(args, "output", None)
        if output:
            write_atomically(output, text)
        else:
            sys.stdout.write(text)
        return EXIT_OK
    except ConfigError as error:
        for line in error.lines():
            print(line, file=sys.stderr)
        return EXIT_BAD_INPUT
    except UsageError as error:
        print(f"{args.path}: {error}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except OSError as error:
        print(f"wsapi: {error.strerror or error}: {error.filename or ''}".rstrip(": "), file=sys.stderr)
        return EXIT_BAD_INPUT
    except Exception as error:  # never a traceback for a user; WSAPI_DEBUG=1 shows it
        if os.environ.get("WSAPI_DEBUG"):
            raise
        print(f"wsapi: internal error: {type(error).__name__}: {error} (rerun with WSAPI_DEBUG=1 for details)", file=sys.stderr)
        return EXIT_INTERNAL


def entry_point(argv: Optional[Sequence[str]] = None) -> Any:
    sys.exit(main(argv))
