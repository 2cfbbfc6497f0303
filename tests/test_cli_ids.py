"""Every command that takes an item, entry or variant id refuses one the database cannot hold, with one clear
message, before it opens the database. Found in review: `plan --explain=99999999999999999999` and
`queue show 99999999999999999999` ended in an OverflowError, and 3000000000 in a DataError on PostgreSQL."""

from collections.abc import Callable
from pathlib import Path

import pytest

from content_library.integers import LARGEST_INTEGER
from tests.cli import CONFIG, Cli

HUGE = "99999999999999999999"

COMMANDS: list[Callable[[str], tuple[str, ...]]] = [
    lambda n: ("library", "show", n),
    lambda n: ("library", "edit", n, "--title", "t"),
    lambda n: ("library", "pause", n),
    lambda n: ("library", "resume", n),
    lambda n: ("library", "retire", n),
    lambda n: ("library", "remove", n, "--yes"),
    lambda n: ("library", "variants", "add", n, "Read {title}"),
    lambda n: ("library", "variants", "list", n),
    lambda n: ("library", "variants", "remove", n),
    lambda n: ("queue", "show", n),
    lambda n: ("queue", "move", n, "--to", "tomorrow 09:30"),
    lambda n: ("queue", "swap", n, "1"),
    lambda n: ("queue", "swap", "1", n),
    lambda n: ("queue", "skip", n),
    lambda n: ("queue", "edit", n, "--text", "hi"),
    lambda n: ("queue", "pin", n),
    lambda n: ("queue", "unpin", n),
    lambda n: ("queue", "insert", n, "--channel", "outbox", "--next"),
    lambda n: ("queue", "resolve", n, "--published"),
    lambda n: ("queue", "share-now", n, "--channel", "outbox"),
    lambda n: ("history", "--item", n),
    lambda n: ("plan", "--explain", n),
    lambda n: ("plan", f"--explain={n}"),
]


@pytest.mark.parametrize("command", COMMANDS, ids=lambda command: " ".join(command("ID")))
def test_an_id_past_the_databases_integers_is_refused_clearly(
    cli: Cli, command: Callable[[str], tuple[str, ...]]
) -> None:
    for number in (HUGE, str(LARGEST_INTEGER + 1), "0", "9" * 5000):
        result = cli(*command(number), ok=False, env={"COLUMNS": "400"})
        assert result.exit_code == 2, result.output
        assert f"is not an id: ids are whole numbers from 1 to {LARGEST_INTEGER}" in result.output
        assert "Traceback" not in result.output and "Overflow" not in result.output


def test_the_largest_id_is_looked_up_and_not_found(cli: Cli) -> None:
    result = cli("queue", "show", str(LARGEST_INTEGER), ok=False)
    assert result.exit_code == 1 and f"{LARGEST_INTEGER}" in result.output


def test_an_id_past_int4_is_refused_on_postgresql(tmp_path: Path, postgresql_url: str) -> None:
    cli = Cli(tmp_path, CONFIG.replace("database: evertide.db", f'database: "{postgresql_url}"'))
    cli("db", "upgrade")
    for command in (("queue", "show", "3000000000"), ("plan", "--explain", "3000000000")):
        result = cli(*command, ok=False)
        assert result.exit_code == 2 and "DataError" not in result.output, result.output
    assert cli("queue", "show", str(LARGEST_INTEGER), ok=False).exit_code == 1
