import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

# builds the tests do not time (the golden corpus's requirements layer, ...) share one cache outside the
# repository, kept between runs; the build tests that count hits use a fresh one each
from build_packages import cache as _test_cache  # noqa: E402

os.environ.setdefault("WSAPI_BUILD_CACHE", str(_test_cache() / "builds"))


def run_cli(*args: str, cwd: Path | str | None = None, env: dict | None = None) -> subprocess.CompletedProcess:
    """`python -m wsapi ...` in a subprocess, as a user runs it."""
    full_env = {**os.environ, "PYTHONPATH": str(ROOT), **(env or {})}
    full_env.pop("WSAPI_DEBUG", None)
    return subprocess.run(
        [sys.executable, "-m", "wsapi", *args], cwd=cwd, env=full_env, capture_output=True, text=True, timeout=120
    )


@pytest.fixture
def cli():
    return run_cli
