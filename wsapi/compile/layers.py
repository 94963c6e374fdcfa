"""The compile step of the layers wsapi builds for the functions it creates (`packaging.Layer`): the service's
own `layers:` and serverless-python-requirements' `layer`, each an `AWS::Lambda::LayerVersion` `{Layer}LambdaLayer`
as Serverless compiles a layer (`lib/plugins/aws/package/compile/layers.js`). A layer to retain keeps its old
versions when it is replaced or deleted (DeletionPolicy and UpdateReplacePolicy Retain); Serverless gets the
same by giving it a new logical id for each content."""

from __future__ import annotations

from typing import Any, Dict, List, Sequence

from ..plan import Ref

LAYER_TYPE = "AWS::Lambda::LayerVersion"


def compile_layers(compiler: Any, layers: Sequence[Any]) -> Dict[str, List[Ref]]:
    """Add each layer; return the layers wsapi attaches to each function itself, by function key."""
    attached: Dict[str, List[Ref]] = {}
    for layer in layers:
        properties: Dict[str, Any] = {"Content": layer.archive, **layer.properties}
        attributes = {"DeletionPolicy": "Retain", "UpdateReplacePolicy": "Retain"} if layer.retain else {}
        compiler.add(layer.key, LAYER_TYPE, layer.child_suffix, properties, **attributes)
        for function in layer.functions:
            attached.setdefault(function, []).append(Ref(layer.key))
    return attached
