"""Prefect flows and thin tasks over plain, tested functions (routing, deadlines, stages)."""

import os
from pathlib import Path

# Prefect reads its settings at import; keep its state inside the project and never phone home.
os.environ.setdefault("PREFECT_HOME", str(Path(__file__).resolve().parent.parent / "var" / "prefect"))
Path(os.environ["PREFECT_HOME"]).mkdir(parents=True, exist_ok=True)
os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
os.environ.setdefault("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "90")
