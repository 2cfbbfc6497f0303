"""The daemon's metrics job: reads the channels that ask for it once per interval, never X unless asked."""

import logging
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from sqlmodel import select

from content_library.database import transaction
from scheduler.daemon.runner import Daemon, publishers_for
from scheduler.dispatch.publishing import Dispatcher
from scheduler.metrics.job import PULL_EVERY
from scheduler.metrics.tables import EngagementCount
from tests.emulators.bluesky_api import BlueskyPds
from tests.metrics_helpers import T0, on_bluesky, on_mastodon, on_x, platforms


class Clock:
    def __init__(self, start: datetime) -> None:
        self.now = start

    def __call__(self) -> datetime:
        return self.now


def test_the_metrics_job_reads_due_posts_once_per_interval_and_leaves_x_alone(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    with platforms(tmp_path, monkeypatch, x_metrics=False) as p:
        on_x(p, like_count=4)
        on_mastodon(p, favourites_count=2)
        on_bluesky(p, likeCount=1)
        clock = Clock(T0 + timedelta(hours=1))
        dispatcher = Dispatcher(p.engine, p.config, publishers_for(p.config), worker="me:1")
        daemon = Daemon(p.engine, p.config, dispatcher, worker="me:1", clock=clock)
        try:
            with caplog.at_level(logging.INFO, logger="evertide.daemon"):
                daemon.pull_metrics()
            assert sorted(r.detail for r in caplog.records) == [  # type: ignore[attr-defined]
                "sky: 1 of 1 due post(s) read",
                "toots: 1 of 1 due post(s) read",
            ]
            on_mastodon(p, T0 + timedelta(minutes=5))  # due at 1h05
            clock.now += PULL_EVERY / 2
            daemon.pull_metrics()  # not its turn yet
            clock.now += PULL_EVERY / 2
            daemon.pull_metrics()
        finally:
            daemon._workers.stop()
            daemon.close()
            dispatcher.close()
        with transaction(p.engine) as session:
            pulls = session.exec(select(EngagementCount.channel, EngagementCount.pulled_at)).all()
        assert sorted(pulls) == [
            ("sky", T0 + timedelta(hours=1)),
            ("toots", T0 + timedelta(hours=1)),
            ("toots", T0 + timedelta(hours=1) + PULL_EVERY),
        ]
        assert p.x.received == []


def test_the_metrics_job_keeps_its_bluesky_session_across_pulls(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Found in review: every pull built a new client and logged in, and Bluesky allows 30 logins in 5 minutes
    and 300 a day per account; a daemon pulling every 10 minutes for weeks spent them all. The session is now
    kept: refreshed when its access token runs out, created again only when the PDS refuses it."""
    with platforms(tmp_path, monkeypatch) as p:
        pds = p.bluesky
        for minutes in range(4):  # one post due at each pull
            on_bluesky(p, T0 + minutes * PULL_EVERY, likeCount=minutes)
        clock = Clock(T0 + timedelta(hours=1))
        dispatcher = Dispatcher(p.engine, p.config, publishers_for(p.config), worker="me:1")
        daemon = Daemon(p.engine, p.config, dispatcher, worker="me:1", clock=clock)

        def pull() -> tuple[int, int]:
            daemon.pull_metrics()
            clock.now += PULL_EVERY
            return logins(pds, "createSession"), logins(pds, "refreshSession")

        try:
            assert pull() == (1, 0)
            assert pull() == (1, 0)
            pds.expire_sessions()  # revoked, or its refresh token expired: log in again
            pds.access_exp = 1  # and every access token from now on is past its exp: refresh before each call
            created, refreshed = pull()
            assert created == 2 and refreshed >= 1
            assert pull()[0] == 2
        finally:
            daemon._workers.stop()
            daemon.close()
            dispatcher.close()
        with transaction(p.engine) as session:
            assert len(session.exec(select(EngagementCount).where(EngagementCount.channel == "sky")).all()) == 4


def logins(pds: BlueskyPds, method: str) -> int:
    return sum(1 for request in pds.received if request.path == f"/xrpc/com.atproto.server.{method}")
