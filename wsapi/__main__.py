"""`python -m wsapi ...`: the `wsapi` command, named as it was run."""

from .cli import entry_point

if __name__ == "__main__":
    entry_point(prog="python -m wsapi")
