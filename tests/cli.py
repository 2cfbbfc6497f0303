"""Running the real ``evertide`` CLI in-process, against a config in a temporary directory."""

import json
from pathlib import Path
from typing import Any

from typer.testing import CliRunner

from scheduler.cli.app import app

CONFIG = """\
database: evertide.db
display_timezone: Europe/London
audiences:
  world:
    - {zone: America/New_York, weight: 50, windows: ["08:00-10:00", "18:00-21:00"]}
    - {zone: Europe/London, weight: 50, windows: ["08:00-10:00", "18:00-21:00"]}
channels:
  outbox: {kind: file, path: outbox.jsonl, audience: world, daily_cap: 6}
campaigns:
  help:
    channels: [outbox]
    posts_per_day: 2
    min_gap: 2h
    repeat_after: 7d
    templates: ["{title} {url}", "{summary} {url}"]
    utm: {source: "{channel}", campaign: "{campaign}"}
"""


class Cli:
    """``cli("library", "list")`` runs ``evertide --config <tmp>/config.yaml library list``."""

    def __init__(self, directory: Path, config: str = CONFIG) -> None:
        self.directory = directory
        self.config = directory / "config.yaml"
        self.config.write_text(config)
        self.runner = CliRunner()

    def __call__(self, *args: str, ok: bool = True, input: str | None = None, env: dict[str, str] | None = None) -> Any:
        """``env`` is set for the run only: ``COLUMNS`` for the terminal's width, ``FORCE_COLOR`` for styles."""
        result = self.runner.invoke(
            app, ["--config", str(self.config), *args], input=input, env=env, catch_exceptions=False
        )
        if ok and result.exit_code != 0:
            raise AssertionError(f"evertide {' '.join(args)} exited {result.exit_code}:\n{result.output}")
        return result

    def json(self, *args: str) -> Any:
        return json.loads(self(*args, "--json").stdout)
