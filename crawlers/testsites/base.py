"""A threaded HTTP server on 127.0.0.1 that counts every request by path (query included)."""

from __future__ import annotations

import threading
import time
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class Answer:
    def __init__(self, status: int = 200, body: bytes = b"", content_type: str = "text/html; charset=utf-8",
                 headers: dict | None = None) -> None:
        self.status, self.body, self.content_type, self.headers = status, body, content_type, headers or {}


class LocalSite:
    """Subclasses implement `answer(path, query) -> Answer`. `delay` slows every answer (seconds),
    which lets two crawlers overlap in the distributed test."""

    def __init__(self, *, host: str = "127.0.0.1", port: int = 0, delay: float = 0.0) -> None:
        self.host, self.port, self.delay = host, port, delay
        self.hits: Counter[str] = Counter()
        self._lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def answer(self, path: str, query: str) -> Answer:  # pragma: no cover - abstract
        raise NotImplementedError

    def start(self) -> LocalSite:
        site = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(self):  # noqa: N802 - http.server's hook name
                path, _, query = self.path.partition("?")
                with site._lock:
                    site.hits[self.path] += 1
                if site.delay:
                    time.sleep(site.delay)
                answer = site.answer(path, query)
                self.send_response(answer.status)
                self.send_header("Content-Type", answer.content_type)
                self.send_header("Content-Length", str(len(answer.body)))
                for name, value in answer.headers.items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(answer.body)

            def log_message(self, *args):  # keep test output quiet
                pass

        self._server = ThreadingHTTPServer((self.host, self.port), Handler)
        self._server.daemon_threads = True
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

    def page_hits(self, prefix: str = "/") -> Counter[str]:
        """Hits on pages under `prefix`, robots.txt left out."""
        with self._lock:
            return Counter({p: n for p, n in self.hits.items() if p.startswith(prefix) and p != "/robots.txt"})

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()
