"""``evertide init`` and ``evertide config check``."""

from importlib.resources import files
from pathlib import Path

import typer

from scheduler.cli.common import load
from scheduler.cli.output import print_json, say, warn

app = typer.Typer(help="Check the campaign config.", no_args_is_help=True)

STARTER_FILES = ("config.yaml", "sample-library.rss.xml")


def init(
    directory: Path = typer.Argument(Path("."), help="Where to write config.yaml and the database."),
) -> None:
    """Write a starter config.yaml, a sample feed and an empty database; never overwrites anything.

    Example: evertide init my-campaign && cd my-campaign && evertide feeds poll
    """
    from content_library.errors import EvertideError
    from scheduler.cli.common import open_database
    from scheduler.config import load_config

    directory.mkdir(parents=True, exist_ok=True)
    existing = [name for name in STARTER_FILES if (directory / name).exists()]
    if existing:
        raise EvertideError(
            f"{directory / existing[0]} already exists; evertide init never overwrites",
            hint="Pick an empty directory, or edit the existing config.",
        )
    samples = files("scheduler").joinpath("samples")
    (directory / "config.yaml").write_text(samples.joinpath("starter-config.yaml").read_text(encoding="utf-8"))
    (directory / "sample-library.rss.xml").write_bytes(samples.joinpath("sample-library.rss.xml").read_bytes())
    config = load_config(directory / "config.yaml")
    from content_library.database import upgrade

    upgrade(open_database(config, check_schema=False))
    say(f"Wrote {directory / 'config.yaml'} and created {config.database_shown()}.")
    say("Next: `evertide feeds poll` to fill the library, then `evertide plan`.")


@app.command("check")
def check(ctx: typer.Context, json: bool = typer.Option(False, "--json", help="Machine-readable result.")) -> None:
    """Validate the config; also check that each channel kind's extra is installed and every ${VAR} is set.

    Errors (exit 1) and warnings (exit 0) each name the file, line and key: the file's own problems, then a
    missing extra (error) and unset variables (warning; the daemon holds such a channel). Values are never shown.

    Example: evertide config check
    """
    from scheduler.config import ConfigError, check_environment

    config = load(ctx)
    findings = check_environment(config)
    errors = [str(finding) for finding in findings if finding.is_error]
    warnings = [str(finding) for finding in findings if not finding.is_error]
    missing = sorted({ref.variable for _, ref in config.references() if config.variables.get(ref.variable) is None})
    summary = {
        "config": str(config.path),
        "database": config.database_shown(),
        "channels": sorted(config.channels),
        "audiences": sorted(config.audiences),
        "campaigns": sorted(config.campaigns),
        "feeds": [feed.display_name for feed in config.feeds],
        "missing_environment": missing,
        "errors": errors,
        "warnings": warnings,
    }
    if json:
        print_json(summary)
        if errors:
            raise typer.Exit(1)
        return
    for warning in warnings:
        warn(warning)
    if errors:
        raise ConfigError("\n".join(errors), hint="Install what is named above, then run `evertide config check`.")
    say(f"{config.path}: valid")
    for key in ("channels", "audiences", "campaigns", "feeds"):
        say(f"  {key}: {', '.join(summary[key]) or '(none)'}")
