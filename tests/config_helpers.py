"""Writing configs for tests, reading the error one gives, and running code where an extra is not installed."""

import subprocess
import sys
from pathlib import Path

import pytest

from scheduler.config import ConfigError, load_config

ROOT = Path(__file__).parent.parent

_WITHOUT = """\
import sys
from importlib.abc import MetaPathFinder


class Blocker(MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name == {module!r} or name.startswith({module!r} + "."):
            raise ModuleNotFoundError(f"No module named {{name!r}}", name=name)
        return None


sys.meta_path.insert(0, Blocker())
"""


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "config.yaml"
    path.write_text(text)
    return path


def error_of(path: Path) -> str:
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    return str(caught.value)


def run_without(module: str, script: str, *args: str) -> subprocess.CompletedProcess[str]:
    """Run ``script`` in a fresh Python in which ``module`` cannot be imported (as if its extra were not
    installed), from the repository's root, with ``args`` as ``sys.argv[1:]``."""
    return subprocess.run(
        [sys.executable, "-c", _WITHOUT.format(module=module) + script, *args],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=ROOT,
    )
