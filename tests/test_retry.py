"""The retry decisions: a channel whose credentials or settings are wrong is held, never retried to death."""

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine

from content_library.database import transaction
from scheduler.config import load_config
from scheduler.dispatch.publishing import Dispatcher
from scheduler.dispatch.retry import Fail, HoldChannel, RetryLater, decide
from scheduler.publishers import AuthFailed, ChannelMisconfigured, Publisher, PublishError, Rejected, Unavailable
from scheduler.publishers.registry import build_publisher
from scheduler.queue.holds import active_holds
from tests.config_helpers import run_without
from tests.queue_helpers import T0, add_items, config_in, queue

NOW = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)


def decision_for(error: PublishError) -> object:
    return decide(error, key="k", attempt=1, scheduled_at=NOW, now=NOW, grace=timedelta(minutes=15), retried=False)


@pytest.mark.parametrize(
    ("error", "expected"),
    [
        (AuthFailed("x-main", "X refused the credentials (401)"), HoldChannel),
        (ChannelMisconfigured("hook", "the environment variable EVT_HOOK_URL is not set"), HoldChannel),
        (Unavailable("hook", "down"), RetryLater),
        (Rejected("hook", "too long"), Fail),
    ],
)
def test_what_each_error_means(error: PublishError, expected: type) -> None:
    assert isinstance(decision_for(error), expected)


def test_an_unset_variable_holds_the_channel_instead_of_retrying(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("EVT_RETRY_HOOK_URL", raising=False)
    path = tmp_path / "config.yaml"
    path.write_text('channels:\n  hook: {kind: webhook, url: "${EVT_RETRY_HOOK_URL}"}\n')
    config = load_config(path)
    with pytest.raises(PublishError) as caught:
        build_publisher("hook", config.channels["hook"])
    decision = decision_for(caught.value)
    assert isinstance(decision, HoldChannel) and "EVT_RETRY_HOOK_URL" in decision.reason


BUILD_AND_DECIDE = """
from pathlib import Path
from datetime import UTC, datetime, timedelta

from scheduler.config import load_config
from scheduler.dispatch.retry import decide
from scheduler.publishers import PublishError
from scheduler.publishers.registry import build_publisher

config = load_config(Path(sys.argv[1]))
try:
    build_publisher("toots", config.channels["toots"])
except PublishError as error:
    now = datetime(2026, 3, 2, tzinfo=UTC)
    decision = decide(error, key="k", attempt=1, scheduled_at=now, now=now, grace=timedelta(minutes=15), retried=False)
    print(type(error).__name__, type(decision).__name__, error.hint)
"""


def test_a_missing_extra_holds_the_channel(tmp_path: Path) -> None:
    path = tmp_path / "config.yaml"
    path.write_text(
        "channels:\n  toots: {kind: mastodon, base_url: 'https://m.example', credentials: {access_token: '${T}'}}\n"
    )
    result = run_without("mastodon", BUILD_AND_DECIDE, str(path))
    assert result.stdout.strip() == (
        "ChannelMisconfigured HoldChannel Install it with `pip install 'evertide[mastodon]'`."
    ), result.stderr


CONFIG = """\
database: evertide.db
channels:
  outbox: {kind: file, path: outbox.jsonl}
  hook: {kind: webhook, url: "${EVT_RETRY_UNSET_URL}"}
campaigns:
  help:
    channels: [outbox, hook]
    posts_per_day: 2
"""


def test_the_dispatcher_holds_a_channel_whose_variable_is_unset(
    sqlite_engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("EVT_RETRY_UNSET_URL", raising=False)
    config = config_in(tmp_path, CONFIG)
    [item] = add_items(sqlite_engine, 1)
    queue(sqlite_engine, item, T0, channel="hook")

    def build(channel: str) -> Publisher:
        return build_publisher(channel, config.channels[channel], base_dir=config.base_dir, timeout=1.0)

    dispatcher = Dispatcher(sqlite_engine, config, build, worker="test")
    try:
        [event] = dispatcher.publish_due(lambda: T0)
    finally:
        dispatcher.close()
    assert event.outcome == "held" and "EVT_RETRY_UNSET_URL" in event.detail
    with transaction(sqlite_engine) as session:
        assert [hold.name for hold in active_holds(session, now=T0 + timedelta(days=30))] == ["hook"]
