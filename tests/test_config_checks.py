"""What ``config check`` catches beyond the types: keys defined twice, ``mix`` keys outside the categories,
unknown template placeholders, missing optional extras and unset variables, each with file, line and key."""

from pathlib import Path

import pytest

from scheduler.config import check_environment, load_config
from tests.cli import Cli
from tests.config_helpers import error_of, run_without, write


def test_a_channel_defined_twice_names_the_second_line(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        """\
channels:
  out: {kind: file, path: a.jsonl}
  other: {kind: file, path: b.jsonl}
  out: {kind: file, path: c.jsonl}
""",
    )
    assert error_of(path) == f"{path}:4: channels.out: defined twice (first on line 2); the second would win"


def test_any_key_defined_twice_is_reported_everywhere_at_once(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        """\
database: a.db
channels:
  out: {kind: file, path: a.jsonl, path: b.jsonl}
campaigns:
  c:
    channels: [out]
    posts_per_day: 2
    posts_per_day: 3
database: b.db
""",
    )
    assert error_of(path).splitlines() == [
        f"{path}:3: channels.out.path: defined twice (first on line 3); the second would win",
        f"{path}:8: campaigns.c.posts_per_day: defined twice (first on line 7); the second would win",
        f"{path}:9: database: defined twice (first on line 1); the second would win",
    ]


CAMPAIGN = """\
channels:
  out: {{kind: file, path: o.jsonl}}
campaigns:
  c:
    channels: [out]
    posts_per_day: 2
    categories: [howto, faq]
{extra}
"""


def test_a_mix_key_outside_the_categories_names_its_line(tmp_path: Path) -> None:
    path = write(tmp_path, CAMPAIGN.format(extra="    mix:\n      howto: 2\n      tutorials: 1\n"))
    assert error_of(path) == (
        f'{path}:10: campaigns.c.mix.tutorials: "tutorials" is not one of the campaign\'s categories (howto, faq); '
        "it would never be posted"
    )


def test_a_mix_without_categories_is_left_alone(tmp_path: Path) -> None:
    path = write(
        tmp_path, CAMPAIGN.format(extra="    mix: {tutorials: 1}").replace("    categories: [howto, faq]\n", "")
    )
    assert load_config(path).campaigns["c"].mix == {"tutorials": 1}


def test_an_unknown_template_placeholder_names_its_line_and_the_known_ones(tmp_path: Path) -> None:
    path = write(tmp_path, CAMPAIGN.format(extra='    templates:\n      - "{title} {url}"\n      - "{sumary} {url}"\n'))
    assert error_of(path) == (
        f"{path}:10: campaigns.c.templates.1: unknown placeholder {{sumary}}; "
        "the placeholders are {title}, {summary}, {url}, {hashtags}, {category}, {kind}"
    )


def test_a_template_with_a_stray_brace_is_an_error(tmp_path: Path) -> None:
    path = write(tmp_path, CAMPAIGN.format(extra='    templates: ["{title {url}"]'))
    assert error_of(path).startswith(f"{path}:8: campaigns.c.templates.0: malformed braces")


EXTRAS = """\
channels:
  out: {kind: file, path: o.jsonl}
  toots:
    kind: mastodon
    base_url: https://mastodon.example
    credentials: {access_token: "${EVT_EXTRA_TOKEN}"}
  sky:
    kind: bluesky
    credentials: {handle: "${EVT_EXTRA_HANDLE}", app_password: "${EVT_EXTRA_PASSWORD}"}
"""


def test_a_kind_whose_extra_is_missing_names_the_line_and_the_install_command(tmp_path: Path) -> None:
    config = load_config(write(tmp_path, EXTRAS))
    findings = check_environment(config, find_spec=lambda name: None, environment={})
    errors = [str(finding) for finding in findings if finding.is_error]
    assert errors == [
        f"{config.path}:4: channels.toots.kind: mastodon support is not installed (no module mastodon); "
        "install it with pip install 'evertide[mastodon]'",
        f"{config.path}:8: channels.sky.kind: bluesky support is not installed (no module atproto); "
        "install it with pip install 'evertide[bluesky]'",
    ]


def test_installed_extras_and_set_variables_give_no_findings(tmp_path: Path) -> None:
    config = load_config(write(tmp_path, EXTRAS))
    environment = {"EVT_EXTRA_TOKEN": "t", "EVT_EXTRA_HANDLE": "h", "EVT_EXTRA_PASSWORD": "p"}
    assert check_environment(config, environment=environment) == []


def test_unset_variables_are_warnings_naming_the_variable_and_the_line(tmp_path: Path) -> None:
    config = load_config(write(tmp_path, EXTRAS))
    findings = check_environment(config, environment={"EVT_EXTRA_HANDLE": "h"})
    assert not any(finding.is_error for finding in findings)
    assert [str(finding) for finding in findings] == [
        f"{config.path}:6: channels.toots.credentials.access_token: ${{EVT_EXTRA_TOKEN}} is not set; "
        "the channel will be held until it is",
        f"{config.path}:9: channels.sky.credentials.app_password: ${{EVT_EXTRA_PASSWORD}} is not set; "
        "the channel will be held until it is",
    ]


def test_config_check_warns_about_unset_variables_and_exits_0(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("EVT_CHECK_HOOK", raising=False)
    cli = Cli(tmp_path, 'channels:\n  hook: {kind: webhook, url: "${EVT_CHECK_HOOK}"}\n')
    result = cli("config", "check")
    assert f"{cli.config}:2: channels.hook.url: ${{EVT_CHECK_HOOK}} is not set" in result.output
    assert "valid" in result.stdout


def test_config_check_lists_every_error_and_fails(tmp_path: Path) -> None:
    cli = Cli(
        tmp_path,
        CAMPAIGN.format(extra='    templates: ["{sumary}"]\n    mix: {tutorials: 1}\n'),
    )
    result = cli("config", "check", ok=False)
    assert result.exit_code == 1
    assert f"{cli.config}:8: campaigns.c.templates.0: unknown placeholder {{sumary}}" in result.output
    assert f"{cli.config}:9: campaigns.c.mix.tutorials:" in result.output


RUN_CLI = """
from scheduler.cli.app import app

app(sys.argv[1:], prog_name="evertide")
"""


def test_config_check_without_mastodon_installed_fails_with_the_remedy(tmp_path: Path) -> None:
    path = write(tmp_path, EXTRAS.split("  sky:")[0])
    result = run_without("mastodon", RUN_CLI, "--config", str(path), "config", "check")
    assert result.returncode == 1, result.stdout + result.stderr
    assert (
        f"{path}:4: channels.toots.kind: mastodon support is not installed (no module mastodon); "
        "install it with pip install 'evertide[mastodon]'"
    ) in result.stdout + result.stderr


def test_a_database_url_from_a_variable_is_filled_and_an_unset_one_never_becomes_a_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Found: `database: ${DBURL}` was taken literally: `db upgrade` made a SQLite file named ${DBURL}, and two
    hosts configured so would each have run their own queue."""
    from scheduler.config import UnsetVariable

    monkeypatch.delenv("EVT_TEST_DBURL", raising=False)
    config = load_config(write(tmp_path, "database: ${EVT_TEST_DBURL}\n"))
    with pytest.raises(UnsetVariable, match="EVT_TEST_DBURL is not set"):
        config.database_url()
    [finding] = check_environment(config)
    assert str(finding).endswith(
        "config.yaml:1: database: ${EVT_TEST_DBURL} is not set; no command can open the database"
    )
    monkeypatch.setenv("EVT_TEST_DBURL", "postgresql+psycopg://evertide:s3cret@127.0.0.1:5432/evertide")
    assert config.database_url() == "postgresql+psycopg://evertide:s3cret@127.0.0.1:5432/evertide"
    assert config.database_shown() == "${EVT_TEST_DBURL}"
    assert check_environment(config) == []
    cli = Cli(tmp_path, "database: ${EVT_TEST_DBURL}\n")
    monkeypatch.delenv("EVT_TEST_DBURL")
    result = cli("db", "upgrade", ok=False)
    assert result.exit_code != 0 and "EVT_TEST_DBURL is not set" in result.output
    assert sorted(p.name for p in tmp_path.iterdir()) == ["config.yaml"]


def test_an_unknown_utm_placeholder_names_its_line_key_and_the_known_ones(tmp_path: Path) -> None:
    path = write(tmp_path, CAMPAIGN.format(extra='    utm:\n      source: "{chanel}"\n      content: "{entry}"\n'))
    assert error_of(path).splitlines() == [
        f"{path}:9: campaigns.c.utm.source: unknown placeholder {{chanel}}; "
        "the placeholders are {channel}, {campaign}, {post_id}, {entry_id}",
        f"{path}:10: campaigns.c.utm.content: unknown placeholder {{entry}}; "
        "the placeholders are {channel}, {campaign}, {post_id}, {entry_id}",
    ]


def test_a_utm_value_with_a_stray_brace_or_a_template_placeholder_is_an_error(tmp_path: Path) -> None:
    path = write(tmp_path, CAMPAIGN.format(extra='    utm: {source: "{channel", term: "{title}"}'))
    lines = error_of(path).splitlines()
    assert lines[0].startswith(f"{path}:8: campaigns.c.utm.source: malformed braces")
    assert lines[1].startswith(f"{path}:8: campaigns.c.utm.term: unknown placeholder {{title}}")


def test_every_utm_placeholder_is_accepted(tmp_path: Path) -> None:
    utm = '    utm: {source: "{channel}", campaign: "{campaign}", term: "{post_id}", content: "e{entry_id}"}'
    assert load_config(write(tmp_path, CAMPAIGN.format(extra=utm))).campaigns["c"].utm["content"] == "e{entry_id}"


def test_config_check_refuses_a_misspelt_utm_placeholder(tmp_path: Path) -> None:
    cli = Cli(tmp_path, CAMPAIGN.format(extra='    utm: {source: "{chanel}"}\n'))
    result = cli("config", "check", ok=False)
    assert result.exit_code == 1
    assert f"{cli.config}:8: campaigns.c.utm.source: unknown placeholder {{chanel}}" in result.output
