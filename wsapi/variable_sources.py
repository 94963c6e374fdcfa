"""Where Serverless v3 variables read their values: one class per source, one entry per source in `SOURCES`.

`${self:...}`, `${opt:...}`, `${sls:stage}`, `${env:...}`, `${file(...)...}`, `${param:...}`, `${strToBool(...)}` and
`${aws:region}` are answered here; `ssm`, `cf`, `s3` and `aws:accountId`/`aws:partition` only AWS knows: they are
asked of the resolution's `remote` (`remote_values`: a value found at deploy time, or fetched by `wsapi offline`),
and without one they are "not found", so a fallback applies and without one the problem says why (as for `output`
and `sls:instanceId`, which nothing answers).

The resolver (`variables`) makes one instance of each source per resolution, so a source may keep what it read
(`file` keeps each parsed file), and calls `resolve(path, variable, params, address, depth, deep)` for every
`${name...}` it evaluates, with the parameters and address already resolved. `resolve` returns:

* the value: any plain data (the resolver resolves the variables it holds in turn), copied out of the source
  with `copy_tree` so that the resolver may change it in place;
* `not_found(note)` or None: no value here; the next fallback is tried, and the note says why when none is left;
* or raises `self.fail(path, message)`: an error even when a fallback follows, as in v3.

A new source is one subclass of `VariableSource` and one entry in `SOURCES`; the message for an unknown source
lists the table, so it follows. A source may also prepare state on first use (`__init__` gets the resolution:
the service folder, options, params, environment and `lookup` into the configuration).
"""

from __future__ import annotations

import os
import pathlib
from typing import Any, ClassVar, Dict, Mapping, Optional, Protocol, Sequence, Tuple, Type

from .config_files import read_document
from .document_limits import MAX_FILE_BYTES
from .dotenv import DotenvError, load_dotenv
from .errors import ConfigError, shorten
from .js_scalars import js_string
from .remote_values import SECRETS_MANAGER, Remote, Request
from .unicode_text import not_unicode
from .variable_syntax import Variable

__all__ = [
    "SOURCES", "VariableSource", "not_found", "NOT_FOUND", "deploy_time", "DEPLOY_TIME", "MISSING", "Resolution", "copy_tree", "list_index",
    "unknown_source_message",
]

#: A dotted path as a tuple of keys and indexes (`("functions", "f", "events", 0)`).
PathT = tuple
#: What `Resolution.lookup` gives for a key that is not there (or null).
MISSING = object()
#: Marks a `not_found` answer (its first item).
NOT_FOUND = object()
#: Marks a `deploy_time` answer (its first item).
DEPLOY_TIME = object()


def deploy_time(value: Any, note: str) -> Tuple[object, Any, str]:
    """A source's answer standing for a value found at deploy time: the resolver takes it when no fallback
    follows, else tries the fallback (`note` says why, if none gives a value either)."""
    return (DEPLOY_TIME, value, note)


def not_found(note: str) -> Tuple[object, str]:
    """A source's answer when it has no value: the next fallback is tried; `note` says why. A tagged tuple rather
    than an object: a variable with 100,000 fallbacks makes 100,000 of them, and a tuple is four times cheaper."""
    return (NOT_FOUND, note)


class Resolution(Protocol):
    """What a source may use of the resolution under way (the resolver in `variables` provides it)."""

    service_dir: pathlib.Path
    options: Mapping[str, Any]  #: `--stage`, `--region` and every other `--KEY VALUE`
    params: Mapping[str, Any]  #: `--param KEY=VALUE`
    env: Mapping[str, str]
    remote: Optional[Remote]  #: where values only AWS knows come from (None: nowhere, they are not found)

    def fail(self, path: PathT, message: str) -> Exception:
        """Record a problem at `path`; the caller raises what this returns."""

    def lookup(self, keys: Sequence[str], path: PathT, deep: bool = True) -> Any:
        """A copy of the configuration's value at `keys`, its variables resolved (all of them when `deep`), or
        MISSING."""

    def detached(self, path: PathT, value: Any, depth: int) -> Any:
        """`value` (not part of the configuration) with its variables resolved completely."""

    def spend_nodes(self, count: int, path: PathT) -> None:
        """Count values copied out of a source against the resolution's bound."""

    def spend_copied_chars(self, count: int, path: PathT) -> None:
        """Count characters copied out of a source against the resolution's bound."""


class VariableSource:
    """One source of variable values; subclasses set `name` and implement `resolve`."""

    name: ClassVar[str]
    #: How the list of supported sources names it (default: `name`), e.g. "aws:region".
    listed_as: ClassVar[str] = ""
    #: What it would query that wsapi does not (a remote source's service), else "".
    remote: ClassVar[str] = ""
    #: Its addresses that need AWS, named in the unknown-source message ("aws:accountId").
    remote_addresses: ClassVar[Tuple[str, ...]] = ()

    def __init__(self, resolution: Resolution) -> None:
        self.resolution = resolution

    def resolve(self, path: PathT, variable: Variable, params: Optional[list], address: Any, depth: int, deep: bool) -> Any:
        """The value of `${name(params):address}` at `path` (see the module's docstring); `depth` is how many
        resolved values led here, `deep` whether a collection's own variables are wanted now."""
        raise NotImplementedError

    # helpers for subclasses --------------------------------------------------
    def fail(self, path: PathT, message: str) -> Exception:
        return self.resolution.fail(path, message)

    def from_remote(self, path: PathT, request: Request) -> Any:
        """A value only AWS knows, from the resolution's `remote`: a deploy-time value (taken only when no
        fallback follows: `deploy_time`), the value fetched, or not found."""
        remote = self.resolution.remote
        value, note = remote.value(request, lambda: self.region(path))
        if value is None:
            return not_found(note)
        return deploy_time(value, note) if remote.deferrable else copy_tree(value)

    def text_address(self, path: PathT, variable: Variable, address: Any) -> Optional[str]:
        if address is None:
            return None
        text = as_text(address)
        if text is None:
            raise self.fail(
                path, f"the address of {shorten(variable.text)} resolves to a {type(address).__name__}, not text"
            )
        return text

    def required_address(self, path: PathT, variable: Variable, address: Any, example: str) -> str:
        text = self.text_address(path, variable, address)
        if not text:
            raise self.fail(path, f"missing address in {shorten(variable.text)}: write e.g. ${{{self.name}:{example}}}")
        return text

    def outside(self, path: PathT, value: Any, what: str) -> Any:
        """A value from outside the configuration (an option, a --param, the environment), refused when it
        is not Unicode text: undecodable bytes there reach Python as lone surrogates, which no template,
        terminal or AWS API can take."""
        for text in value.values() if isinstance(value, dict) else (value,):
            problem = not_unicode(text) if isinstance(text, str) else None
            if problem:
                raise self.fail(path, f"{what} is not valid text ({problem}); pass it as UTF-8")
        return value

    def region(self, path: PathT) -> Any:
        """The region as `${aws:region}` gives it: `--region`, else `provider.region`, else us-east-1."""
        return self.option_or_provider(path, "region", "us-east-1")

    def stage(self, path: PathT) -> Any:
        """The stage as `${sls:stage}` gives it: `--stage`, else `provider.stage`, else "dev"."""
        return self.option_or_provider(path, "stage", "dev")

    def option_or_provider(self, path: PathT, name: str, default: str) -> Any:
        """The command-line option `--{name}`, else `provider.{name}`, else `default` (an empty value counts as
        none, as Serverless reads it)."""
        value = self.outside(path, self.resolution.options.get(name), f"the {name} (--{name})")
        if not value:
            value = self.resolution.lookup(["provider", name], path)
            if value is MISSING or not value:
                value = default
        return value


# --------------------------------------------------------------------------- the configuration and the command line


class SelfSource(VariableSource):
    name = "self"

    def resolve(self, path, variable, params, address, depth, deep):
        text = self.text_address(path, variable, address)
        keys = text.split(".") if text else []
        value = self.resolution.lookup(keys, path, deep)
        if value is MISSING:
            return not_found(f'"{shorten(text)}" is not defined in the configuration (or is null)')
        return value


class OptionSource(VariableSource):
    name = "opt"

    def resolve(self, path, variable, params, address, depth, deep):
        options = self.resolution.options
        text = self.text_address(path, variable, address)
        if not text:
            return self.outside(path, copy_tree(dict(options)), "an option (--KEY VALUE)")
        value = options.get(text)
        if value is None:
            return not_found(f'option "--{shorten(text)}" was not given')
        return self.outside(path, copy_tree(value), f'the value of option "--{shorten(text)}"')


class SlsSource(VariableSource):
    name = "sls"

    def resolve(self, path, variable, params, address, depth, deep):
        text = self.required_address(path, variable, address, "stage")
        if text == "stage":
            return self.stage(path)
        if text == "instanceId":
            return not_found("sls:instanceId is a random id Serverless makes up on every run, so wsapi cannot reproduce it")
        raise self.fail(
            path,
            f'unsupported address "{shorten(text)}" in {shorten(variable.text)}; the sls source offers stage and '
            f"instanceId",
        )


class EnvSource(VariableSource):
    """The environment, with the stage's `.env` file under `useDotenv: true` (`dotenv`), loaded on first use as
    Serverless loads it: after `useDotenv` and `provider.stage` are resolved with the environment alone. A
    variable those two needed and did not find must not then come from the file (Serverless refuses that)."""

    name = "env"

    def __init__(self, resolution: Resolution) -> None:
        super().__init__(resolution)
        self.environment: Optional[Mapping[str, str]] = None
        self.preparing = False
        self.missing_while_preparing: Dict[str, PathT] = {}

    def resolve(self, path, variable, params, address, depth, deep):
        text = self.required_address(path, variable, address, "MY_VARIABLE")
        value = self.variables(path).get(text)
        if value is None:
            if self.preparing:
                self.missing_while_preparing.setdefault(text, path)
            return not_found(f'environment variable "{shorten(text)}" is not set')
        return self.outside(path, value, f'environment variable "{shorten(text)}"')

    def prepare(self) -> None:
        """Decide the environment before any other value is resolved, as Serverless does: otherwise resolving
        the stage itself would need the file the stage chooses."""
        self.variables(())

    def variables(self, path: PathT) -> Mapping[str, str]:
        if self.environment is not None:
            return self.environment
        if self.preparing:  # resolving useDotenv or the stage: the environment alone
            return self.resolution.env
        self.preparing = True
        try:
            use_dotenv = self.resolution.lookup(["useDotenv"], path)
            stage = self.stage(path) if use_dotenv is not MISSING and js_truthy(use_dotenv) else None
        finally:
            self.preparing = False
        self.environment = self.resolution.env  # also when loading fails: the problem is reported once
        if stage is not None:
            self.environment = self.dotenv(js_string(stage))
        return self.environment

    def dotenv(self, stage: str) -> Mapping[str, str]:
        try:
            environment, _ = load_dotenv(self.resolution.service_dir, stage, self.resolution.env)
        except DotenvError as error:
            raise self.fail(("useDotenv",), str(error)) from None
        for name, where in self.missing_while_preparing.items():
            if environment.get(name):
                raise self.fail(
                    where,
                    f'environment variable "{shorten(name)}" decides which .env file to load (useDotenv), so it cannot '
                    f"come from that file; set it in the environment",
                )
        return environment


class ParamSource(VariableSource):
    """`--param` values, then `params.<stage>`, then `params.default`."""

    name = "param"

    def resolve(self, path, variable, params, address, depth, deep):
        name = self.required_address(path, variable, address, "domain")
        value = self.resolution.params.get(name)
        if value is not None:
            return self.outside(path, copy_tree(value), f'the value of "--param {shorten(name)}"')
        stage = js_string(self.stage(path))
        for scope in (stage, "default"):
            value = self.resolution.lookup(["params", scope, name], path)
            if value is not MISSING:
                return value
        return not_found(
            f'the param "{shorten(name)}" is not given as a --param option nor defined under '
            f"params.{stage} or params.default"
        )


class StrToBoolSource(VariableSource):
    name = "strToBool"

    def resolve(self, path, variable, params, address, depth, deep):
        if not params or params[0] is None:
            raise self.fail(path, f"missing input in {shorten(variable.text)}: write e.g. ${{strToBool(true)}}")
        text = as_text(params[0])
        if text is None:
            raise self.fail(
                path, f"the input of {shorten(variable.text)} resolves to a {type(params[0]).__name__}, not text"
            )
        lowered = text.strip().lower()
        if lowered in ("true", "1"):
            return True
        if lowered in ("false", "0"):
            return False
        raise self.fail(
            path,
            f'invalid input "{shorten(text, 60)}" in {shorten(variable.text)}: expected "true", "false", "0" or "1"',
        )


class AwsSource(VariableSource):
    name = "aws"
    listed_as = "aws:region"
    remote_addresses = ("aws:accountId",)

    def resolve(self, path, variable, params, address, depth, deep):
        text = self.required_address(path, variable, address, "region")
        if text == "region":
            return self.region(path)
        if text in ("accountId", "partition"):
            if self.resolution.remote is None:
                return not_found(f"aws:{text} needs an AWS call, which wsapi does not make")
            return self.from_remote(path, Request("aws", text, variable=variable.text))
        raise self.fail(
            path,
            f'unsupported address "{shorten(text)}" in {shorten(variable.text)}; the aws source offers region, '
            f"accountId and partition",
        )


# --------------------------------------------------------------------------- files


class _FileProblem(Exception):
    """A file that `${file(...)}` cannot use; the message names the variable at _VAR_MARK."""


_VAR_MARK = "\0variable\0"


class FileSource(VariableSource):
    """`${file(path):a.b}`: YAML/JSON parsed by `config_files` (an empty one is null), other files as text; paths
    relative to the service folder; each file read once per resolution."""

    name = "file"

    def __init__(self, resolution: Resolution) -> None:
        super().__init__(resolution)
        self.files: Dict[pathlib.Path, Any] = {}

    def resolve(self, path, variable, params, address, depth, deep):
        if not params or not params[0]:
            raise self.fail(path, f"missing file path in {shorten(variable.text)}: write e.g. ${{file(./config.yml):key}}")
        name = as_text(params[0])
        if name is None:
            raise self.fail(
                path, f"the file path of {shorten(variable.text)} resolves to a {type(params[0]).__name__}, not text"
            )
        key = as_text(address) if address is not None else None
        if address is not None and key is None:
            raise self.fail(
                path, f"the address of {shorten(variable.text)} resolves to a {type(address).__name__}, not text"
            )
        content = self.read(path, variable, name)
        if content is MISSING:
            looked_for = shorten(str(self.resolution.service_dir / name))
            return not_found(f'file "{shorten(name)}" does not exist (looked for {looked_for})')
        if not key:
            if content is None:  # v3: an empty YAML/JSON file is an error, even with a fallback
                raise self.fail(path, f'cannot use "{shorten(name)}" in {shorten(variable.text)}: the file is empty')
            return copy_tree(content, self.resolution, path)
        result = content
        for part in key.split("."):
            if isinstance(result, str):
                result = self.resolution.detached(path, result, depth + 1)
            if isinstance(result, dict):
                result = result.get(part)
            elif isinstance(result, list):
                index = list_index(part, len(result))
                result = None if index is None else result[index]
            else:
                result = None
            if result is None:
                return not_found(f'"{shorten(key)}" is not defined in file "{shorten(name)}"')
        return copy_tree(result, self.resolution, path)

    def read(self, path: PathT, variable: Variable, name: str) -> Any:
        target = self.resolution.service_dir / name
        cache_key = pathlib.Path(os.path.normpath(target))
        if cache_key not in self.files:
            try:
                self.files[cache_key] = _load_file(target, name)
            except _FileProblem as problem:
                self.files[cache_key] = problem
        content = self.files[cache_key]
        if isinstance(content, _FileProblem):
            raise self.fail(path, str(content).replace(_VAR_MARK, shorten(variable.text)))
        return content


def _load_file(target: pathlib.Path, name: str) -> Any:
    try:
        if not target.exists():
            return MISSING
        if target.is_dir():
            raise _FileProblem(f'cannot read "{shorten(name)}" for {_VAR_MARK}: it is a folder')
        suffix = target.suffix.lower()
        if suffix in (".js", ".cjs", ".mjs"):
            raise _FileProblem(
                f'cannot use "{shorten(name)}" in {_VAR_MARK}: JavaScript files are not evaluated; '
                f"convert it to YAML or JSON"
            )
        if suffix in (".yml", ".yaml"):
            return read_document(target, "yaml", allow_empty=True)
        if suffix in (".json", ".tfstate"):
            return read_document(target, "json", allow_empty=True)
        size = target.stat().st_size
        if size > MAX_FILE_BYTES:
            raise _FileProblem(f'cannot read "{shorten(name)}" for {_VAR_MARK}: it is larger than {MAX_FILE_BYTES:,} bytes')
        data = target.read_bytes()
    except ConfigError as error:
        details = "; ".join((f"{p.path}: " if p.path else "") + p.message for p in error.problems)
        raise _FileProblem(f'cannot parse "{shorten(name)}" (used by {_VAR_MARK}): {details}') from None
    except OSError as error:
        raise _FileProblem(f'cannot read "{shorten(name)}" for {_VAR_MARK}: {error.strerror or error}') from None
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as error:
        raise _FileProblem(
            f'cannot read "{shorten(name)}" for {_VAR_MARK}: not valid UTF-8 (byte offset {error.start})'
        ) from None


# --------------------------------------------------------------------------- remote sources


class RemoteSource(VariableSource):
    """A source only AWS (or the Serverless Dashboard) can answer: asked of the resolution's `remote`
    (`remote_values`: found at deploy time, or fetched now); without one, "not found"."""

    def resolve(self, path, variable, params, address, depth, deep):
        if self.resolution.remote is None or not hasattr(self, "request"):
            return not_found(f'"{self.name}" is a remote source ({self.remote}) that wsapi does not query')
        text = self.required_address(path, variable, address, self.example)
        texts = [as_text(param) for param in params or () if param is not None]
        return self.from_remote(path, self.request(path, variable, text, [t for t in texts if t]))


class SsmSource(RemoteSource):
    """`${ssm(REGION, raw, noDecrypt):/name}` (v3), and v2's `~true` (decrypted: a secret) and `~split` suffixes."""

    name = "ssm"
    remote = "AWS SSM Parameter Store / Secrets Manager"
    example = "/path/to/param"

    def request(self, path, variable, text, params):
        secret = split = False
        if text.endswith("~true"):
            text, secret = text[: -len("~true")], True
        elif text.endswith("~split"):
            text, split = text[: -len("~split")], True
        flags = {param for param in params if param in ("raw", "noDecrypt")}
        regions = [param for param in params if param not in flags]
        return Request(
            "ssm", text, regions[0] if regions else None, secret or text.startswith(SECRETS_MANAGER), split,
            "raw" in flags, "noDecrypt" not in flags, variable.text,
        )


class CloudFormationSource(RemoteSource):
    """`${cf(REGION):stack.Output}`."""

    name = "cf"
    remote = "CloudFormation stack outputs"
    example = "stack-name.OutputKey"

    def request(self, path, variable, text, params):
        if "." not in text:
            raise self.fail(path, f'unsupported address "{shorten(text)}" in {shorten(variable.text)}; write <stack-name>.<output-id>')
        return Request("cf", text, params[0] if params else None, variable=variable.text)


class S3Source(RemoteSource):
    """`${s3:bucket/key}`: the object's text."""

    name = "s3"
    remote = "S3 objects"
    example = "bucket/key"

    def request(self, path, variable, text, params):
        if "/" not in text:
            raise self.fail(path, f'unsupported address "{shorten(text)}" in {shorten(variable.text)}; write <bucket-name>/<key>')
        return Request("s3", text, variable=variable.text)


class DashboardOutputSource(RemoteSource):
    name = "output"
    remote = "Serverless Dashboard outputs"


#: Every source by name, in the order the unknown-source message lists them.
SOURCES: Dict[str, Type[VariableSource]] = {
    source.name: source
    for source in (
        SelfSource,
        OptionSource,
        SlsSource,
        EnvSource,
        FileSource,
        ParamSource,
        StrToBoolSource,
        AwsSource,
        SsmSource,
        CloudFormationSource,
        S3Source,
        DashboardOutputSource,
    )
}


def unknown_source_message(type_: str, variable: Variable) -> str:
    local = [source.listed_as or name for name, source in SOURCES.items() if not source.remote]
    remote = [name for name, source in SOURCES.items() if source.remote]
    remote += [address for source in SOURCES.values() for address in source.remote_addresses]
    return (
        f'unknown variable source "{type_}" in {shorten(variable.text)}; supported sources are {_and(local)} '
        f"(remote sources {_and(remote)} are not queried, so they need a fallback)"
    )


def _and(names: Sequence[str]) -> str:
    return f"{', '.join(names[:-1])} and {names[-1]}" if len(names) > 1 else "".join(names)


# --------------------------------------------------------------------------- values out of sources


def js_truthy(value: Any) -> bool:
    """JavaScript's truthiness: only false, 0, "", null (and NaN) are false; an empty list or mapping is true."""
    if isinstance(value, (list, dict)):
        return True
    if isinstance(value, float) and value != value:
        return False
    return bool(value)


def as_text(value: Any) -> Optional[str]:
    """Coerce a scalar argument to text as v3's `ensureString` does (None if impossible)."""
    if isinstance(value, str):
        return value
    if isinstance(value, (bool, int, float)):
        return js_string(value)
    return None


def list_index(key: str, size: int) -> Optional[int]:
    """The index an address part names in a list of `size` items (`a.0`), or None."""
    if key.isdigit() and (key == "0" or not key.startswith("0")):
        index = int(key)
        if index < size:
            return index
    return None


def copy_tree(value: Any, counter: Optional[Resolution] = None, path: PathT = ()) -> Any:
    """Deep copy of plain data, without recursion; counts copied nodes and characters when asked to (strings
    are shared, not copied, but every copy of one ends up in the output: a 1 MB text referenced 10,000
    times is 10 GB of template)."""
    if isinstance(value, dict):
        root: Any = {}
    elif isinstance(value, (list, tuple)):
        root = []
    else:
        if counter is not None and isinstance(value, str):
            counter.spend_copied_chars(len(value), path)
        return value
    stack = [(value, root)]
    count = 1
    chars = 0
    while stack:
        source, target = stack.pop()
        items = source.items() if isinstance(source, dict) else enumerate(source)
        for key, item in items:
            if isinstance(item, dict):
                copy: Any = {}
                stack.append((item, copy))
            elif isinstance(item, (list, tuple)):
                copy = []
                stack.append((item, copy))
            else:
                copy = item
                if isinstance(item, str):
                    chars += len(item)
            if isinstance(target, dict):
                target[key] = copy
                chars += len(key) if isinstance(key, str) else 0
            else:
                target.append(copy)
        count += len(source)
        if counter is not None and count > 4096:
            counter.spend_nodes(count, path)
            counter.spend_copied_chars(chars, path)
            count = chars = 0
    if counter is not None:
        counter.spend_nodes(count, path)
        counter.spend_copied_chars(chars, path)
    return root
