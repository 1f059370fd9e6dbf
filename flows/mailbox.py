"""The demo's local mailbox: an SMTP server on 127.0.0.1 that files every alert it receives as an
.eml file, so `yuqing demo` delivers its alerts for real without reaching outside the machine."""

from __future__ import annotations

import socket
from pathlib import Path


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class LoopbackSmtpServer:
    """aiosmtpd on 127.0.0.1 and a free port; a subclass says what to do with each e-mail in `handle_DATA`."""

    def __init__(self) -> None:
        self.port = _free_port()
        self._controller = None

    async def handle_DATA(self, server, session, envelope):  # aiosmtpd handler hook
        raise NotImplementedError

    def start(self):
        from aiosmtpd.controller import Controller

        self._controller = Controller(self, hostname="127.0.0.1", port=self.port)
        self._controller.start()
        return self

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None


class LocalMailbox(LoopbackSmtpServer):
    def __init__(self, folder: Path) -> None:
        super().__init__()
        self.folder = folder

    async def handle_DATA(self, server, session, envelope):  # aiosmtpd handler hook
        self.folder.mkdir(parents=True, exist_ok=True)
        count = sum(1 for _ in self.folder.glob("*.eml"))
        (self.folder / f"{count + 1:06d}.eml").write_bytes(envelope.original_content or envelope.content)
        return "250 OK"

    def received(self) -> int:
        return sum(1 for _ in self.folder.glob("*.eml")) if self.folder.exists() else 0
