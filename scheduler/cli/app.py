"""The ``evertide`` command.

Only typer is imported at start-up: every command imports what it needs (SQLAlchemy, feedparser, tweepy…)
inside its body, so ``evertide --help`` stays as quick as a bare typer app. Errors reach the person as one
sentence plus a hint, and exit code 1; ``--debug`` shows the traceback instead.
"""

from pathlib import Path
from typing import Any

import typer
from typer.core import TyperGroup

from scheduler.cli import (
    config_commands,
    db_commands,
    feeds_commands,
    library_commands,
    plan_commands,
    queue_commands,
    run_commands,
    status_commands,
)
from scheduler.cli.common import CliState


class _EvertideGroup(TyperGroup):
    """Turns evertide's own errors into one sentence plus a hint and exit code 1, for every subcommand."""

    def invoke(self, ctx: Any) -> Any:  # typer.Context; typer vendors click, whose Context is private
        from content_library.errors import EvertideError

        try:
            return super().invoke(ctx)
        except EvertideError as error:
            state = ctx.obj
            if isinstance(state, CliState) and state.debug:
                raise
            from scheduler.cli.output import print_error

            print_error(error)
            ctx.exit(1)


app = typer.Typer(
    name="evertide",
    cls=_EvertideGroup,
    help="Evergreen content scheduler: keep your best material reaching every time zone of your audience.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)


@app.callback()
def _root(
    ctx: typer.Context,
    config: Path | None = typer.Option(
        None, "--config", "-c", help="Config file (default: $EVERTIDE_CONFIG, else ./config.yaml)."
    ),
    debug: bool = typer.Option(False, "--debug", help="Show tracebacks instead of one-line errors."),
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
app.command("history")(queue_commands.history)
app.command("run")(run_commands.run)
app.command("doctor")(run_commands.doctor)
app.command("status")(status_commands.status)


def main() -> None:
    """Console-script entry point."""
    app()
