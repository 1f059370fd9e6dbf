"""Authors as the product keeps them: never a name, only a salted hash per source (setting author_salt)."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable


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


def account_entries(accounts: str | Iterable[str]) -> list[tuple[str, str]]:
    """(source name, account name) of accounts written 数据源名:账号名 (or ：) — a list, or one
    string separated by commas (，、 or new lines too); ValueError naming an entry missing either part."""
    if isinstance(accounts, str):
        accounts = re.split(r"[,，、\n]", accounts)
    out = []
    for entry in accounts:
        if not str(entry).strip():
            continue
        source, sep, account = str(entry).replace("：", ":", 1).partition(":")
        if not sep or not source.strip() or not account.strip():
            raise ValueError(f"账号「{str(entry).strip()}」格式应为 数据源名:账号名")
        out.append((source.strip(), account.strip()))
    return out


def account_hashes(accounts: str | Iterable[str], *, salt: str | None = None) -> list[str]:
    """The author hashes of accounts written 数据源名:账号名 (see account_entries), as the crawl stores them."""
    return [author_hash(source, account, salt=salt) for source, account in account_entries(accounts)]
