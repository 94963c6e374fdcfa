"""`wsapi` (`python -m wsapi`): validate, plan, export, serve offline and adopt a serverless.yml's WebSocket API.
Thin by design: parse arguments, call the library, print.

Exit status: 0 done; 2 bad input (one `FILE: path: message` line per problem) or bad arguments (argparse's
usage line and `PROG COMMAND: error: ...`); 1 wsapi could not run (a requirement not installed, an
internal error)."""

from __future__ import annotations

import argparse
import json
import os
import sys
from dataclasses import dataclass
from typing import Any, Callable, Optional, Sequence

from .arguments import UsageError, add_service_arguments, key_value_type, key_values
from .errors import ConfigError, Problem
from .offline.command import add_arguments as add_offline_arguments
from .version import __version__

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_BAD_INPUT = 2

#: How the console script is called; `python -m wsapi` and `python -m wsapi.offline` pass their own.
PROG = "wsapi"
DESCRIPTION = (
    "Validate, plan, export or serve offline the WebSocket API of a Serverless Framework v3 service (the "
    "websocket events of its serverless.yml): `validate` checks it and lists its routes, `plan` lists what the "
    "Pulumi component would create, `export` renders it as CloudFormation, `offline` serves it locally, `adopt` "
    "plans taking over its deployed Serverless stack and writes the template that retains what Pulumi adopts."
)
#: Import names whose distribution is named otherwise (for the "install the requirements" message).
DISTRIBUTIONS = {"yaml": "PyYAML", "pulumi_aws": "pulumi-aws", "botocore": "boto3"}


class OutputError(Exception):
    """`-o FILE` names a file wsapi cannot write (its folder is missing): one line, nothing written."""


# -- the commands ------------------------------------------------------------------------------------------


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

    external = key_values(args.function, "--function", "KEY=ARN")
    service = load(args)
    try:
        plan = compile_service(service, with_functions=args.with_functions, external_functions=tuple(external))
        warn(args, plan.warnings)
        preflight(args, plan)
    except ConfigError as error:
        raise error.with_file(args.path) from None
    return describe_plan(plan, args.name or service.name)


def preflight(args: argparse.Namespace, plan: Any) -> None:
    """What `pulumi up` would refuse, refused here too (the checks the component runs before registering)."""
    from .preflight import pulumi_problems

    problems, warnings = pulumi_problems(plan)
    if any(resource.declared for resource in plan.resources):
        from .native_checks import declared_problems  # the SDK: only for a service's own resources

        problems += declared_problems(plan)
    warn(args, warnings)
    if problems:
        raise ConfigError(problems)


def warn(args: argparse.Namespace, warnings: Any) -> None:
    for warning in warnings:
        print(warning.format_warning(args.path), file=sys.stderr)


def run_export(args: argparse.Namespace) -> str:
    from .compile import compile_service
    from .plan import COMPAT, STANDALONE
    from .render_cfn import limit_warnings, render_template

    if args.with_functions and args.compat:
        raise UsageError(
            "argument --with-functions: not allowed with --compat serverless-v3, the websocket part of a "
            "Serverless stack, whose functions Serverless creates"
        )
    if args.artifacts and not args.with_functions:
        raise UsageError("argument --artifacts: the code archives belong to --with-functions")
    function_arns = key_values(args.function, "--function", "KEY=ARN")
    service = load(args)
    try:
        plan = compile_service(
            service, COMPAT if args.compat else STANDALONE, with_functions=args.with_functions,
            external_functions=tuple(function_arns),
        )  # fmt: skip
        template = render_template(plan, function_arns)
    except ConfigError as error:
        raise error.with_file(args.path) from None
    warn(args, plan.warnings)
    if args.artifacts:
        write_artifacts(args, plan, service)
    text = dump(template, args.format)
    for warning in limit_warnings(template, len(text.encode())):
        print(f"{args.path}: warning: {warning}", file=sys.stderr)
    return text


def write_artifacts(args: argparse.Namespace, plan: Any, service: Any) -> None:
    """The code archives under `--artifacts DIR`, at the S3 keys the template expects (folders created)."""
    from pathlib import Path

    from .packaging import write_archive
    from .render_cfn import code_archives

    for archive in code_archives(plan):
        target = Path(args.artifacts) / archive.s3_key(service.name, service.stage)
        write_archive(archive, target)
        print(f"{args.path}: wrote {target} ({', '.join(archive.functions)})", file=sys.stderr)


def run_adopt(args: argparse.Namespace) -> str:
    """The adoption plan of a deployed Serverless stack, and its retain template written to `-o`."""
    from .adoption import plan_adoption, read_stack
    from .adoption_listing import describe_adoption
    from .compile import compile_service
    from .retain import dump, read_template, retain_template

    if args.stack_resources and not args.template:
        raise UsageError("argument --template: required with --stack-resources (the answer of aws cloudformation get-template)")
    check_output(args.retain_output)
    external = key_values(args.function, "--function", "KEY=ARN")
    service = load(args)
    try:
        plan = compile_service(service, with_functions=args.with_functions, external_functions=tuple(external))
    except ConfigError as error:
        raise error.with_file(args.path) from None
    warn(args, plan.warnings)
    adoption = plan_adoption(plan, read_stack(args.stack_resources or args.stack))
    warn(args, adoption.warnings)
    if args.template:
        template, label = read_template(args.template), args.template
    else:
        template, label = deployed_template(args.stack), f"stack {args.stack}"
    write_atomically(args.retain_output, dump(retain_template(template, adoption.adopted, label)))
    print(f"{args.path}: wrote {args.retain_output} (DeletionPolicy and UpdateReplacePolicy Retain on {len(adoption.adopted)} resources)", file=sys.stderr)
    return describe_adoption(adoption, args.name or service.name)


def deployed_template(stack: str) -> dict:
    """The stack's template as deployed (`get-template`, Original stage), with boto3's default credentials."""
    import boto3
    from botocore.exceptions import BotoCoreError, ClientError

    from .retain import parse_template

    try:
        body = boto3.client("cloudformation").get_template(StackName=stack, TemplateStage="Original")["TemplateBody"]
    except (BotoCoreError, ClientError) as error:
        raise ConfigError([Problem("", f"cannot read the template: {error}")], f"stack {stack}") from None
    return parse_template({"TemplateBody": body}, f"stack {stack}")


def run_offline(args: argparse.Namespace) -> str:
    from .offline.command import run_offline as serve

    return serve(args)


def dump(template: dict, fmt: str) -> str:
    if fmt == "yaml":
        import yaml

        dumper = getattr(yaml, "CSafeDumper", yaml.SafeDumper)
        return yaml.dump(template, Dumper=dumper, sort_keys=False, default_flow_style=False, allow_unicode=True, width=120)
    return json.dumps(template, indent=2, ensure_ascii=False) + "\n"


# -- the parser --------------------------------------------------------------------------------------------


def add_plan_arguments(parser: argparse.ArgumentParser) -> None:
    add_service_arguments(parser)
    parser.add_argument("--name", help="component name (default: the service name)")
    parser.add_argument(
        "--with-functions", action="store_true",
        help="also the Lambda functions, role and log groups (the component's create_functions=True)",
    )  # fmt: skip
    parser.add_argument(
        "--function", action="append", default=[], metavar="KEY=ARN", type=key_value_type("KEY=ARN"),
        help="a function deployed elsewhere (with --with-functions: not created; repeatable)",
    )  # fmt: skip


def add_export_arguments(parser: argparse.ArgumentParser) -> None:
    add_service_arguments(parser)
    parser.add_argument("--format", choices=("json", "yaml"), default="json", help="template format (default: json)")
    parser.add_argument(
        "--compat", choices=("serverless-v3",), help="the websocket part exactly as `serverless package` (v3) writes it"
    )
    parser.add_argument(
        "--function", action="append", default=[], metavar="KEY=ARN", type=key_value_type("KEY=ARN"),
        help="ARN of a function deployed elsewhere (default: built from Serverless naming in the stack's account; "
        "repeatable)",
    )  # fmt: skip
    parser.add_argument(
        "--with-functions", action="store_true",
        help="also create the Lambda functions, their role and log groups; their code is read from S3 (template parameters)",
    )  # fmt: skip
    parser.add_argument(
        "--artifacts", metavar="DIR",
        help="with --with-functions: write the code archives under DIR, at the S3 keys the template expects",
    )  # fmt: skip
    parser.add_argument(
        "-o", "--output", metavar="FILE",
        help="write here instead of stdout (written only on success; its folder must exist)",
    )  # fmt: skip


def add_adopt_arguments(parser: argparse.ArgumentParser) -> None:
    add_plan_arguments(parser)
    source = parser.add_mutually_exclusive_group(required=True)
    source.add_argument(
        "--stack-resources", metavar="FILE",
        help="the Serverless stack's resources: `aws cloudformation describe-stack-resources --stack-name NAME` saved as JSON",
    )  # fmt: skip
    source.add_argument("--stack", metavar="NAME", help="the Serverless stack, read with boto3 (default credentials and region)")
    parser.add_argument(
        "--template", metavar="FILE",
        help="its deployed template: `aws cloudformation get-template --stack-name NAME` saved as JSON (or the template itself)",
    )  # fmt: skip
    parser.add_argument(
        "-o", "--output", dest="retain_output", metavar="FILE", required=True,
        help="write the retain template here: the deployed template with DeletionPolicy and UpdateReplacePolicy Retain "
        "on every adopted resource (written only on success)",
    )  # fmt: skip


def add_offline_command_arguments(parser: argparse.ArgumentParser) -> None:
    add_service_arguments(parser)
    add_offline_arguments(parser)


@dataclass(frozen=True)
class Command:
    help: str
    add_arguments: Callable[[argparse.ArgumentParser], None]
    run: Callable[[argparse.Namespace], str]

    @property
    def description(self) -> str:
        return self.help[0].upper() + self.help[1:] + "."


COMMANDS: dict[str, Command] = {
    "validate": Command("check a serverless.yml and summarize its routes", add_service_arguments, run_validate),
    "plan": Command(
        "list what the Pulumi component would create, as pulumi preview does", add_plan_arguments, run_plan
    ),
    "export": Command("render the WebSocket API as a CloudFormation template", add_export_arguments, run_export),
    "adopt": Command(
        "plan taking over a deployed Serverless stack, and write its retain template", add_adopt_arguments, run_adopt
    ),
    "offline": Command(
        "serve the WebSocket API locally, each function in its own warm worker processes",
        add_offline_command_arguments, run_offline,
    ),
}  # fmt: skip


def add_version(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}", help="print the version and exit")


def build_parser(prog: str = PROG) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog=prog, description=DESCRIPTION)
    add_version(parser)
    subparsers = parser.add_subparsers(dest="command", required=True, metavar="COMMAND", title="commands")
    for name, command in COMMANDS.items():
        subparser = subparsers.add_parser(name, help=command.help, description=command.description)
        command.add_arguments(subparser)
        subparser.set_defaults(command_parser=subparser)
    return parser


def build_command_parser(name: str, prog: str) -> argparse.ArgumentParser:
    """One command as a program of its own (`python -m wsapi.offline` is `python -m wsapi offline`)."""
    command = COMMANDS[name]
    parser = argparse.ArgumentParser(prog=prog, description=command.description)
    add_version(parser)
    command.add_arguments(parser)
    parser.set_defaults(command=name, command_parser=parser)
    return parser


# -- running -----------------------------------------------------------------------------------------------


def main(argv: Optional[Sequence[str]] = None, prog: str = PROG, command: Optional[str] = None) -> int:
    """Run the CLI and return its exit status (never exits itself). `command`: that command alone."""
    parser = build_parser(prog) if command is None else build_command_parser(command, prog)
    try:
        args = parser.parse_args(argv)
    except SystemExit as exit:  # --help, --version (0), or argparse's usage error (2), already printed
        return int(exit.code or 0)
    return execute(args)


def execute(args: argparse.Namespace) -> int:
    try:
        output: Optional[str] = getattr(args, "output", None)
        if output:
            check_output(output)
        text = COMMANDS[args.command].run(args)
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
        return usage_error(args.command_parser, str(error))
    except OutputError as error:
        print(error, file=sys.stderr)
        return EXIT_BAD_INPUT
    except OSError as error:
        print(f"wsapi: {error.strerror or error}: {error.filename or ''}".rstrip(": "), file=sys.stderr)
        return EXIT_BAD_INPUT
    except ModuleNotFoundError as error:
        requirement = missing_requirement(error)
        if requirement is None:
            return internal_error(error)
        python = sys.executable or "python"
        print(
            f"wsapi: {requirement} is not installed (no module {top_module(error)!r}): "
            f"install the requirements: {python} -m pip install -r requirements.txt",
            file=sys.stderr,
        )
        return EXIT_FAILED
    except Exception as error:
        return internal_error(error)


def usage_error(parser: argparse.ArgumentParser, message: str) -> int:
    """Report `message` exactly as argparse reports its own errors: usage line, `PROG: error: message`."""
    try:
        parser.error(message)
    except SystemExit as exit:
        return int(exit.code or EXIT_BAD_INPUT)
    return EXIT_BAD_INPUT  # pragma: no cover - parser.error always exits


def internal_error(error: Exception) -> int:
    """Never a traceback for a user; WSAPI_DEBUG=1 shows it."""
    if os.environ.get("WSAPI_DEBUG"):
        raise error
    print(f"wsapi: internal error: {type(error).__name__}: {error} (rerun with WSAPI_DEBUG=1 for details)", file=sys.stderr)
    return EXIT_FAILED


def top_module(error: ModuleNotFoundError) -> str:
    return (error.name or "").partition(".")[0]


def missing_requirement(error: ModuleNotFoundError) -> Optional[str]:
    """The distribution to install when the missing module is a third-party one (not wsapi's, not Python's)."""
    top = top_module(error)
    if not top or top == "wsapi" or top in getattr(sys, "stdlib_module_names", ()):
        return None
    return DISTRIBUTIONS.get(top, top)


def check_output(path: str) -> None:
    """Before any work: `-o` must name a file in a folder that exists (wsapi creates no folder for it)."""
    folder = os.path.dirname(path) or "."
    if os.path.isdir(path):
        raise OutputError(f"{path}: cannot write: it is a folder; -o takes a file name")
    if not os.path.isdir(folder):
        state = "is not a folder" if os.path.exists(folder) else "does not exist"
        raise OutputError(f"{path}: cannot write: the folder {folder} {state}")


def write_atomically(path: str, text: str) -> None:
    """Never a partial output file: write beside `path`, then rename."""
    from .atomic import atomic_file

    with atomic_file(path, "w", encoding="utf-8", create_folder=False) as handle:
        handle.write(text)


def entry_point(argv: Optional[Sequence[str]] = None, prog: str = PROG, command: Optional[str] = None) -> Any:
    """The console script `wsapi`, and `python -m wsapi` / `python -m wsapi.offline` with their own `prog`."""
    sys.exit(main(argv, prog, command))
