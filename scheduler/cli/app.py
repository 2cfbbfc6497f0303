"""The ``evertide`` command.

Only typer is imported at start-up: every command imports what it needs (SQLAlchemy, feedparser, tweepy…)
inside its body, so ``evertide --help`` stays as quick as a bare typer app. Errors reach the person as one
sentence plus a hint, and exit code 1; ``--debug`` shows the traceback instead.
"""

from pathlib import Path
from typing import Any

import typer
from typer.core import TyperGroup
from typer.exceptions import TyperException

from scheduler.cli import (
    config_commands,
    db_commands,
    export_commands,
    feeds_commands,
    library_commands,
    metrics_commands,
    plan_commands,
    queue_commands,
    report_commands,
    run_commands,
    stats_commands,
    status_commands,
)
from scheduler.cli.common import CliState, close_databases


class _EvertideGroup(TyperGroup):
    """Turns every error into one sentence plus a hint and exit code 1, for every subcommand: evertide's own,
    and database and OS failures (a corrupt file, a full disk, a server that is down), which
    :func:`content_library.failures.explain` words; anything else is named by its type and first line.
    ``--debug`` shows the traceback instead."""

    def invoke(self, ctx: Any) -> Any:  # typer.Context; typer vendors click, whose Context is private
        try:
            return super().invoke(ctx)
        except (typer.Exit, typer.Abort, TyperException):
            raise
        except Exception as error:
            state = ctx.obj
            if isinstance(state, CliState) and state.debug:
                raise
            _report(error, state.database if isinstance(state, CliState) else None)
            ctx.exit(1)
        finally:
            close_databases()


def _report(error: Exception, database: str | None) -> None:
    from content_library.errors import EvertideError
    from content_library.failures import explain, one_line
    from scheduler.cli.output import print_error

    explained = explain(error, database=database)
    if explained is None:
        explained = EvertideError(
            f"unexpected {one_line(error)}",
            hint="Run it again as `evertide --debug …` to see where it happened, and report it if it is a bug.",
        )
    print_error(explained)


app = typer.Typer(
    name="evertide",
    cls=_EvertideGroup,
    help="Evergreen content scheduler: keep your best material reaching every time zone of your audience.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)


def _show_version(asked: bool) -> None:
    if asked:
        from importlib.metadata import version

        typer.echo(f"evertide {version('evertide')}")
        raise typer.Exit()


@app.callback()
def _root(
    ctx: typer.Context,
    config: Path | None = typer.Option(
        None, "--config", "-c", help="Config file (default: $EVERTIDE_CONFIG, else ./config.yaml)."
    ),
    debug: bool = typer.Option(False, "--debug", help="Show tracebacks instead of one-line errors."),
    version: bool = typer.Option(False, "--version", is_eager=True, callback=_show_version, help="Show the version."),
) -> None:
    ctx.obj = CliState(config_option=config, debug=debug)


app.command("init")(config_commands.init)
app.add_typer(config_commands.app, name="config")
app.add_typer(db_commands.app, name="db")
app.add_typer(library_commands.app, name="library")
app.add_typer(feeds_commands.app, name="feeds")
app.command("plan")(plan_commands.plan)
app.add_typer(queue_commands.app, name="queue")
queue_commands.app.command("share-now")(run_commands.share_now)
queue_commands.app.command("export")(export_commands.export)
app.command("history")(queue_commands.history)
app.command("run")(run_commands.run)
app.command("doctor")(run_commands.doctor)
app.command("status")(status_commands.status)
app.command("stats")(stats_commands.stats)
app.add_typer(metrics_commands.app, name="metrics")
app.command("report")(report_commands.report)


def main() -> None:
    """Console-script entry point."""
    app()
