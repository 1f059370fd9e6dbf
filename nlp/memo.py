"""A per-process memo of one value per token: a vocabulary repeats, so each token is worked out once,
and lookups run as C calls (`map(memo.__getitem__, tokens)`, `filter(...)`) with no bytecode per token."""

from __future__ import annotations

from collections.abc import Callable


class TokenMemo(dict):
    """token → `compute(token)`, computed on first lookup; forgets everything past `limit` entries so
    an endless stream of new tokens cannot grow it without bound."""

    def __init__(self, compute: Callable[[str], object], limit: int = 500_000) -> None:
        super().__init__()
        self._compute, self._limit = compute, limit

    def __missing__(self, token: str):
        if len(self) >= self._limit:
            self.clear()
        value = self[token] = self._compute(token)
        return value
