"""Downloader middlewares of the project (the encoding fix lives in encoding.py)."""

from __future__ import annotations

import asyncio
import logging

from scrapy import Request
from scrapy.downloadermiddlewares.retry import RetryMiddleware

logger = logging.getLogger(__name__)


class BackoffRetryMiddleware(RetryMiddleware):
    """Scrapy's retries, but waiting before each one: base × 2^(attempt-1) seconds, capped, and at
    least what a 429/503 ``Retry-After`` asks for (also capped). A struggling site gets room to
    recover instead of an immediate second hit."""

    def __init__(self, settings) -> None:
        super().__init__(settings)
        self.base = settings.getfloat("YUQING_RETRY_BACKOFF_BASE", 1.0)
        self.cap = settings.getfloat("YUQING_RETRY_BACKOFF_MAX", 60.0)

    def backoff(self, retry: Request, response=None) -> float:
        attempt = max(1, int(retry.meta.get("retry_times", 1)))
        delay = self.base * 2 ** (attempt - 1)
        if response is not None and response.status in (429, 503):
            header = response.headers.get(b"Retry-After")
            try:
                delay = max(delay, float(header.decode())) if header else delay
            except ValueError:
                pass  # an HTTP-date Retry-After: keep the exponential delay
        return min(delay, self.cap)

    async def process_response(self, request, response, spider=None):
        result = super().process_response(request, response)
        if isinstance(result, Request):
            delay = self.backoff(result, response)
            logger.info("retrying %s in %.1f s (HTTP %s)", request.url, delay, response.status)
            await asyncio.sleep(delay)
        return result

    async def process_exception(self, request, exception, spider=None):
        result = super().process_exception(request, exception)
        if isinstance(result, Request):
            delay = self.backoff(result)
            logger.info("retrying %s in %.1f s (%s)", request.url, delay, exception.__class__.__name__)
            await asyncio.sleep(delay)
        return result
