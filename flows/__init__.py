"""Prefect flows and thin tasks over plain, tested functions (routing, deadlines, stages).

Importing this package changes nothing: the entry points (the CLI, `yuqing serve`, the demo and the
test harness) call `configure_prefect` before anything imports Prefect.
"""

from __future__ import annotations

import logging
import os
import sys
from pathlib import Path

log = logging.getLogger(__name__)


def configure_prefect(home: Path | None = None) -> Path:
    """Keep Prefect's state in `home` (default: PREFECT_HOME if set, else data_dir/prefect), never
    phone home, and give the ephemeral server time to start on a slow machine. Prefect reads these
    at import, so this must run before the first `import prefect`; returns the folder used."""
    if home is not None:
        os.environ["PREFECT_HOME"] = str(home)
    elif not os.environ.get("PREFECT_HOME"):
        from yuqing.settings import get_settings

        os.environ["PREFECT_HOME"] = str(get_settings().data_dir / "prefect")
    folder = Path(os.environ["PREFECT_HOME"])
    folder.mkdir(parents=True, exist_ok=True)
    os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
    os.environ.setdefault("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "90")
    if "prefect" in sys.modules:
        log.warning("Prefect was imported before configure_prefect(); PREFECT_HOME=%s may not take effect", folder)
    return folder
