"""How long the workspace takes to show a poster again after an edit.

    .venv/bin/python bench/workspace_preview.py [--edits N] [--poster NAME]

Copies the project's templates, assets and the border-crossings sample into a
temporary project, starts the real workspace (uvicorn on 127.0.0.1, a free
port), and plays a browser's part over HTTP: for one A3 poster (Vientiane, Lao
and Thai) it saves an edit of its Lao headline, then asks for the preview frame
(which lays the poster out again, with the build's own pipeline) and its PNG,
as the page does. The time of each round, from sending the edit to having the
picture, is printed; the last line is for scripts:

    first_preview_s=<s> edit_to_preview_median_s=<s> edit_to_preview_max_s=<s>

The first preview includes loading the fonts (the server warms up at start,
but this script asks at once). The issue's aim: within 1 s for one A3 poster.
"""

from __future__ import annotations

import argparse
import re
import shutil
import socket
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

SAMPLE = ROOT / "campaigns" / "laos-border-crossings.yaml"
POSTER = "vientiane-nong-khai_border-sign_A3_lo-th"
LAO_DIGITS = "໐໑໒໓໔໕໖໗໘໙"


def lao_headline(number: int) -> str:
    """A new Lao headline each round (with a Lao number), so no preview is ever cached."""
    digits = "".join(LAO_DIGITS[int(d)] for d in str(number + 1))
    return f"ໄປເຮັດວຽກຕ່າງປະເທດ {digits} ໄປຢ່າງປອດໄພ"


def main() -> None:
    import httpx2 as httpx
    import uvicorn

    from generator.workspace.app import create_app
    from generator.workspace.security import Settings
    from generator.workspace.state import Workspace

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--edits", type=int, default=8)
    parser.add_argument("--poster", default=POSTER)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="workspace-bench-") as temporary:
        project = Path(temporary)
        shutil.copytree(ROOT / "templates", project / "templates")
        shutil.copytree(ROOT / "assets", project / "assets")
        (project / "campaigns").mkdir()
        shutil.copyfile(SAMPLE, project / "campaigns" / SAMPLE.name)

        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1]
        ws = Workspace(project)
        settings = Settings("127.0.0.1", port)
        config = uvicorn.Config(
            create_app(ws, settings), host="127.0.0.1", port=port, log_level="warning"
        )
        server = uvicorn.Server(config)
        thread = threading.Thread(target=server.run, daemon=True)
        thread.start()
        while not server.started:
            time.sleep(0.05)

        key = next(iter(ws.files))
        base = f"http://127.0.0.1:{port}/c/{key}"
        with httpx.Client(timeout=60) as http:

            def show() -> float:
                started = time.perf_counter()
                frame = http.get(f"{base}/p/{args.poster}/frame").text
                found = re.search(r'<img src="([^"]+)"', frame)
                if not found:
                    raise SystemExit(f"no preview: {frame[:500]}")
                picture = http.get(f"http://127.0.0.1:{port}{found.group(1)}")
                picture.raise_for_status()
                return time.perf_counter() - started

            first = show()
            print(f"first preview (fonts loading): {first:.2f} s")
            rounds = []
            for number in range(args.edits):
                editor = http.get(f"{base}/texts/headline/lo").text
                sha = re.search(r'name="sha" value="(\w+)"', editor).group(1)
                started = time.perf_counter()
                saved = http.post(
                    f"{base}/texts/headline/lo",
                    data={"value": lao_headline(number), "sha": sha},
                    headers={"X-CSRF-Token": settings.csrf},
                )
                if saved.status_code != 200:
                    raise SystemExit(f"edit refused: {saved.text[:500]}")
                shown = show()
                total = time.perf_counter() - started
                rounds.append(total)
                print(f"edit {number + 1}: saved and shown in {total:.2f} s (render {shown:.2f} s)")
        server.should_exit = True
        thread.join(10)
    print(
        f"first_preview_s={first:.2f} edit_to_preview_median_s={statistics.median(rounds):.2f} "
        f"edit_to_preview_max_s={max(rounds):.2f}"
    )


if __name__ == "__main__":
    main()
