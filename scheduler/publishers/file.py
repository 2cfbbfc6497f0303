"""File outbox: one JSON line per post appended to ``path``, for review, piping or tests.

Each line is ``{"entry_id", "channel", "text", "url", "item_id", "idempotency_key"}`` (``url``: the link the
text carries, UTM tags and all, see :mod:`scheduler.dispatch.posted_links`), written with one
``write`` and made durable with ``flush`` + ``fsync`` before the publish counts as done. An exclusive
``flock`` covers "is this key already in the file?" and the append, so a retry after a crash (or a second
daemon sharing the file) never writes an entry twice: the second attempt finds the line and reports
``already_existed``. A line torn by a crash mid-write is skipped when reading, and the next append starts
on a fresh line so it cannot be glued to the fragment.
"""

import fcntl
import json
import os
from pathlib import Path
from typing import IO, ClassVar

from scheduler.config import FileChannel
from scheduler.publishers.base import OutgoingPost, Published
from scheduler.publishers.errors import CannotTell, PublishError, Unavailable


class FilePublisher:
    """Appends to ``path`` (already resolved by the caller); the directory must exist."""

    kind: ClassVar[str] = "file"

    def __init__(self, channel: str, path: Path) -> None:
        self._channel = channel
        self._path = path

    def __repr__(self) -> str:
        return f"FilePublisher(channel={self._channel!r}, path={str(self._path)!r})"

    def publish(self, post: OutgoingPost) -> Published:
        line = json.dumps(
            {
                "entry_id": post.entry_id,
                "channel": post.channel,
                "text": post.text,
                "url": post.url,
                "item_id": post.item_id,
                "idempotency_key": post.idempotency_key,
            },
            ensure_ascii=False,
        )
        try:
            with self._path.open("a+", encoding="utf-8", errors="replace") as outbox:
                fcntl.flock(outbox, fcntl.LOCK_EX)  # released when the file closes
                if _contains(outbox, post.idempotency_key):
                    return Published(post.idempotency_key, already_existed=True)
                outbox.seek(0, os.SEEK_END)
                needs_newline = outbox.tell() > 0 and not _ends_with_newline(self._path)
                outbox.write(("\n" if needs_newline else "") + line + "\n")
                outbox.flush()
                os.fsync(outbox.fileno())
        except OSError as error:
            raise self._unwritable(error) from error
        return Published(post.idempotency_key)

    def find_published(self, post: OutgoingPost) -> Published | None:
        try:
            with self._path.open("r", encoding="utf-8", errors="replace") as outbox:
                found = _contains(outbox, post.idempotency_key)
        except FileNotFoundError:
            return None
        except OSError as error:
            raise CannotTell(self._channel, f"cannot read {self._path}: {error.strerror}") from error
        return Published(post.idempotency_key, already_existed=True) if found else None

    def check(self) -> str:
        folder = self._path.parent
        if not folder.is_dir() or not os.access(folder, os.W_OK):
            raise self._unwritable(OSError(f"{folder} is not a writable directory"))
        return f"appends to {self._path}"

    def close(self) -> None:
        """Nothing stays open between posts."""

    def _unwritable(self, error: OSError) -> PublishError:
        return Unavailable(
            self._channel,
            f"cannot append to {self._path}: {error.strerror or error}",
            hint="Create the directory or fix its permissions; the entry is retried.",
        )


def _contains(outbox: IO[str], idempotency_key: str) -> bool:
    outbox.seek(0)
    for line in outbox:
        try:
            record = json.loads(line)
        except ValueError:
            continue  # a line torn by a crash
        if isinstance(record, dict) and record.get("idempotency_key") == idempotency_key:
            return True
    return False


def _ends_with_newline(path: Path) -> bool:
    with path.open("rb") as raw:
        raw.seek(-1, os.SEEK_END)
        return raw.read(1) == b"\n"


def build(channel_name: str, channel: FileChannel, *, timeout: float, base_dir: Path) -> FilePublisher:
    return FilePublisher(channel_name, base_dir / Path(channel.path.resolve()).expanduser())
