"""A Mastodon server on loopback: ``POST /api/v1/statuses``, ``verify_credentials``, account statuses.

Like Mastodon it honours ``Idempotency-Key`` per account (a replay gets the original status back with
200), refuses a blank status with 422, answers a wrong token with 401, renders the text as HTML the way
Mastodon does (links split over hidden spans, hashtags linked, line breaks as ``<p>``/``<br />``) and sends
``X-RateLimit-*`` headers whose reset is ISO 8601 with microseconds.

``POST /api/v2/media`` takes a multipart ``file`` and ``description`` and answers a MediaAttachment (``id``,
``type: image``, ``url``, ``description``), keeping the bytes in :attr:`MastodonApi.media`; a status's
``media_ids[]`` become its ``media_attachments``, and an id it does not know is refused with 422.
"""

import copy
import html
import re
from datetime import UTC, datetime
from typing import Any

from . import Emulator, Received, Reply, platform_json

EPOCH = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
WINDOW_RESET = "2026-03-01T15:00:00.000000Z"  # the statuses family's 3-hour window, epoch-aligned
_TOKENS = re.compile(r"(https?://\S+)|(?<!\w)#(\w+)")


def rate_headers(remaining: int = 299, reset: str = WINDOW_RESET) -> dict[str, str]:
    return {"X-RateLimit-Limit": "300", "X-RateLimit-Remaining": str(remaining), "X-RateLimit-Reset": reset}


def rate_limited(reset: str = WINDOW_RESET) -> Reply:
    """rack-attack's 429: remaining 0, the reset as ISO 8601, and no Retry-After."""
    return Reply(429, platform_json("mastodon/any.429.json"), rate_headers(0, reset))


def unauthorized() -> Reply:
    challenge = 'Bearer realm="Doorkeeper", error="invalid_token", error_description="The access token is invalid"'
    return Reply(
        401, platform_json("mastodon/post-statuses.401.json"), {**rate_headers(), "WWW-Authenticate": challenge}
    )


def unprocessable() -> Reply:
    return Reply(422, platform_json("mastodon/post-statuses.422.json"), rate_headers())


def unavailable() -> Reply:
    return Reply(503, "<html><body>Service Unavailable</body></html>", {"Content-Type": "text/html"})


def mastodon_html(text: str) -> str:
    """Mastodon's rendering of a plain-text status."""
    paragraphs = [p for p in re.split(r"\n{2,}", text.strip()) if p]
    return "".join(f"<p>{'<br />'.join(_linked(line) for line in p.split(chr(10)))}</p>" for p in paragraphs)


def _linked(line: str) -> str:
    out, position = "", 0
    for match in _TOKENS.finditer(line):
        out += html.escape(line[position : match.start()], quote=False)
        if match.group(1):
            url = match.group(1)
            scheme, rest = url.split("://", 1)
            prefix = f"{scheme}://" + ("www." if rest.startswith("www.") else "")
            shown = url[len(prefix) :]
            out += (
                f'<a href="{html.escape(url)}" rel="nofollow noopener noreferrer" target="_blank">'
                f'<span class="invisible">{html.escape(prefix)}</span>'
                f'<span class="{"ellipsis" if len(shown) > 30 else ""}">{html.escape(shown[:30])}</span>'
                f'<span class="invisible">{html.escape(shown[30:])}</span></a>'
            )
        else:
            tag = match.group(2)
            out += (
                f'<a href="https://example.social/tags/{tag}" class="mention hashtag" rel="tag">#<span>{tag}</span></a>'
            )
        position = match.end()
    return out + html.escape(line[position:], quote=False)


class MastodonApi(Emulator):
    """The ``mastodonpy_test`` account of Mastodon.py's cassettes; ``now`` stamps new statuses."""

    def __init__(self, *, access_token: str) -> None:
        super().__init__()
        self.account: dict[str, Any] = platform_json("mastodon/verify-credentials.200.json")
        self.now = EPOCH
        self.statuses: list[dict[str, Any]] = []  # oldest first
        self._token = access_token
        self._template = platform_json("mastodon/status-entity.example.json")
        self._by_key: dict[str, dict[str, Any]] = {}
        self._next_id = 116000000000000000
        self.media: dict[str, dict[str, Any]] = {}  # id → MediaAttachment, with the uploaded "body"

    def add_status(self, text: str, created_at: datetime) -> dict[str, Any]:
        """A status the account posted earlier (outside the test's publisher)."""
        status = copy.deepcopy(self._template)
        status_id = str(self._next_id)
        self._next_id += 1
        status.update(
            id=status_id,
            created_at=created_at.strftime("%Y-%m-%dT%H:%M:%S.000Z"),
            content=mastodon_html(text),
            uri=f"{self.base_url}/users/{self.account['username']}/statuses/{status_id}",
            url=f"{self.base_url}/@{self.account['username']}/{status_id}",
            account=self.account,
            card=None,
            replies_count=0,
            reblogs_count=0,
            favourites_count=0,
        )
        self.statuses.append(status)
        return status

    def answer(self, request: Received) -> Reply:
        # Mastodon.py asks for the version (with a trailing slash) before it chooses a media endpoint.
        if request.path.rstrip("/") == "/api/v1/instance":
            return Reply(200, {"uri": "127.0.0.1", "title": "emulator", "version": "4.5.0"}, rate_headers())
        if request.path.rstrip("/") == "/api/v2/instance":
            instance = {"domain": "127.0.0.1", "title": "emulator", "version": "4.5.0", "api_versions": {"mastodon": 6}}
            return Reply(200, instance, rate_headers())
        if request.headers.get("authorization") != f"Bearer {self._token}":
            return unauthorized()
        if request.method == "POST" and request.path == "/api/v2/media":
            return self._upload(request)
        if request.method == "POST" and request.path == "/api/v1/statuses":
            return self._post(request)
        if request.method == "GET" and request.path == "/api/v1/accounts/verify_credentials":
            return Reply(200, self.account, rate_headers())
        if request.method == "GET" and request.path == f"/api/v1/accounts/{self.account['id']}/statuses":
            limit = int(request.query.get("limit", ["20"])[0])
            listed = list(reversed(self.statuses))
            if request.query.get("exclude_replies", ["false"])[0] in ("true", "1", "True"):
                listed = [status for status in listed if status.get("in_reply_to_id") is None]
            return Reply(200, listed[:limit], rate_headers())
        if request.method == "GET" and request.path.startswith("/api/v1/statuses/"):
            return self._status(request.path.removeprefix("/api/v1/statuses/"))
        return Reply(404, {"error": "Record not found"}, rate_headers())

    def _status(self, status_id: str) -> Reply:
        """``GET /api/v1/statuses/:id``: the status with its ``favourites_count``, ``reblogs_count`` and
        ``replies_count``; a deleted (removed) one is 404 ``Record not found``."""
        found = next((status for status in self.statuses if status["id"] == status_id), None)
        if found is None:
            return Reply(404, {"error": "Record not found"}, rate_headers())
        return Reply(200, found, rate_headers())

    def _post(self, request: Received) -> Reply:
        key = request.headers.get("idempotency-key")
        if key is not None and key in self._by_key:
            return Reply(200, self._by_key[key], rate_headers())
        form = request.form()
        text = form.get("status", [""])[0]
        if not text.strip():
            return unprocessable()
        media_ids = form.get("media_ids[]", [])
        if any(media_id not in self.media for media_id in media_ids):
            return Reply(422, {"error": "Validation failed: Media is invalid"}, rate_headers())
        status = self.add_status(text, self.now)
        status["media_attachments"] = [
            {key: value for key, value in self.media[media_id].items() if key != "body"} for media_id in media_ids
        ]
        if key is not None:
            self._by_key[key] = status
        return Reply(200, status, rate_headers(remaining=299 - len(self.statuses)))

    def _upload(self, request: Received) -> Reply:
        parts = request.parts()
        body, mime = parts["file"]
        media_id = str(self._next_id)
        self._next_id += 1
        description = parts["description"][0].decode() if "description" in parts else None
        self.media[media_id] = {
            "id": media_id,
            "type": "image" if mime.startswith("image/") else "unknown",
            "url": f"{self.base_url}/system/media_attachments/files/{media_id}/original",
            "preview_url": f"{self.base_url}/system/media_attachments/files/{media_id}/small",
            "remote_url": None,
            "meta": {},
            "description": description,
            "blurhash": None,
            "body": body,
        }
        shown = {key: value for key, value in self.media[media_id].items() if key != "body"}
        return Reply(200, shown, rate_headers())
