"""load -> resolve variables -> validate: the one entry point from a serverless.yml to a `model.Service`."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, List, Mapping, Optional, Tuple, Union

from .errors import ConfigError, Problem
from .model import Service
from .remote_values import DeployTime, Remote
from .validate import resolved_paths, validate_document

ConfigSource = Union[str, "os.PathLike[str]", Mapping[str, Any]]


def load_service(
    source: ConfigSource,
    *,
    stage: Optional[str] = None,
    region: Optional[str] = None,
    params: Optional[Mapping[str, str]] = None,
    options: Optional[Mapping[str, str]] = None,
    env: Optional[Mapping[str, str]] = None,
    label: Optional[str] = None,
    remote: Optional[Remote] = None,
) -> Service:
    """Read a serverless.yml (a path to it, its folder, or an already-loaded mapping) as Serverless v3 does.

    `stage`/`region` are `--stage`/`--region`, `params` are `--param K=V`, `options` any other `--K V`.
    Raises `ConfigError` naming every problem, with `label` (default: the path given) as the file. Every
    setting wsapi reads is read, for every command; a value only some consumers need whose variables cannot
    be resolved (a `${ssm:...}` in an environment) is kept with its function and reported by the consumer
    that needs it (`model.Function.problems`). Values only AWS knows (`${aws:accountId}`, `${ssm:...}`) come
    from `remote` (`remote_values`), by default found at deploy time.
    """
    from .config_files import load_config, plain_data_problems
    from .unicode_text import not_unicode

    path: Optional[Path]
    if isinstance(source, Mapping):
        path, document, service_dir = None, source, Path.cwd()
        label = label or "<config>"
        problems = plain_data_problems(source)  # what a file could not hold (bytes, sets, NaN, int keys)
        if problems:
            raise ConfigError(problems, label)
    else:
        given_label, label = label, label or os.fspath(source)
        try:
            path, document = load_config(source)
        except ConfigError as error:  # config_files names the file it read (the folder's serverless.yml)
            raise error.with_file(given_label or error.file) from None
        service_dir = path.parent
        if os.path.isdir(source):
            label = os.path.join(os.fspath(source), path.name)
    all_options = dict(options or {})
    stage = stage if stage is not None else all_options.get("stage")
    region = region if region is not None else all_options.get("region")
    for flag, value in (("--stage", stage), ("--region", region)):  # undecodable bytes in argv: lone surrogates
        problem = not_unicode(value) if isinstance(value, str) else None
        if problem:
            raise ConfigError([Problem(flag, f"is not valid text ({problem}); pass it as UTF-8")], label)
    if stage is not None:
        all_options["stage"] = stage
    if region is not None:
        all_options["region"] = region
    settings = dict(
        service_dir=service_dir, options=all_options, params=dict(params or {}), env=env,
        remote=DeployTime() if remote is None else remote,
    )
    try:
        resolved, schema_problems = read_document(document, settings)
        return validate_document(
            resolved, stage=stage, region=region, file=label, config_path=path, service_dir=service_dir,
            schema_problems=schema_problems,
        )
    except ConfigError as error:
        raise error.with_file(label) from None


def read_document(document: Mapping[str, Any], settings: Mapping[str, Any]) -> Tuple[dict, List[Problem]]:
    """The document as Serverless reads it before its plugins see it: list-form sections merged, the variables of
    the paths wsapi reads resolved (`settings`: `resolve_variables`'s service_dir, options, params, env), then
    Serverless's schema applied (`config_schema`: values converted in place). Returns it with what the schema
    found (unknown keys and the like, for `validate_document`)."""
    from .config_schema import apply_schema
    from .plugins import listed_plugins
    from .variables import resolve_variables

    websocket, deferred = resolved_paths()
    resolved = resolve_variables(merged_sections(dict(document), settings), **settings, only=websocket, deferred=deferred)
    return resolved, apply_schema(resolved, (name for name, _ in listed_plugins(resolved.get("plugins"))))


def merged_sections(document: dict, settings: Mapping[str, Any]) -> dict:
    """`functions:`/`resources:` written as lists (or as one variable) merged as Serverless merges them
    (`section_lists`): each item's whole-value variable resolved first (a `${file(...)}` include), the variables
    inside left for the resolution proper."""
    from .section_lists import MERGED_SECTIONS, merge_section_lists
    from .variables import resolve_variables

    shallow = [pattern for key in MERGED_SECTIONS if isinstance(document.get(key), (list, str)) for pattern in (key, f"{key}[*]")]
    if not shallow:
        return document
    document, problems = merge_section_lists(resolve_variables(document, **settings, only=(), shallow=shallow))
    if problems:
        raise ConfigError(problems)
    return document
