"""Alert latency: from a post appearing on a local source to the alert arriving at a local webhook.

Everything is real and on 127.0.0.1: the shipped demo board (crawlers.testsites.board) releases messages
at random moments; the pipeline (crawl → analyse → group → route → deliver) runs as `yuqing serve`
runs it, in its warm loop (flows/serve.pipeline_loop: a tick every 5 s, each source crawled on its
own cadence, the board every minute); every unit of the demo profile has its alerts sent to a local
HTTP receiver. `--sources 20` registers 18 more sources on the same site (boards and feeds, each with
its own name and state) so that a pass crawls 20 sources. For each released message that opened a new
routed issue, the bench records

  end to end   = alert arrival − the moment the message appeared on the site
  processing   = alert arrival − the start of the pipeline pass that picked it up (our own time)

and prints p50 and p95 of both, the split of our own time by stage (crawl, analyse, group, route,
deliver; from each pass's summary), next to the baseline measured in this process: one direct webhook
POST of the same alert (what the delivery alone costs).

    .venv/bin/python bench/latency.py                       # default schedule, 5 sources, 20 messages
    .venv/bin/python bench/latency.py --sources 20          # the same with 20 sources
    .venv/bin/python bench/latency.py --sources 5,20        # both, and the ratio 20 ÷ 5 of our own time

Aim (issue 18): p95 end to end ≤ 60 s and our own processing p95 ≤ 5 s, with 5 and with 20 sources,
the ratio 20 ÷ 5 of our own time ≤ 1.5.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


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


STAGES = ("crawl", "analyse", "watch", "group", "route", "deliver", "overhead")


def extra_sources(site_url: str, count: int) -> list[dict]:
    """`count` more sources on the demo site: boards and feeds under their own names (each with its
    own crawl state), so a pass crawls that many more sources; what they find is known already."""
    import yaml

    demo = yaml.safe_load((ROOT / "config" / "sources.yaml").read_text(encoding="utf-8"))["demo"]
    board = next(entry for entry in demo if entry["name"] == "demo_board")
    feed = next(entry for entry in demo if entry["name"] == "demo_rss")
    extras = []
    for index in range(count):
        template = board if index % 2 == 0 else feed
        url = template["url"].replace("{demo_url}", site_url)
        extras.append({**template, "name": f"extra_{template['kind']}_{index:02d}", "url": url})
    return extras


def scenario(sources: int, messages: int, runs: int, seed: int) -> dict:
    """One run on a fresh database: `sources` enabled sources, `messages` released over `runs` minutes."""
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

    from flows import configure_prefect

    configure_prefect()
    from sqlmodel import col, select

    from crawlers.testsites.board import start_demo_site
    from crawlers.testsites.govsite import GovSite
    from crawlers.testsites.weiboapi import WeiboApi
    from flows.channels import Message, send
    from flows.pipeline import WARM, pipeline_flow
    from flows.serve import TICK_SECONDS, pipeline_loop
    from yuqing import repo
    from yuqing.bootstrap import initialise
    from yuqing.db import session_scope
    from yuqing.models import Issue, Post
    from yuqing.settings import get_settings
    from yuqing.sources import SourceSpec

    site = start_demo_site("127.0.0.1", 0, initial=40, release_every=0)
    portal, weibo = GovSite(port=0).start(), WeiboApi(port=0).start()
    initialise(profile="demo", demo_url=site.url, demo_urls={"demo_gov_url": portal.url, "demo_weibo_url": weibo.url})
    with session_scope() as session:
        names = [source.name for source in repo.list_sources(session) if source.enabled]
        for entry in extra_sources(site.url, max(0, sources - len(names))):
            spec = SourceSpec.model_validate(entry)
            repo.upsert_source(session, name=spec.name, kind=spec.kind, url=spec.url, config=spec.config_dict())
        names = [source.name for source in repo.list_sources(session) if source.enabled]
    print(f"{len(names)} sources ({', '.join(names[:6])}{' …' if len(names) > 6 else ''}); demo site {site.url}; "
          f"the serve loop (tick {TICK_SECONDS:g} s, each source on its cadence); {messages} messages released at "
          f"random moments over {runs} min; alerts to {hook}", flush=True)
    # absorb the backlog already on the sites (not measured), through the serve loop's long-lived crawl
    # worker, so that the worker's start (a process, its imports) is not charged to the first measured pass
    WARM["crawl_worker"] = True
    pipeline_flow(crawl=True, sources=names)
    receiver.arrivals.clear()

    rng = random.Random(seed)
    load_before = os.getloadavg()[0]
    start = time.monotonic()
    span = 60 * runs
    plan = sorted(rng.uniform(0, span - 1) for _ in range(messages))
    released: dict[str, float] = {}
    passes: list[tuple[float, dict[str, float]]] = []

    def releaser() -> None:
        for moment in plan:
            time.sleep(max(0.0, start + moment - time.monotonic()))
            before = set(site.visible_ids())
            site.release(1)
            for msg_id in set(site.visible_ids()) - before:
                released[msg_id] = time.monotonic()

    def on_pass(began: float, summary: str) -> None:
        line = next((x for x in summary.splitlines() if x.startswith("stage seconds: ")), "")
        split = {k: float(v) for k, v in (part.split("=") for part in line.removeprefix("stage seconds: ").split(", ") if "=" in part)}
        # what the pass cost beyond its stages: finding what is due, Prefect's flow and task runs
        split["overhead"] = max(0.0, time.monotonic() - began - sum(split.values()))
        passes.append((began, split))

    stop = threading.Event()
    loop = threading.Thread(target=pipeline_loop, args=(stop,), kwargs={"on_pass": on_pass}, daemon=True)
    thread = threading.Thread(target=releaser, daemon=True)
    thread.start()
    loop.start()
    thread.join()
    time.sleep(70)  # the last message's source comes due within a minute; its pass then runs
    stop.set()
    loop.join(timeout=300)
    load_after = os.getloadavg()[0]

    first_alert: dict[int, float] = {}
    for arrived, body in receiver.arrivals:
        if body.get("issue_id") is not None and body["issue_id"] not in first_alert:
            first_alert[body["issue_id"]] = arrived
    end_to_end, processing, skipped, used = [], [], {}, []
    pass_starts = [began for began, _ in passes]
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
            began = max(s for s in pass_starts if s <= arrived)
            end_to_end.append(arrived - appeared)
            processing.append(arrived - began)
            used.append(passes[pass_starts.index(began)][1])

    settings = get_settings()
    direct = []
    for index in range(20):
        began = time.perf_counter()
        send(Message(channel="webhook", target=hook, subject="【舆情交办】基线", body="正文", dedupe_key=f"baseline-{index}"),
             settings)
        direct.append(time.perf_counter() - began)
    site.stop()
    portal.stop()
    weibo.stop()
    shutil.rmtree(work, ignore_errors=True)
    split = {stage: statistics.median([p.get(stage, 0.0) for p in used]) if used else 0.0 for stage in STAGES}
    return {"sources": len(names), "released": len(released), "measured": len(end_to_end), "skipped": skipped,
            "end_to_end": end_to_end, "processing": processing, "split": split, "passes": len(passes),
            "baseline": statistics.median(direct), "load": [round(load_before, 1), round(load_after, 1)]}


def report(result: dict) -> None:
    if not result["end_to_end"]:
        print(f"no alert could be attributed to a released message; skipped: {result['skipped']}")
        return
    p50, p95 = percentile(result["end_to_end"], 0.5), percentile(result["end_to_end"], 0.95)
    own50, own95 = percentile(result["processing"], 0.5), percentile(result["processing"], 0.95)
    print(f"[{result['sources']} sources] messages measured: {result['measured']} of {result['released']} released "
          f"({result['passes']} passes); skipped: {result['skipped'] or 'none'}")
    print(f"  end to end (post appears → alert arrives): p50 {p50:.1f} s, p95 {p95:.1f} s  (aim p95 ≤ 60 s)")
    print(f"  our own processing (pass start → alert arrives): p50 {own50:.1f} s, p95 {own95:.1f} s  (aim p95 ≤ 5 s)")
    print("  our own time by stage (median of the passes that sent the alerts): "
          + ", ".join(f"{stage} {seconds:.2f} s" for stage, seconds in result["split"].items()))
    print(f"  baseline, one direct webhook POST: {result['baseline'] * 1000:.1f} ms; "
          f"processing p50 / baseline = {own50 / result['baseline']:.0f}×")
    # the machine's other work sets how much CPU our passes get: our own time is wall time
    print(f"  load average (1 min) at the start and the end of the run: {result['load'][0]} / {result['load'][1]}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--messages", type=int, default=20, help="messages released during the run (default 20)")
    parser.add_argument("--minutes", type=int, default=5, help="minutes to spread the messages over (default 5)")
    parser.add_argument("--sources", default="5", help="enabled sources, or a list such as 5,20 (default 5)")
    parser.add_argument("--seed", type=int, default=5, help="random seed of the release moments")
    parser.add_argument("--json", action="store_true", help=argparse.SUPPRESS)  # one scenario, as JSON (child)
    args = parser.parse_args()
    counts = [int(n) for n in args.sources.split(",")]
    if args.json or len(counts) == 1:
        result = scenario(counts[0], args.messages, args.minutes, args.seed)
        if args.json:
            print("RESULT " + json.dumps(result), flush=True)
        else:
            report(result)
        return
    results = []
    for count in counts:  # each count on a fresh database in its own process
        child = subprocess.run([sys.executable, __file__, "--json", "--sources", str(count), "--messages",
                                str(args.messages), "--minutes", str(args.minutes), "--seed", str(args.seed)],
                               capture_output=True, text=True, check=False)
        line = next((x for x in child.stdout.splitlines() if x.startswith("RESULT ")), None)
        if line is None:
            print(child.stdout[-2000:], child.stderr[-2000:])
            sys.exit(1)
        results.append(json.loads(line.removeprefix("RESULT ")))
        report(results[-1])
    if len(results) >= 2 and results[0]["processing"] and results[-1]["processing"]:
        low, high = results[0], results[-1]
        for name, q in (("p50", 0.5), ("p95", 0.95)):
            ratio = percentile(high["processing"], q) / percentile(low["processing"], q)
            print(f"our own time, {high['sources']} ÷ {low['sources']} sources ({name}): {ratio:.2f}  (aim ≤ 1.5)")


if __name__ == "__main__":
    main()
