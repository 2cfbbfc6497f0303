"""The file outbox, and the registry that builds every kind of publisher."""

import json
import sys
import threading
from pathlib import Path
from typing import get_args

import pytest

import scheduler.publishers as publishers
from content_library.errors import EvertideError
from scheduler.config import ChannelKind, FileChannel, MastodonChannel
from scheduler.publishers import (
    PUBLISHER_MODULES,
    CannotTell,
    ChannelMisconfigured,
    OutgoingPost,
    PublishError,
    Unavailable,
    build_publisher,
)
from scheduler.publishers.file import FilePublisher


def outgoing(key: str = "entry-1", text: str = "Tip: back up before upgrading 🔒") -> OutgoingPost:
    return OutgoingPost(
        entry_id=3, channel="outbox", text=text, item_id=9, url="https://example.com/backups", idempotency_key=key
    )


def lines(path: Path) -> list[dict[str, object]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def test_publish_appends_one_json_line(tmp_path: Path) -> None:
    outbox = tmp_path / "outbox.jsonl"
    published = FilePublisher("outbox", outbox).publish(outgoing())

    assert published.remote_id == "entry-1" and not published.already_existed
    assert lines(outbox) == [
        {
            "entry_id": 3,
            "channel": "outbox",
            "text": "Tip: back up before upgrading 🔒",
            "url": "https://example.com/backups",
            "item_id": 9,
            "idempotency_key": "entry-1",
        }
    ]


def test_a_retry_never_writes_twice(tmp_path: Path) -> None:
    publisher = FilePublisher("outbox", tmp_path / "outbox.jsonl")
    publisher.publish(outgoing("entry-1"))
    again = publisher.publish(outgoing("entry-1"))
    publisher.publish(outgoing("entry-2"))
    assert again.already_existed
    assert [line["idempotency_key"] for line in lines(tmp_path / "outbox.jsonl")] == ["entry-1", "entry-2"]


def test_find_published_scans_for_the_key(tmp_path: Path) -> None:
    publisher = FilePublisher("outbox", tmp_path / "outbox.jsonl")
    assert publisher.find_published(outgoing()) is None  # no file yet
    publisher.publish(outgoing("entry-1"))
    found = publisher.find_published(outgoing("entry-1"))
    assert found is not None and found.already_existed
    assert publisher.find_published(outgoing("entry-2")) is None


def test_a_line_torn_by_a_crash_is_skipped_and_not_glued_to(tmp_path: Path) -> None:
    outbox = tmp_path / "outbox.jsonl"
    publisher = FilePublisher("outbox", outbox)
    publisher.publish(outgoing("entry-1"))
    with outbox.open("ab") as raw:
        raw.write(b'{"entry_id": 4, "text": "half a caf\xc3')  # cut inside the two bytes of an "é"
    publisher.publish(outgoing("entry-2"))

    kept = outbox.read_text(encoding="utf-8", errors="replace").splitlines()
    assert json.loads(kept[0])["idempotency_key"] == "entry-1"
    assert json.loads(kept[2])["idempotency_key"] == "entry-2"
    assert publisher.find_published(outgoing("entry-2")) is not None


def test_concurrent_attempts_write_once(tmp_path: Path) -> None:
    outbox = tmp_path / "outbox.jsonl"
    start = threading.Barrier(8)
    results = []

    def attempt() -> None:
        start.wait()
        results.append(FilePublisher("outbox", outbox).publish(outgoing("entry-1")))

    threads = [threading.Thread(target=attempt) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(lines(outbox)) == 1
    assert sorted(result.already_existed for result in results) == [False] + [True] * 7


def test_a_missing_directory_is_reported_and_retried(tmp_path: Path) -> None:
    publisher = FilePublisher("outbox", tmp_path / "missing" / "outbox.jsonl")
    with pytest.raises(Unavailable, match="cannot append"):
        publisher.publish(outgoing())
    with pytest.raises(Unavailable, match="not a writable directory"):
        publisher.check()


def test_an_unreadable_outbox_cannot_tell(tmp_path: Path) -> None:
    (tmp_path / "outbox.jsonl").mkdir()  # a directory where the file should be
    with pytest.raises(CannotTell):
        FilePublisher("outbox", tmp_path / "outbox.jsonl").find_published(outgoing())


def test_check_says_where_it_writes(tmp_path: Path) -> None:
    assert FilePublisher("outbox", tmp_path / "o.jsonl").check() == f"appends to {tmp_path / 'o.jsonl'}"


def test_registry_resolves_a_relative_path_against_base_dir(tmp_path: Path) -> None:
    publisher = build_publisher("outbox", FileChannel(path="out/posts.jsonl"), base_dir=tmp_path)
    (tmp_path / "out").mkdir()
    publisher.publish(outgoing())
    publisher.close()
    assert len(lines(tmp_path / "out" / "posts.jsonl")) == 1
    assert repr(publisher) == f"FilePublisher(channel='outbox', path='{tmp_path / 'out' / 'posts.jsonl'}')"


def test_registry_covers_every_channel_kind() -> None:
    assert set(PUBLISHER_MODULES) == set(get_args(ChannelKind))


def test_registry_explains_a_missing_optional_client(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "mastodon", None)  # as if Mastodon.py were not installed
    monkeypatch.delitem(sys.modules, "scheduler.publishers.mastodon", raising=False)
    channel = MastodonChannel(base_url="https://example.social", credentials={"access_token": "${EVT_TOKEN}"})
    with pytest.raises(ChannelMisconfigured) as missing:
        build_publisher("toots", channel)
    assert "pip install 'evertide[mastodon]'" in missing.value.hint


def test_publish_errors_carry_the_channel_and_hint() -> None:
    error = Unavailable("outbox", "disk full")
    assert isinstance(error, PublishError) and isinstance(error, EvertideError)
    assert str(error) == "channel outbox: disk full" and error.channel == "outbox" and error.retry_at is None
    assert error.hint


def test_the_package_exports_what_it_declares() -> None:
    assert sorted(publishers.__all__) == sorted(name for name in publishers.__all__ if hasattr(publishers, name))
