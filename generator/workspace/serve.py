"""``poster serve``: start the workspace on uvicorn, print its address, open a browser."""

from __future__ import annotations

import contextlib
import logging
import os
import sys
import threading
import webbrowser
from pathlib import Path

from .security import Settings
from .state import NotServed, Workspace


def run(
    project: Path,
    campaigns: list[Path],
    host: str,
    port: int,
    output: Path,
    open_browser: bool,
    console,
) -> None:
    import uvicorn

    from .app import create_app

    try:
        ws = Workspace(
            project, campaigns or None, project / output if not output.is_absolute() else output
        )
    except NotServed as error:
        raise ValueError(str(error)) from None
    if not ws.files:
        raise ValueError(f"no campaign files in {project / 'campaigns'}")
    settings = Settings.for_host(host, port)
    app = create_app(ws, settings, watch=True, warm=True)
    shown_host = f"[{host}]" if ":" in host else host
    address = f"http://{shown_host}:{port}/"
    if settings.token:
        address += f"?token={settings.token}"
    for entry in ws.files.values():
        state = "" if entry.loaded else " (does not load: see the page)"
        console.print(f"serving {entry.shown}{state}")
    console.print(f"[bold]Workspace at {address}[/bold]  (Ctrl+C stops it)")
    if settings.token:
        console.print("  the address holds the access token: share it only with your team")
    if open_browser:
        threading.Timer(1.0, _open, args=(address,)).start()
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    logging.getLogger("generator.workspace").setLevel(logging.INFO)
    uvicorn.run(app, host=host, port=port, log_level="warning")


def _open(address: str) -> None:
    """A graphical browser where there is a screen; never a text browser in the terminal."""
    if sys.platform.startswith("linux") and not (
        os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")
    ):
        return
    with contextlib.suppress(Exception):  # no browser here: the printed address is enough
        webbrowser.open(address)
