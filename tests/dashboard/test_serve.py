"""The dashboard's server entry point: Streamlit's package scan skipped, the first page's work warmed
as soon as the server accepts sessions."""

import pytest


def test_the_dashboard_is_started_through_dashboard_serve():
    from dashboard.launch import dashboard_command

    command = dashboard_command(8501)
    assert command[1:5] == ["-m", "dashboard.serve", "run", command[4]] and command[4].endswith("app.py")
    assert command[command.index("--server.address") + 1] == "127.0.0.1"


def test_the_component_scan_is_skipped(monkeypatch):
    from streamlit.components.v2 import manifest_scanner
    from streamlit.components.v2.component_manager import BidiComponentManager

    from dashboard.serve import skip_component_scan

    monkeypatch.setattr(BidiComponentManager, "discover_and_register_components",
                        BidiComponentManager.discover_and_register_components)  # restored after the test

    def scan(*args, **kwargs):
        raise AssertionError("the installed packages were scanned")

    monkeypatch.setattr(manifest_scanner, "scan_component_manifests", scan)
    with pytest.raises(AssertionError):  # without the patch Streamlit scans (and logs, not raises, its errors)
        manifest_scanner.scan_component_manifests()
    assert skip_component_scan() is True
    BidiComponentManager().discover_and_register_components()  # the patched no-op: no scan


def test_the_warm_up_does_every_step(settings_env):
    import sys

    from dashboard.serve import warm_up

    assert warm_up() is True  # a step that breaks (a module moved, the database unreachable) says so here
    assert {"pandas", "pyarrow", "dashboard.overview_data", "dashboard.tables"} <= set(sys.modules)


def test_the_login_page_starts_the_warm_up_once(monkeypatch, settings_env):
    """The login page starts it too (in case the server's hook is gone with a Streamlit release): once,
    and only in the server dashboard.serve starts."""
    import threading
    import time

    from dashboard import serve
    from tests.dashboard.conftest import app_as

    done = threading.Event()
    calls = []
    monkeypatch.setattr(serve, "_begun", threading.Lock())
    monkeypatch.delenv(serve.SERVING, raising=False)
    assert serve.begin_warm_up() is False  # not a server started by dashboard.serve (a test, `streamlit run`)
    monkeypatch.setenv(serve.SERVING, "1")
    monkeypatch.setattr(serve, "warm_up_and_freeze", lambda: calls.append(time.monotonic()) or done.set())
    monkeypatch.setattr("gc.freeze", lambda: None)  # nothing of this test process kept for good
    at = app_as(None)
    assert at.text_input(key="login_username") and done.wait(10)
    at.run()
    app_as(None)  # another browser's session
    assert len(calls) == 1 and serve.begin_warm_up() is False


def test_the_warm_up_begins_once_the_server_accepts_sessions(monkeypatch):
    """Streamlit's Server.start, wrapped by dashboard.serve: the warm-up begins after it returned (the
    server accepts sessions), not before; its result and errors pass through."""
    import asyncio

    from streamlit.web.server.server import Server

    from dashboard import serve

    steps = []

    async def start(self):
        steps.append("server started")
        return "started"

    monkeypatch.setattr(Server, "start", start)  # Streamlit's own restored after the test
    monkeypatch.setattr(serve, "begin_warm_up", lambda: steps.append("warm-up begun") or True)
    assert serve.warm_up_when_ready() is True
    assert asyncio.run(Server.start(object())) == "started"
    assert steps == ["server started", "warm-up begun"]

    async def failing(self):
        raise OSError("port taken")

    monkeypatch.setattr(Server, "start", failing)
    serve.warm_up_when_ready()
    with pytest.raises(OSError, match="port taken"):
        asyncio.run(Server.start(object()))
    assert steps == ["server started", "warm-up begun"]  # no warm-up for a server that did not start

    def not_awaited(self):  # a start no longer a coroutine: left alone, the collector then left on
        return None

    monkeypatch.setattr(Server, "start", not_awaited)
    assert serve.warm_up_when_ready() is False and Server.start is not_awaited


def test_the_collector_comes_back_on_after_the_warm_up(monkeypatch):
    """main() switches the garbage collector off for the imports; the warm-up's end switches it back on,
    its step failing or not."""
    import gc

    from dashboard import serve

    for outcome in (True, False):
        monkeypatch.setattr(serve, "warm_up", lambda outcome=outcome: outcome)
        gc.disable()
        try:
            serve.warm_up_and_freeze()
            assert gc.isenabled()
        finally:
            gc.unfreeze()  # this test process keeps nothing out of the collector's sight
            gc.enable()
