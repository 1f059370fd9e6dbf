"""Real local receivers for tests: an SMTP server (aiosmtpd) and an HTTP receiver that can be told
to succeed, fail, hang or answer like a refusing robot. Both bind 127.0.0.1 only."""

from __future__ import annotations

import json
import socket
import threading
import time
from dataclasses import dataclass, field
from email import message_from_bytes
from email.policy import default as default_policy
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from flows.demo import LoopbackSmtpServer


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class SmtpSink(LoopbackSmtpServer):
    """aiosmtpd on loopback; `.messages` holds every e-mail received (parsed)."""

    def __init__(self) -> None:
        super().__init__()
        self.messages: list = []

    async def handle_DATA(self, server, session, envelope):  # aiosmtpd handler hook
        self.messages.append(message_from_bytes(envelope.original_content or envelope.content, policy=default_policy))
        return "250 OK"


@dataclass
class Received:
    path: str
    headers: dict
    body: bytes

    def json(self):
        return json.loads(self.body.decode("utf-8"))


@dataclass
class HttpReceiver:
    """mode: ok | fail (HTTP 500) | hang (answers after `hang_seconds`) | robot_error (HTTP 200, errcode≠0)."""

    mode: str = "ok"
    hang_seconds: float = 5.0
    requests: list[Received] = field(default_factory=list)
    port: int = 0
    _server: ThreadingHTTPServer | None = None

    def start(self) -> HttpReceiver:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length)
                mode = receiver.mode
                if mode == "hang":
                    time.sleep(receiver.hang_seconds)
                if mode == "fail":
                    self._answer(500, b'{"error": "down"}')
                    return
                receiver.requests.append(Received(self.path, dict(self.headers), body))
                if mode == "robot_error":
                    self._answer(200, b'{"errcode": 93000, "errmsg": "invalid webhook url", "code": 19001}')
                else:
                    self._answer(200, b'{"errcode": 0, "errmsg": "ok", "code": 0}')

            def _answer(self, status: int, body: bytes) -> None:
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(body)))
                    self.end_headers()
                    self.wfile.write(body)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up (timeout): exactly what a hanging receiver causes

            def log_message(self, *args):
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        self._server.daemon_threads = True
        self.port = self._server.server_address[1]
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
