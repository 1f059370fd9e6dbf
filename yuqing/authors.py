"""Authors as the product keeps them: never a name, only a salted hash per source (setting author_salt)."""

from __future__ import annotations

import hashlib


def author_hash(source: str, author: str | None, *, salt: str | None = None) -> str | None:
    """sha256(salt:source:name) of an account's name on a source, or None when there is no name.
    The crawl stores it; the 预警 watched-account rule hashes its list the same way to compare."""
    name = (author or "").strip()
    if not name:
        return None
    if salt is None:
        from yuqing.settings import get_settings

        salt = get_settings().author_salt
    return hashlib.sha256(f"{salt}:{source.strip()}:{name}".encode()).hexdigest()
