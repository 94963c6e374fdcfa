"""The paths whose variables are resolved are exactly what the readers read: `validate.resolved_paths()`
derives them from the readers' own declarations (`@reads` on the document's readers, `functions.SETTINGS`
for a function's), and this test reads real services through a document that records every value a reader
takes, then holds each one to a declared path."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Iterator, List, Tuple

import pytest
from golden_support import CASES, case_settings

from wsapi.config import read_document
from wsapi.config_files import load_config
from wsapi.validate import resolved_paths, validate_document

ROOT = Path(__file__).resolve().parent.parent
SOURCES = [ROOT / "examples" / "chat", *CASES]

#: A service setting every function setting and build setting wsapi reads, so each reader runs.
EVERYTHING = {
    "service": "svc",
    "useDotenv": True,
    "plugins": {"localPath": "./plugins", "modules": ["serverless-offline"]},
    "layers": {"deps": {"path": "layer"}},
    "package": {"patterns": ["!tests/**"], "individually": False},
    "provider": {
        "name": "aws", "runtime": "python3.11", "stage": "dev", "region": "eu-west-1", "timeout": 10,
        "memorySize": 256, "environment": {"A": "1"}, "architecture": "arm64", "layers": ["arn:aws:lambda:eu-west-1:1:layer:x:1"],
        "tags": {"team": "t"}, "logRetentionInDays": 7, "logs": {"websocket": {"level": "ERROR"}, "restApi": {"roleManagedExternally": True}},
        "iam": {"role": {"name": "r", "path": "/", "statements": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}],
                         "managedPolicies": ["arn:aws:iam::aws:policy/P"], "permissionsBoundary": "arn:aws:iam::1:policy/B", "tags": {"a": "b"}}},
        "websocket": {"useProviderTags": True}, "websocketsApiName": "n", "websocketsDescription": "d",
        "websocketsApiRouteSelectionExpression": "$request.body.action", "apiGateway": {"websocketApiId": None},
        "tracing": {"lambda": False}, "httpApi": {"cors": True}, "deploymentBucket": {"name": "b"},
    },
    "custom": {"wsapi": {"logs": {"kmsKeyArn": "arn:aws:kms:eu-west-1:1:key/k"}}, "other": {"x": 1}},
    "functions": {
        "f": {
            "handler": "h.f", "name": "svc-f", "runtime": "python3.12", "timeout": 20, "memorySize": 512,
            "environment": {"B": "2"}, "description": "d", "architecture": "x86_64", "layers": [{"Ref": "L"}],
            "tags": {"x": "y"}, "role": "arn:aws:iam::1:role/r", "logRetentionInDays": 14,
            "logDataProtectionPolicy": {"Name": "n", "Version": "2021-06-01", "Statement": []}, "disableLogs": False,
            "reservedConcurrency": 2, "ephemeralStorageSize": 1024, "provisionedConcurrency": 1,
            "package": {"individually": True, "patterns": ["f/**"]},
            "events": [{"websocket": {"route": "$connect", "authorizer": {"name": "a", "identitySource": ["route.request.header.Auth"]}}},
                       {"http": {"path": "/x", "method": "get"}}],
        },
        "a": {"handler": "h.a", "snapStart": True, "events": [{"schedule": "rate(1 hour)"}]},
    },
    "resources": {"Resources": {"T": {"Type": "AWS::DynamoDB::Table"}}},
}


class Recorder:
    def __init__(self) -> None:
        self.read: List[Tuple[Any, ...]] = []

    def wrap(self, value: Any, path: Tuple[Any, ...]) -> Any:
        if isinstance(value, dict):
            return RecordingDict(self, path, value)
        if isinstance(value, list):
            return RecordingList(self, path, value)
        self.read.append(path)
        return value


class RecordingDict(dict):
    """A mapping that records the path of every value taken out of it (containers are navigated, not read)."""

    def __init__(self, recorder: Recorder, path: Tuple[Any, ...], value: dict) -> None:
        super().__init__(value)
        self._recorder, self._path = recorder, path

    def __getitem__(self, key: Any) -> Any:
        return self._recorder.wrap(super().__getitem__(key), self._path + (key,))

    def get(self, key: Any, default: Any = None) -> Any:
        return self[key] if key in self else default

    def items(self) -> Iterator[Tuple[Any, Any]]:  # type: ignore[override]
        return ((key, self[key]) for key in self)

    def values(self) -> Iterator[Any]:  # type: ignore[override]
        return (self[key] for key in self)


class RecordingList(list):
    def __init__(self, recorder: Recorder, path: Tuple[Any, ...], value: list) -> None:
        super().__init__(value)
        self._recorder, self._path = recorder, path

    def __getitem__(self, index: Any) -> Any:
        return self._recorder.wrap(super().__getitem__(index), self._path + (index,))

    def __iter__(self) -> Iterator[Any]:
        return (self[index] for index in range(len(self)))


def covered(path: Tuple[Any, ...], pattern: str) -> bool:
    """`path` lies at or under `pattern` (`*` any key, `[*]` any index)."""
    tokens: List[Any] = []
    for part in pattern.split("."):
        name, _, rest = part.partition("[")
        tokens.append(name)
        tokens.extend(-1 for _ in rest.split("[") if rest)
    if len(path) < len(tokens):
        return False
    for key, token in zip(path, tokens):
        if token == -1:
            if not isinstance(key, int):
                return False
        elif token != "*" and token != key:
            return False
    return True


@pytest.mark.parametrize("source", [*SOURCES, None], ids=[s.name for s in SOURCES] + ["every-setting"])
def test_every_value_a_reader_takes_lies_under_a_resolved_path(source: Path, tmp_path: Path) -> None:
    websocket, deferred = resolved_paths()
    if source is None:
        resolved, config_path, settings = EVERYTHING, tmp_path / "serverless.yml", {}
    else:
        config_path, document = load_config(source)
        settings = case_settings(source) if (source / "case.json").exists() else {}
        options = {k: v for k, v in (("stage", settings.get("stage")), ("region", settings.get("region"))) if v}
        resolved, _ = read_document(  # as load_service reads it: sections merged, variables resolved, schema applied
            document, dict(service_dir=config_path.parent, options=options, params=settings.get("params") or {}, env=settings.get("env") or {})
        )
    recorder = Recorder()
    validate_document(recorder.wrap(resolved, ()), config_path=config_path, stage=settings.get("stage"), region=settings.get("region"))
    declared = websocket + deferred
    stray = sorted({".".join(map(str, p)) for p in recorder.read if not any(covered(p, d) for d in declared)})
    assert recorder.read and not stray


def test_the_declared_paths_are_the_readers_and_nothing_by_hand() -> None:
    websocket, deferred = resolved_paths()
    assert "functions.*.events[*].websocket" in websocket and "provider.websocketsApiName" in websocket
    assert "functions.*.handler" in websocket  # the websocket module needs it for every command
    assert "functions.*.environment" in deferred and "provider.environment" in deferred  # only running or creating needs them
    assert not set(websocket) & set(deferred)
