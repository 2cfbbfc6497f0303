"""The `metrics:` section and each channel's `metrics:` switch: X is off unless asked for, because X bills reads."""

from datetime import timedelta
from pathlib import Path

from scheduler.config import load_config
from tests.cli import Cli
from tests.config_helpers import error_of, write

CHANNELS = """\
channels:
  x: {kind: x, credentials: {bearer_token: "${X_TOKEN}"}}
  toot: {kind: mastodon, base_url: https://example.social, credentials: {access_token: "${M_TOKEN}"}}
  sky: {kind: bluesky, credentials: {handle: me.bsky.social, app_password: "${B_PASS}"}}
"""


def test_counts_are_read_at_1h_24h_and_7d_and_never_from_x_unless_asked(tmp_path: Path) -> None:
    config = load_config(write(tmp_path, CHANNELS))
    assert config.metrics.after == (timedelta(hours=1), timedelta(hours=24), timedelta(days=7))
    assert {name: channel.metrics for name, channel in config.channels.items()} == {  # type: ignore[union-attr]
        "x": False,
        "toot": True,
        "sky": True,
    }


def test_checkpoints_are_durations_given_shortest_first(tmp_path: Path) -> None:
    config = load_config(write(tmp_path, "metrics:\n  after: [30m, 3d]\n"))
    assert config.metrics.after == (timedelta(minutes=30), timedelta(days=3))
    path = write(tmp_path, "database: e.db\nmetrics:\n  after: [1h, soon]\n")
    assert error_of(path) == f'{path}:3: metrics.after.1: expected a duration like 30s, 45m, 2h or 3d, got "soon"'
    path = write(tmp_path, "metrics:\n  after: [7d, 1h]\n")
    assert error_of(path).startswith(f"{path}:2: metrics.after: ")
    assert "shortest first" in error_of(path)


def test_a_channel_that_cannot_be_read_back_has_no_metrics_switch(tmp_path: Path) -> None:
    path = write(tmp_path, "channels:\n  out:\n    kind: file\n    path: o.jsonl\n    metrics: true\n")
    assert error_of(path).startswith(f"{path}:5: channels.out.metrics: unknown key")


def test_a_checkpoint_longer_than_a_year_names_its_line_and_the_bound(tmp_path: Path) -> None:
    """Found in review: `after: [99999999d]` passed `config check`, then `metrics pull` failed at every run with
    OverflowError (date value out of range) on ``now - 2 * after[-1]``."""
    path = write(tmp_path, "database: e.db\nmetrics:\n  after: [1h, 99999999d]\n")
    assert error_of(path) == f"{path}:3: metrics.after.1: at most 365d (a year), got 99999999d"
    assert load_config(write(tmp_path, "metrics:\n  after: [1h, 365d]\n")).metrics.after[-1] == timedelta(days=365)


def test_a_duration_past_what_python_can_hold_is_an_error_not_a_crash(tmp_path: Path) -> None:
    path = write(tmp_path, "database: e.db\nmetrics:\n  after: [1h, 99999999999999d]\n")
    assert error_of(path).startswith(f"{path}:3: metrics.after.1: ")
    assert "too long" in error_of(path)
    path = write(tmp_path, "database: e.db\ngrace: 1e999d\n")
    assert error_of(path).startswith(f"{path}:2: grace: ")


def test_config_check_refuses_a_checkpoint_too_far_off(tmp_path: Path) -> None:
    cli = Cli(tmp_path, "metrics:\n  after: [99999999d]\n")
    result = cli("config", "check", ok=False)
    assert result.exit_code == 1 and f"{cli.config}:2: metrics.after.0: at most 365d (a year)" in result.output
    assert "at least 1 item" not in result.output
    assert error_of(write(tmp_path, "metrics:\n  after: []\n")).endswith(
        "metrics.after: give at least one checkpoint, like [1h, 24h, 7d]"
    )
