"""Live reload: watch the campaign files, templates and assets with watchfiles.

A change to a campaign file reads it again; a change to a template or an asset
bumps the workspace's version. Open pages ask for the version every few
seconds (static/workspace.js) and reload when it changed, unless a text is
being edited there: then they say so instead of losing the typing.
"""

from __future__ import annotations

import logging
import threading

from .state import Workspace

LOGGER = logging.getLogger(__name__)


def start_watching(ws: Workspace, stop: threading.Event) -> threading.Thread:
    from watchfiles import watch

    candidates = [ws.project / name for name in ("campaigns", "templates", "assets")]
    folders = [str(folder) for folder in candidates if folder.is_dir()]
    campaigns = str(ws.folder)

    def run() -> None:
        try:
            for changes in watch(*folders, stop_event=stop, debounce=200, rust_timeout=500):
                paths = [path for _, path in changes]
                if any(not path.startswith(campaigns) for path in paths):
                    ws.changed_elsewhere()
                ws.refresh()
        except Exception:  # the workspace goes on without live reload
            LOGGER.exception("watching for changes stopped")

    thread = threading.Thread(target=run, name="watch", daemon=True)
    thread.start()
    return thread
