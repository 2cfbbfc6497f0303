"""Channels: one frozen model per ``kind``, each with its own keys and credentials; ``${VAR}`` anywhere in a
channel's strings, resolved only when the channel is built; loading never touches the process environment."""

import os
from pathlib import Path

import pytest

from scheduler.config import (
    BlueskyChannel,
    FileChannel,
    MastodonChannel,
    WebhookChannel,
    XChannel,
    load_config,
)
from scheduler.publishers import ChannelMisconfigured, PermanentError
from scheduler.publishers.base import OutgoingPost
from scheduler.publishers.registry import build_publisher
from tests.config_helpers import error_of, write
from tests.emulators.webhook_sink import WebhookSink

ALL_KINDS = """\
channels:
  x-main:
    kind: x
    daily_cap: 10
    credentials:
      consumer_key: ${X_CK}
      consumer_secret: ${X_CS}
      access_token: ${X_AT}
      access_token_secret: ${X_ATS}
  x-bearer: {kind: x, credentials: {bearer_token: "${X_BEARER}"}}
  toots:
    kind: mastodon
    base_url: https://mastodon.example
    credentials: {access_token: "${MASTODON_TOKEN}"}
  sky:
    kind: bluesky
    credentials: {handle: "${BSKY_HANDLE}", app_password: "${BSKY_PASSWORD}"}
  hook: {kind: webhook, url: "https://hooks.example/in", secret: "${HOOK_SECRET}", monthly_cap: 100}
  out: {kind: file, path: out.jsonl}
"""


def test_each_kind_is_its_own_typed_model(tmp_path: Path) -> None:
    channels = load_config(write(tmp_path, ALL_KINDS)).channels
    x, bearer = channels["x-main"], channels["x-bearer"]
    assert isinstance(x, XChannel) and isinstance(bearer, XChannel)
    assert x.credentials.consumer_key.variable == "X_CK" and x.credentials.bearer_token is None
    assert x.daily_cap == 10 and x.monthly_cap is None and x.audience is None
    assert bearer.credentials.bearer_token is not None
    toots = channels["toots"]
    assert isinstance(toots, MastodonChannel) and toots.credentials.access_token.variable == "MASTODON_TOKEN"
    assert isinstance(channels["sky"], BlueskyChannel)
    hook = channels["hook"]
    assert isinstance(hook, WebhookChannel) and hook.secret is not None and hook.monthly_cap == 100
    assert isinstance(channels["out"], FileChannel)


def test_an_x_channel_missing_three_of_its_four_keys_names_them_and_the_line(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        """\
channels:
  out: {kind: file, path: o.jsonl}
  x-main:
    kind: x
    credentials:
      consumer_key: ${X_CK}
""",
    )
    assert error_of(path) == (
        f"{path}:5: channels.x-main.credentials: an X channel needs bearer_token (OAuth 2.0 user token), "
        "or all four OAuth 1.0a keys (missing: consumer_secret, access_token, access_token_secret)"
    )


def test_a_channel_without_its_credentials_is_an_error_at_its_line(tmp_path: Path) -> None:
    path = write(tmp_path, "channels:\n  x-main:\n    kind: x\n  sky:\n    kind: bluesky\n")
    assert error_of(path).splitlines() == [
        f"{path}:2: channels.x-main.credentials: this key is required",
        f"{path}:4: channels.sky.credentials: this key is required",
    ]


def test_missing_mastodon_and_bluesky_credentials_are_named(tmp_path: Path) -> None:
    path = write(tmp_path, 'channels:\n  toots:\n    kind: mastodon\n    credentials: {access_token: "${T}"}\n')
    assert error_of(path) == (
        f"{path}:2: channels.toots: a Mastodon channel needs base_url: (the server, like https://mastodon.social)"
    )
    path = write(tmp_path, "channels:\n  sky:\n    kind: bluesky\n    credentials:\n      handle: ${H}\n")
    assert error_of(path) == f"{path}:4: channels.sky.credentials.app_password: this key is required"


def test_a_channel_built_in_code_without_credentials_cannot_be_published_to() -> None:
    with pytest.raises(ChannelMisconfigured, match=r"channels\.x-main\.credentials: this key is required"):
        build_publisher("x-main", XChannel())


def test_a_webhook_secret_under_credentials_is_an_unknown_key(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        """\
channels:
  hook:
    kind: webhook
    url: https://hooks.example/in
    credentials:
      secret: ${HOOK_SECRET}
""",
    )
    assert error_of(path) == (
        f"{path}:5: channels.hook.credentials: unknown key; allowed here: kind, audience, daily_cap, monthly_cap, "
        "timeout, cost, budget, quiet_after_manual, url, secret"
    )


def test_unknown_keys_list_the_keys_of_that_kind(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        """\
channels:
  out: {kind: file, path: o.jsonl, base_url: "https://nowhere"}
  x-main:
    kind: x
    credentials: {bearer_token: "${B}", api_key: "${K}"}
""",
    )
    assert error_of(path).splitlines() == [
        f"{path}:2: channels.out.base_url: unknown key; allowed here: kind, audience, daily_cap, monthly_cap, "
        "timeout, cost, budget, quiet_after_manual, path",
        f"{path}:5: channels.x-main.credentials.api_key: unknown key; allowed here: consumer_key, consumer_secret, "
        "access_token, access_token_secret, bearer_token",
    ]


def test_an_unknown_or_missing_kind_lists_the_kinds(tmp_path: Path) -> None:
    path = write(tmp_path, "channels:\n  a:\n    kind: myspace\n  b:\n    path: o.jsonl\n")
    assert error_of(path).splitlines() == [
        f'{path}:3: channels.a.kind: unknown kind "myspace"; allowed: x, mastodon, bluesky, webhook, file',
        f"{path}:4: channels.b.kind: this key is required (one of x, mastodon, bluesky, webhook, file)",
    ]


def test_a_webhook_needs_a_url_and_a_file_channel_a_path(tmp_path: Path) -> None:
    path = write(tmp_path, "channels:\n  hook:\n    kind: webhook\n  out:\n    kind: file\n")
    assert error_of(path).splitlines() == [
        f"{path}:2: channels.hook.url: this key is required",
        f"{path}:4: channels.out.path: this key is required",
    ]


def post(key: str = "entry-1") -> OutgoingPost:
    return OutgoingPost(entry_id=1, channel="hook", text="Hello", item_id=1, url=None, idempotency_key=key)


def test_a_variable_in_a_webhook_url_is_resolved_when_the_channel_is_built(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = write(tmp_path, 'channels:\n  hook: {kind: webhook, url: "${EVT_HOOK_URL}"}\n')
    with WebhookSink(secret=None) as sink:
        monkeypatch.setenv("EVT_HOOK_URL", sink.url)
        config = load_config(path)
        assert sink.url not in repr(config)
        publisher = build_publisher("hook", config.channels["hook"], timeout=1.0)
        try:
            publisher.publish(post())
        finally:
            publisher.close()
        assert [delivery["text"] for delivery in sink.deliveries] == ["Hello"]


def test_a_variable_inside_a_longer_string_is_resolved_too(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("EVT_OUTBOX_DIR", str(tmp_path))
    config = load_config(write(tmp_path, 'channels:\n  out: {kind: file, path: "${EVT_OUTBOX_DIR}/posts.jsonl"}\n'))
    publisher = build_publisher("out", config.channels["out"])
    publisher.publish(post())
    assert (tmp_path / "posts.jsonl").exists()


def test_an_unset_variable_is_a_permanent_channel_problem_naming_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("EVT_HOOK_URL", raising=False)
    config = load_config(write(tmp_path, 'channels:\n  hook: {kind: webhook, url: "${EVT_HOOK_URL}"}\n'))
    with pytest.raises(ChannelMisconfigured) as caught:
        build_publisher("hook", config.channels["hook"])
    assert isinstance(caught.value, PermanentError) and caught.value.channel == "hook"
    assert "EVT_HOOK_URL is not set" in str(caught.value) and "EVT_HOOK_URL" in caught.value.hint


def test_loading_never_writes_to_the_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("EVT_FILE_TOKEN", raising=False)
    monkeypatch.setenv("EVT_ALREADY_SET", "from-the-environment")
    secrets = tmp_path / "secrets.env"
    secrets.write_text("EVT_FILE_TOKEN=tok-Sekr1t\nEVT_ALREADY_SET=from-the-file\n")
    secrets.chmod(0o600)
    path = write(
        tmp_path,
        "secrets_file: secrets.env\nchannels:\n"
        '  toots: {kind: mastodon, base_url: "${EVT_ALREADY_SET}", credentials: {access_token: "${EVT_FILE_TOKEN}"}}\n',
    )
    before = dict(os.environ)
    config = load_config(path)
    assert dict(os.environ) == before
    toots = config.channels["toots"]
    assert isinstance(toots, MastodonChannel) and toots.base_url is not None
    assert toots.credentials.access_token.reveal() == "tok-Sekr1t"  # from the file
    assert toots.base_url.resolve() == "from-the-environment"  # the environment wins
    assert "tok-Sekr1t" not in repr(config)


@pytest.mark.parametrize("url", ["notaurl", "ftp://hooks.example/x", "https://", "://?"])
def test_a_webhook_url_that_cannot_be_posted_to_is_caught_where_it_is_known(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, url: str
) -> None:
    """Found: `url: notaurl` (or ${HOOK_URL} set to it) passed config check, then every post was retried as an
    outage ("could not reach ://?") until it was missed."""
    written = write(tmp_path, f'channels:\n  hook: {{kind: webhook, url: "{url}"}}\n')
    assert "channels.hook.url: the webhook url" in error_of(written)
    monkeypatch.setenv("EVT_BAD_HOOK_URL", url)
    config = load_config(write(tmp_path, 'channels:\n  hook: {kind: webhook, url: "${EVT_BAD_HOOK_URL}"}\n'))
    with pytest.raises(ChannelMisconfigured, match=r"channels\.hook\.url \(\$\{EVT_BAD_HOOK_URL\}\)") as caught:
        build_publisher("hook", config.channels["hook"])
    assert url not in str(caught.value)  # the value a variable holds is never shown


def test_a_timeout_or_heartbeat_out_of_range_is_refused_at_its_line(tmp_path: Path) -> None:
    """Found in review: `timeout: 99999999d` passed and overflowed the claim's lease, which stopped every
    channel's publishing."""
    path = write(
        tmp_path,
        """\
heartbeat: 0s
channels:
  out: {kind: file, path: o.jsonl, timeout: 99999999d}
""",
    )
    assert error_of(path).splitlines() == [
        f"{path}:1: heartbeat: heartbeat must be between 1s and 5m",
        f"{path}:3: channels.out.timeout: timeout must be at most 10m",
    ]
