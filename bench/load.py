"""Load: ingest N real-text posts and analyse them with the pipeline's own stage, into SQLite and
into PostgreSQL; posts/s and peak memory per size, so the memory curve shows whether it stays bounded.

    .venv/bin/python bench/load.py                                  # 10k and 100k, SQLite and PostgreSQL
    .venv/bin/python bench/load.py --sizes 10000,100000,1000000 --db sqlite
    .venv/bin/python bench/load.py --sizes 2000 --db postgres --pg-url postgresql+psycopg://postgres@127.0.0.1:5432/postgres

Posts are resampled from ../shared/data (citizen messages of the 问政 board, Weibo posts, news
headlines): each copy gets its own URL, time and a varied suffix, so content hashes differ and no
copy is dropped as a duplicate. Every (database, size) runs in a fresh child process on a fresh
database, so its peak RSS (ru_maxrss) belongs to that size alone.

Printed per run: ingest posts/s, analyse posts/s (`flows.stages.analyze_new_posts`: read a batch,
analyse, write Analysis rows and the marker, commit), peak RSS; then two ratios:
  * stage ÷ bare: analyse posts/s through the database ÷ `Analyzer.analyze_many` on the same texts
    and batches in the same process without a database (the cost of the database round trips);
  * memory: peak RSS at each size ÷ peak RSS at the smallest size (bounded ≈ 1, linear ≈ size ratio).
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import random
import resource
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared" / "data"
sys.path.insert(0, str(ROOT))

SUFFIXES = ("", "。", "！", "？", "……", " 求关注", " 希望尽快处理", " 请相关部门回复", " 急", " #民生#")


def base_texts() -> list[tuple[str, str]]:
    """(title, text) pairs of real text: board messages, Weibo posts, news headlines."""
    rows: list[tuple[str, str]] = []
    for name in ("messages_with_votes.csv", "messages_unlabeled.csv", "messages_with_replies.csv"):
        with (SHARED / "gov_messages" / name).open(encoding="utf-8", newline="") as handle:
            rows += [(r["title"].strip(), r["text"].strip()) for r in csv.DictReader(handle) if r.get("text")]
    with (SHARED / "sentiment" / "weibo_emotion7_train.csv").open(encoding="utf-8", newline="") as handle:
        rows += [("", r["text"].strip()) for r in csv.DictReader(handle) if r.get("text")]
    for name in ("tnews_dev.csv", "tnews_test.csv"):
        with (SHARED / "news" / name).open(encoding="utf-8", newline="") as handle:
            rows += [(r["text"].strip(), r["text"].strip()) for r in csv.DictReader(handle) if r.get("text")]
    return rows


def resampled_posts(n: int, source_id: int, seed: int = 7):
    """A stream of n Post rows resampled from the real texts (bounded memory: one at a time)."""
    from yuqing.models import Post

    texts = base_texts()
    rng = random.Random(seed)
    start = datetime.now(UTC) - timedelta(days=30)
    for index in range(n):
        title, text = texts[rng.randrange(len(texts))]
        suffix = SUFFIXES[index % len(SUFFIXES)] + (f"（{index // len(SUFFIXES)}）" if index >= len(SUFFIXES) else "")
        body = text + suffix
        yield Post(
            source_id=source_id, url=f"http://127.0.0.1/load/{index}", external_id=str(index), title=title,
            text=body, published_at=start + timedelta(seconds=index * 2), likes=rng.randrange(50),
            reposts=rng.randrange(20), comments=rng.randrange(30), content_hash=uuid.uuid5(uuid.NAMESPACE_URL, body).hex,
        )


def peak_rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def run_one(size: int, batch: int, analyse_limit: int | None = None) -> dict:
    """In a child: the database is in the environment. Ingest, analyse, measure."""
    from flows import stages
    from nlp.analyze import Analyzer
    from yuqing import repo
    from yuqing.db import get_engine, session_scope
    from yuqing.migrate import upgrade
    from yuqing.models import Source
    from yuqing.profile import load_profile
    from yuqing.settings import get_settings

    profile = load_profile()
    upgrade(get_engine())
    with session_scope() as session:
        repo.sync_units(session, units=profile.units.values())
        source = Source(name="load", kind="board", url="http://127.0.0.1/load")
        session.add(source)
        session.flush()
        source_id = source.id
    rss_start = peak_rss_mib()

    started = time.perf_counter()
    pending = []
    for post in resampled_posts(size, source_id):
        pending.append(post)
        if len(pending) >= batch:
            with session_scope() as session:
                session.add_all(pending)
            pending = []
    if pending:
        with session_scope() as session:
            session.add_all(pending)
    ingest_seconds = time.perf_counter() - started
    rss_ingest = peak_rss_mib()

    started = time.perf_counter()
    analysed = stages.analyze_new_posts(profile=profile, limit=analyse_limit)
    analyse_seconds = time.perf_counter() - started
    assert analysed == min(size, analyse_limit or size), f"analysed {analysed} of {size}"

    # the baseline, same process: the analyzer alone on the same texts, no database
    sample = [(p.title, p.text, p.likes, p.reposts, p.comments)
              for p in resampled_posts(min(size, 3000), source_id)]
    analyzer = Analyzer.load(profile)
    started = time.perf_counter()
    stage_batch = get_settings().stage_batch_size  # the same batches as the stage
    for start in range(0, len(sample), stage_batch):
        analyzer.analyze_many(sample[start:start + stage_batch])
    bare_rate = len(sample) / (time.perf_counter() - started)

    with session_scope() as session:
        left = repo.count_posts_to_analyze(session)
    return {
        "size": size, "analysed": analysed, "ingest_per_s": size / ingest_seconds,
        "analyse_per_s": analysed / analyse_seconds,
        "bare_analyse_per_s": bare_rate, "rss_after_setup_mib": rss_start, "rss_after_ingest_mib": rss_ingest,
        "peak_rss_mib": peak_rss_mib(), "left_unanalysed": left,
    }


class Database:
    """A fresh database per run: a SQLite file in a temporary folder, or a new PostgreSQL database."""

    def __init__(self, kind: str, pg_url: str):
        self.kind, self.pg_url, self.name, self.folder = kind, pg_url, None, Path(tempfile.mkdtemp(prefix="yuqing-load-"))

    def env(self) -> dict[str, str]:
        env = {**os.environ, "YUQING_DATA_DIR": str(self.folder), "PYTHONPATH": str(ROOT)}
        env.pop("YUQING_DATABASE_URL", None)
        env.pop("DATABASE_URL", None)
        if self.kind == "postgres":
            import psycopg
            from sqlalchemy.engine import make_url

            admin = make_url(self.pg_url)
            self.name = f"yuqing_load_{uuid.uuid4().hex[:10]}"
            with psycopg.connect(host=admin.host, port=admin.port or 5432, user=admin.username,
                                 password=admin.password, dbname=admin.database, autocommit=True) as connection:
                connection.execute(f'CREATE DATABASE "{self.name}"')
            env["YUQING_DATABASE_URL"] = admin.set(database=self.name).render_as_string(hide_password=False)
        return env

    def size_on_disk_mib(self) -> float:
        if self.kind == "sqlite":
            return sum(f.stat().st_size for f in self.folder.rglob("*") if f.is_file()) / 2**20
        import psycopg
        from sqlalchemy.engine import make_url

        admin = make_url(self.pg_url)
        with psycopg.connect(host=admin.host, port=admin.port or 5432, user=admin.username, password=admin.password,
                             dbname=admin.database) as connection:
            return connection.execute("SELECT pg_database_size(%s)", (self.name,)).fetchone()[0] / 2**20

    def drop(self) -> None:
        shutil.rmtree(self.folder, ignore_errors=True)
        if self.name:
            import psycopg
            from sqlalchemy.engine import make_url

            admin = make_url(self.pg_url)
            with psycopg.connect(host=admin.host, port=admin.port or 5432, user=admin.username,
                                 password=admin.password, dbname=admin.database, autocommit=True) as connection:
                connection.execute(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="10000,100000", help="comma-separated post counts (e.g. 10000,100000,1000000)")
    parser.add_argument("--db", choices=("sqlite", "postgres", "both"), default="both")
    parser.add_argument("--pg-url", default=os.environ.get("YUQING_TEST_POSTGRES_URL",
                                                           "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"),
                        help="an admin URL of the PostgreSQL server; a fresh database is created and dropped per run")
    parser.add_argument("--batch", type=int, default=2000, help="posts per ingest transaction")
    parser.add_argument("--analyse-limit", type=int, default=None,
                        help="analyse only this many of the ingested posts (the rest stay queued); "
                             "measures the stage against a big table when the CPU is too busy to analyse all")
    parser.add_argument("--child", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()

    if args.child:
        print(json.dumps(run_one(args.child, args.batch, args.analyse_limit)))
        return

    sizes = sorted(int(s) for s in args.sizes.split(","))
    kinds = ("sqlite", "postgres") if args.db == "both" else (args.db,)
    print(f"machine: {os.cpu_count()} cores, Python {sys.version.split()[0]}, "
          f"{os.sysconf('SC_PAGE_SIZE') * os.sysconf('SC_PHYS_PAGES') / 2**30:.0f} GiB")
    for kind in kinds:
        results = []
        for size in sizes:
            database = Database(kind, args.pg_url)
            try:
                env = database.env()
                limit = ["--analyse-limit", str(args.analyse_limit)] if args.analyse_limit else []
                child = subprocess.run([sys.executable, __file__, "--child", str(size), "--batch", str(args.batch),
                                        *limit], env=env, cwd=ROOT, capture_output=True, text=True)
                if child.returncode != 0:
                    raise SystemExit(f"{kind} {size}: the run failed:\n{child.stderr[-4000:]}")
                result = json.loads(child.stdout.strip().splitlines()[-1])
                result["disk_mib"] = database.size_on_disk_mib()
            finally:
                database.drop()
            results.append(result)
            print(f"{kind:8} {size:>9,} posts: ingest {result['ingest_per_s']:8,.0f} posts/s, "
                  f"analyse {result['analyse_per_s']:6,.0f} posts/s over {result['analysed']:,} "
                  f"(stage ÷ bare analyzer {result['analyse_per_s'] / result['bare_analyse_per_s']:.2f}), "
                  f"peak RSS {result['peak_rss_mib']:6,.0f} MiB (after ingest {result['rss_after_ingest_mib']:,.0f}), "
                  f"database {result['disk_mib']:,.0f} MiB, left unanalysed {result['left_unanalysed']:,}", flush=True)
        base = results[0]
        curve = ", ".join(f"{r['size']:,}: {r['peak_rss_mib'] / base['peak_rss_mib']:.2f}" for r in results)
        print(f"{kind:8} memory curve, peak RSS ÷ peak RSS at {base['size']:,} posts: {curve}", flush=True)


if __name__ == "__main__":
    main()
