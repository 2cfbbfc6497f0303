"""Loopback emulators of the platforms, driven through the real client libraries.

Each emulator is a threaded HTTP/1.1 server on 127.0.0.1 and a random port. It keeps the state a real
server would (posts made, idempotency keys, sessions) and answers with the documented response shapes
copied into ``tests/data/platforms/``. It records every request it received (:attr:`Emulator.received`)
and can be scripted per route with :meth:`Emulator.script`: the next requests to that route get the
scripted :class:`Reply` objects, in order, instead of the normal behaviour. A reply with ``delay`` answers
late, to run into the client's timeout.
"""

import contextlib
import json
import socket
import threading
from collections import defaultdict, deque
from dataclasses import dataclass, field
from email.parser import BytesParser
from email.policy import default
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, Self
from urllib.parse import parse_qs, urlsplit

PLATFORM_DATA = Path(__file__).parent.parent / "data" / "platforms"


def platform_file(relative: str) -> bytes:
    return (PLATFORM_DATA / relative).read_bytes()


def platform_json(relative: str) -> Any:
    return json.loads(platform_file(relative))


@dataclass
class Reply:
    """One scripted answer. ``body`` may be bytes, text, or anything JSON-serialisable."""

    status: int
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0
    drip: float = 0.0  # > 0: announce a large body, then send one byte every `drip` seconds until stopped

    def encoded(self) -> bytes:
        if self.body is None:
            return b""
        if isinstance(self.body, bytes):
            return self.body
        if isinstance(self.body, str):
            return self.body.encode()
        return json.dumps(self.body).encode()


@dataclass(frozen=True)
class Received:
    """A request as the emulator saw it; header names are lower-cased."""

    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)

    def form(self) -> dict[str, list[str]]:
        return parse_qs(self.body.decode())

    def parts(self) -> dict[str, tuple[bytes, str]]:
        """A ``multipart/form-data`` body: each field's bytes and content type (``text/plain`` when none)."""
        head = f"Content-Type: {self.headers['content-type']}\r\n\r\n".encode()
        message = BytesParser(policy=default).parsebytes(head + self.body)
        found = {}
        for part in message.iter_parts():
            payload = part.get_payload(decode=True)
            found[part.get_param("name", header="content-disposition")] = (payload, part.get_content_type())
        return found


class Emulator:
    """Base of the platform emulators: subclasses implement :meth:`answer`."""

    def __init__(self) -> None:
        self.received: list[Received] = []
        self._scripted: dict[tuple[str, str], deque[Reply]] = defaultdict(deque)
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._server = _Server(("127.0.0.1", 0), _handler_for(self))
        self._thread = threading.Thread(target=self._server.serve_forever, args=(0.01,), daemon=True)

    @property
    def base_url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    def script(self, method: str, path: str, *replies: Reply) -> None:
        with self._lock:
            self._scripted[(method, path)].extend(replies)

    def clear_scripts(self) -> None:
        """Drop every scripted reply not yet used: the emulator behaves normally again."""
        with self._lock:
            self._scripted.clear()

    def requests_to(self, method: str, path: str) -> list[Received]:
        return [r for r in self.received if r.method == method and r.path == path]

    def answer(self, request: Received) -> Reply:
        raise NotImplementedError

    def start(self) -> Self:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stopping.set()
        self._server.shutdown()
        self._server.close_connections()
        self._server.server_close()
        self._thread.join(timeout=5)

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def _respond(self, request: Received) -> Reply:
        with self._lock:
            self.received.append(request)
            queue = self._scripted.get((request.method, request.path))
            if queue:
                return queue.popleft()
            return self.answer(request)

    def _wait(self, seconds: float) -> None:
        self._stopping.wait(seconds)


class _Server(ThreadingHTTPServer):
    """Keeps its open connections, so stopping also ends idle keep-alive connections of the clients."""

    daemon_threads = True
    block_on_close = False

    def __init__(self, address: tuple[str, int], handler: type[BaseHTTPRequestHandler]) -> None:
        super().__init__(address, handler)
        self._connections: set[socket.socket] = set()
        self._connections_lock = threading.Lock()

    def get_request(self) -> tuple[socket.socket, Any]:
        connection, address = super().get_request()
        with self._connections_lock:
            self._connections.add(connection)
        return connection, address

    def shutdown_request(self, request: Any) -> None:
        with self._connections_lock:
            self._connections.discard(request)
        super().shutdown_request(request)

    def close_connections(self) -> None:
        with self._connections_lock:
            connections = list(self._connections)
        for connection in connections:
            with contextlib.suppress(OSError):  # already closed by the client
                connection.shutdown(socket.SHUT_RDWR)

    def handle_error(self, request: Any, client_address: Any) -> None:
        """A client that gave up (timeout) leaves a broken pipe behind; that is expected here."""


def _handler_for(emulator: Emulator) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        disable_nagle_algorithm = True  # headers and body are two writes; Nagle would delay the second

        def log_message(self, format: str, *args: Any) -> None:
            """Quiet: the tests read :attr:`Emulator.received` instead."""

        def _serve(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            url = urlsplit(self.path)
            request = Received(
                method=self.command,
                path=url.path,
                query=parse_qs(url.query),
                headers={name.lower(): value for name, value in self.headers.items()},
                body=body,
            )
            reply = emulator._respond(request)
            if reply.delay:
                emulator._wait(reply.delay)
            payload = reply.encoded()
            self.send_response_only(reply.status)
            headers = {
                "Date": self.date_time_string(),
                "Content-Type": "application/json; charset=utf-8",
                **reply.headers,
            }
            for name, value in headers.items():
                self.send_header(name, value)
            if reply.drip:  # a receiver that answers one byte at a time, for ever: per-read timeouts never fire
                self.send_header("Content-Length", str(10**9))
                self.end_headers()
                while not emulator._stopping.wait(reply.drip):
                    try:
                        self.wfile.write(b" ")
                        self.wfile.flush()
                    except OSError:
                        return
                return
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        do_GET = do_POST = do_PUT = do_DELETE = do_OPTIONS = _serve

    return Handler
