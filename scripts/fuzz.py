"""A long fuzz run of the crawl's HTML/JSON/XML parsers (hypothesis-driven, no extra tools).

    .venv/bin/python scripts/fuzz.py --minutes 10                 # every parser, time split evenly
    .venv/bin/python scripts/fuzz.py --minutes 30 --target weibo  # one parser

The targets and their contract live in tests/scale/fuzz_targets.py: each parser takes raw bytes and
either returns a result or raises BadInput (logged by the crawl as a dropped page with its reason).
Inputs are byte-level mutations of realistic seed pages, random bytes and hostile text (see
tests/scale/strategies.py). Any other exception is a finding: the run prints the shrunk input and
the traceback, and exits 1. Exit 0 means no finding in the time given.
"""

from __future__ import annotations

import argparse
import sys
import time
import traceback
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def fuzz(target: str, seconds: float, chunk: int = 300) -> tuple[int, str | None]:
    """Rounds of `chunk` fresh random examples until the time is up; stops at the first finding."""
    from hypothesis import HealthCheck, given, settings

    from tests.scale import fuzz_targets
    from tests.scale.strategies import raw_input

    runs = 0

    @settings(max_examples=chunk, deadline=None, database=None, suppress_health_check=list(HealthCheck))
    @given(data=raw_input(fuzz_targets.SEEDS.get(target, [])))
    def one(data: bytes) -> None:
        nonlocal runs
        runs += 1
        fuzz_targets.run(target, data)

    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            one()
        except Exception:  # a finding: hypothesis has shrunk it and printed the falsifying example
            return runs, traceback.format_exc()
    return runs, None


def main() -> None:
    from tests.scale import fuzz_targets

    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--minutes", type=float, default=5.0, help="total time of the run")
    parser.add_argument("--target", choices=sorted(fuzz_targets.TARGETS), action="append",
                        help="a parser to fuzz (repeatable); default: all")
    args = parser.parse_args()
    targets = args.target or sorted(fuzz_targets.TARGETS)
    share = args.minutes * 60 / len(targets)
    findings = 0
    for target in targets:
        started = time.monotonic()
        runs, failure = fuzz(target, share)
        elapsed = time.monotonic() - started
        print(f"{target:13} {runs:8,} inputs in {elapsed:6.1f} s ({runs / max(elapsed, 1e-9):7,.0f}/s): "
              + ("FINDING" if failure else "no finding"), flush=True)
        if failure:
            findings += 1
            print(failure, file=sys.stderr)
    sys.exit(1 if findings else 0)


if __name__ == "__main__":
    main()
