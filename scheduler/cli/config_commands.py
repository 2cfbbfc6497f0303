"""``evertide init`` and ``evertide config check``."""

from importlib.resources import files
from pathlib import Path

import typer

from scheduler.cli.common import load
from scheduler.cli.output import print_json, say

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
    say(f"Wrote {directory / 'config.yaml'} and created {config.database_url()}.")
    say("Next: `evertide feeds poll` to fill the library, then `evertide plan`.")


@app.command("check")
def check(ctx: typer.Context, json: bool = typer.Option(False, "--json", help="Machine-readable result.")) -> None:
    """Validate the config and list the environment variables it needs that are not set (names only).

    Example: evertide config check
    """
    config = load(ctx)
    missing = sorted({secret.variable for _, secret in config.secrets() if not secret.present})
    summary = {
        "config": str(config.path),
        "database": config.database_url(),
        "channels": sorted(config.channels),
        "audiences": sorted(config.audiences),
        "campaigns": sorted(config.campaigns),
        "feeds": [feed.display_name for feed in config.feeds],
        "missing_environment": missing,
    }
    if json:
        print_json(summary)
    else:
        say(f"{config.path}: valid")
        for key in ("channels", "audiences", "campaigns", "feeds"):
            say(f"  {key}: {', '.join(summary[key]) or '(none)'}")
        for variable in missing:
            say(f"  missing environment variable: {variable}")
    if missing:
        raise typer.Exit(2)
