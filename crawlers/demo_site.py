"""Kept only for `yuqing demo-site` until the CLI leaves the kernel: the board lives in
crawlers/testsites/board.py."""

from crawlers.testsites.board import serve_forever

__all__ = ["serve_forever"]
