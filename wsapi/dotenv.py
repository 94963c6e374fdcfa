"""`useDotenv: true`: the `.env` files Serverless v3 loads before it resolves `${env:...}`, with its exact rules
(`lib/cli/load-dotenv.js`: dotenv 16 reads the file, dotenv-expand 10 expands it):

* `.env.{stage}` from the service folder if it exists, else `.env`; neither is fine; a file that exists but
  cannot be read is an error;
* variables already set keep their value (dotenv never overrides), but dotenv-expand expands every variable
  the file names, including those already set, and writes the result back;
* lines `KEY=value` or `KEY: value`, optionally after `export `; values unquoted (up to a `#`), or in single,
  double (`\\n`/`\\r` become line breaks) or back quotes, over several lines if quoted;
* `$NAME`, `${NAME}` and `${NAME:-default}` are expanded from the environment (then the default, then the file),
  right to left, again in what they expand to; `\\$` is a literal `$`.

`load_dotenv` returns the environment the `env` source then reads; the process's own environment is never
changed.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Dict, Mapping, Optional, Tuple

__all__ = ["load_dotenv", "parse_dotenv", "expand_dotenv", "DotenvError"]

#: JavaScript's `\s`, `.` (anything but a line terminator) and `m`-mode `^`/`$`, which Python's differ from.
_WS = "[\t\n\v\f\r \u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\ufeff]"
_NOT_EOL = "[^\n\r\u2028\u2029]"
_BOL = "(?:\\A|(?<=[\n\r\u2028\u2029]))"
_EOL = "(?=[\n\r\u2028\u2029]|\\Z)"
_LINE = re.compile(
    f"{_BOL}{_WS}*(?:export{_WS}+)?([A-Za-z0-9_.-]+)(?:{_WS}*={_WS}*?|:{_WS}+?)"
    f"({_WS}*'(?:\\\\'|[^'])*'|{_WS}*\"(?:\\\\\"|[^\"])*\"|{_WS}*`(?:\\\\`|[^`])*`|[^#\r\n]+)?"
    f"{_WS}*(?:#{_NOT_EOL}*)?{_EOL}"
)
_QUOTED = re.compile(f"{_BOL}(['\"`])([\\s\\S]*)\\1{_EOL}")
_JS_TRIM = re.compile(f"^{_WS}+|{_WS}+\\Z")
#: The last `$` not escaped with a backslash, and the variable it starts (dotenv-expand's expressions).
_UNESCAPED_DOLLAR = re.compile(r"(?<!\\)\$")
_VARIABLE = re.compile(r"(?<!\\)(\$\{?([A-Za-z0-9_]+)(?::-([^}\\]*))?\}?)")
#: Bounds on expansion (dotenv-expand recurses without end on `A=$A`: Serverless stops with a stack overflow).
MAX_EXPANSIONS = 10_000
MAX_VALUE_CHARS = 1_000_000


class DotenvError(Exception):
    """A `.env` file Serverless would fail on: one line, naming the file."""


def parse_dotenv(text: str) -> Dict[str, str]:
    """dotenv's `parse`: the file's variables, in order (a later line wins)."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    variables: Dict[str, str] = {}
    for match in _LINE.finditer(text):
        value = _JS_TRIM.sub("", match.group(2) or "")
        quote = value[:1]
        value = _QUOTED.sub(lambda m: m.group(2), value)
        if quote == '"':
            value = value.replace("\\n", "\n").replace("\\r", "\r")
        variables[match.group(1)] = value
    return variables


def expand_dotenv(parsed: Mapping[str, str], environment: Mapping[str, str]) -> Dict[str, str]:
    """`environment` after dotenv (which sets what is not set yet) and dotenv-expand (which expands every
    variable of the file and writes it back). Raises `DotenvError` for a value that never finishes expanding."""
    env = dict(environment)
    for key, value in parsed.items():
        env.setdefault(key, value)
    expanded = dict(parsed)
    for key in parsed:
        expanded[key] = _interpolate(env[key], env, expanded, key).replace("\\$", "$")
    env.update(expanded)
    return env


def _interpolate(value: str, env: Mapping[str, str], parsed: Mapping[str, str], key: str) -> str:
    """dotenv-expand's `_interpolate`, as a loop: expand the right-most variable, again and again."""
    seen = set()
    for _ in range(MAX_EXPANSIONS):
        dollars = list(_UNESCAPED_DOLLAR.finditer(value))
        if not dollars:
            return value
        match = _VARIABLE.match(value, dollars[-1].start())
        if match is None:
            return value
        group, name, default = match.group(1), match.group(2), match.group(3)
        replacement = env.get(name) or default or parsed.get(name) or ""
        value = _js_replace_first(value, group, replacement)
        if value in seen or len(value) > MAX_VALUE_CHARS:
            break
        seen.add(value)
    raise DotenvError(f"{key}: its value keeps expanding (it refers to itself through ${{...}}), so it never gets a value")


def _js_replace_first(text: str, found: str, replacement: str) -> str:
    """JavaScript's `text.replace(found, replacement)` for a string `found`: the first occurrence, with the
    replacement's `$$`, `$&`, `` $` `` and `$'` patterns."""
    start = text.index(found)
    end = start + len(found)

    def pattern(match: "re.Match[str]") -> str:
        return {"$$": "$", "$&": found, "$`": text[:start], "$'": text[end:]}[match.group(0)]

    return text[:start] + re.sub(r"\$[$&`']", pattern, replacement) + text[end:]


def load_dotenv(service_dir: Path, stage: str, environment: Mapping[str, str]) -> Tuple[Dict[str, str], Optional[Path]]:
    """(the environment with the stage's `.env` file loaded, the file loaded or None)."""
    for name in (f".env.{stage}", ".env"):
        path = service_dir / name
        try:
            data = path.read_bytes()
        except FileNotFoundError:
            continue
        except OSError as error:
            raise DotenvError(f'Failed to load environment variables from "{path}": {error.strerror or error}') from None
        try:
            return expand_dotenv(parse_dotenv(data.decode("utf-8", errors="replace")), environment), path
        except DotenvError as error:
            raise DotenvError(f'cannot load environment variables from "{path}": {error}') from None
    return dict(environment), None
