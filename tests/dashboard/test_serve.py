"""The dashboard's server entry point: Streamlit's package scan skipped, the first page's work warmed."""

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
    """Not with the process (it held up the login form): when the login page is first asked for, once,
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


def _get(app, path: str) -> tuple[int, bytes]:
    """A GET through an ASGI app, as the server would pass it on: (status, body)."""
    import asyncio

    sent, asked = [], []

    async def receive():  # the request, then a client that waits (the server stops listening once it answered)
        asked.append(1)
        if len(asked) > 1:
            await asyncio.sleep(60)
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message):
        sent.append(message)

    scope = {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "GET", "scheme": "http",
             "path": path, "raw_path": path.encode(), "root_path": "", "query_string": b"", "headers": [],
             "server": ("127.0.0.1", 8501), "client": ("127.0.0.1", 50000)}
    asyncio.run(app(scope, receive, send))
    return sent[0]["status"], b"".join(m.get("body", b"") for m in sent[1:])


def test_a_browser_asking_for_the_front_end_starts_the_warm_up(monkeypatch):
    """The front end's files, served by Streamlit's own handler wrapped by dashboard.serve, begin the
    warm-up; a health check does not; the files still come as before."""
    from starlette.applications import Starlette
    from starlette.responses import PlainTextResponse
    from starlette.routing import Route
    from streamlit.web.server.starlette import starlette_static_routes as routes

    from dashboard import serve

    monkeypatch.setattr(routes, "create_streamlit_static_handler", routes.create_streamlit_static_handler)  # restored
    begun = []
    monkeypatch.setattr(serve, "begin_warm_up", lambda: begun.append(1) or True)
    assert serve.warm_up_on_first_page() is True
    app = Starlette(routes=[Route("/_stcore/health", lambda request: PlainTextResponse("ok")),
                            *routes.create_streamlit_static_assets_routes(None)])
    assert _get(app, "/_stcore/health") == (200, b"ok") and not begun
    status, page = _get(app, "/")
    assert status == 200 and b"<html" in page.lower() and begun
