"""wsapi's version: written here only. pyproject.toml reads it (`[tool.setuptools.dynamic]`), `wsapi --version`
prints it, so a checkout and an installed copy say the same."""

__version__ = "0.1.0"
