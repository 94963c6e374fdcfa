"""`python -m wsapi.offline ...`: the same as `python -m wsapi offline ...` (one parser, one error path)."""

from ..cli import entry_point

if __name__ == "__main__":
    entry_point(prog="python -m wsapi.offline", command="offline")
