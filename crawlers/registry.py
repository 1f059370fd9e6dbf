"""kind → spider: the runner looks up a source's kind here.

A kind maps to a module; the module's spider is the scrapy.Spider subclass whose ``source_kind``
equals the kind. Modules are imported only when a source of that kind is crawled, so a kind whose
module is missing fails only its own sources, with a clear error.
"""

from __future__ import annotations

import importlib
import inspect

import scrapy

from yuqing.errors import ConfigError

SPIDER_MODULES: dict[str, str] = {
    "rss": "crawlers.spiders.rss",
    "board": "crawlers.spiders.board",
    "article": "crawlers.spiders.article",
    "json_api": "crawlers.spiders.weibo",
    "site_watch": "crawlers.spiders.sitewatch",
}


def register_kind(kind: str, module: str) -> None:
    """Add (or replace) the module that crawls `kind` (for plug-ins and tests)."""
    SPIDER_MODULES[kind] = module


def spider_for(kind: str) -> type[scrapy.Spider]:
    module_name = SPIDER_MODULES.get(kind)
    if module_name is None:
        raise ConfigError(f"no spider registered for kind {kind!r}")
    try:
        module = importlib.import_module(module_name)
    except ModuleNotFoundError as exc:
        raise ConfigError(f"kind {kind!r}: spider module {module_name} is not installed ({exc})") from exc
    for _, value in inspect.getmembers(module, inspect.isclass):
        if issubclass(value, scrapy.Spider) and getattr(value, "source_kind", None) == kind:
            return value
    raise ConfigError(f"kind {kind!r}: {module_name} has no spider with source_kind = {kind!r}")
