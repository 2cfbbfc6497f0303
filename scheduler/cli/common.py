"""What every command needs: the config, the database, the clock. The CLI is one of the two places that read
the clock (the daemon is the other)."""

from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

import typer

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine

    from scheduler.config import Config


@dataclass
class CliState:
    config_option: Path | None
    debug: bool
    database: str | None = None  # the configured database URL, once the config is loaded: errors name it


def load(ctx: typer.Context) -> "Config":
    from content_library.errors import EvertideError
    from scheduler.config import config_path, load_config

    state: CliState = ctx.find_root().obj
    config = load_config(config_path(state.config_option))
    try:
        state.database = config.database_url()
    except EvertideError:  # a ${VAR} that is not set: the command that opens the database says so
        state.database = None
    return config


_OPENED: list["Engine"] = []


def open_database(config: "Config", *, check_schema: bool = True, name: str | None = None) -> "Engine":
    """The configured database, refusing an outdated schema (see ``evertide db upgrade``); ``name`` names a
    server's connections. The command's engines are closed when it ends (:func:`close_databases`): a server's
    connections are not left to the garbage collector."""
    from content_library.database import make_engine, require_current_schema

    engine = make_engine(config.database_url(), application_name=name)
    _OPENED.append(engine)
    if check_schema:
        require_current_schema(engine)
    return engine


def now() -> datetime:
    return datetime.now(UTC)


def close_databases() -> None:
    """Close every engine the command opened (the CLI calls this as each command ends)."""
    while _OPENED:
        _OPENED.pop().dispose()
