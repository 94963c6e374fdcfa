"""The service's own Lambda layers (the top-level `layers:` section), read as Serverless v3 reads them
(`lib/plugins/aws/provider.js` schema, `package/compile/layers.js`): each becomes an
`AWS::Lambda::LayerVersion` `{Layer}LambdaLayer`, which functions use with `{Ref: {Layer}LambdaLayer}` in their
`layers`.

The section matters only to the functions wsapi creates: a value whose variables cannot be resolved is kept as
a problem of creating them; a value of the wrong type is a problem of the document, for every command.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Callable, List, Mapping, Optional, Tuple

from . import naming
from .errors import Problem, join_path
from .model import Unresolved
from .readers import TypedReader, read_declared, reads, unresolved_in

LAYER_KEYS = (
    "path", "name", "description", "compatibleRuntimes", "compatibleArchitectures", "licenseInfo", "retain",
    "allowedAccounts", "package",
)  # fmt: skip
PACKAGE_KEYS = ("artifact", "include", "exclude", "patterns")
#: Lambda's layer name: a name, or a layer ARN (Serverless's schema).
LAYER_NAME = re.compile(r"^((arn:[a-zA-Z0-9-]+:lambda:[a-zA-Z0-9-]+:\d{12}:layer:[a-zA-Z0-9-_]+)|[a-zA-Z0-9-_]+)$")
ARCHITECTURES = ("arm64", "x86_64")
MAX_RUNTIMES = 15
MAX_ARCHITECTURES = 2


def layer_logical_id(key: str) -> str:
    """Serverless's `getLambdaLayerLogicalId`: `{Key}LambdaLayer`, the key normalized as a function's."""
    return naming.normalized_function_name(key) + "LambdaLayer"


@dataclass(frozen=True)
class ServiceLayer:
    """One entry of `layers:`."""

    key: str
    path: Optional[str]  #: the folder packaged (relative to the service folder)
    name: Optional[str] = None  #: LayerName; the key when not given
    description: Optional[str] = None
    license_info: Optional[str] = None
    compatible_runtimes: Optional[Tuple[str, ...]] = None
    compatible_architectures: Optional[Tuple[str, ...]] = None
    retain: bool = False
    artifact: Optional[str] = None  #: `package.artifact`: a built zip, shipped as it is
    patterns: Tuple[str, ...] = ()  #: `package.include` + `package.patterns`
    excludes: Tuple[str, ...] = ()  #: `package.exclude`
    problems: Tuple[Problem, ...] = ()  #: values that could not be resolved: problems of building the layer

    @property
    def where(self) -> str:
        return join_path("layers", self.key)

    @property
    def logical_id(self) -> str:
        return layer_logical_id(self.key)


class ServiceLayerReader(TypedReader):
    """Reads `layers:` of one document (`read`): the layers, and the problems of creating them."""

    def __init__(self, document: Mapping[str, Any], report: Callable[[str, str], None]) -> None:
        self.doc = document
        self._report = report

    def report(self, path: str, message: str) -> None:
        self._report(path, message)

    def read(self) -> Tuple[ServiceLayer, ...]:
        return read_declared(self.doc, self.layers)

    @reads("layers", deferred=True)
    def layers(self, value: Any, path: str) -> Tuple[ServiceLayer, ...]:
        if isinstance(value, Unresolved):
            value = None  # layers of unresolved names: only a function naming one would need it, and fails then
        section = self.mapping(value, path) or {}
        found = []
        ids: dict = {}
        for key, settings in section.items():
            where = join_path(path, str(key))
            layer = self.layer(str(key), settings, where)
            if layer is None:
                continue
            if layer.logical_id in ids:
                self.report(where, f"has the logical id {layer.logical_id} of {ids[layer.logical_id]}; rename one of them")
                continue
            ids[layer.logical_id] = where
            found.append(layer)
        return tuple(found)

    def layer(self, key: str, value: Any, path: str) -> Optional[ServiceLayer]:
        value, unresolved = unresolved_in(value, path)
        settings = self.mapping(value, path)
        if settings is None:
            if value is None:
                self.report(path, "must be a mapping with the layer's path")
            return None
        self.unknown_keys(settings, LAYER_KEYS, path)
        package = self.mapping(settings.get("package"), f"{path}.package") or {}
        self.unknown_keys(package, PACKAGE_KEYS, f"{path}.package")
        if settings.get("allowedAccounts") is not None:
            self.report(f"{path}.allowedAccounts", "wsapi does not share layers with other accounts; leave it out and add the layer version permission yourself")
        layer_path = self.string(settings.get("path"), f"{path}.path")
        artifact = self.string(package.get("artifact"), f"{path}.package.artifact")
        if layer_path is None and artifact is None and "path" not in settings:
            self.report(f"{path}.path", "is required (the folder packaged as the layer), unless package.artifact gives a built zip")
        return ServiceLayer(
            key=key,
            path=layer_path,
            name=self.layer_name(settings.get("name"), f"{path}.name"),
            description=self.bounded(settings.get("description"), f"{path}.description", 256),
            license_info=self.bounded(settings.get("licenseInfo"), f"{path}.licenseInfo", 512),
            compatible_runtimes=self.listed(settings.get("compatibleRuntimes"), f"{path}.compatibleRuntimes", MAX_RUNTIMES),
            compatible_architectures=self.architectures(settings.get("compatibleArchitectures"), f"{path}.compatibleArchitectures"),
            retain=bool(self.boolean(settings.get("retain"), f"{path}.retain")),
            artifact=artifact,
            patterns=self.strings(package.get("include"), f"{path}.package.include") + self.strings(package.get("patterns"), f"{path}.package.patterns"),
            excludes=self.strings(package.get("exclude"), f"{path}.package.exclude"),
            problems=tuple(unresolved),
        )

    def layer_name(self, value: Any, path: str) -> Optional[str]:
        name = self.string(value, path)
        if name is not None and (len(name) > 140 or not LAYER_NAME.fullmatch(name)):
            self.report(path, f"{name!r} is not a valid layer name (1-140 letters, digits, - and _, or a layer ARN)")
            return None
        return name

    def bounded(self, value: Any, path: str, limit: int) -> Optional[str]:
        text = self.string(value, path, non_empty=False)
        if text is not None and len(text) > limit:
            self.report(path, f"must be at most {limit} characters")
            return None
        return text or None

    def listed(self, value: Any, path: str, limit: int) -> Optional[Tuple[str, ...]]:
        if value is None:
            return None
        items = self.strings(value, path)
        if len(items) > limit:
            self.report(path, f"takes at most {limit} items, got {len(items)}")
        return items

    def architectures(self, value: Any, path: str) -> Optional[Tuple[str, ...]]:
        items = self.listed(value, path, MAX_ARCHITECTURES)
        for index, item in enumerate(items or ()):
            if item not in ARCHITECTURES:
                self.report(f"{path}[{index}]", f"must be arm64 or x86_64, got {item!r}")
        return items


def referenced_layers(layers: Tuple[ServiceLayer, ...], function_layers: Any) -> List[ServiceLayer]:
    """The service layers a function's `layers` name with `{Ref: {Layer}LambdaLayer}`, in its order."""
    by_id = {layer.logical_id: layer for layer in layers}
    found = []
    for value, _ in function_layers or ():
        target = value.get("Ref") if isinstance(value, Mapping) and len(value) == 1 else None
        if isinstance(target, str) and target in by_id and by_id[target] not in found:
            found.append(by_id[target])
    return found
