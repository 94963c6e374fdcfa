"""Any CloudFormation resource as its pulumi-aws-native resource: properties translated with the SDK's own type
information, and `Ref`/`Fn::GetAtt` read off the built resource with CloudFormation's meaning.

Property names: the SDK's `@pulumi.input_type` Args classes name every property twice, a Python name (the
keyword argument) and a wire name (`@pulumi.getter(name=...)`, the schema's name in lowerCamelCase). CloudFormation
names match wire names case-insensitively (`SSESpecification` is `sseSpecification`), except that a top-level
`Id` is `awsId` (`id` is every Pulumi resource's own). The top level becomes keyword arguments; below it, a typed
object becomes a dict keyed by wire names, which Pulumi sends as they are. The annotations say which values are
typed objects, lists or maps of them, and which are free-form JSON (`Any`: an IAM `PolicyDocument`, an SQS
`RedrivePolicy`): those are kept exactly as written. A scalar becomes the declared type as CloudFormation
converts it ("5" for an integer, "true" for a boolean, 20 for a string). A value that is an Output of a typed
object (or of text for a number) is translated when it resolves (an unknown name in it is then reported by the
Pulumi run).

`pulumi` and the SDK are imported here: only the component imports this module (see `native_types` for what
`validate`/`plan`/`export` may ask).
"""

from __future__ import annotations

import collections.abc
import difflib
import importlib
import inspect
import re
import sys
import typing
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Dict, FrozenSet, Iterator, List, Mapping, Optional, Tuple

import pulumi

from .errors import PathKey
from .native_types import PropertyError, UnknownOutput, native_type, ref_rule

#: What the SDK's annotations name without importing it: `Output` (in `Input[T]`) and the type variable `T`.
_HINT_LOCALS = {"Output": pulumi.Output, "T": type(None)}
_SEQUENCES = {list, tuple, collections.abc.Sequence}
_MAPPINGS = {dict, collections.abc.Mapping}
_WRAPPERS = {collections.abc.Awaitable, pulumi.Output}  #: the other forms of `Input[T]`: same T


@dataclass(frozen=True)
class Field:
    """One property (or output) of an SDK class."""

    python: str  #: the keyword argument / attribute: `sse_specification`
    wire: str  #: the name Pulumi sends and mocks see: `sseSpecification`
    hint: Any  #: its annotation, resolved

    @property
    def display(self) -> str:
        """The name as CloudFormation writes it (case aside)."""
        return "Id" if self.wire == "awsId" else self.wire[:1].upper() + self.wire[1:]


@dataclass(frozen=True)
class Shape:
    """What an annotation allows: a typed object, a list of `items`, a map of `values`, and which scalars."""

    obj: Optional[type] = None
    items: Any = None
    values: Any = None
    scalars: FrozenSet[str] = frozenset()  #: of "str" (enums too), "int", "float", "bool"

    @property
    def structured(self) -> bool:
        return self.obj is not None or self.items is not None or self.values is not None

    @property
    def converts_text(self) -> bool:
        """A string here must become a number or a boolean (`${self:custom.x}` gives strings)."""
        return bool(self.scalars) and "str" not in self.scalars


@lru_cache(maxsize=None)
def resource_class(cfn_type: str) -> type:
    """The SDK class of `cfn_type` (imports its module); native_types.Untranslatable when there is none."""
    found = native_type(cfn_type)
    return getattr(importlib.import_module(found.module), found.class_name)


def build(
    cfn_type: str, name: str, properties: Mapping[str, Any], opts: Optional[pulumi.ResourceOptions] = None
) -> pulumi.CustomResource:
    """A pulumi-aws-native resource from CloudFormation-named properties whose values are Pulumi inputs.
    Raises Untranslatable for the type and PropertyError (with the path inside `properties`) for a property."""
    return _sending_wire_names(resource_class(cfn_type))(name, opts=opts, **arguments(cfn_type, properties))


def arguments(cfn_type: str, properties: Mapping[str, Any]) -> Dict[str, Any]:
    """The keyword arguments of `cfn_type`'s SDK class for CloudFormation `properties`."""
    args_class = _args_class(resource_class(cfn_type))
    if not isinstance(properties, Mapping):
        raise PropertyError((), f"the properties of {cfn_type} must be a mapping, not {type(properties).__name__}")
    translated = _object(properties, args_class, (), cfn_type, top=True)
    by_wire = {field.wire: field for field in fields(args_class).values()}
    missing = [by_wire[wire].display for wire in _required(args_class) if translated.get(wire) is None]
    if missing:
        raise PropertyError((), f"{cfn_type} requires {', '.join(missing)}")
    return {by_wire[wire].python: value for wire, value in translated.items()}


def output(resource: pulumi.CustomResource, cfn_type: str, attribute: Optional[str] = None) -> pulumi.Output:
    """CloudFormation's `Ref` (attribute None) or `Fn::GetAtt` (`Attr`, or `Attr.Nested`) of a resource `build`
    made. Raises UnknownOutput for an attribute the type does not have or a `Ref` wsapi cannot give."""
    if attribute is not None:
        return get_att(resource, cfn_type, attribute)
    rule = ref_rule(cfn_type)
    if rule.kind == "identifier":
        return resource.id
    if rule.kind == "property":
        return get_att(resource, cfn_type, rule.prop)
    bus, rule_name = get_att(resource, cfn_type, "EventBusName"), get_att(resource, cfn_type, "Name")
    return pulumi.Output.all(bus, rule_name).apply(
        lambda v: v[1] if v[0] in (None, "", "default") else f"{v[0]}|{v[1]}"
    )


def get_att(resource: pulumi.CustomResource, cfn_type: str, attribute: str) -> pulumi.Output:
    """`Fn::GetAtt` of `attribute`: the output whose wire name matches, then into its typed object for each
    further `.Name`."""
    field, steps = attribute_path(cfn_type, attribute)
    value = getattr(resource, field.python)
    return value.apply(lambda resolved: _dig(resolved, steps)) if steps else value


def attribute_path(cfn_type: str, attribute: str) -> Tuple["Field", List["Field"]]:
    """The output `Fn::GetAtt` of `attribute` reads, and the fields into it; UnknownOutput when there is none."""
    first, *rest = attribute.split(".")
    outputs = fields(resource_class(cfn_type))
    field = _lookup(outputs, first, top=True)
    if field is None:
        raise UnknownOutput(f"{cfn_type} has no attribute {first!r}{_suggestion(first, outputs)}")
    hint, steps = _unwrap_output(field.hint), []
    for index, name in enumerate(rest):
        shape = _shape(hint)
        nested = _lookup(fields(shape.obj), name, top=False) if shape.obj is not None else None
        if nested is None:
            where = ".".join([first, *rest[:index]])
            known = fields(shape.obj) if shape.obj is not None else {}
            raise UnknownOutput(f"{cfn_type} attribute {where} has no attribute {name!r}{_suggestion(name, known)}")
        steps.append(nested)
        hint = nested.hint
    return field, steps


# -- registration -------------------------------------------------------------------------------------------


class _WireNames(pulumi.CustomResource):
    """Put after an SDK resource class (`_sending_wire_names`), this receives what the SDK's constructor registers
    (its options merged with the provider version and `replace_on_changes` of create-only properties) and sends
    the properties keyed by wire name, as `arguments` translated them, instead of through the SDK's typed
    serialization: that one fails on every property typed as a list or `Any` (DynamoDB's `KeySchema`), open as
    https://github.com/pulumi/pulumi/issues/17181. The SDK's getters then read the same Outputs."""

    def __init__(
        self,
        t: str,
        name: str,
        props: Any = None,
        opts: Optional[pulumi.ResourceOptions] = None,
        *args: Any,
        **kwargs: Any,
    ) -> None:
        names = {field.python: field.wire for field in fields(type(self).__mro__[1]).values()}
        wire = {names.get(key, key): value for key, value in vars(props).items()}
        super().__init__(t, name, wire, opts, *args, **kwargs)
        for python, wire_name in names.items():
            if python != wire_name and wire_name in self.__dict__:
                self.__dict__[python] = self.__dict__[wire_name]


@lru_cache(maxsize=None)
def _sending_wire_names(sdk_class: type) -> type:
    """A subclass of `sdk_class` (so `isinstance` and its getters work) that registers through `_WireNames`."""
    return type(
        sdk_class.__name__, (sdk_class, _WireNames), {"__module__": sdk_class.__module__, "__doc__": sdk_class.__doc__}
    )


# -- the SDK's type information -----------------------------------------------------------------------------


@lru_cache(maxsize=None)
def fields(cls: type) -> Mapping[str, Field]:
    """The properties of an SDK class (Args input type, output type or resource) by lower-cased wire name, read
    from its `@pulumi.getter` properties (which carry the wire name) and their return annotations."""
    module = vars(sys.modules[cls.__module__])
    found: Dict[str, Field] = {}
    for python, wire, getter in _getters(cls):
        try:
            hint = typing.get_type_hints(getter, globalns=module, localns=_HINT_LOCALS).get("return", Any)
        except Exception as failed:  # noqa: BLE001 - an SDK annotation wsapi cannot read: say which
            where = f"{cls.__module__}.{cls.__name__}.{python}"
            raise RuntimeError(f"wsapi cannot read the type of {where}: {failed}") from failed
        found[wire.lower()] = Field(python, wire, hint)
    return found


def _getters(cls: type) -> Iterator[Tuple[str, str, Any]]:
    """(attribute, wire name, getter) of each property `@pulumi.getter` made (it marks the getter with the wire
    name as `_pulumi_name`)."""
    for base in reversed(cls.__mro__):
        for python, member in vars(base).items():
            wire = getattr(member.fget, "_pulumi_name", None) if isinstance(member, property) else None
            if wire:
                yield python, wire, member.fget


@lru_cache(maxsize=None)
def _required(args_class: type) -> Tuple[str, ...]:
    """Wire names of the Args class's required properties: its `__init__` keywords without a default."""
    parameters = inspect.signature(args_class.__init__).parameters
    python = {name for name, parameter in parameters.items() if parameter.default is inspect.Parameter.empty}
    return tuple(field.wire for field in fields(args_class).values() if field.python in python)


def _args_class(resource_class: type) -> type:
    """The input type of a resource's constructor, the other class its module exports: `TableArgs`, or
    `RolePolicyInitArgs` where `RolePolicyArgs` names a nested type."""
    module = sys.modules[resource_class.__module__]
    found = [
        getattr(module, name)
        for name in getattr(module, "__all__", ())
        if name != resource_class.__name__ and hasattr(getattr(module, name, None), "_pulumi_input_type")
    ]
    if len(found) != 1:
        raise RuntimeError(f"{module.__name__} does not export one input type beside {resource_class.__name__}")
    return found[0]


def _members(hint: Any) -> List[Any]:
    """The alternatives an annotation allows, with `None` and the Awaitable/Output forms of `Input[T]` left out."""
    found, todo = [], [hint]
    while todo:
        current = todo.pop(0)
        origin = typing.get_origin(current)
        if origin is typing.Union:
            todo.extend(typing.get_args(current))
        elif origin not in _WRAPPERS and current is not type(None):
            found.append(current)
    return found


@lru_cache(maxsize=None)
def _shape(hint: Any) -> Shape:
    obj = items = values = None
    scalars = set()
    for member in _members(hint):
        origin = typing.get_origin(member)
        if isinstance(member, type) and (
            hasattr(member, "_pulumi_input_type") or hasattr(member, "_pulumi_output_type")
        ):
            obj = obj or member
        elif origin in _SEQUENCES and items is None:
            items = typing.get_args(member)[0]
        elif origin in _MAPPINGS and values is None:
            values = typing.get_args(member)[1]
        elif member is bool or member is int or member is float:
            scalars.add(member.__name__)
        elif isinstance(member, type) and issubclass(member, str):
            scalars.add("str")
    return Shape(obj, items, values, frozenset(scalars))


def _unwrap_output(hint: Any) -> Any:
    """A resource's outputs are annotated `Output[T]`: T."""
    return typing.get_args(hint)[0] if typing.get_origin(hint) is pulumi.Output else hint


def _lookup(table: Mapping[str, Field], key: Any, top: bool) -> Optional[Field]:
    if not isinstance(key, str):
        return None
    found = table.get(key.lower())
    if found is None and top and key.lower() == "id":
        found = table.get("awsid")  # pulumi-aws-native's name for a top-level `Id`
    return found


def _suggestion(key: Any, table: Mapping[str, Field]) -> str:
    names = sorted(field.display for field in table.values())
    close = difflib.get_close_matches(str(key).lower(), [name.lower() for name in names], n=1)
    if close:
        return f" (did you mean {next(name for name in names if name.lower() == close[0])}?)"
    return f"; it has: {', '.join(names)}" if names else ""


# -- values -------------------------------------------------------------------------------------------------


def _object(value: Mapping[Any, Any], cls: type, path: Tuple[PathKey, ...], owner: str, top: bool) -> Dict[str, Any]:
    """A typed object's properties keyed by wire name, each value translated."""
    table = fields(cls)
    translated: Dict[str, Any] = {}
    for key, item in value.items():
        field = _lookup(table, key, top)
        if field is None:
            raise PropertyError(path + (key,), f"{owner} has no property {key!r}{_suggestion(key, table)}")
        if field.wire in translated:
            raise PropertyError(
                path + (key,), f"{owner} is given {field.display} twice (names match whatever their case)"
            )
        translated[field.wire] = _value(item, field.hint, path + (key,), key)
    return translated


def _value(value: Any, hint: Any, path: Tuple[PathKey, ...], owner: str) -> Any:
    """`value` as the SDK expects it where `hint` is declared (free-form values as they are)."""
    if isinstance(value, pulumi.Output):
        if _shape(hint).structured or _shape(hint).converts_text:
            return value.apply(lambda resolved: _value(resolved, hint, path, owner))
        return value
    if isinstance(value, Mapping):
        shape = _shape(hint)
        if shape.obj is not None:
            return _object(value, shape.obj, path, owner, top=False)
        if shape.values is not None:
            return {key: _value(item, shape.values, path + (key,), owner) for key, item in value.items()}
        return value  # free-form JSON (Any), or not an object where the SDK wants one: the provider says so
    if isinstance(value, (list, tuple)):
        items = _shape(hint).items
        if items is not None:
            return [_value(item, items, path + (index,), owner) for index, item in enumerate(value)]
        return value
    return _scalar(value, _shape(hint).scalars)


_INTEGER = re.compile(r"[+-]?[0-9]+")


def _scalar(value: Any, kinds: FrozenSet[str]) -> Any:
    """A scalar as the type declared here, as CloudFormation converts template values: "5" where a number is
    declared, "true" where a boolean is, 5 or true where a string is. Anything else stays (the provider says)."""
    if not kinds or value is None:
        return value
    if isinstance(value, bool):
        return value if "bool" in kinds or "str" not in kinds else str(value).lower()
    if isinstance(value, (int, float)):
        return str(value) if "str" in kinds and not kinds & {"int", "float"} else value
    if isinstance(value, str) and "str" not in kinds:
        text = value.strip()
        if "bool" in kinds and text.lower() in ("true", "false"):
            return text.lower() == "true"
        if "int" in kinds and _INTEGER.fullmatch(text):
            return int(text)
        if "float" in kinds:
            try:
                return float(text)
            except ValueError:
                pass
    return value


def _dig(value: Any, steps: List[Field]) -> Any:
    """Follow nested attributes into a resolved output: an SDK output type (a dict too, keyed by Python name,
    which warns when read by wire name), or a plain dict keyed by wire name."""
    for step in steps:
        if value is None:
            return None
        if hasattr(type(value), "_pulumi_output_type") or not isinstance(value, Mapping):
            value = getattr(value, step.python, None)
        else:
            value = value.get(step.wire)
    return value
