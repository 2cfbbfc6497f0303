"""X API v2 on loopback: ``POST /2/tweets``, ``GET /2/users/me`` and ``GET /2/users/:id/tweets``.

Like the real API it refuses a text the account already posted (403 "duplicate content"), HTML-escapes
``&<>`` and replaces every link with a ``t.co`` address listed in the tweet's ``entities``, filters the
timeline by ``start_time`` and sends ``x-rate-limit-*`` headers (reset in epoch seconds). Requests must
carry an OAuth 1.0a signature or the expected OAuth 2.0 bearer token, else 401.

Pictures, as the v2 spec has them: ``POST /2/media/upload`` takes ``{"media": base64, "media_category":
"tweet_image"}`` and answers ``{"data": {"id", "media_key", "size", "expires_after_secs", "image": {…}}}``;
``POST /2/media/metadata`` sets ``metadata.alt_text.text`` (at most 1,000 characters, else 400). Uploads are
kept in :attr:`XApi.media`; a tweet's ``media.media_ids`` must name uploads, else 400.
"""

import base64
import binascii
import hashlib
import html
import re
from datetime import UTC, datetime, timedelta
from typing import Any

from . import Emulator, Received, Reply, platform_json

EPOCH = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
WINDOW_RESET = int((EPOCH + timedelta(minutes=15)).timestamp())
_URL = re.compile(r"https?://\S+")
PUBLIC_METRICS = ("retweet_count", "reply_count", "like_count", "quote_count", "bookmark_count", "impression_count")


def rate_headers(remaining: int = 199, reset: int = WINDOW_RESET) -> dict[str, str]:
    return {"x-rate-limit-limit": "200", "x-rate-limit-remaining": str(remaining), "x-rate-limit-reset": str(reset)}


def rate_limited(reset: int = WINDOW_RESET, **extra_headers: str) -> Reply:
    return Reply(429, platform_json("x/any.429-rate-limited.json"), {**rate_headers(0, reset), **extra_headers})


def usage_capped() -> Reply:
    # Observed with remaining budget in the window: only the body tells it apart.
    headers = {"x-rate-limit-limit": "40000", "x-rate-limit-remaining": "39999", "x-rate-limit-reset": "1770000000"}
    return Reply(429, platform_json("x/any.429-usage-capped.json"), headers)


def duplicate() -> Reply:
    return Reply(403, platform_json("x/post-2-tweets.403-duplicate.json"), rate_headers())


def unauthorized(v1_style: bool = False) -> Reply:
    name = "x/v1-style.401-could-not-authenticate.json" if v1_style else "x/any.401-unauthorized.json"
    return Reply(401, platform_json(name))


def unavailable() -> Reply:
    return Reply(
        503, {"title": "Service Unavailable", "type": "about:blank", "status": 503, "detail": "Service Unavailable"}
    )


def invalid_request(parameter: str, message: str) -> Reply:
    body = {
        "errors": [{"parameters": {parameter: []}, "message": message}],
        "title": "Invalid Request",
        "detail": "One or more parameters to your request was invalid.",
        "type": "https://api.twitter.com/2/problems/invalid-request",
    }
    return Reply(400, body, rate_headers())


def x_time(instant: datetime) -> str:
    return instant.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.000Z")


class XApi(Emulator):
    """Posts as the @TweepyDev account of tweepy's cassettes. ``now`` stamps new tweets."""

    def __init__(self, *, bearer_token: str | None = None) -> None:
        super().__init__()
        self.me: dict[str, str] = platform_json("x/get-2-users-me.200.json")["data"]
        self.now = EPOCH
        self.tweets: list[dict[str, Any]] = []  # oldest first
        self._next_id = int(platform_json("x/post-2-tweets.201.json")["data"]["id"])
        self._bearer = bearer_token
        self.media: dict[str, dict[str, Any]] = {}  # id → {"body", "category", "alt_text"}
        self._next_media = 1880028106020515840

    def add_tweet(self, text: str, created_at: datetime) -> dict[str, Any]:
        """A tweet the account posted earlier (outside the test's publisher)."""
        rendered, urls = _as_x_renders(text)
        tweet = {"id": str(self._next_id), "text": rendered, "created_at": created_at, "urls": urls, "sent": text}
        self._next_id += 1
        self.tweets.append(tweet)
        return tweet

    def answer(self, request: Received) -> Reply:
        if not self._authorised(request):
            return unauthorized()
        if request.method == "POST" and request.path == "/2/media/upload":
            return self._upload(request.json())
        if request.method == "POST" and request.path == "/2/media/metadata":
            return self._metadata(request.json())
        if request.method == "POST" and request.path == "/2/tweets":
            return self._create(request)
        if request.method == "GET" and request.path == "/2/users/me":
            return Reply(200, {"data": self.me}, rate_headers())
        if request.method == "GET" and request.path == f"/2/users/{self.me['id']}/tweets":
            return self._timeline(request)
        if request.method == "GET" and request.path == "/2/tweets":
            return self._lookup(request)
        return Reply(404, {"title": "Not Found Error", "type": "about:blank", "status": 404, "detail": "Not Found"})

    def _lookup(self, request: Received) -> Reply:
        """``GET /2/tweets?ids=…``: at most 100 ids; ``public_metrics`` when asked for (a tweet's own
        ``public_metrics`` entry, else zeros); an id it does not have is a ``resource-not-found`` error
        beside the data, as the spec's ``Get2TweetsResponse`` has it."""
        ids = ",".join(request.query.get("ids", [])).split(",")
        if not ids or len(ids) > 100:
            detail = f"The `ids` query parameter value [{len(ids)}] is not between 1 and 100"
            return Reply(
                400,
                {
                    "errors": [{"parameters": {"ids": ids}, "message": detail}],
                    "title": "Invalid Request",
                    "detail": "One or more parameters to your request was invalid.",
                    "type": "https://api.twitter.com/2/problems/invalid-request",
                },
                rate_headers(),
            )
        fields = ",".join(request.query.get("tweet.fields", [])).split(",")
        tweets = {tweet["id"]: tweet for tweet in self.tweets}
        data, errors = [], []
        for tweet_id in ids:
            tweet = tweets.get(tweet_id)
            if tweet is None:
                errors.append(
                    {
                        "value": tweet_id,
                        "detail": f"Could not find tweet with ids: [{tweet_id}].",
                        "title": "Not Found Error",
                        "resource_type": "tweet",
                        "parameter": "ids",
                        "resource_id": tweet_id,
                        "type": "https://api.twitter.com/2/problems/resource-not-found",
                    }
                )
                continue
            shown: dict[str, Any] = {"edit_history_tweet_ids": [tweet_id], "id": tweet_id, "text": tweet["text"]}
            if "public_metrics" in fields:
                shown["public_metrics"] = {**dict.fromkeys(PUBLIC_METRICS, 0), **tweet.get("public_metrics", {})}
            data.append(shown)
        body: dict[str, Any] = {"data": data} if data else {}
        if errors:
            body["errors"] = errors
        return Reply(200, body, rate_headers())

    def _authorised(self, request: Received) -> bool:
        authorization = request.headers.get("authorization", "")
        if self._bearer is not None:
            return authorization == f"Bearer {self._bearer}"
        return authorization.startswith("OAuth ") and "oauth_signature=" in authorization

    def _create(self, request: Received) -> Reply:
        body = request.json()
        text = body.get("text", "")
        media_ids = (body.get("media") or {}).get("media_ids", [])
        if any(media_id not in self.media for media_id in media_ids):
            return invalid_request("media.media_ids", "One or more media ids are not valid")
        if any(tweet["sent"] == text for tweet in self.tweets):
            return duplicate()
        tweet = self.add_tweet(text, self.now)
        tweet["media_ids"] = list(media_ids)
        data = {"id": tweet["id"], "text": tweet["text"], "edit_history_tweet_ids": [tweet["id"]]}
        headers = {**rate_headers(), "location": f"https://api.twitter.com/2/tweets/{tweet['id']}"}
        return Reply(201, {"data": data}, headers)

    def _upload(self, body: dict[str, Any]) -> Reply:
        try:
            media = base64.b64decode(body.get("media", ""), validate=True)
        except binascii.Error:
            return invalid_request("media", "media is not base64")
        media_id = str(self._next_media)
        self._next_media += 1
        self.media[media_id] = {"body": media, "category": body.get("media_category")}
        data = {
            "id": media_id,
            "media_key": f"3_{media_id}",
            "size": len(media),
            "expires_after_secs": 86400,
            "image": {"image_type": "image/png", "w": 1, "h": 1},
        }
        return Reply(200, {"data": data}, rate_headers())

    def _metadata(self, body: dict[str, Any]) -> Reply:
        media = self.media.get(str(body.get("id")))
        alt = ((body.get("metadata") or {}).get("alt_text") or {}).get("text")
        if media is None:
            return invalid_request("id", "The media id is not valid")
        if alt is not None and len(alt) > 1000:
            return invalid_request("metadata.alt_text.text", "alt text is longer than 1000 characters")
        media["alt_text"] = alt
        return Reply(200, {"data": {"id": body["id"], "associated_metadata": body.get("metadata", {})}}, rate_headers())

    def _timeline(self, request: Received) -> Reply:
        fields = ",".join(request.query.get("tweet.fields", [])).split(",")
        start = request.query.get("start_time")
        since = datetime.fromisoformat(start[0]) if start else None
        limit = int(request.query.get("max_results", ["10"])[0])
        chosen = [t for t in reversed(self.tweets) if since is None or t["created_at"] >= since][:limit]
        if not chosen:
            return Reply(200, {"meta": {"result_count": 0}}, rate_headers())
        data = []
        for tweet in chosen:
            shown: dict[str, Any] = {
                "edit_history_tweet_ids": [tweet["id"]],
                "id": tweet["id"],
                "text": tweet["text"],
            }
            if "created_at" in fields:
                shown["created_at"] = x_time(tweet["created_at"])
            if "entities" in fields and tweet["urls"]:
                shown["entities"] = {"urls": tweet["urls"]}
            data.append(shown)
        meta = {"result_count": len(data), "newest_id": data[0]["id"], "oldest_id": data[-1]["id"]}
        return Reply(200, {"data": data, "meta": meta}, rate_headers())


def _as_x_renders(text: str) -> tuple[str, list[dict[str, Any]]]:
    """X's stored form: ``&<>`` escaped, each link replaced by a t.co link described in ``entities``."""
    rendered, urls = "", []
    position = 0
    for match in _URL.finditer(text):
        rendered += html.escape(text[position : match.start()], quote=False)
        short = "https://t.co/" + hashlib.sha1(match.group().encode()).hexdigest()[:10]
        urls.append(
            {
                "start": len(rendered),
                "end": len(rendered) + len(short),
                "url": short,
                "expanded_url": match.group(),
                "display_url": match.group().split("://", 1)[1][:25],
            }
        )
        rendered += short
        position = match.end()
    rendered += html.escape(text[position:], quote=False)
    return rendered, urls
