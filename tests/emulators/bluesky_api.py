"""A Bluesky PDS on loopback: the XRPC methods atproto's ``Client`` calls to log in and to post.

``createSession`` / ``refreshSession`` / ``getSession`` hand out JWTs that atproto can decode (it reads
``exp`` to decide when to refresh; the signature is not checked client-side). ``createRecord`` stores
records by key and, like the reference PDS, answers a second create on a taken key with a bare 500
(bluesky-social/atproto#3718). ``getRecord`` answers 400 ``RecordNotFound`` for a free key. Every answer
carries ``ratelimit-*`` headers with an epoch reset. :meth:`BlueskyPds.expire_sessions` makes every
issued token stale, as when a refresh token expires. ``uploadBlob`` keeps each blob under its real CID (CIDv1,
raw, sha-256) in :attr:`BlueskyPds.blobs`, refusing one over :data:`MAX_BLOB` as ``BlobTooLarge``; a record
whose embed names a blob never uploaded is refused as the PDS does.
"""

import base64
import hashlib
import json
import uuid
from datetime import datetime
from typing import Any

from . import Emulator, Received, Reply, platform_json

HANDLE = "evertide-test.bsky.social"
DID = "did:plc:ewvi7nxzyoun6zhxrhs64oiz"
WINDOW_RESET = 1772370000  # epoch seconds
FAR_FUTURE = 4102444800  # 2100-01-01: atproto never refreshes such a token on its own
MAX_BLOB = 1_000_000


def rate_headers(remaining: int = 4999, reset: int = WINDOW_RESET) -> dict[str, str]:
    return {
        "ratelimit-limit": "5000",
        "ratelimit-remaining": str(remaining),
        "ratelimit-reset": str(reset),
        "ratelimit-policy": "5000;w=3600",
    }


def rate_limited(reset: int = WINDOW_RESET) -> Reply:
    return Reply(429, platform_json("bluesky/rate-limit-exceeded.429.json"), rate_headers(0, reset))


def internal_error() -> Reply:
    return Reply(500, platform_json("bluesky/internal-server-error.500.json"), rate_headers())


def unavailable() -> Reply:
    return Reply(503, "Service Unavailable", {"Content-Type": "text/plain"})


def _jwt(payload: dict[str, Any]) -> str:
    def part(value: dict[str, Any]) -> str:
        return base64.urlsafe_b64encode(json.dumps(value).encode()).rstrip(b"=").decode()

    return f"{part({'typ': 'at+jwt', 'alg': 'ES256K'})}.{part(payload)}.c2lnbmF0dXJl"


class BlueskyPds(Emulator):
    """One account, ``handle`` / ``app_password``. ``access_exp`` is the ``exp`` of new access tokens."""

    def __init__(self, *, app_password: str) -> None:
        super().__init__()
        self.records: dict[tuple[str, str], dict[str, Any]] = {}
        self.blobs: dict[str, tuple[str, bytes]] = {}  # CID → (mime type, bytes)
        self.access_exp = FAR_FUTURE
        self.counts: dict[str, dict[str, int]] = {}  # AT-URI → likeCount, repostCount, … as getPosts answers
        self._password = app_password
        self._access: set[str] = set()
        self._refresh: set[str] = set()

    def expire_sessions(self) -> None:
        self._access.clear()
        self._refresh.clear()

    def answer(self, request: Received) -> Reply:
        method = request.path.removeprefix("/xrpc/")
        token = request.headers.get("authorization", "").removeprefix("Bearer ")
        if method == "com.atproto.server.createSession":
            body = request.json()
            if body.get("identifier") in (HANDLE, DID) and body.get("password") == self._password:
                return self._new_session()
            return Reply(401, platform_json("bluesky/authentication-required.401.json"), rate_headers())
        if method == "com.atproto.server.refreshSession":
            if token not in self._refresh:
                return Reply(400, platform_json("bluesky/expired-token.400.json"), rate_headers())
            self._refresh.discard(token)
            return self._new_session()
        if token not in self._access:
            return Reply(400, platform_json("bluesky/expired-token.400.json"), rate_headers())
        if method == "com.atproto.server.getSession":
            return Reply(200, {"handle": HANDLE, "did": DID, "active": True}, rate_headers())
        if method == "com.atproto.repo.createRecord":
            return self._create(request.json())
        if method == "com.atproto.repo.getRecord":
            return self._get(request.query)
        if method == "com.atproto.repo.listRecords":
            return self._list(request.query)
        if method == "app.bsky.feed.getPosts":
            return self._posts(request.query.get("uris", []))
        if method == "com.atproto.repo.uploadBlob":
            return self._upload(request)
        return Reply(501, {"error": "MethodNotImplemented", "message": "Method Not Implemented"})

    def _new_session(self) -> Reply:
        access = _jwt({"scope": "com.atproto.appPass", "sub": DID, "iat": 1772366400, "exp": self.access_exp})
        refresh = _jwt({"scope": "com.atproto.refresh", "sub": DID, "jti": uuid.uuid4().hex, "exp": FAR_FUTURE})
        self._access.add(access)
        self._refresh.add(refresh)
        session = platform_json("bluesky/create-session.200.json")
        session.update(accessJwt=access, refreshJwt=refresh, handle=HANDLE, did=DID)
        return Reply(200, session, rate_headers())

    def _create(self, body: dict[str, Any]) -> Reply:
        if body.get("repo") not in (DID, HANDLE):
            return Reply(401, {"error": "AuthRequired", "message": "Authentication Required"}, rate_headers())
        rkey = body.get("rkey") or uuid.uuid4().hex[:13]
        key = (body["collection"], rkey)
        if key in self.records:
            return internal_error()
        if len(body["record"].get("text", "")) > 300:
            return Reply(400, platform_json("bluesky/invalid-request.400.json"), rate_headers())
        embed = body["record"].get("embed") or {}
        thumb = (embed.get("external") or {}).get("thumb")
        blobs = [thumb] if thumb is not None else [image["image"] for image in embed.get("images", [])]
        if any(blob["ref"]["$link"] not in self.blobs for blob in blobs):
            return Reply(400, {"error": "InvalidRequest", "message": "Could not find blob"}, rate_headers())
        uri = f"at://{DID}/{body['collection']}/{rkey}"
        self.records[key] = {"uri": uri, "value": body["record"]}
        created = platform_json("bluesky/create-record.200.json")
        created["uri"] = uri
        return Reply(200, created, rate_headers(remaining=4999 - 3 * len(self.records)))

    def add_post(self, text: str, created_at: datetime, *, reply: bool = False) -> str:
        """A post the account made with another client (by hand); returns its URI."""
        rkey = uuid.uuid4().hex[:13]
        uri = f"at://{DID}/app.bsky.feed.post/{rkey}"
        value: dict[str, Any] = {
            "$type": "app.bsky.feed.post",
            "text": text,
            "createdAt": created_at.strftime("%Y-%m-%dT%H:%M:%S.000Z"),
        }
        if reply:
            parent = {"uri": f"at://{DID}/app.bsky.feed.post/3kparent", "cid": "bafyreia"}
            value["reply"] = {"root": parent, "parent": parent}
        self.records[("app.bsky.feed.post", rkey)] = {"uri": uri, "value": value}
        return uri

    def _list(self, query: dict[str, list[str]]) -> Reply:
        """``com.atproto.repo.listRecords``: newest first (by insertion here), ``limit`` records."""
        collection, limit = query["collection"][0], int(query.get("limit", ["50"])[0])
        cid = platform_json("bluesky/create-record.200.json")["cid"]
        found = [
            {"uri": r["uri"], "cid": cid, "value": r["value"]}
            for (kind, _), r in reversed(self.records.items())
            if kind == collection
        ]
        return Reply(200, {"records": found[:limit]}, rate_headers())

    def _posts(self, uris: list[str]) -> Reply:
        """``app.bsky.feed.getPosts``: post views with their counts (``self.counts[uri]``, else zeros) for at
        most 25 AT-URIs; a post it does not have is simply left out."""
        if not 1 <= len(uris) <= 25:
            return Reply(400, {"error": "InvalidRequest", "message": "uris must not have more than 25 elements"})
        cid = platform_json("bluesky/create-record.200.json")["cid"]
        by_uri = {record["uri"]: record for record in self.records.values()}
        views = []
        for uri in uris:
            record = by_uri.get(uri)
            if record is None:
                continue
            counts = {"likeCount": 0, "repostCount": 0, "replyCount": 0, "quoteCount": 0, "bookmarkCount": 0}
            views.append(
                {
                    "uri": uri,
                    "cid": cid,
                    "author": {"did": DID, "handle": HANDLE},
                    "record": record["value"],
                    "indexedAt": record["value"].get("createdAt", "2026-03-01T12:00:00.000Z"),
                    **counts,
                    **self.counts.get(uri, {}),
                }
            )
        return Reply(200, {"posts": views}, rate_headers())

    def _get(self, query: dict[str, list[str]]) -> Reply:
        key = (query["collection"][0], query["rkey"][0])
        if key not in self.records:
            body = platform_json("bluesky/record-not-found.400.json")
            body["message"] = f"Could not locate record: at://{DID}/{key[0]}/{key[1]}"
            return Reply(400, body, rate_headers())
        record = self.records[key]
        cid = platform_json("bluesky/create-record.200.json")["cid"]
        return Reply(200, {"uri": record["uri"], "cid": cid, "value": record["value"]}, rate_headers())

    def _upload(self, request: Received) -> Reply:
        if len(request.body) > MAX_BLOB:
            message = f"This file is too large. It is {len(request.body):,} bytes but the maximum size is {MAX_BLOB:,}."
            return Reply(400, {"error": "BlobTooLarge", "message": message}, rate_headers())
        digest = hashlib.sha256(request.body).digest()
        cid = "b" + base64.b32encode(bytes([0x01, 0x55, 0x12, 0x20]) + digest).decode().lower().rstrip("=")
        mime = request.headers.get("content-type", "application/octet-stream")
        self.blobs[cid] = (mime, request.body)
        uploaded = platform_json("bluesky/upload-blob.200.json")
        uploaded["blob"].update(ref={"$link": cid}, mimeType=mime, size=len(request.body))
        return Reply(200, uploaded, rate_headers())
