"""config.yaml: typed, frozen, every section optional, errors with file, line and key path."""

from datetime import timedelta
from pathlib import Path

import pytest
from pydantic import ValidationError

from content_library.errors import EvertideError
from scheduler.config import ConfigError, MastodonChannel, XChannel, config_path, load_config
from tests.config_helpers import ROOT, error_of, write


def test_the_sample_configs_are_valid() -> None:
    config = load_config(ROOT / "config.yaml")
    assert config.channels["outbox"].kind == "file"
    assert config.campaigns["evergreen-help"].min_gap == timedelta(minutes=90)
    starter = load_config(ROOT / "scheduler" / "samples" / "starter-config.yaml")
    # the starter `evertide init` writes is the same campaign, with the sample feed beside it
    assert starter.model_dump(exclude={"feeds"}) == config.model_dump(exclude={"feeds"})
    assert [Path(f.url).name for f in starter.feeds] == [Path(f.url).name for f in config.feeds]


def test_a_config_with_only_a_database_is_valid(tmp_path: Path) -> None:
    config = load_config(write(tmp_path, "database: lib.db\n"))
    assert config.database_url() == f"sqlite:///{tmp_path / 'lib.db'}"
    assert config.channels == {} and config.campaigns == {}


def test_an_empty_file_is_valid(tmp_path: Path) -> None:
    assert load_config(write(tmp_path, "")).database == "evertide.db"


def test_a_url_database_is_kept_as_is(tmp_path: Path) -> None:
    url = "postgresql+psycopg://evertide@db.internal/evertide"
    assert load_config(write(tmp_path, f"database: {url}\n")).database_url() == url


def test_a_bad_duration_names_file_line_key_and_what_is_allowed(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        """\
channels:
  out: {kind: file, path: out.jsonl}
campaigns:
  support:
    channels: [out]
    posts_per_day: 2
    min_gap: soon
""",
    )
    assert error_of(path) == (
        f'{path}:7: campaigns.support.min_gap: expected a duration like 30s, 45m, 2h or 3d, got "soon"'
    )


def test_unknown_keys_are_errors_that_list_the_allowed_ones(tmp_path: Path) -> None:
    path = write(tmp_path, "channels:\n  out:\n    kind: file\n    path: o.jsonl\n    colour: blue\n")
    message = error_of(path)
    assert message.startswith(f"{path}:5: channels.out.colour: unknown key; allowed here: kind, audience")


def test_every_problem_is_reported_at_once(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        """\
display_timezone: Mars/Olympus
audiences:
  fans:
    - zone: Europe/London
      weight: -1
      windows: ["25:00-26:00"]
""",
    )
    lines = error_of(path).splitlines()
    assert (
        lines[0]
        == f'{path}:1: display_timezone: unknown time zone "Mars/Olympus": expected an IANA name like Europe/London'
    )
    assert any(line.startswith(f"{path}:5: audiences.fans.0.weight:") for line in lines)
    assert any(line.startswith(f"{path}:6: audiences.fans.0.windows.0: expected a local time") for line in lines)


def test_references_to_undefined_names_are_located(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        """\
channels:
  out: {kind: file, path: o.jsonl, audience: nobody}
campaigns:
  c:
    channels: [out, ghost]
    posts_per_day: 1
""",
    )
    lines = error_of(path).splitlines()
    assert lines == [
        f'{path}:2: channels.out.audience: no audience called "nobody" (defined: none defined)',
        f'{path}:5: campaigns.c.channels.1: no channel called "ghost" (defined: out)',
    ]


def test_a_campaign_needs_exactly_one_cadence(tmp_path: Path) -> None:
    path = write(tmp_path, "channels:\n  o: {kind: file, path: o}\ncampaigns:\n  c:\n    channels: [o]\n")
    assert "give either posts_per_day: or slots:" in error_of(path)


def test_yaml_syntax_errors_name_the_line(tmp_path: Path) -> None:
    path = write(tmp_path, "channels:\n  out: [unclosed\n")
    assert error_of(path).startswith(f"{path}:")


def test_a_missing_file_says_how_to_make_one(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as caught:
        load_config(tmp_path / "nope.yaml")
    assert "evertide init" in caught.value.hint


def test_unquoted_clock_times_are_read_as_times_not_sexagesimal_numbers(tmp_path: Path) -> None:
    config = load_config(
        write(tmp_path, "audiences:\n  a:\n    - zone: UTC\n      weight: 1\n      windows: [07:30-09:30]\n")
    )
    assert str(config.audiences["a"][0].windows[0]) == "07:30-09:30"


def test_windows_may_cross_midnight(tmp_path: Path) -> None:
    config = load_config(
        write(tmp_path, "audiences:\n  a:\n    - zone: UTC\n      weight: 1\n      windows: ['22:00-01:00']\n")
    )
    assert config.audiences["a"][0].windows[0].crosses_midnight


def test_secrets_must_be_environment_references_and_are_never_shown(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = write(tmp_path, "channels:\n  x:\n    kind: x\n    credentials: {bearer_token: hunter2}\n")
    message = error_of(path)
    assert "hunter2" not in message and "${ENV_VAR}" in message

    path = write(tmp_path, "channels:\n  x:\n    kind: x\n    credentials: {bearer_token: '${X_TOKEN}'}\n")
    monkeypatch.setenv("X_TOKEN", "hunter2")
    config = load_config(path)
    channel = config.channels["x"]
    assert isinstance(channel, XChannel) and channel.credentials.bearer_token is not None
    secret = channel.credentials.bearer_token
    assert secret.reveal() == "hunter2"
    assert "hunter2" not in repr(config) and "hunter2" not in str(secret)


def test_config_objects_are_frozen(tmp_path: Path) -> None:
    config = load_config(write(tmp_path, "database: a.db\n"))
    with pytest.raises(ValidationError):
        config.database = "b.db"  # type: ignore[misc]


def test_config_path_precedence(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("EVERTIDE_CONFIG", raising=False)
    assert config_path(None) == Path("config.yaml")
    monkeypatch.setenv("EVERTIDE_CONFIG", "/etc/evertide.yaml")
    assert config_path(None) == Path("/etc/evertide.yaml")
    assert config_path(Path("mine.yaml")) == Path("mine.yaml")


def test_a_private_secrets_file_fills_the_references(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("EVT_FILE_TOKEN", raising=False)
    monkeypatch.setenv("EVT_ALREADY_SET", "from-the-environment")
    secrets = tmp_path / "secrets.env"
    secrets.write_text("# posting keys\nEVT_FILE_TOKEN='tok-Sekr1t'\nexport EVT_ALREADY_SET=from-the-file\n")
    secrets.chmod(0o600)
    path = write(
        tmp_path,
        "secrets_file: secrets.env\nchannels:\n  m:\n    kind: mastodon\n"
        "    credentials: {access_token: '${EVT_FILE_TOKEN}', instance: '${EVT_ALREADY_SET}'}\n",
    )
    config = load_config(path)
    channel = config.channels["m"]
    assert isinstance(channel, MastodonChannel) and channel.credentials.instance is not None
    assert channel.credentials.access_token.reveal() == "tok-Sekr1t"
    assert channel.credentials.instance.reveal() == "from-the-environment"  # the environment wins
    assert "tok-Sekr1t" not in repr(config)


def test_a_secrets_file_readable_by_others_is_refused(tmp_path: Path) -> None:
    secrets = tmp_path / "secrets.env"
    secrets.write_text("EVT_LEAKY=tok-Sekr1t\n")
    secrets.chmod(0o644)
    path = write(tmp_path, "secrets_file: secrets.env\n")
    with pytest.raises(EvertideError) as caught:
        load_config(path)
    assert "readable by others" in str(caught.value) and "chmod 600" in caught.value.hint
    assert "tok-Sekr1t" not in str(caught.value)

    secrets.write_text("this line has no equals sign tok-Sekr1t\n")
    secrets.chmod(0o600)
    with pytest.raises(EvertideError) as caught:
        load_config(path)
    assert "secrets.env:1: expected NAME=value" in str(caught.value) and "tok-Sekr1t" not in str(caught.value)


def test_an_audience_needs_at_least_one_segment(tmp_path: Path) -> None:
    path = write(tmp_path, "audiences:\n  fans: []\n")
    assert error_of(path).startswith(f"{path}:2: audiences.fans: ")


def test_an_impossible_date_names_the_file(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "channels:\n  o: {kind: file, path: o}\ncampaigns:\n  c:\n    channels: [o]\n"
        "    posts_per_day: 1\n    start: 2026-13-01\n",
    )
    message = error_of(path)
    assert message.startswith(f"{path}:7: ") and "month must be in 1..12" in message


def test_learning_is_off_unless_a_campaign_asks_for_it(tmp_path: Path) -> None:
    campaign = "channels:\n  o: {kind: file, path: o}\ncampaigns:\n  c:\n    channels: [o]\n    posts_per_day: 1\n"
    assert load_config(write(tmp_path, campaign)).campaigns["c"].learn is False
    assert load_config(write(tmp_path, campaign + "    learn: true\n")).campaigns["c"].learn is True
    wrong = write(tmp_path, campaign + "    learn: often\n")
    assert f"{wrong}:7: campaigns.c.learn:" in error_of(wrong)
