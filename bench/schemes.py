"""监测方案 cost: matching every post against 200 schemes vs the analyse stage on the same posts, and
the peak memory of a back-fill over a large store.

    .venv/bin/python bench/schemes.py [--rows 5000] [--schemes 200] [--profile demo]
    .venv/bin/python bench/schemes.py --backfill 1000000     # back-fill memory at 1/10 and all of N posts

The schemes are drawn (fixed seed) from the frequent content words of the same real texts, in the
shapes analysts write: `A AND (B OR C) NOT D`, `+A +B !C`, `"A B"`, `A NEAR/10 B`, `A OR B OR C`.
Two ratios: flows.watch.Matcher against Analyzer.analyze_many alone (batches of 500, pure CPU, no
database), and inside the real analyse stage (stages.analyze_new_posts on a SQLite store: read,
analyse, save, match and insert the matches, commit) the time spent in the matching against the
rest of the stage — the cost the pipeline pays (target ≤ 0.10) — with and without the garbage
collector's pauses (a full collection lands inside the matching or outside it by chance).
The back-fill child builds a SQLite store of N analysed posts (real texts repeated), resets its peak
resident memory (VmHWM), and prints the peak after back-filling one scheme over 10 % of the store
and over all of it."""

from __future__ import annotations

import argparse
import random
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.analyze import real_texts  # noqa: E402


def draw_schemes(texts: list[str], n: int, seed: int = 7) -> list[str]:
    from nlp.tokenize import content_tokens

    # each text's distinct tokens in the order they come (a set's order changes with the hash seed, and
    # with it which of the equally frequent words are drawn: the same schemes on every run)
    counts = Counter(t for text in texts[:3000] for t in dict.fromkeys(content_tokens(text)) if len(t) >= 2)
    words = [w for w, _ in counts.most_common(600)]
    rng = random.Random(seed)
    shapes = [
        lambda a, b, c, d: f"{a} AND ({b} OR {c}) NOT {d}",
        lambda a, b, c, d: f"+{a} +{b} !{c}",
        lambda a, b, c, d: f'"{a}{b}"',
        lambda a, b, c, d: f"{a} NEAR/10 {b}",
        lambda a, b, c, d: f"{a} OR {b} OR {c}",
    ]
    return [shapes[i % len(shapes)](*rng.sample(words, 4)) for i in range(n)]


def ratio(rows: int, schemes: int, profile: str) -> None:
    from flows.watch import Matcher
    from nlp import MODEL_DIR
    from nlp.analyze import Analyzer
    from nlp.normalize import to_simplified
    from yuqing.models import Scheme
    from yuqing.profile import load_profile

    texts = real_texts(rows)
    queries = draw_schemes(texts, schemes)
    matcher = Matcher([Scheme(id=i, name=str(i), query=q, places=[], sources=[]) for i, q in enumerate(queries)])
    analyzer = Analyzer.load(load_profile(profile, config_dir=ROOT / "config"), MODEL_DIR)
    analyzer.analyze("", "预热")
    began = time.perf_counter()
    for start in range(0, len(texts), 500):
        analyzer.analyze_many([("", text, 0, 0, 0) for text in texts[start:start + 500]])
    analyse = time.perf_counter() - began
    stored = [to_simplified("\n" + text) for text in texts]  # the crawl stores this copy with each post
    began = time.perf_counter()
    hits = sum(len(matcher.match("", text, None, (), None, simplified=copy))
               for text, copy in zip(texts, stored, strict=True))
    match = time.perf_counter() - began
    print(f"{rows} posts, {len(matcher)} schemes, {hits} matches ({hits / rows:.2f} per post)")
    print(f"analyse stage: {rows / analyse:,.0f} posts/s; matching {len(matcher)} schemes: {rows / match:,.0f} posts/s")
    print(f"matching / analysis (Analyzer.analyze_many alone) = {match / analyse:.3f}")


STAGE_CHILD = """
import os, sys, time
sys.path.insert(0, {root!r})
os.environ["YUQING_DATA_DIR"] = {folder!r}
from bench.analyze import real_texts
from bench.schemes import draw_schemes
from flows import stages, watch
from yuqing.db import get_engine, session_scope
from yuqing.migrate import upgrade
from yuqing.models import Post, Source
upgrade(get_engine())
texts = real_texts({rows})
with session_scope() as session:
    source = Source(name="bench", kind="board", url="http://127.0.0.1/bench")
    session.add(source)
    session.flush()
    # as the crawl stores them: with the simplified copy the matcher reads
    from nlp.normalize import to_simplified
    session.add_all([Post(source_id=source.id, url=f"http://127.0.0.1/p/{{i}}", title="", text=t,
                          text_simplified=to_simplified("\\n" + t), content_hash=str(i))
                     for i, t in enumerate(texts)])
for i, query in enumerate(draw_schemes(texts, {schemes})):
    watch.create(name=f"s{{i}}", query=query)
spent = [0.0]
inside = [False]
paused = {{True: 0.0, False: 0.0}}  # the garbage collector's pauses inside / outside the matching
started = [0.0]
loading_now = [False]
def collector(phase, info):
    if phase == "start":
        started[0] = time.perf_counter()
    elif not loading_now[0]:  # the models' loading is left out of the stage, its collections too
        paused[inside[0]] += time.perf_counter() - started[0]
import gc
gc.callbacks.append(collector)
inner = watch.match_at_ingest
def timed(session, *, pairs):
    began = time.perf_counter()
    inside[0] = True
    try:
        return inner(session, pairs=pairs)
    finally:
        inside[0] = False
        spent[0] += time.perf_counter() - began
watch.match_at_ingest = timed
from nlp.analyze import Analyzer
loading = [0.0]
load = Analyzer.load.__func__
def timed_load(cls, *args, **kwargs):
    began = time.perf_counter()
    loading_now[0] = True
    try:
        return load(cls, *args, **kwargs)
    finally:
        loading_now[0] = False
        loading[0] += time.perf_counter() - began
Analyzer.load = classmethod(timed_load)
began = time.perf_counter()
done = stages.analyze_new_posts()
stage = time.perf_counter() - began
from sqlalchemy import func
from sqlmodel import select
from yuqing.models import SchemeMatch
with session_scope() as session:
    matches = session.exec(select(func.count()).select_from(SchemeMatch)).one()
print(done, matches, stage - loading[0], spent[0], paused[True], paused[False])
"""


def stage_ratio(rows: int, schemes: int) -> None:
    """The analyse stage itself (read, analyse, save, match, commit) on a SQLite store, with the
    time spent inside the scheme matching (index, filters, match inserts) taken out of it."""
    import tempfile

    with tempfile.TemporaryDirectory() as folder:
        code = STAGE_CHILD.format(root=str(ROOT), folder=folder, rows=rows, schemes=schemes)
        out = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True)
    done, matches, stage, spent, gc_in, gc_out = out.stdout.split()[-6:]
    stage, spent, gc_in, gc_out = float(stage), float(spent), float(gc_in), float(gc_out)
    print(f"analyse stage over {int(done):,} posts with {schemes} active schemes: {stage:.1f} s (models' loading "
          f"left out), of which matching "
          f"and saving {int(matches):,} matches {spent:.2f} s")
    # a full collection (0.3-0.4 s) lands wherever the allocations cross the threshold: inside the
    # matching or not is luck, so the figure without the pauses on either side is printed too
    print(f"garbage collection: {gc_in + gc_out:.1f} s of the stage, {gc_in:.2f} s of it inside the matching")
    print(f"matching / rest of the analyse stage = {spent / (stage - spent):.3f} (target <= 0.10); "
          f"without the collector's pauses {(spent - gc_in) / (stage - spent - gc_out):.3f}")


CHILD = """
import os, sys, time
sys.path.insert(0, {root!r})
os.environ["YUQING_DATA_DIR"] = {folder!r}
from bench.analyze import real_texts
from flows import watch
from yuqing.db import get_engine, session_scope
from yuqing.migrate import upgrade
from sqlalchemy import insert
from yuqing.models import Analysis, Post, Source
engine = get_engine()
upgrade(engine)
texts = real_texts(5000)
from nlp.normalize import to_simplified
copies = [to_simplified("\\n" + t) for t in texts]  # the simplified copy the crawl stores with each post
from yuqing.clock import now
moment = now()
with session_scope() as session:
    source = Source(name="bench", kind="board", url="http://127.0.0.1/bench")
    session.add(source)
    session.flush()
    sid = source.id
done = 0
while done < {posts}:
    chunk = min(20000, {posts} - done)
    with session_scope() as session:
        ids = session.execute(insert(Post).returning(Post.id), [
            {{"source_id": sid, "url": f"http://127.0.0.1/p/{{done + i}}", "title": "", "text": texts[(done + i) % 5000],
              "text_simplified": copies[(done + i) % 5000], "content_hash": str(done + i), "analyzed_at": moment}} for i in range(chunk)]).scalars().all()
        session.execute(insert(Analysis), [{{"post_id": pid, "model_version": "b", "places": [], "jurisdiction": None}}
                                           for pid in ids])
    done += chunk
watch.create(name="tenth", query="小区 AND (物业 OR 停车)")
import gc
gc.collect()
with open("/proc/self/clear_refs", "w") as handle:  # the peak from here on: the back-fill's, not the store's
    handle.write("5")
began = time.perf_counter()
report = watch.backfill("tenth", batch_size=1000, limit_batches={posts} // 10000)
tenth = int(next(l.split()[1] for l in open("/proc/self/status") if l.startswith("VmHWM")))
report2 = watch.backfill("tenth", batch_size=1000)
full = int(next(l.split()[1] for l in open("/proc/self/status") if l.startswith("VmHWM")))
seconds = time.perf_counter() - began
print(report.posts + report2.posts, report.matches + report2.matches, tenth, full, seconds)
"""


def backfill_memory(posts: int) -> None:
    import tempfile

    with tempfile.TemporaryDirectory() as folder:
        code = CHILD.format(root=str(ROOT), folder=folder, posts=posts)
        out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    if out.returncode:
        raise SystemExit(out.stderr[-3000:])
    scanned, matched, tenth, full, seconds = out.stdout.split()[-5:]
    print(f"back-fill of one scheme over {int(scanned):,} posts ({int(matched):,} matches) in {float(seconds):.0f} s "
          f"({int(scanned) / float(seconds):,.0f} posts/s)")
    print(f"peak memory after 10 %: {int(tenth) / 1024:.0f} MB; after 100 %: {int(full) / 1024:.0f} MB "
          f"(ratio {int(full) / int(tenth):.2f})")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=5000)
    parser.add_argument("--schemes", type=int, default=200)
    parser.add_argument("--profile", default="demo")
    parser.add_argument("--backfill", type=int, default=0, help="posts in the back-fill memory run (0 = skip)")
    args = parser.parse_args()
    if args.backfill:
        backfill_memory(args.backfill)
    else:
        ratio(args.rows, args.schemes, args.profile)
        stage_ratio(args.rows, args.schemes)


if __name__ == "__main__":
    main()
