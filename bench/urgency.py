"""Speed of `nlp.urgency.assess` against the same rules run as written, and against bare jieba.

    .venv/bin/python bench/urgency.py [--texts 5000] [--repeat 5] [--commit 5616e3c]

On the same real texts (data/nlp/relevance_train.csv.gz, cleaned with nlp.normalize.clean, as the
analyser passes them), in the same process, best of --repeat runs each:

  fast          assess() as shipped (PREFILTER = True)
  as written    assess() with PREFILTER = False: every pattern run whole on every text
  before        assess() of nlp/urgency.py at --commit (the whole-pattern character gate), if git has it
  jieba.lcut    its dictionary loaded before timing

and checks that the first two give the same Urgency for every text (the rules at --commit are older,
so the texts they judge otherwise are only counted)."""

from __future__ import annotations

import argparse
import importlib.util
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from nlp import urgency  # noqa: E402
from nlp.normalize import clean  # noqa: E402


def real_texts(n: int) -> list[str]:
    """The texts of bench/analyze.py, cleaned as the analyser passes them to the rules."""
    from analyze import (
        real_texts as raw_texts,  # bench/analyze.py: this script's folder is on sys.path
    )

    return [clean(t) for t in raw_texts(n)]


def assess_at(commit: str):
    """assess() of nlp/urgency.py at `commit`, or None when git cannot show it."""
    shown = subprocess.run(["git", "show", f"{commit}:nlp/urgency.py"], cwd=ROOT, capture_output=True, text=True)
    if shown.returncode:
        return None
    path = Path(tempfile.mkdtemp()) / "urgency_before.py"
    path.write_text(shown.stdout, encoding="utf-8")
    spec = importlib.util.spec_from_file_location("urgency_before", path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclass looks itself up there
    spec.loader.exec_module(module)
    return module.assess


def best_of(repeat: int, run) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        run()
        times.append(time.perf_counter() - start)
    return min(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--texts", type=int, default=5000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--commit", default="5616e3c", help="the code before the fast path")
    args = parser.parse_args()

    import jieba

    jieba.setLogLevel(60)
    jieba.initialize()
    texts = real_texts(args.texts)
    before = assess_at(args.commit)

    def fields(u):
        return u.level, u.score, u.signals, u.emergency

    def run_fast():
        return [urgency.assess(t) for t in texts]

    def run_as_written():
        urgency.PREFILTER = False
        try:
            return [urgency.assess(t) for t in texts]
        finally:
            urgency.PREFILTER = True

    fast = [fields(u) for u in run_fast()]
    assert fast == [fields(u) for u in run_as_written()], "the fast path differs from the rules as written"
    # the rules at --commit are older (the calibration to the national scale changed levels): only counted
    changed = sum(a != fields(before(t)) for a, t in zip(fast, texts, strict=True)) if before is not None else 0

    t_fast = best_of(args.repeat, run_fast)
    t_written = best_of(args.repeat, run_as_written)
    t_before = best_of(args.repeat, lambda: [before(t) for t in texts]) if before else None
    t_jieba = best_of(args.repeat, lambda: [jieba.lcut(t) for t in texts])

    n = len(texts)
    print(f"{n} cleaned texts of relevance_train, best of {args.repeat}, µs per text")
    print(f"  assess, fast          {t_fast / n * 1e6:8.1f}")
    print(f"  assess, as written    {t_written / n * 1e6:8.1f}   ÷ fast = {t_written / t_fast:.1f}x")
    if t_before is not None:
        print(f"  assess at {args.commit:10s}  {t_before / n * 1e6:8.1f}   ÷ fast = {t_before / t_fast:.1f}x   "
              f"({changed} texts judged otherwise by those older rules)")
    print(f"  jieba.lcut            {t_jieba / n * 1e6:8.1f}")
    print(f"assess ÷ jieba.lcut: fast {t_fast / t_jieba:.3f}"
          + (f", at {args.commit} {t_before / t_jieba:.3f}" if t_before is not None else ""))


if __name__ == "__main__":
    main()
