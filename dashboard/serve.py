"""The dashboard's server process: `streamlit run`, started so that the first page comes up fast.

Three things Streamlit would otherwise do on the path to the first page:
- At start it reads the metadata of every installed distribution (about 190 here, ~1 s of CPU) looking
  for third-party "v2" components. The board uses none (only Streamlit's own elements), so that scan
  is skipped. Streamlit has no setting for this; if its internals move, the patch does nothing and the
  scan simply runs.
- The first pages a user opens import the repository layer, pandas and pyarrow: about 1 s in the
  first requests. A background thread does that work as soon as the server accepts sessions
  (`warm_up_when_ready`), so the first page a browser opens finds it done or under way. It imports and
  builds; it reads nothing a user sees. The login page also starts it if that hook is gone
  (`begin_warm_up`). Started before the server, it held the interpreter while the server started,
  and the login form came 0.9 s later (bench/dashboard.py, median of four tries); started by the
  login page's script, 0.3 s less of 态势概览's wait after an instant login was covered.
- The garbage collector's passes over the objects those imports make: off from the process start to
  the end of the warm-up (a fifth of the imports' time), then every object alive so far is frozen out
  of its sight (`warm_up_and_freeze`) and it is switched on again.

Run as `python -m dashboard.serve run dashboard/app.py [streamlit options]` (dashboard/launch.py).
"""

from __future__ import annotations

import gc
import inspect
import os
import sys
import threading


def skip_component_scan() -> bool:
    """Make Streamlit's v2 component discovery a no-op; False if Streamlit no longer has it."""
    try:
        from streamlit.components.v2.component_manager import BidiComponentManager
    except ImportError:
        return False
    if not hasattr(BidiComponentManager, "discover_and_register_components"):
        return False

    def discover_nothing(self, *, start_file_watching: bool = True) -> None:
        return None

    BidiComponentManager.discover_and_register_components = discover_nothing
    return True


def warm_up() -> bool:
    """Do the first pages' one-off work off the request path, in the order a user needs it: what the
    login needs (the repository layer, the database pool, argon2), then what the first board needs
    (pandas, pyarrow, the board's modules, Streamlit's emoji pattern, an Arrow table). Not altair: the
    pages draw from plain Vega-Lite specs, and importing it here delayed the login page by 0.2 s.
    False if a step failed (the work is then left to the first request)."""
    try:
        import yuqing.auth  # noqa: F401 - the repository layer and models
        from yuqing.db import get_engine

        with get_engine().connect() as connection:  # the pool's first connection
            connection.exec_driver_sql("SELECT 1")
        from sqlalchemy.orm import configure_mappers

        configure_mappers()

        import pandas as pd
        import pyarrow as pa
        from streamlit.string_util import extract_leading_emoji

        import dashboard.common  # noqa: F401 - labels, formatting
        import dashboard.overview_data  # noqa: F401
        import dashboard.tables  # noqa: F401

        extract_leading_emoji("近7天")  # compiles Streamlit's emoji pattern
        frame = pd.DataFrame({"日期": pd.to_datetime(["2026-01-01", "2026-01-02"]), "新帖": [1, 2], "类": ["a", "b"]})
        pa.Table.from_pandas(frame)  # what st.dataframe sends
    except Exception:  # noqa: BLE001 - a warm-up that fails only leaves the work to the first request
        return False
    return True


def warm_up_and_freeze() -> None:
    """The warm-up, then every object alive so far (modules, schemas, compiled patterns: kept for the
    life of the process anyway) moved out of the garbage collector's sight, and the collector switched
    on (`main` switches it off). Streamlit runs a full collection after every script run
    (runner.postScriptGC); over the ~200,000 objects of pandas, SQLAlchemy and the repository layer
    that took 0.2–0.3 s a run, on every page for every user; frozen, 3 µs."""
    warm_up()
    gc.freeze()
    gc.enable()


_begun = threading.Lock()
# set by main(): only the server it starts warms up (not `streamlit run` nor a test's AppTest, where the
# freeze would take in whatever the process holds); an environment variable, because this module runs as
# __main__ and is imported again by the login page
SERVING = "YUQING_DASHBOARD_SERVE"


def begin_warm_up() -> bool:
    """Start the warm-up in the background, once per server process started by `main`; False if it was
    already started or this is not such a process. What the server made while starting is frozen
    first, so that the login page's collection after its run does not go over it again."""
    if not os.environ.get(SERVING) or not _begun.acquire(blocking=False):
        return False
    gc.freeze()
    threading.Thread(target=warm_up_and_freeze, name="dashboard-warm-up", daemon=True).start()
    return True


def warm_up_when_ready() -> bool:
    """Begin the warm-up as soon as the server accepts sessions: most often no browser comes in the
    next second, and the first one to come finds the imports done; one that comes at once (the
    bench's cold start) finds them under way. Wraps Streamlit's Server.start; False (the login page
    then starts it) if Streamlit no longer has it."""
    try:
        from streamlit.web.server.server import Server
    except ImportError:
        return False
    start = getattr(Server, "start", None)
    if not inspect.iscoroutinefunction(start):  # gone, or no longer awaited as this wrapper would be
        return False

    async def start_then_warm_up(self, *args, **kwargs):
        started = await start(self, *args, **kwargs)
        begin_warm_up()
        return started

    Server.start = start_then_warm_up
    return True


def main() -> None:
    os.environ[SERVING] = "1"
    skip_component_scan()
    if warm_up_when_ready():  # else the collector stays on: the warm-up may not come for a long time
        gc.disable()
    from streamlit.web import cli

    sys.exit(cli.main(prog_name="streamlit"))


if __name__ == "__main__":
    main()
