"""Serve the local test sites by hand: ``python -m crawlers.testsites`` (127.0.0.1 only).

    government portal (article + site watch)  http://127.0.0.1:8766   /admin/state?watch=spammed
    Weibo-shaped JSON API (json_api)          http://127.0.0.1:8767   /admin/clock?tick=1&release=3

The `local_*` entries of config/sources.yaml point here: start this, then `yuqing crawl local_gov_articles`.
"""

from __future__ import annotations

import argparse

from crawlers.testsites.base import serve_until_interrupted
from crawlers.testsites.govsite import GovSite
from crawlers.testsites.weiboapi import WeiboApi
from yuqing.demo_urls import GOV_PORT, WEIBO_PORT


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--gov-port", type=int, default=GOV_PORT)
    parser.add_argument("--weibo-port", type=int, default=WEIBO_PORT)
    args = parser.parse_args(argv)
    gov = GovSite(port=args.gov_port).start()
    weibo = WeiboApi(port=args.weibo_port).start()
    print(f"government portal: {gov.url}   Weibo-shaped API: {weibo.url}   (Ctrl-C stops)", flush=True)
    serve_until_interrupted(gov, weibo)


if __name__ == "__main__":
    main()
