"""A threaded HTTP server on 127.0.0.1 that counts every request by path (query included).

Every local site (the demo's 问政 board, the district portal, the Weibo-shaped API) is a subclass."""

from __future__ import annotations

import threading
import time
from collections import Counter
from collections.abc import Iterable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class Answer:
    """What a path answers. ``body`` may be chunks (an iterable of bytes) sent as they come; ``length``
    is the Content-Length to declare when it is not the body's (a truncated or a streamed answer), and
    ``close`` hangs up after the body."""

    def __init__(self, status: int = 200, body: bytes | Iterable[bytes] = b"",
                 content_type: str = "text/html; charset=utf-8", headers: dict | None = None, *,
                 length: int | None = None, close: bool = False) -> None:
        self.status, self.body, self.content_type, self.headers = status, body, content_type, headers or {}
        self.length = len(body) if length is None else length
        self.close = close


def serve_until_interrupted(*sites: LocalSite) -> None:
    """Keep started sites serving until Ctrl-C, then stop them."""
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        pass
    finally:
        for site in sites:
            site.stop()


class _QuietServer(ThreadingHTTPServer):
    daemon_threads = True
    # socketserver listens with a backlog of 5: when more crawlers than that connect at the same
    # moment (one pass of 20 sources on the demo site), the kernel drops their SYNs and each client
    # retries only after TCP's 1 s initial timeout. A real web server listens with hundreds.
    request_queue_size = 128

    def handle_error(self, request, client_address):
        # a crawler that hangs up (or is killed) mid-response is normal traffic, not a server fault
        import sys

        if not isinstance(sys.exc_info()[1], (ConnectionError, TimeoutError)):
            super().handle_error(request, client_address)


class LocalSite:
    """Subclasses implement `answer(path, query) -> Answer` (or `answer_request` when they need the
    request's headers or client). `delay` slows every answer (seconds), which lets two crawlers
    overlap in the distributed test. HEAD is answered like GET without the body. Besides the hits by
    path, a site keeps the User-Agents it was sent (``agents``) and the most requests it served at the
    same time (``max_inflight``, the delay included), for the politeness tests."""

    def __init__(self, *, host: str = "127.0.0.1", port: int = 0, delay: float = 0.0) -> None:
        self.host, self.port, self.delay = host, port, delay
        self.hits: Counter[str] = Counter()
        self.agents: set[str] = set()
        self.inflight = 0
        self.max_inflight = 0
        self._lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def answer(self, path: str, query: str) -> Answer:  # pragma: no cover - abstract
        raise NotImplementedError

    def answer_request(self, request: BaseHTTPRequestHandler, path: str, query: str) -> Answer:
        return self.answer(path, query)

    def start(self) -> LocalSite:
        if self._server is not None:
            return self  # already serving (a started site used as a context manager)
        site = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(self):  # noqa: N802 - http.server's hook name
                path, _, query = self.path.partition("?")
                with site._lock:
                    site.hits[self.path] += 1
                    site.agents.add(self.headers.get("User-Agent", ""))
                    site.inflight += 1
                    site.max_inflight = max(site.max_inflight, site.inflight)
                try:
                    if site.delay:
                        time.sleep(site.delay)
                    self.send(site.answer_request(self, path, query))
                finally:
                    with site._lock:
                        site.inflight -= 1

            def send(self, answer: Answer) -> None:
                self.send_response(answer.status)
                self.send_header("Content-Type", answer.content_type)
                self.send_header("Content-Length", str(answer.length))
                for name, value in answer.headers.items():
                    self.send_header(name, value)
                self.end_headers()
                if self.command != "HEAD":
                    try:
                        for chunk in [answer.body] if isinstance(answer.body, bytes) else answer.body:
                            self.wfile.write(chunk)
                        self.wfile.flush()
                    except OSError:
                        if not answer.close:
                            raise
                        # the crawler hung up on a truncated or endless answer, as it should
                if answer.close:
                    self.close_connection = True

            do_HEAD = do_GET  # noqa: N815 - http.server's hook name

            def log_message(self, *args):  # keep test output quiet
                pass

        self._server = _QuietServer((self.host, self.port), Handler)
        self.port = self._server.server_address[1]
        self._thread = threading.Thread(target=self._server.serve_forever, name=f"{type(self).__name__}:{self.port}",
                                        daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None

    def page_hits(self, prefix: str = "/") -> Counter[str]:
        """Hits on pages under `prefix`, robots.txt left out."""
        with self._lock:
            return Counter({p: n for p, n in self.hits.items() if p.startswith(prefix) and p != "/robots.txt"})

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()
