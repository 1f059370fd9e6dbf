"""Disk full on the export path: the report command runs in a process whose file writes fail past a
size limit (RLIMIT_FSIZE, the same short write and OSError a full disk gives). It must fail with a
clear message and leave nothing behind — no truncated file under the report's name, no stray
temporary file — so nothing half-written is ever taken for a finished report."""

from __future__ import annotations

import os
import resource
import signal
import subprocess
import sys

import pytest

from flows import stages
from tests.conftest import PROJECT_ROOT
from tests.flows.seed import seed_posts

DAY = "2026-11-20"


def run_report(out, limit: int | None) -> subprocess.CompletedProcess:
    def limited() -> None:
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a failed write, not a killed process
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

    return subprocess.run(
        [sys.executable, "-m", "cli.main", "report", "--kind", "daily", "--date", DAY, "--out", str(out)],
        cwd=PROJECT_ROOT, env={**os.environ, "PYTHONPATH": str(PROJECT_ROOT)}, capture_output=True, text=True,
        timeout=120, preexec_fn=limited if limit else None,
    )


@pytest.mark.slow
def test_a_full_disk_during_the_report_leaves_nothing_half_written(db, tmp_path, monkeypatch):
    monkeypatch.setenv("YUQING_FAKE_NOW", "2026-11-20T10:00:00+08:00")
    seed_posts(20)
    stages.cluster_new_posts()
    stages.route_new_issues()

    whole = run_report(tmp_path / "ok", None)
    assert whole.returncode == 0, whole.stderr[-2000:]
    sizes = {p.suffix: p.stat().st_size for p in (tmp_path / "ok").iterdir()}
    assert set(sizes) == {".html", ".docx"} and min(sizes.values()) > 300

    small, large = sorted(sizes.values())
    # the first file fails midway; then the first fits and the second fails midway
    for limit in (small // 2, (small + large) // 2):
        out = tmp_path / f"limit-{limit}"
        out.mkdir()
        failed = run_report(out, limit)
        assert failed.returncode != 0, f"limit {limit}: the report claimed success"
        assert "cannot write the report" in failed.stderr + failed.stdout, failed.stderr[-2000:]
        assert "Traceback" not in failed.stderr, failed.stderr[-3000:]
        assert sorted(os.listdir(out)) == [], f"limit {limit}: left behind {os.listdir(out)}"
