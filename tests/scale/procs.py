"""Start real worker processes and release them at the same instant (they print ``ready`` and wait
for ``go``); the database and settings travel in the environment, as in production."""

from __future__ import annotations

import json
import os
import subprocess
import sys

from tests.conftest import PROJECT_ROOT


def spawn(*args: str, **env: str) -> subprocess.Popen:
    environment = {**os.environ, "PYTHONPATH": str(PROJECT_ROOT), **env}
    return subprocess.Popen([sys.executable, "-m", "tests.scale.racer", *args], cwd=PROJECT_ROOT, env=environment,
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def race(*workers: subprocess.Popen, timeout: float = 120) -> list[list[dict]]:
    """Release the workers at once, and again whenever all of them ask (``ready``) for the next item;
    returns each one's JSON lines (fails with its stderr if one crashed)."""
    results: list[list[dict]] = [[] for _ in workers]
    live = list(range(len(workers)))
    while live:
        waiting = []
        for index in live:
            while True:
                line = workers[index].stdout.readline()
                if not line:
                    break  # finished
                if line.strip() == "ready":
                    waiting.append(index)
                    break
                results[index].append(json.loads(line))
        for index in waiting:
            workers[index].stdin.write("go\n")
            workers[index].stdin.flush()
        live = waiting
    for worker in workers:
        _, err = worker.communicate(timeout=timeout)
        assert worker.returncode == 0, f"worker exited with {worker.returncode}: {err[-3000:]}"
    return results
