"""`crawl(names)`: crawl sources, record their health, raise health alerts.

The sources of one pass are crawled side by side in one child process (``python -m
crawlers.run_source A B …``): one process start per pass whatever the number of sources, callable
any number of times from one process (CLI, Prefect task, tests) without touching a Twisted reactor
or Prefect's logging; a source that fails to start or whose spider fails never stops the others.
"""

from __future__ import annotations

import atexit
import json
import logging
import os
import select
import subprocess
import sys
import tempfile
import threading
import time
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


def crawl_batch(names: list[str], *, timeout: float | None = None, persistent: bool = False) -> list[CrawlResult]:
    """Crawl the sources side by side in one child process and return their results in order
    (health is not recorded here). With `persistent`, the child is this process's long-lived crawl
    worker (no process start per pass); otherwise a one-shot child. A killed or hung child costs
    only the sources it had not finished: each gets an error naming why, and its JOBDIR lets the
    next pass resume it."""
    settings = get_settings()
    log_dir = settings.data_dir / "crawl"
    log_dir.mkdir(parents=True, exist_ok=True)
    limit = timeout or settings.crawl_timeout_seconds
    if persistent:
        log_file = log_dir / "worker.log"
        summaries, failure = persistent_worker().crawl(names, timeout=limit, log_file=log_file)
        return _results(names, summaries, failure, log_file)
    # one source: its own folder, beside its crawl state; several: the pass's log
    log_file = log_dir / names[0] / "last.log" if len(names) == 1 else log_dir / "last.log"
    log_file.parent.mkdir(parents=True, exist_ok=True)
    summaries: dict[str, dict] = {}
    failure: str | None = None
    with tempfile.TemporaryDirectory(prefix="yuqing-crawl-") as folder:
        result_file = Path(folder) / "result.jsonl"
        environment = dict(os.environ)
        environment["PYTHONPATH"] = os.pathsep.join(filter(None, [str(PROJECT_ROOT), environment.get("PYTHONPATH")]))
        with open(log_file, "w", encoding="utf-8") as log:
            try:
                completed = subprocess.run(
                    [sys.executable, "-m", "crawlers.run_source", *names, "--result", str(result_file)],
                    stdout=log, stderr=subprocess.STDOUT, env=environment, cwd=str(PROJECT_ROOT),
                    timeout=limit, check=False,
                )
                if completed.returncode not in (0, 2):
                    failure = f"crawler process exited with {completed.returncode}: {_tail(log_file)}"
            except subprocess.TimeoutExpired:
                failure = f"timed out after {limit:g} s"
        if result_file.exists():
            for line in result_file.read_text(encoding="utf-8").splitlines():
                if line.strip():
                    summary = json.loads(line)
                    summaries[summary["source"]] = summary
    return _results(names, summaries, failure, log_file)


def _results(names: list[str], summaries: dict[str, dict], failure: str | None, log_file: Path) -> list[CrawlResult]:
    results = []
    for name in names:
        if name in summaries:
            result = _result_from(summaries[name], name)
        else:
            result = CrawlResult(source=name, error=failure or f"crawler process gave no result: {_tail(log_file)}")
        result.log_file = str(log_file)
        results.append(result)
    return results


class CrawlWorker:
    """The parent's handle on one long-lived crawl worker (crawlers/worker.py), started on first use
    and again whenever it died or the product's settings changed. One pass at a time."""

    def __init__(self) -> None:
        self._process: subprocess.Popen | None = None
        self._environment: dict[str, str] | None = None
        self._log = None
        self._pending = b""
        self._lock = threading.Lock()

    @staticmethod
    def _wanted_environment() -> dict[str, str]:
        environment = dict(os.environ)
        environment["PYTHONPATH"] = os.pathsep.join(filter(None, [str(PROJECT_ROOT), environment.get("PYTHONPATH")]))
        return environment

    def _ensure(self, log_file: Path) -> subprocess.Popen:
        environment = self._wanted_environment()
        if self._process is not None and (self._process.poll() is not None or environment != self._environment):
            self.close()
        if self._process is None:
            self._log = open(log_file, "a", encoding="utf-8")  # noqa: SIM115 - lives as long as the worker
            self._process = subprocess.Popen(
                [sys.executable, "-m", "crawlers.worker"], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                stderr=self._log, env=environment, cwd=str(PROJECT_ROOT), bufsize=0,
            )
            self._pending = b""
            self._environment = environment
        return self._process

    def _read(self, process: subprocess.Popen, deadline: float) -> dict | None:
        """The next protocol line, or None when the worker died or the deadline passed. Reads the
        pipe unbuffered (select cannot see what a buffered reader already holds)."""
        from crawlers.worker import MARK

        while True:
            while b"\n" in self._pending:
                line, self._pending = self._pending.split(b"\n", 1)
                text = line.decode("utf-8", errors="replace")
                if text.startswith(MARK):
                    return json.loads(text[len(MARK):])
            remaining = deadline - time.monotonic()
            if remaining <= 0 or not select.select([process.stdout], [], [], remaining)[0]:
                return None
            chunk = os.read(process.stdout.fileno(), 65536)
            if not chunk:
                return {"eof": True}
            self._pending += chunk

    def crawl(self, names: list[str], *, timeout: float, log_file: Path) -> tuple[dict[str, dict], str | None]:
        """(summary per source that finished, why the pass ended early or None)."""
        with self._lock:
            process = self._ensure(log_file)
            deadline = time.monotonic() + timeout
            summaries: dict[str, dict] = {}
            try:
                process.stdin.write((json.dumps({"sources": names}) + "\n").encode("utf-8"))
                process.stdin.flush()
            except OSError:
                self.close()
                return summaries, "crawl worker is gone"
            while True:
                message = self._read(process, deadline)
                if message is None or message.get("eof"):
                    self.close()
                    return summaries, ("crawl worker died during the pass" if message
                                       else f"timed out after {timeout:g} s")
                if message.get("done"):
                    return summaries, None
                if "source" in message:
                    summaries[message["source"]] = message

    def close(self) -> None:
        process, self._process = self._process, None
        if process is not None:
            if process.poll() is None:
                try:
                    process.stdin.close()
                    process.wait(timeout=5)
                except (OSError, subprocess.TimeoutExpired):
                    process.kill()
                    process.wait(timeout=10)
            for stream in (process.stdin, process.stdout):
                try:
                    stream.close()
                except OSError:
                    pass
        if self._log is not None:
            self._log.close()
            self._log = None


_WORKER: CrawlWorker | None = None


def persistent_worker() -> CrawlWorker:
    """This process's long-lived crawl worker (closed at exit)."""
    global _WORKER
    if _WORKER is None:
        _WORKER = CrawlWorker()
        atexit.register(_WORKER.close)
    return _WORKER


def crawl(names: list[str] | None = None, *, due_only: bool = False, persistent: bool = False) -> list[CrawlResult]:
    """Crawl the named sources (default: every enabled one; with `due_only`, the enabled ones whose
    cadence says they are due) side by side in one child process (with `persistent`, this process's
    long-lived crawl worker); record each one's health and raise alerts for sources that keep
    failing or went silent."""
    from crawlers.health import raise_health_alerts
    from yuqing.clock import now

    with session_scope() as session:
        sources = {s.name: s for s in repo.list_sources(session)}
        due = repo.due_sources(session) if due_only and not names else None
    if not sources:
        raise ConfigError("no sources registered: run `yuqing init` (it loads config/sources.yaml)")
    if names:
        unknown = [n for n in names if n not in sources]
        if unknown:
            raise ConfigError(f"unknown source(s): {', '.join(unknown)}; known: {', '.join(sorted(sources))}")
        selected = list(names)
    elif due is not None:
        selected = due
    else:
        selected = [name for name, source in sources.items() if source.enabled]
    disabled = [n for n in selected if not sources[n].enabled]
    enabled = [n for n in selected if sources[n].enabled]
    started = now()
    by_name = {name: CrawlResult(source=name, error="source is disabled in config/sources.yaml") for name in disabled}
    if enabled:
        for result in crawl_batch(enabled, persistent=persistent):
            by_name[result.source] = result
            with session_scope() as session:
                repo.record_source_run(session, name=result.source, items=result.stored, error=result.error,
                                       started_at=started)
    results = [by_name[name] for name in selected]
    for result in results:
        logger.info(result.describe())
    if enabled:
        try:
            raise_health_alerts()
        except Exception:  # noqa: BLE001 - an alerting problem must not hide the crawl results
            logger.exception("could not raise source health alerts")
    return results
