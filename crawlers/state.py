"""Whether the previous crawl of a source finished.

Incremental crawls stop paginating at known posts. That is only safe when the previous crawl
reached its end: after a crash or a SIGKILL, posts older than the ones already stored may still be
missing. So each crawl writes ``running`` at start and ``finished`` at a clean end, and a crawl
that finds ``running`` left behind does a full pass (still skipping every post already stored).
In a full pass the spiders bypass the dupefilter for pages not stored yet: a request popped from the
JOBDIR queue but not finished when the process was killed is in ``requests.seen`` and would
otherwise never be fetched again.
"""

from __future__ import annotations

import json
import os
import shutil
from datetime import UTC, datetime
from pathlib import Path

from scrapy import signals


def state_file(jobdir: str | Path) -> Path:
    return Path(jobdir) / "yuqing_state.json"


def read_state(jobdir: str | Path | None) -> dict:
    if not jobdir:
        return {"status": "finished"}
    try:
        return json.loads(state_file(jobdir).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {"status": "new"}


def write_state(jobdir: str | Path, **state) -> None:
    path = state_file(jobdir)
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_suffix(".tmp")
    temporary.write_text(json.dumps(state), encoding="utf-8")
    os.replace(temporary, path)  # atomic: a kill never leaves half a file


class CrawlStateExtension:
    """Records the crawl's status in JOBDIR and tells the spider whether to do a full pass."""

    def __init__(self, crawler) -> None:
        self.crawler = crawler
        self.jobdir = crawler.settings.get("JOBDIR")
        previous = read_state(self.jobdir)
        crawler.yuqing_previous_state = previous
        if self.jobdir and previous.get("status") == "finished":
            # a finished crawl's seen-set is spent: the next crawl is incremental through the database,
            # and an old fingerprint must not hide a post that changed since
            (Path(self.jobdir) / "requests.seen").unlink(missing_ok=True)
        if self.jobdir and previous.get("status") == "running":
            # killed without closing (SIGKILL, power loss): Scrapy's disk queue writes its head/tail
            # pointers only on a clean close, so the old queue files would replay stale requests in
            # place of new ones (posts silently never fetched). The full pass re-walks every list page
            # instead, skipping what is stored.
            shutil.rmtree(Path(self.jobdir) / "requests.queue", ignore_errors=True)
        crawler.signals.connect(self.opened, signal=signals.spider_opened)
        crawler.signals.connect(self.closed, signal=signals.spider_closed)

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    def opened(self, spider=None) -> None:
        if self.jobdir:
            write_state(self.jobdir, status="running", started=datetime.now(UTC).isoformat())

    def closed(self, spider=None, reason: str = "") -> None:
        if self.jobdir:
            # a crawl that lost pages (failed after retries) counts as interrupted: the next one re-walks
            complete = reason == "finished" and not getattr(spider or self.crawler.spider, "incomplete", False)
            status = "finished" if complete else "interrupted"
            write_state(self.jobdir, status=status, reason=reason, ended=datetime.now(UTC).isoformat())
