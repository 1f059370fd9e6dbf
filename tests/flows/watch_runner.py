"""Run in a child process by the 预警 two-worker test: connect, say "ready", wait for the parent's
"go" line on stdin (so both workers evaluate at the same moment), evaluate every rule once with its
own engine, and print how many alerts it fired. The database and the fake clock come from the
parent's environment."""

import sys

from flows.watch_rules import evaluate_rules
from yuqing.db import get_engine
from yuqing.profile import load_profile

profile = load_profile("licheng")
get_engine().connect().close()
print("ready", flush=True)
sys.stdin.readline()
print("fired", len(evaluate_rules(profile=profile).fired), flush=True)
