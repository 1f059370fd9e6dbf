"""Alert latency: from a post appearing on a local source to the alert arriving at a local webhook.

Everything is real and on 127.0.0.1: the shipped demo site (crawlers.demo_site) releases messages
at random moments; the Prefect pipeline flow (crawl → analyse → group → route → deliver) runs on the
default schedule of prefect.yaml; every unit of the demo profile has its alerts sent to a local
HTTP receiver. For each released message that opened a new routed issue, the bench records

  end to end   = alert arrival − the moment the message appeared on the site
  processing   = alert arrival − the start of the pipeline pass that picked it up (our own time)

and prints p50 and p95 of both, next to the baseline measured in this process: one direct webhook
POST of the same alert (what the delivery alone costs).

    .venv/bin/python bench/latency.py                 # default schedule, 20 messages
    .venv/bin/python bench/latency.py --messages 40 --interval 60

Aim (issue 5): p95 end to end ≤ 90 s, of which our own processing ≤ 10 s.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import statistics
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def default_interval() -> int:
    import yaml

    config = yaml.safe_load((ROOT / "prefect.yaml").read_text(encoding="utf-8"))
    pipeline = next(d for d in config["deployments"] if d["name"] == "pipeline")
    return int(pipeline["schedules"][0]["interval"])


@dataclass
class Receiver:
    """A webhook receiver that notes when each alert arrived (monotonic clock)."""

    arrivals: list[tuple[float, dict]] = field(default_factory=list)

    def start(self) -> str:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                receiver.arrivals.append((time.monotonic(), json.loads(body.decode("utf-8"))))
                self.send_response(200)
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"ok")

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return f"http://127.0.0.1:{self.server.server_address[1]}/hook"


def private_config(folder: Path, hook: str) -> Path:
    """A copy of config/ where every unit of the demo profile receives its alerts at the local hook."""
    import yaml

    config = folder / "config"
    shutil.copytree(ROOT / "config", config)
    units_file = config / "profiles" / "demo" / "units.yaml"
    units = yaml.safe_load(units_file.read_text(encoding="utf-8"))
    for unit in units:
        unit["contacts"] = {"webhook": hook}
    units_file.write_text(yaml.safe_dump(units, allow_unicode=True), encoding="utf-8")
    return config


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))
    return ordered[index]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--messages", type=int, default=20, help="messages released during the run (default 20)")
    parser.add_argument("--interval", type=int, default=None, help="seconds between pipeline runs (default: prefect.yaml)")
    parser.add_argument("--runs", type=int, default=None, help="pipeline runs to spread the messages over (default 5)")
    parser.add_argument("--seed", type=int, default=5, help="random seed of the release moments")
    args = parser.parse_args()
    interval = args.interval or default_interval()
    runs = args.runs or 5

    work = Path(tempfile.mkdtemp(prefix="yuqing-latency-"))
    receiver = Receiver()
    hook = receiver.start()
    os.environ.update({
        "YUQING_DATA_DIR": str(work / "var"), "YUQING_CONFIG_DIR": str(private_config(work, hook)),
        "YUQING_PROFILE": "demo", "PREFECT_HOME": str(work / "prefect"), "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
        "PREFECT_LOGGING_LEVEL": "WARNING",
    })
    os.environ.pop("YUQING_DATABASE_URL", None)
    os.environ.pop("DATABASE_URL", None)

    from crawlers.demo_site import start_demo_site
    from flows.channels import Message, send
    from flows.pipeline import pipeline_flow
    from yuqing import repo
    from yuqing.bootstrap import initialise
    from yuqing.db import session_scope
    from yuqing.models import Issue, Post
    from yuqing.settings import get_settings
    from sqlmodel import col, select

    site = start_demo_site("127.0.0.1", 0, initial=40, release_every=0)
    initialise(profile="demo", demo_url=site.url)
    with session_scope() as session:
        # the sources this bench serves; other local test sites of sources.yaml are not running here
        names = [source.name for source in repo.list_sources(session) if source.enabled and source.url.startswith(site.url)]
    print(f"demo site {site.url}; sources {', '.join(names)}; pipeline every {interval} s, {runs} runs, {args.messages} messages released "
          f"at random moments; alerts to {hook}", flush=True)
    pipeline_flow(crawl=True, sources=names)  # absorb the backlog already on the site (not measured)
    receiver.arrivals.clear()

    rng = random.Random(args.seed)
    start = time.monotonic()
    span = interval * runs
    plan = sorted(rng.uniform(0, span - 1) for _ in range(args.messages))
    released: dict[str, float] = {}
    pass_starts: list[float] = []

    def releaser() -> None:
        for moment in plan:
            time.sleep(max(0.0, start + moment - time.monotonic()))
            before = set(site.visible_ids())
            site.release(1)
            for msg_id in set(site.visible_ids()) - before:
                released[msg_id] = time.monotonic()

    thread = threading.Thread(target=releaser, daemon=True)
    thread.start()
    for run in range(1, runs + 1):
        time.sleep(max(0.0, start + run * interval - time.monotonic()))
        pass_starts.append(time.monotonic())
        pipeline_flow(crawl=True, sources=names)
    thread.join()

    first_alert: dict[int, float] = {}
    for arrived, body in receiver.arrivals:
        if body.get("issue_id") is not None and body["issue_id"] not in first_alert:
            first_alert[body["issue_id"]] = arrived
    end_to_end, processing, skipped = [], [], {}
    with session_scope() as session:
        for msg_id, appeared in released.items():
            # the board stores the message id, the feed its guid; the page URL is the same for both
            post = session.exec(select(Post).where(col(Post.url).endswith(f"/messages/{msg_id}.html"))).first() or \
                session.exec(select(Post).where(col(Post.external_id).in_((msg_id, f"msg-{msg_id}")))).first()
            if post is None or post.issue_id is None:
                why = "not crawled" if post is None else f"not grouped ({post.spam_reason or 'judged not relevant'})"
                skipped[why] = skipped.get(why, 0) + 1
                continue
            issue = session.get(Issue, post.issue_id)
            first_post = session.exec(select(Post).where(Post.issue_id == issue.id).order_by(Post.id)).first()
            if first_post.id != post.id:
                skipped["joined an existing issue (no new alert)"] = skipped.get("joined an existing issue (no new alert)", 0) + 1
                continue
            if issue.id not in first_alert:
                why = "sent to triage (an analyst routes it)" if issue.needs_triage else "no alert"
                skipped[why] = skipped.get(why, 0) + 1
                continue
            arrived = first_alert[issue.id]
            end_to_end.append(arrived - appeared)
            processing.append(arrived - max(s for s in pass_starts if s <= arrived))

    # baseline in this process: one direct POST of an alert to the same receiver
    settings = get_settings()
    direct = []
    for index in range(20):
        began = time.perf_counter()
        send(Message(channel="webhook", target=hook, subject="【舆情交办】基线", body="正文", dedupe_key=f"baseline-{index}"),
             settings)
        direct.append(time.perf_counter() - began)
    site.stop()

    if not end_to_end:
        print(f"no alert could be attributed to a released message; skipped: {skipped}")
        sys.exit(1)
    baseline = statistics.median(direct)
    p50, p95 = percentile(end_to_end, 0.5), percentile(end_to_end, 0.95)
    own50, own95 = percentile(processing, 0.5), percentile(processing, 0.95)
    print(f"messages measured: {len(end_to_end)} of {len(released)} released; skipped: {skipped or 'none'}")
    print(f"end to end (post appears → alert arrives): p50 {p50:.1f} s, p95 {p95:.1f} s  (aim p95 ≤ 90 s)")
    print(f"our own processing (pipeline pass start → alert arrives): p50 {own50:.1f} s, p95 {own95:.1f} s  (aim ≤ 10 s)")
    print(f"baseline, one direct webhook POST: {baseline * 1000:.1f} ms; processing p50 / baseline = {own50 / baseline:.0f}×")
    print(f"schedule wait share of p50: {(p50 - own50) / p50:.0%}")
    shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
