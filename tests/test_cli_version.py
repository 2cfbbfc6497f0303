"""`evertide --version`."""

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).parent.parent


def test_version_names_the_installed_distribution() -> None:
    from importlib.metadata import version

    result = subprocess.run(
        [sys.executable, "-m", "scheduler", "--version"], capture_output=True, text=True, check=True, cwd=ROOT
    )
    assert result.stdout == f"evertide {version('evertide')}\n"
