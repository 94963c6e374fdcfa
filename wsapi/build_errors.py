"""The error of a build (requirements, bundles) that cannot be done: the packaging step turns it into a
`Problem` at the setting at fault, so a user sees one line per problem, never a traceback."""

from __future__ import annotations


class BuildError(Exception):
    """A build that cannot be done, with the dotted path of the setting at fault."""

    def __init__(self, path: str, message: str) -> None:
        super().__init__(message)
        self.path = path
        self.message = message
