"""A webhook receiver on loopback that keeps its side of evertide's webhook contract (Standard Webhooks).

It verifies ``webhook-id``, ``webhook-timestamp`` and ``webhook-signature`` with the PyPI
``standardwebhooks`` library and its own copy of the secret, as a real receiver would, and answers 401
when they do not verify (a wrong secret, a changed byte, a timestamp outside the library's 5-minute
tolerance). It deduplicates on ``webhook-id``, as the README tells receivers to: 409 for an id it already
accepted, else 201 with ``{"id": ...}``. :attr:`WebhookSink.deliveries` holds the accepted JSON bodies.
"""

from typing import Any

from standardwebhooks import Webhook
from standardwebhooks.webhooks import WebhookVerificationError

from . import Emulator, Received, Reply


def too_many(retry_after: str) -> Reply:
    return Reply(429, {"error": "slow down"}, {"Retry-After": retry_after})


def unavailable() -> Reply:
    return Reply(503, {"error": "down for maintenance"})


class WebhookSink(Emulator):
    def __init__(self, *, secret: str | None) -> None:
        super().__init__()
        self.deliveries: list[dict[str, Any]] = []
        # The library base64-decodes every str secret, "whsec_" or not; evertide uses any other secret as
        # its UTF-8 bytes, which the library takes when given bytes.
        self._verifier = None
        if secret is not None:
            self._verifier = Webhook(secret if secret.startswith("whsec_") else secret.encode())
        self._ids: dict[str, str] = {}

    @property
    def url(self) -> str:
        return f"{self.base_url}/hooks/evertide"

    def signature_is_valid(self, request: Received) -> bool:
        if self._verifier is None:
            return True
        try:
            self._verifier.verify(request.body, request.headers, json_parse=False)
        except (WebhookVerificationError, ValueError):  # ValueError: a malformed signature header
            return False
        return True

    def answer(self, request: Received) -> Reply:
        if request.method == "OPTIONS":
            return Reply(204, headers={"Allow": "POST, OPTIONS"})
        if request.method != "POST" or request.path != "/hooks/evertide":
            return Reply(404, {"error": "no such hook"})
        if not self.signature_is_valid(request):
            return Reply(401, {"error": "bad signature"})
        message_id = request.headers.get("webhook-id", "")
        if message_id in self._ids:
            return Reply(409, {"error": "already received", "id": self._ids[message_id]})
        delivery_id = f"dlv-{len(self.deliveries) + 1}"
        self._ids[message_id] = delivery_id
        self.deliveries.append(request.json())
        return Reply(201, {"id": delivery_id})
