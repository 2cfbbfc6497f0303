"""Everyday commands load only what they use, checked by the modules a real run leaves in ``sys.modules``.

Found: every command that touched the database cost ~0.8 s against ~0.5 s for typer, rich, sqlmodel and one query —
Alembic (and Mako, and pygments through it) loaded to read the schema version, ``queue list`` loaded the planner
through ``scheduler.queue.fill``, the config's template check loaded the whole text of posts. A timed test would be
flaky; a module that is loaded is not, and it is what the time was spent on.
"""

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.cli import Cli

ROOT = Path(__file__).parent.parent
SAMPLE_FEED = ROOT / "scheduler" / "samples" / "sample-library.rss.xml"

# A command runs in a fresh process, exactly as `evertide …` would, and reports what it loaded.
RUN_AND_REPORT = """
import json, sys
from scheduler.cli.app import app
report, args = sys.argv[1], sys.argv[2:]
try:
    app(args, prog_name="evertide")
except SystemExit as stop:
    if stop.code:
        raise
with open(report, "w") as out:
    json.dump(sorted(sys.modules), out)
"""

# Nothing that reads or edits the library and the queue needs these: the schema version is one query, and
# fetching, parsing feeds and posting are other commands' work.
NEVER = ("alembic", "mako", "pygments", "feedparser", "httpx", "tweepy", "apscheduler", "mastodon", "atproto")
PLANNER = ("scheduler.planning.planner", "scheduler.queue.fill", "content_library.candidates")
# Checking the config's templates needs the placeholders, not the text of posts (regex, platform lengths).
POSTS = ("content_library.rendering", "content_library.text_length", "regex")
NOT_NEEDED = {
    ("queue", "list"): (*NEVER, *PLANNER, *POSTS),
    ("status",): (*NEVER, *PLANNER, *POSTS),
    ("history",): (*NEVER, *PLANNER, *POSTS),
    ("library", "list"): (*NEVER, *PLANNER, *POSTS, "scheduler.queue"),
    ("library", "show", "1"): (*NEVER, *PLANNER, *POSTS, "scheduler.queue"),
    ("plan", "--days", "7"): NEVER,
    ("library", "import", str(SAMPLE_FEED)): (*[n for n in NEVER if n != "feedparser"], *PLANNER, *POSTS),
}


@pytest.fixture(scope="module")
def campaign(tmp_path_factory: pytest.TempPathFactory) -> Cli:
    cli = Cli(tmp_path_factory.mktemp("campaign"))
    cli("db", "upgrade")
    cli("library", "import", str(SAMPLE_FEED))
    cli("queue", "fill")
    return cli


def loaded_by(cli: Cli, args: tuple[str, ...]) -> set[str]:
    report = cli.directory / "modules.json"
    command = [sys.executable, "-c", RUN_AND_REPORT, str(report), "--config", str(cli.config), *args]
    subprocess.run(command, check=True, capture_output=True, cwd=cli.directory)
    return set(json.loads(report.read_text()))


@pytest.mark.parametrize("args", list(NOT_NEEDED), ids=lambda args: " ".join(args[:2]))
def test_a_database_command_loads_only_what_it_uses(campaign: Cli, args: tuple[str, ...]) -> None:
    loaded = loaded_by(campaign, args)
    unneeded = sorted(m for m in loaded if any(m == n or m.startswith(n + ".") for n in NOT_NEEDED[args]))
    assert unneeded == []
