"""The compile step: a validated `Service` becomes one `Plan`, the only place where resources are decided.

- `websockets`: Serverless v3's websocket steps, in its order (api, integrations, route responses,
  authorizers, permissions, routes, stage, deployment), in `serverless-v3` (compat) or standalone mode;
- `functions`: the Lambda functions wsapi creates with `with_functions` (functions, role, log groups,
  versions, aliases).

Each CloudFormation type a step emits has its entry in `wsapi.registry`, which tells the renderers the rest.
"""

from .websockets import compile_service

__all__ = ["compile_service"]
