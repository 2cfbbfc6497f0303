"""A real HTTP server on 127.0.0.1 for tests that fetch things (feeds, webhooks, anything over HTTP).

Give each path a :class:`Reply`, a function of the :class:`Request` that returns one, or a list of replies
served in turn (the last one repeats)::

    with LoopbackServer() as server:
        server.route("/feed.xml", Reply(body=FEED, headers={"Content-Type": "application/rss+xml"}))
        fetch_feed(server.url("/feed.xml"))
        assert server.requests[0].headers["user-agent"].startswith("evertide/")

Unknown paths answer 404. ``Reply.delay`` answers late (to run into a client timeout) and is cut short when
the server stops, so a test never waits for it. ``Reply.content_length=False`` sends the body without a
Content-Length header (the body then ends when the connection closes), for streaming-limit tests.
``Reply.drip=0.3`` sends the headers, then the body one byte every 0.3 s and spaces after it, for ever: until
the client hangs up or the server stops (a slow-loris feed that no per-read timeout catches). Every request is
recorded in :attr:`LoopbackServer.requests`, headers lower-cased. ``LoopbackServer(host="127.0.0.2")`` listens
on another loopback address.

Import it as ``from tests.http_server import LoopbackServer, Reply``.
"""

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Self


@dataclass(frozen=True)
class Request:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes


@dataclass(frozen=True)
class Reply:
    status: int = 200
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0
    content_length: bool = True
    drip: float = 0.0


Route = Reply | Callable[[Request], Reply] | list[Reply]


class _Server(ThreadingHTTPServer):
    daemon_threads = False
    block_on_close = True  # server_close() joins the handler threads: nothing outlives the test

    def __init__(self, owner: "LoopbackServer", host: str) -> None:
        super().__init__((host, 0), _Handler)
        self.owner = owner

    def handle_error(self, request: object, client_address: object) -> None:
        """A client that hung up early (a timeout or size-limit test) is expected; stay quiet."""


class _Handler(BaseHTTPRequestHandler):
    server: _Server

    def log_message(self, format: str, *args: object) -> None:
        """Keep test output clean."""

    def _answer(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        request = Request(
            method=self.command,
            path=self.path,
            headers={name.lower(): value for name, value in self.headers.items()},
            body=self.rfile.read(length) if length else b"",
        )
        owner = self.server.owner
        reply = owner.reply_for(request)
        if reply.delay and owner.stopping.wait(reply.delay):
            return
        try:
            self.send_response(reply.status)
            for name, value in reply.headers.items():
                self.send_header(name, value)
            sized = reply.content_length and not reply.drip
            if sized and "content-length" not in {name.lower() for name in reply.headers}:
                self.send_header("Content-Length", str(len(reply.body)))
            self.end_headers()
            if self.command == "HEAD":
                return
            if reply.drip:
                self._drip(reply)
            else:
                self.wfile.write(reply.body)
        except ConnectionError:
            pass  # the client gave up (timeout, size limit)

    def _drip(self, reply: Reply) -> None:
        self.wfile.flush()
        sent = 0
        while not self.server.owner.stopping.wait(reply.drip):
            self.wfile.write(reply.body[sent : sent + 1] or b" ")
            self.wfile.flush()
            sent += 1

    do_GET = do_POST = do_PUT = do_DELETE = do_HEAD = _answer


class LoopbackServer:
    """A threaded HTTP/1.0 server on ``host`` (127.0.0.1 unless told) and a free port, answering from
    :meth:`route`."""

    def __init__(self, host: str = "127.0.0.1") -> None:
        self.host = host
        self.requests: list[Request] = []
        self.stopping = threading.Event()
        self._routes: dict[str, Route] = {}
        self._lock = threading.Lock()
        self._server = _Server(self, host)
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05})

    @property
    def port(self) -> int:
        return int(self._server.server_address[1])

    def url(self, path: str = "/") -> str:
        return f"http://{self.host}:{self.port}{path}"

    def route(self, path: str, reply: Route) -> None:
        """Answer requests for ``path`` (the query string included, if any) with ``reply``."""
        with self._lock:
            self._routes[path] = list(reply) if isinstance(reply, list) else reply

    def reply_for(self, request: Request) -> Reply:
        with self._lock:
            self.requests.append(request)
            route = self._routes.get(request.path) or self._routes.get(request.path.split("?", 1)[0])
            if route is None:
                return Reply(404, b"not found", {"Content-Type": "text/plain"})
            if isinstance(route, list):
                return route.pop(0) if len(route) > 1 else route[0]
        return route if isinstance(route, Reply) else route(request)

    def start(self) -> Self:
        self._thread.start()
        return self

    def stop(self) -> None:
        self.stopping.set()
        self._server.shutdown()
        self._server.server_close()
        self._thread.join()

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        self.stop()
