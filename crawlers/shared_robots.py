"""robots.txt read once per host for every crawl in a long-lived crawl worker (crawlers/worker.py).

Scrapy's RobotsTxtMiddleware keeps what it read for one crawl only, so in the worker each source
fetched its host's robots.txt on every pass before its first page: one more request and a round
trip per source and pass (twenty for twenty sources on one host). Here a robots.txt read by one
crawl serves every crawl of the worker on the same host for ROBOTS_SECONDS. One that could not be
read is not shared: the next crawl tries again.
"""

from __future__ import annotations

import time

from scrapy.downloadermiddlewares.robotstxt import RobotsTxtMiddleware
from scrapy.utils.httpobj import urlparse_cached

ROBOTS_SECONDS = 600.0
_ROBOTS: dict[str, tuple[float, object]] = {}  # scheme://host → (read at, parser)


class SharedRobotsTxtMiddleware(RobotsTxtMiddleware):
    async def robot_parser(self, request):
        url = urlparse_cached(request)
        host = f"{url.scheme}://{url.netloc}"
        shared = _ROBOTS.get(host)
        fresh = shared is not None and time.monotonic() - shared[0] < ROBOTS_SECONDS
        if fresh and url.netloc not in self._parsers:
            self._parsers[url.netloc] = shared[1]
            self._stats.inc_value("robotstxt/shared")
        parser = await super().robot_parser(request)
        if parser is not None and not fresh:
            _ROBOTS[host] = (time.monotonic(), parser)
        return parser
