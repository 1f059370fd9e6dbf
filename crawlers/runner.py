"""`crawl(names)`: crawl sources, record their health, raise health alerts.

Each source is crawled in its own process (``python -m crawlers.run_source``): callable any number
of times from one process (CLI, Prefect task, tests) without touching a Twisted reactor or Prefect's
logging, and one source that crashes, hangs or is killed never stops the others.
"""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from yuqing import repo
from yuqing.db import session_scope
from yuqing.errors import ConfigError
from yuqing.settings import PROJECT_ROOT, get_settings

logger = logging.getLogger(__name__)


@dataclass
class CrawlResult:
    source: str
    stored: int = 0
    updated: int = 0
    skipped_known: int = 0
    linked: int = 0
    pages: int = 0
    seconds: float = 0.0
    dropped: dict[str, int] = field(default_factory=dict)
    errors: dict[str, int] = field(default_factory=dict)
    error: str | None = None
    log_file: str | None = None

    def describe(self) -> str:
        parts = [f"{self.source}: {self.stored} new", f"{self.updated} updated", f"{self.pages} pages"]
        if self.skipped_known:
            parts.append(f"{self.skipped_known} known skipped")
        if self.linked:
            parts.append(f"{self.linked} linked as duplicates")
        if self.dropped:
            parts.append("dropped " + ", ".join(f"{k}×{v}" for k, v in sorted(self.dropped.items())))
        if self.errors:
            parts.append("errors " + ", ".join(f"{k}×{v}" for k, v in sorted(self.errors.items())))
        line = ", ".join(parts) + f" ({self.seconds:.1f} s)"
        if self.error:
            line += f" — FAILED: {self.error}"
        return line


def _result_from(summary: dict, name: str) -> CrawlResult:
    result = CrawlResult(
        source=name, stored=summary.get("stored", 0), updated=summary.get("updated", 0),
        skipped_known=summary.get("skipped_known", 0), linked=summary.get("linked", 0),
        pages=summary.get("pages", 0), seconds=summary.get("seconds", 0.0),
        dropped=dict(summary.get("dropped") or {}), errors=dict(summary.get("errors") or {}),
    )
    if summary.get("fatal"):
        result.error = summary["fatal"]
    elif summary.get("start_error"):
        result.error = f"start page failed: {summary['start_error']}"
    elif summary.get("finish_reason") not in ("finished", "closespider_itemcount"):
        result.error = f"crawl ended with {summary.get('finish_reason')!r}"
    return result


def _tail(path: Path, lines: int = 5) -> str:
    try:
        return " | ".join(path.read_text(encoding="utf-8", errors="replace").strip().splitlines()[-lines:])
    except OSError:
        return ""


def crawl_one(name: str, *, timeout: float | None = None) -> CrawlResult:
    """Crawl one source in a child process and return its result (health is not recorded here)."""
    settings = get_settings()
    log_dir = settings.data_dir / "crawl" / name
    log_dir.mkdir(parents=True, exist_ok=True)
    log_file = log_dir / "last.log"
    with tempfile.TemporaryDirectory(prefix="yuqing-crawl-") as folder:
        result_file = Path(folder) / "result.json"
        environment = dict(os.environ)
        environment["PYTHONPATH"] = os.pathsep.join(filter(None, [str(PROJECT_ROOT), environment.get("PYTHONPATH")]))
        with open(log_file, "w", encoding="utf-8") as log:
            try:
                completed = subprocess.run(
                    [sys.executable, "-m", "crawlers.run_source", name, "--result", str(result_file)],
                    stdout=log, stderr=subprocess.STDOUT, env=environment, cwd=str(PROJECT_ROOT),
                    timeout=timeout or settings.crawl_timeout_seconds, check=False,
                )
            except subprocess.TimeoutExpired:
                return CrawlResult(source=name, error=f"timed out after {timeout or settings.crawl_timeout_seconds:g} s",
                                   log_file=str(log_file))
        if not result_file.exists():
            return CrawlResult(source=name, error=f"crawler process exited with {completed.returncode}: {_tail(log_file)}",
                               log_file=str(log_file))
        summary = json.loads(result_file.read_text(encoding="utf-8"))
    result = _result_from(summary, name)
    result.log_file = str(log_file)
    return result


def crawl(names: list[str] | None = None) -> list[CrawlResult]:
    """Crawl the named sources (default: every enabled one), one after another; record each one's
    health and raise alerts for sources that keep failing or went silent."""
    from crawlers.health import raise_health_alerts

    with session_scope() as session:
        sources = {s.name: s for s in repo.list_sources(session)}
    if not sources:
        raise ConfigError("no sources registered: run `yuqing init` (it loads config/sources.yaml)")
    if names:
        unknown = [n for n in names if n not in sources]
        if unknown:
            raise ConfigError(f"unknown source(s): {', '.join(unknown)}; known: {', '.join(sorted(sources))}")
        selected = list(names)
    else:
        selected = [name for name, source in sources.items() if source.enabled]
    results = []
    for name in selected:
        if not sources[name].enabled:
            result = CrawlResult(source=name, error="source is disabled in config/sources.yaml")
        else:
            result = crawl_one(name)
            with session_scope() as session:
                repo.record_source_run(session, name=name, items=result.stored, error=result.error)
        logger.info(result.describe())
        results.append(result)
    try:
        raise_health_alerts()
    except Exception:  # noqa: BLE001 - an alerting problem must not hide the crawl results
        logger.exception("could not raise source health alerts")
    return results
