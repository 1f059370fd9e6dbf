"""Distributed mode: with ``YUQING_REDIS_URL`` set, every crawler process of a source shares one
frontier (request queue) and one dupefilter in Redis, through scrapy-redis, so N processes crawl
each page once between them.

scrapy-redis 0.9.1 works with Scrapy 2.19 as it is (its scheduler implements the 2.x BaseScheduler
interface; requests round-trip through ``Request.to_dict``). Three things are added here, because a
crawl of this product is a finite *round* (crawl a source, stop, crawl again in an hour), while
scrapy-redis is built for endless spiders fed by a Redis list:

* **who is still working.** Each worker heartbeats ``yuqing:crawl:<source>:worker:<id>`` with
  ``busy``/``idle`` (TTL 60 s, so a SIGKILLed worker disappears). A worker whose own engine is idle
  stays open while the shared queue holds requests or another worker is busy (that one may still
  add links), and closes when all are idle and the queue is empty.
* **rounds.** The first worker of a round (no other live worker, empty queue) clears the
  dupefilter left by the previous round, so an hourly re-crawl fetches the list pages again; the
  last worker out deletes the round's keys. A queue left by killed workers is resumed, not cleared.
* **start requests.** Sources mark their start request ``dont_filter`` (one process must always
  fetch it); with a shared frontier every worker sends the same start request, so here only
  retries bypass the shared dupefilter: each page is fetched once per round, whatever its flag.

It also passes stats without the ``spider`` argument that Scrapy 2.19 deprecates (the upstream
scheduler still sends it, which warns on every request).
"""

from __future__ import annotations

import logging
import os
import socket
import uuid

from scrapy import signals
from scrapy.exceptions import DontCloseSpider
from scrapy_redis.dupefilter import RFPDupeFilter
from scrapy_redis.scheduler import Scheduler

logger = logging.getLogger(__name__)

KEY_PREFIX = "yuqing:crawl"
WORKER_TTL_SECONDS = 60
POLL_SECONDS = 0.5  # how soon a waiting worker looks at the shared queue again


def keys(source: str) -> dict[str, str]:
    base = f"{KEY_PREFIX}:{source}"
    return {"queue": f"{base}:requests", "dupefilter": f"{base}:dupefilter", "workers": f"{base}:worker:"}


def redis_settings(source: str, redis_url: str, *, concurrency: int = 4) -> dict:
    """Scrapy settings that put one source's frontier and dupefilter in Redis. A worker takes from
    the shared queue only what it can download at once (`concurrency`), never a backlog of its own."""
    names = keys(source)
    return {
        "CONCURRENT_REQUESTS": concurrency,
        # several processes write the same database: commit every post at once, so no worker holds
        # a write transaction open while it waits for the others (SQLite would lock up)
        "YUQING_STORE_BATCH": 1,
        "SCHEDULER": "crawlers.distributed.SharedScheduler",
        "DUPEFILTER_CLASS": "crawlers.distributed.SharedDupeFilter",
        "SCHEDULER_QUEUE_CLASS": "scrapy_redis.queue.PriorityQueue",
        "SCHEDULER_QUEUE_KEY": names["queue"],
        "SCHEDULER_DUPEFILTER_KEY": names["dupefilter"],
        "SCHEDULER_PERSIST": True,  # the last worker out cleans up, not the first one to finish
        "SCHEDULER_IDLE_BEFORE_CLOSE": 0,  # never block the event loop in BRPOP
        "REDIS_URL": redis_url,
        "YUQING_DISTRIBUTED_SOURCE": source,
    }


def check_redis(redis_url: str) -> str | None:
    """None when the server answers, else why not."""
    import redis

    try:
        redis.Redis.from_url(redis_url, socket_connect_timeout=3, socket_timeout=3).ping()
    except (redis.RedisError, OSError) as exc:
        return f"Redis not reachable at {redis_url} ({exc.__class__.__name__}: {exc})"
    return None


class SharedDupeFilter(RFPDupeFilter):
    """The upstream Redis dupefilter, without deleting the shared set when one worker closes."""

    def close(self, reason=""):
        pass


class SharedScheduler(Scheduler):
    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.worker_id = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"
        self.source = ""
        self.crawler = None

    @classmethod
    def from_crawler(cls, crawler):
        instance = cls.from_settings(crawler.settings)
        instance.stats = crawler.stats
        instance.crawler = crawler
        instance.source = crawler.settings.get("YUQING_DISTRIBUTED_SOURCE") or "default"
        crawler.signals.connect(instance.spider_idle, signal=signals.spider_idle)
        return instance

    # ---- workers
    @property
    def _worker_key(self) -> str:
        return keys(self.source)["workers"] + self.worker_id

    def _beat(self, state: str) -> None:
        self.server.set(self._worker_key, state, ex=WORKER_TTL_SECONDS)

    def _others(self) -> dict[str, str]:
        prefix = keys(self.source)["workers"]
        found = {}
        for key in self.server.scan_iter(match=prefix + "*"):
            key = key.decode() if isinstance(key, bytes) else key
            if key == self._worker_key:
                continue
            state = self.server.get(key)
            if state is not None:
                found[key] = state.decode() if isinstance(state, bytes) else state
        return found

    def _lock(self):
        # joining and leaving a round are decided under one lock, so two workers starting at the
        # same moment never both take themselves for the first (and clear what the other enqueued)
        return self.server.lock(f"{KEY_PREFIX}:{self.source}:lock", timeout=30, blocking_timeout=30)

    def open(self, spider):
        super().open(spider)
        with self._lock():
            others = self._others()
            if not others and not len(self.queue):
                # a new round: what the previous round saw must be fetched again
                self.df.clear()
                logger.info("distributed crawl of %s: new round (worker %s)", self.source, self.worker_id)
            else:
                logger.info("distributed crawl of %s: joining %d worker(s), %d request(s) queued",
                            self.source, len(others), len(self.queue))
            self._beat("busy")

    def close(self, reason):
        with self._lock():
            self.server.delete(self._worker_key)
            if self._others():
                return
            if len(self.queue):
                logger.info("distributed crawl of %s: %d request(s) left queued for the next worker",
                            self.source, len(self.queue))
            else:
                self.server.delete(self.queue.key, self.df.key)

    # ---- requests
    def enqueue_request(self, request):
        is_retry = request.meta.get("retry_times") is not None
        if not is_retry and self.df.request_seen(request):
            self.df.log(request, self.spider)
            return False
        if self.stats:
            self.stats.inc_value("scheduler/enqueued/redis")
        self.queue.push(request)
        return True

    def next_request(self):
        request = self.queue.pop(0)
        if request is not None:
            self._beat("busy")
            if self.stats:
                self.stats.inc_value("scheduler/dequeued/redis")
        return request

    def spider_idle(self, spider):
        """Stay open while another worker may still add requests to the shared frontier."""
        self._beat("idle")
        if len(self.queue) or any(state == "busy" for state in self._others().values()):
            self._poll_soon()
            raise DontCloseSpider

    def _poll_soon(self) -> None:
        # the engine only looks at an idle scheduler on its 5 s heartbeat; ask it to look sooner
        # (private engine attributes, so a Scrapy that renames them falls back to the heartbeat)
        slot = getattr(getattr(self.crawler, "engine", None), "_slot", None)
        nextcall = getattr(slot, "nextcall", None)
        if nextcall is not None and hasattr(nextcall, "schedule"):
            nextcall.schedule(POLL_SECONDS)
