"""The compile step of the layers wsapi builds for the functions it creates: serverless-python-requirements'
`layer` (the requirements as a Lambda layer, attached to the functions that need them), as Serverless compiles
a service's layer (`lib/plugins/aws/package/compile/layers.js`): `{Layer}LambdaLayer`, named
`{service}-{stage}-python-requirements` unless the settings name it, DeletionPolicy Retain with `retain`."""

from __future__ import annotations

import re
from typing import Any, Dict, List, Sequence

from .. import naming
from ..plan import Ref

LAYER_TYPE = "AWS::Lambda::LayerVersion"


def layer_logical_id(layer_key: str) -> str:
    return naming.normalized_function_name(layer_key) + "LambdaLayer"


def layer_name(service: Any, layer: Any) -> str:
    """The plugin's name, with the platform for a second one (one layer per Python platform)."""
    if layer.spec.settings.name:
        base = layer.spec.settings.name
    else:
        base = f"{service.name}-{service.stage}-python-requirements"
    suffix = layer.spec.key[len("pythonRequirements"):]
    return base + (f"-{re.sub(r'(?<!^)(?=[A-Z])', '-', suffix).lower()}" if suffix else "")


def compile_layers(compiler: Any, layers: Sequence[Any]) -> Dict[str, List[Ref]]:
    """Add each layer; return the layers each function gets, by function key."""
    attached: Dict[str, List[Ref]] = {}
    for layer in layers:
        spec = layer.spec
        settings = spec.settings
        properties: Dict[str, Any] = {"Content": layer.archive, "LayerName": layer_name(compiler.service, layer)}
        if settings.description:
            properties["Description"] = settings.description
        if settings.license_info:
            properties["LicenseInfo"] = settings.license_info
        properties["CompatibleRuntimes"] = list(settings.compatible_runtimes or (spec.runtime,))
        properties["CompatibleArchitectures"] = list(settings.compatible_architectures or (spec.platform.architecture,))
        key = layer_logical_id(spec.key)
        attributes = {"DeletionPolicy": "Retain", "UpdateReplacePolicy": "Retain"} if settings.retain else {}
        compiler.add(key, LAYER_TYPE, f"layer-{spec.key}", properties, **attributes)
        for function in spec.functions:
            attached.setdefault(function, []).append(Ref(key))
    return attached
