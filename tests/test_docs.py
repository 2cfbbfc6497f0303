"""Docs cannot drift: every command has help with an example and is in the README; the README starts with
exactly the two commands CI and a new user run."""

import re
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
import typer.main

from scheduler.cli.app import app

ROOT = Path(__file__).parent.parent
README = (ROOT / "README.md").read_text()


def commands(command: object = None, path: tuple[str, ...] = ()) -> Iterator[tuple[str, object]]:
    command = command or typer.main.get_command(app)
    children = getattr(command, "commands", None)
    if not children:
        yield " ".join(path), command
        return
    for name, child in children.items():
        yield from commands(child, (*path, name))


COMMANDS = dict(commands())


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_every_command_has_help_with_an_example_and_is_in_the_readme(name: str) -> None:
    help_text = COMMANDS[name].help or ""  # type: ignore[attr-defined]
    assert help_text.strip(), f"evertide {name} has no help"
    assert "Example: evertide" in help_text, f"evertide {name}'s help has no runnable example"
    assert f"evertide {name}" in README, f"evertide {name} is not in the README"


def test_the_readme_starts_with_the_two_commands_and_ci_runs_the_second() -> None:
    blocks = re.findall(r"^```(?:sh|bash)\n(.*?)\n```", README, flags=re.M | re.S)
    assert len(blocks) == 2
    setup_and_run, tests = blocks
    assert "evertide run" in setup_and_run and "pytest" in tests
    extracted = subprocess.run(
        ["awk", "/^```(sh|bash)$/{n++; next} /^```$/{next} n==2 && NF {print; exit}", str(ROOT / "README.md")],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    assert extracted == tests
    assert "awk" in (ROOT / ".ci" / "run").read_text()
