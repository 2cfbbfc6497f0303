"""``evertide db upgrade|status``: the schema version of the database (the library's migrations and the
scheduler's, which importing :mod:`scheduler` registers)."""

import typer

from scheduler.cli.common import load, open_database
from scheduler.cli.output import say

app = typer.Typer(help="Create or upgrade the database schema.", no_args_is_help=True)


@app.command("upgrade")
def upgrade(ctx: typer.Context) -> None:
    """Create the database, or bring it up to this evertide's schema. Safe to run any time.

    Example: evertide db upgrade
    """
    from content_library.database import upgrade as apply_migrations

    config = load(ctx)
    before, after = apply_migrations(open_database(config, check_schema=False))
    if before == after:
        say(f"Database is up to date (schema {after}).")
    else:
        say(f"Upgraded the database from schema {before or '(empty)'} to {after}.")


@app.command("status")
def status(ctx: typer.Context) -> None:
    """Show the database's schema version and the one this evertide needs.

    Example: evertide db status
    """
    from content_library.database import current_revision, head_revision

    engine = open_database(load(ctx), check_schema=False)
    current, head = current_revision(engine), head_revision()
    say(f"database: {engine.url.render_as_string(hide_password=True)}")
    say(f"schema: {current or '(empty)'}; needed: {head}" + ("" if current == head else " — run `evertide db upgrade`"))
