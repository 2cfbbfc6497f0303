"""`evertide doctor`: every check a person needs before the daemon runs, without ever showing a secret."""

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.cli import Cli
from tests.emulators.x_api import XApi

CONFIG = """\
database: evertide.db
channels:
  outbox: {{kind: file, path: outbox.jsonl}}
  x-main:
    kind: x
    base_url: "{x}"
    credentials: {{bearer_token: "${{EVT_DOCTOR_X_TOKEN}}"}}
"""


@pytest.fixture
def x_api() -> Iterator[XApi]:
    with XApi(bearer_token="doctor-Sekr1t") as api:
        yield api


def test_doctor_passes_when_everything_is_in_place(
    tmp_path: Path, x_api: XApi, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("EVT_DOCTOR_X_TOKEN", "doctor-Sekr1t")
    cli = Cli(tmp_path, CONFIG.format(x=x_api.base_url))
    cli("db", "upgrade")
    out = cli("doctor").stdout
    for check in (
        "config",
        "package",
        "zone data",
        "database",
        "credential channels.x-main",
        "channel outbox",
        "channel x-main",
    ):
        assert f"ok   {check}" in out, out
    assert "tzdata 2026" in out
    assert "doctor-Sekr1t" not in out


def test_doctor_names_what_is_wrong(tmp_path: Path, x_api: XApi, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("EVT_DOCTOR_X_TOKEN", raising=False)
    cli = Cli(tmp_path, CONFIG.format(x=x_api.base_url))
    result = cli("doctor", ok=False)
    assert result.exit_code == 1
    assert "FAIL database" in result.stdout and "evertide db upgrade" in result.stdout
    assert "FAIL credential channels.x-main.credentials.bearer_token: ${EVT_DOCTOR_X_TOKEN} is not set" in result.stdout
    assert "FAIL channel x-main" in result.stdout


def test_doctor_lists_the_running_daemons_and_fails_when_claims_wait_for_one(
    tmp_path: Path, x_api: XApi, monkeypatch: pytest.MonkeyPatch
) -> None:
    import os
    import socket
    from datetime import UTC, datetime

    from content_library.database import make_engine, transaction
    from scheduler.config import load_config
    from scheduler.daemon.registry import register, unregister
    from scheduler.dispatch.claims import claim_due
    from tests.queue_helpers import add_items, queue

    monkeypatch.setenv("EVT_DOCTOR_X_TOKEN", "doctor-Sekr1t")
    cli = Cli(tmp_path, CONFIG.format(x=x_api.base_url))
    cli("db", "upgrade")
    assert "ok   daemons: none running" in cli("doctor").stdout
    engine = make_engine(f"sqlite:///{tmp_path / 'evertide.db'}")
    here, now = socket.gethostname(), datetime.now(UTC)
    try:
        [item] = add_items(engine, 1)
        queue(engine, item, now, campaign=None)
        with transaction(engine) as session:
            register(session, worker=f"{here}:{os.getpid()}", pid=os.getpid(), host=here, now=now)
            claim_due(session, load_config(cli.config), now=now, worker=f"{here}:{os.getpid()}", limit=100)
        assert f"ok   daemons: 1 running: {here}:{os.getpid()} (pid {os.getpid()} on {here})" in cli("doctor").stdout
        with transaction(engine) as session:
            unregister(session, worker=f"{here}:{os.getpid()}", now=now)
    finally:
        engine.dispose()
    result = cli("doctor", ok=False)
    assert "FAIL daemons: none running, and 1 entry(ies) are left claimed" in result.stdout


def test_a_broken_config_is_a_fail_line_and_the_checks_that_need_none_still_run(tmp_path: Path) -> None:
    """Found in review: a missing, unreadable or invalid config stopped `doctor` at its first error."""
    cli = Cli(tmp_path, "channels: [unclosed\n")
    result = cli("doctor", ok=False)
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert "FAIL config: " in result.output
    assert "ok   package" in result.output and "ok   zone data" in result.output
