"""Start the Streamlit dashboard as a child process bound to 127.0.0.1."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

APP = Path(__file__).resolve().parent / "app.py"


def dashboard_command(port: int) -> list[str]:
    # `streamlit run` through dashboard.serve: the same server, without the start-up work the board
    # does not need and with the first page's imports done while it starts (see dashboard/serve.py)
    return [
        sys.executable, "-m", "dashboard.serve", "run", str(APP),
        "--server.address", "127.0.0.1", "--server.port", str(port), "--server.headless", "true",
        "--browser.gatherUsageStats", "false", "--global.developmentMode", "false",
        # viewer mode: no Deploy button and no (English) developer menu; .streamlit/config.toml says the same
        "--client.toolbarMode", "minimal", "--client.showErrorDetails", "false",
    ]


def start_dashboard(port: int, env: dict[str, str] | None = None) -> subprocess.Popen:
    return subprocess.Popen(dashboard_command(port), env={**os.environ, **(env or {})},
                            cwd=str(APP.parent.parent))
