"""Database and OS failures reach the person as one sentence and a remedy, never a traceback or SQL.

Found: a corrupt SQLite file, a missing PostgreSQL database, a server that is down or a full disk printed
30–150-line tracebacks, from `doctor` and read-only commands too; "disk I/O error" never said the disk was
full; a failed `library import` dumped SQL and ten rows of item content.
"""

import os
import shutil
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from tests.cli import CONFIG, Cli

ROOT = Path(__file__).parent.parent


def assert_one_clear_error(output: str, *phrases: str) -> None:
    assert "Traceback" not in output and "sqlalche.me" not in output and "SELECT" not in output, output
    assert output.count("error:") == 1 and "hint:" in output, output
    for phrase in phrases:
        assert phrase in output, output


def test_a_file_that_is_not_a_sqlite_database_is_named_with_how_to_recover(tmp_path: Path) -> None:
    cli = Cli(tmp_path)
    (tmp_path / "evertide.db").write_bytes(b"this is not a database, just some bytes\n" * 100)
    for command in (["queue", "list"], ["status"], ["library", "list"], ["history"], ["plan", "--days", "1"]):
        result = cli(*command, ok=False)
        assert result.exit_code == 1, command
        assert_one_clear_error(result.output, f"{tmp_path / 'evertide.db'} is not a SQLite database", "backup")


def test_doctor_reports_a_broken_database_as_a_fail_line_and_goes_on_with_the_other_checks(tmp_path: Path) -> None:
    cli = Cli(tmp_path)
    (tmp_path / "evertide.db").write_bytes(b"\x00garbage" * 500)
    result = cli("doctor", ok=False)
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert "FAIL database: " in result.output and "is not a SQLite database" in result.output
    assert "ok   channel outbox" in result.output  # the checks after it still ran


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_a_postgresql_server_that_is_down_is_named_by_host_and_port(tmp_path: Path) -> None:
    port = _closed_port()
    config = CONFIG.replace("database: evertide.db", f"database: postgresql+psycopg://postgres@127.0.0.1:{port}/x")
    result = Cli(tmp_path, config)("queue", "list", ok=False)
    assert_one_clear_error(result.output, f"PostgreSQL at 127.0.0.1:{port} refuses connections")


def test_a_missing_postgresql_database_comes_with_the_createdb_command(tmp_path: Path, postgresql_url: str) -> None:
    missing = postgresql_url.rsplit("/", 1)[0] + "/evertide_never_created"
    cli = Cli(tmp_path, CONFIG.replace("database: evertide.db", f"database: {missing}"))
    for command in (["queue", "list"], ["db", "upgrade"]):
        result = cli(*command, ok=False)
        assert_one_clear_error(result.output, 'has no database "evertide_never_created"', "createdb -h 127.0.0.1")
    assert "FAIL database: " in cli("doctor", ok=False).output


def _in_a_small_file_system(tmp_path: Path, script: str, *, size: str = "400k") -> subprocess.CompletedProcess[str]:
    """Run ``script`` (sh) in a mount namespace where ``tmp_path/disk`` is a tmpfs of ``size``: a full disk
    without root, gone when the script ends. Skips loudly outside CI where namespaces are not allowed."""
    (tmp_path / "disk").mkdir()
    probe = (
        subprocess.run(["unshare", "-rm", "true"], capture_output=True, check=False)
        if shutil.which("unshare")
        else None
    )
    if probe is None or probe.returncode != 0:
        if os.environ.get("CI"):
            raise AssertionError("CI must be able to make a small file system (unshare -rm); it could not")
        pytest.skip("LOUD SKIP: cannot create a mount namespace here (unshare -rm); the full-disk test did not run")
    evertide = f"{sys.executable} -m scheduler --config {tmp_path / 'config.yaml'}"
    mounted = f"mount -t tmpfs -o size={size} tmpfs {tmp_path / 'disk'} && " + script.replace("evertide", evertide)
    return subprocess.run(
        ["unshare", "-rm", "sh", "-c", mounted], capture_output=True, text=True, timeout=120, check=False, cwd=ROOT
    )


def test_a_full_disk_is_said_as_a_full_disk_naming_the_folder_and_loses_nothing(tmp_path: Path) -> None:
    Cli(tmp_path, CONFIG.replace("database: evertide.db", "database: disk/evertide.db"))
    rows = "".join(f"Guide {n},https://help.example.com/{n},{'lorem ipsum ' * 60}\n" for n in range(3000))
    (tmp_path / "big.csv").write_text("title,url,summary\n" + rows)
    result = _in_a_small_file_system(
        tmp_path,
        f"evertide db upgrade >/dev/null && evertide library import {tmp_path / 'big.csv'}; echo rc=$?;"
        " evertide library list --json",
    )
    before_list = result.stdout.split("rc=")[0]
    assert "rc=1" in result.stdout, result.stdout + result.stderr
    assert_one_clear_error(result.stderr, f"the disk holding {tmp_path / 'disk'} is full")
    assert before_list.strip() == "" and result.stdout.split("rc=1", 1)[1].strip() == "[]"  # nothing half-imported


def test_a_read_only_file_system_is_named_with_the_path(tmp_path: Path) -> None:
    Cli(tmp_path, CONFIG.replace("database: evertide.db", "database: disk/evertide.db"))
    result = _in_a_small_file_system(  # room for the whole schema: the upgrade must finish, not fill the disk
        tmp_path,
        f"evertide db upgrade >/dev/null && mount -o remount,ro {tmp_path / 'disk'} && evertide queue list",
        size="4m",
    )
    assert result.returncode == 1
    assert_one_clear_error(result.stderr, f"cannot write {tmp_path / 'disk' / 'evertide.db'}", "read-only")


def test_a_hosting_provider_s_postgres_url_works_and_an_unknown_scheme_is_one_line(
    tmp_path: Path, postgresql_url: str
) -> None:
    """Found in review: `postgres://…` (as hosting providers give it) and any unknown scheme printed a
    traceback (NoSuchModuleError)."""
    plain = postgresql_url.replace("postgresql+psycopg://", "postgres://")
    cli = Cli(tmp_path, CONFIG.replace("database: evertide.db", f"database: {plain}"))
    cli("db", "upgrade")
    assert "0 entries" in cli("queue", "list").output
    cli.config.write_text(CONFIG.replace("database: evertide.db", "database: mongodb://127.0.0.1/x"))
    result = cli("queue", "list", ok=False)
    assert_one_clear_error(result.output, "not a database URL evertide can open (scheme 'mongodb')")
