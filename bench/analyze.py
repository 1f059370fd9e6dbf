"""Throughput of the whole analysis against bare jieba segmentation, and peak memory of a
10,000-row streaming `analyze --input/--output` run.

    .venv/bin/python bench/analyze.py [--rows 20000] [--profile demo]

Prints posts/s of `Analyzer.analyze_many` (normalise, cut with the profile's user words, topic,
relevance, sentiment, urgency, places, keywords, spam, SimHash) ÷ posts/s of `jieba.lcut` on the
same real texts in the same process, and the peak resident memory of a child process that streams
10,000 rows through `nlp.batch.analyze_csv`, next to a child that only loads the analyzer."""

from __future__ import annotations

import argparse
import csv
import gzip
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from nlp import DATA_DIR, MODEL_DIR  # noqa: E402


def real_texts(n: int) -> list[str]:
    """Raw real texts shipped in data/nlp (citizen messages, titles, news headlines, reviews)."""
    with gzip.open(DATA_DIR / "relevance_train.csv.gz", "rt", encoding="utf-8", newline="") as handle:
        texts = [r["text"] for r in csv.DictReader(handle) if r.get("segmented") != "1"]
    random.Random(1).shuffle(texts)
    while len(texts) < n:
        texts += texts
    return texts[:n]


CHILD = """
import csv, sys
sys.path.insert(0, {root!r})
from pathlib import Path
from nlp.analyze import Analyzer
from nlp.batch import analyze_csv
from yuqing.profile import load_profile
analyzer = Analyzer.load(load_profile({profile!r}, config_dir=Path({root!r}) / "config"), Path({models!r}))
analyzer.analyze("", "预热")
if {stream!r}:
    report = analyze_csv(Path({src!r}), Path({dst!r}), analyzer, progress=False)
    assert report.analysed == report.rows, report.describe()
# VmHWM is this program's own peak (ru_maxrss would include the parent's size at fork time)
print(next(line.split()[1] for line in open("/proc/self/status") if line.startswith("VmHWM")))
"""


def peak_mb(profile: str, src: Path, dst: Path, stream: bool) -> float:
    code = CHILD.format(root=str(ROOT), profile=profile, models=str(MODEL_DIR), src=str(src), dst=str(dst), stream=stream)
    out = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True)
    return int(out.stdout.strip().splitlines()[-1]) / 1024


BATCH = 256  # posts per analyze_many call, as the analyse stage and `analyze --input` use
WARM_UP = 512


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=20000)
    parser.add_argument("--profile", default="demo")
    parser.add_argument("--stream-rows", type=int, default=10000)
    args = parser.parse_args()

    import jieba

    from nlp.analyze import Analyzer
    from yuqing.profile import load_profile

    texts = real_texts(args.rows + WARM_UP)
    texts, warm_up = texts[:args.rows], texts[args.rows:]
    chars = sum(map(len, texts))
    analyzer = Analyzer.load(load_profile(args.profile, config_dir=ROOT / "config"), MODEL_DIR)
    # steady state for both sides: jieba's dictionary and the analyzer's lazily built parts (the
    # pure-Python jieba for tie-prone texts, the IDF table) are loaded on texts that are not measured
    for text in warm_up:
        jieba.lcut(text)
    analyzer.analyze_many([("", t, 0, 0, 0) for t in warm_up])

    # the two sides take turns batch by batch, so a neighbour's load on the CPU slows both alike
    jieba_s = full_s = 0.0
    for i in range(0, len(texts), BATCH):
        batch = texts[i:i + BATCH]
        start = time.perf_counter()
        for text in batch:
            jieba.lcut(text)
        jieba_s += time.perf_counter() - start
        start = time.perf_counter()
        analyzer.analyze_many([("", t, 0, 0, 0) for t in batch])
        full_s += time.perf_counter() - start

    jieba_rate, full_rate = len(texts) / jieba_s, len(texts) / full_s
    print(f"{len(texts)} real texts, {chars / len(texts):.0f} characters on average")
    print(f"jieba.lcut only:        {jieba_rate:9.0f} posts/s")
    print(f"full analysis:          {full_rate:9.0f} posts/s")
    print(f"ratio full / jieba:     {full_rate / jieba_rate:9.3f}")

    with tempfile.TemporaryDirectory() as folder:
        src, dst = Path(folder) / "in.csv", Path(folder) / "out.csv"
        with src.open("w", encoding="utf-8", newline="") as handle:
            writer = csv.writer(handle)
            writer.writerow(["id", "text", "likes"])
            for i, text in enumerate(real_texts(args.stream_rows)):
                writer.writerow([i, text, i % 50])
        loaded = peak_mb(args.profile, src, dst, stream=False)
        streamed = peak_mb(args.profile, src, dst, stream=True)
    print(f"peak memory, analyzer loaded only:            {loaded:7.0f} MB")
    print(f"peak memory, streaming {args.stream_rows} rows through analyze: {streamed:7.0f} MB "
          f"(+{streamed - loaded:.0f} MB)")


if __name__ == "__main__":
    main()
