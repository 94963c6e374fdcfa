"""CloudFormation intrinsics a user wrote, as plan values both renderers evaluate.

Runs once every resource of a standalone plan is known: a `Ref`/`Fn::GetAtt` to a resource of the plan (one
wsapi generates, or one of `resources:`) becomes `Ref`/`GetAtt`, pseudo parameters `Pseudo`, a template
parameter `Parameter`, and `Fn::Sub`/`Fn::Join`/`Fn::Select`/`Fn::Split`/`Fn::If`/`Fn::Base64` over these
their plan forms, so the Pulumi component evaluates them as CloudFormation would and the template renders
them as written. A function or log group Serverless generates that this plan does not create is its name
(and `Arn` its ARN, in the stack's account). Anything else (`Fn::ImportValue`, a `Ref` to the Serverless
stack around it) stays `External`: the template keeps it, the component reads stack exports and refuses the
rest with its path.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, Dict, Mapping, Optional, Tuple

from .. import naming
from ..errors import join_path
from ..intrinsics import is_intrinsic
from ..model import Service
from ..plan import MORE_PSEUDO_PARAMETERS, PSEUDO_PARAMETERS, Base64, External, FunctionArn, GetAtt, If, Join, Parameter, Pseudo, Ref, Remote, Select, Split, Sub
from ..remote_values import REMOTE, request_of


@dataclass(frozen=True)
class Scope:
    """What a reference may point at."""

    keys: frozenset  #: logical ids of the plan's resources
    parameters: frozenset  #: template parameters (`resources.Parameters`)
    conditions: frozenset  #: `resources.Conditions`
    service: Service
    api_id: Any  #: the plan's API id value (an external `websocketApiId` stands for `WebsocketsApi`)


class References:
    def __init__(self, scope: Scope) -> None:
        self.scope = scope
        self.absent = self.absent_generated()

    def absent_generated(self) -> Dict[str, Tuple[str, Any]]:
        """Logical ids Serverless generates that this plan does not hold, and what `Ref`/`GetAtt Arn` give."""
        absent: Dict[str, Tuple[str, Any]] = {}
        for key, function in self.scope.service.functions.items():
            name = function.deployed_name
            absent[naming.lambda_function(key)] = (name, FunctionArn(key, name, None))
            log_group = naming.lambda_log_group_name(name)
            absent[naming.function_log_group(key)] = (log_group, None)
        if self.scope.service.external_api_id is not None:
            absent[naming.API] = (self.scope.api_id, None)
        return {key: value for key, value in absent.items() if key not in self.scope.keys}

    # -- the walk --------------------------------------------------------------------------------------

    def convert(self, value: Any, path: str) -> Any:
        """`value` (raw, as written) as a plan value."""
        if is_intrinsic(value):
            ((name, argument),) = value.items()
            handler = INTRINSICS.get(name)
            where = path if name == REMOTE else join_path(path, name)  # a variable's value: where it was written
            converted = handler(self, argument, where) if handler is not None else None
            return External(value, path) if converted is None else converted
        if isinstance(value, Mapping):
            return {key: self.convert(item, join_path(path, str(key))) for key, item in value.items()}
        if isinstance(value, list):
            return [self.convert(item, f"{path}[{index}]") for index, item in enumerate(value)]
        return value

    def plan_values(self, value: Any, path: str) -> Any:
        """A plan value with every raw intrinsic and `External` inside it converted (where possible)."""
        if isinstance(value, External):
            return self.convert(value.value, value.path or path)
        if is_intrinsic(value):
            return self.convert(value, path)
        if isinstance(value, Join):
            return Join(value.separator, tuple(self.plan_values(part, path) for part in value.parts))
        if isinstance(value, Mapping):
            return {key: self.plan_values(item, join_path(path, str(key))) for key, item in value.items()}
        if isinstance(value, list):
            return [self.plan_values(item, f"{path}[{index}]") for index, item in enumerate(value)]
        return value

    # -- one handler per intrinsic: None when it cannot become a plan value ----------------------------

    def ref(self, name: Any, path: str) -> Optional[Any]:
        if not isinstance(name, str):
            return None
        if name in PSEUDO_PARAMETERS or name in MORE_PSEUDO_PARAMETERS:
            return Pseudo(name)
        if name in self.scope.parameters:
            return Parameter(name)
        if name in self.scope.keys:
            return Ref(name)
        if name in self.absent:
            return self.absent[name][0]
        return None

    def get_att(self, argument: Any, path: str) -> Optional[Any]:
        if isinstance(argument, str) and "." in argument:
            key, attribute = argument.split(".", 1)
        elif isinstance(argument, list) and len(argument) == 2 and all(isinstance(a, str) for a in argument):
            key, attribute = argument
        else:
            return None
        if key in self.scope.keys:
            return GetAtt(key, attribute)
        if key in self.absent and attribute == "Arn" and self.absent[key][1] is not None:
            return self.absent[key][1]
        return None

    def sub(self, argument: Any, path: str) -> Optional[Any]:
        if isinstance(argument, str):
            template, variables = argument, {}
        elif isinstance(argument, list) and len(argument) == 2 and isinstance(argument[0], str) and isinstance(argument[1], Mapping):
            template, variables = argument[0], {k: self.convert(v, f"{path}[1].{k}") for k, v in argument[1].items()}
        else:
            return None
        sub = Sub(template, tuple(variables.items()))
        for piece in sub.pieces():  # every name must be something this plan can evaluate
            if isinstance(piece, Ref) and self.ref(piece.key, path) is None:
                return None
            if isinstance(piece, GetAtt) and piece.key not in self.scope.keys:
                return None
        return sub

    def join(self, argument: Any, path: str) -> Optional[Any]:
        if not (isinstance(argument, list) and len(argument) == 2 and isinstance(argument[0], str) and isinstance(argument[1], list)):
            return None
        return Join(argument[0], tuple(self.convert(part, f"{path}[1][{i}]") for i, part in enumerate(argument[1])))

    def select(self, argument: Any, path: str) -> Optional[Any]:
        if not (isinstance(argument, list) and len(argument) == 2):
            return None
        return Select(self.convert(argument[0], f"{path}[0]"), self.convert(argument[1], f"{path}[1]"))

    def split(self, argument: Any, path: str) -> Optional[Any]:
        if not (isinstance(argument, list) and len(argument) == 2 and isinstance(argument[0], str)):
            return None
        return Split(argument[0], self.convert(argument[1], f"{path}[1]"))

    def if_(self, argument: Any, path: str) -> Optional[Any]:
        if not (isinstance(argument, list) and len(argument) == 3 and argument[0] in self.scope.conditions):
            return None
        return If(argument[0], self.convert(argument[1], f"{path}[1]"), self.convert(argument[2], f"{path}[2]"))

    def base64(self, argument: Any, path: str) -> Optional[Any]:
        return Base64(self.convert(argument, path))

    def remote(self, argument: Any, path: str) -> Optional[Any]:
        request = request_of({REMOTE: argument})
        return None if request is None else Remote(request, path)


INTRINSICS: Dict[str, Callable[[References, Any, str], Optional[Any]]] = {
    "Ref": References.ref,
    "Fn::GetAtt": References.get_att,
    "Fn::Sub": References.sub,
    "Fn::Join": References.join,
    "Fn::Select": References.select,
    "Fn::Split": References.split,
    "Fn::If": References.if_,
    "Fn::Base64": References.base64,
    REMOTE: References.remote,
}
