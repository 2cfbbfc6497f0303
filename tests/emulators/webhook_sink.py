"""A webhook receiver on loopback that keeps its side of evertide's webhook contract.

It recomputes ``X-Evertide-Signature`` over the exact body bytes with its own copy of the secret and
answers 401 on a mismatch, answers 409 to an ``Idempotency-Key`` it already accepted, and 201 with
``{"id": ...}`` otherwise. :attr:`WebhookSink.deliveries` holds the accepted JSON bodies.
"""

import hashlib
import hmac
from typing import Any

from . import Emulator, Received, Reply


def too_many(retry_after: str) -> Reply:
    return Reply(429, {"error": "slow down"}, {"Retry-After": retry_after})


def unavailable() -> Reply:
    return Reply(503, {"error": "down for maintenance"})


class WebhookSink(Emulator):
    def __init__(self, *, secret: str | None) -> None:
        super().__init__()
        self.deliveries: list[dict[str, Any]] = []
        self._secret = secret
        self._keys: dict[str, str] = {}

    @property
    def url(self) -> str:
        return f"{self.base_url}/hooks/evertide"

    def signature_is_valid(self, request: Received) -> bool:
        if self._secret is None:
            return True
        expected = "sha256=" + hmac.new(self._secret.encode(), request.body, hashlib.sha256).hexdigest()
        return hmac.compare_digest(expected, request.headers.get("x-evertide-signature", ""))

    def answer(self, request: Received) -> Reply:
        if request.method == "OPTIONS":
            return Reply(204, headers={"Allow": "POST, OPTIONS"})
        if request.method != "POST" or request.path != "/hooks/evertide":
            return Reply(404, {"error": "no such hook"})
        if not self.signature_is_valid(request):
            return Reply(401, {"error": "bad signature"})
        key = request.headers.get("idempotency-key", "")
        if key in self._keys:
            return Reply(409, {"error": "already received", "id": self._keys[key]})
        delivery_id = f"dlv-{len(self.deliveries) + 1}"
        self._keys[key] = delivery_id
        self.deliveries.append(request.json())
        return Reply(201, {"id": delivery_id})
