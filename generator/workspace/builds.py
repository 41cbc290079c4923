"""Builds started from the workspace, and the print package made from what they wrote.

A build runs ``poster build`` for the campaign file in a child process (its
own pool of workers, its own memory; the server stays responsive), and its
lines are read as they come to show progress. The print package is made only
from a finished build's files, and only from posters that are final and whose
inputs are those of the campaign as it is now: a draft, a failed poster or a
PDF older than the latest edit is never sent to print.
"""

from __future__ import annotations

import io
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import zipfile
from dataclasses import dataclass, field, replace
from pathlib import Path

from ..output.files import read_manifest
from ..output.manifest import ManifestEntry
from ..output.print_order import write_order_sheet
from ..output.proofs import ORDER_SHEET, PROOF_SHEET, preview_paths, write_proof_sheet
from .state import CampaignFile, Workspace

TOTAL = re.compile(r": (\d+) posters$")
DONE = re.compile(r"^\s+(built|unchanged|failed|refused)\b")
MAX_LINES = 400


@dataclass
class Build:
    running: bool = True
    total: int | None = None
    done: int = 0
    failed: int = 0
    lines: list[str] = field(default_factory=list)
    returncode: int | None = None
    started: float = field(default_factory=time.monotonic)
    finished: float | None = None

    @property
    def seconds(self) -> float:
        return (self.finished or time.monotonic()) - self.started


class Builds:
    def __init__(self, ws: Workspace):
        self.ws = ws
        self.current: dict[str, Build] = {}
        self._lock = threading.Lock()

    def start(self, entry: CampaignFile) -> Build:
        with self._lock:
            build = self.current.get(entry.key)
            if build and build.running:
                return build
            build = self.current[entry.key] = Build()
        command = [
            sys.executable, "-m", "generator.cli", "build", str(entry.path),
            "--project", str(self.ws.project), "--output", str(self.ws.output),
        ]  # fmt: skip
        env = {**os.environ, "PYTHONUNBUFFERED": "1", "NO_COLOR": "1", "TERM": "dumb"}
        process = subprocess.Popen(
            command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
            cwd=self.ws.project, env=env, text=True, encoding="utf-8", errors="replace",
        )  # fmt: skip
        threading.Thread(target=self._follow, args=(build, process), daemon=True).start()
        return build

    def _follow(self, build: Build, process: subprocess.Popen) -> None:
        assert process.stdout is not None  # started with stdout=PIPE
        for line in process.stdout:
            line = line.rstrip()
            if not line:
                continue
            if build.total is None and (found := TOTAL.search(line)):
                build.total = int(found.group(1))
            if found := DONE.match(line):
                build.done += 1
                build.failed += found.group(1) in ("failed", "refused")
            build.lines = [*build.lines, line][-MAX_LINES:]
        build.returncode = process.wait()
        build.finished = time.monotonic()
        build.running = False

    def wait(self, key: str, seconds: float = 300) -> Build | None:
        """For tests and scripts: the campaign's build once it has finished."""
        deadline = time.monotonic() + seconds
        while (build := self.current.get(key)) and build.running and time.monotonic() < deadline:
            time.sleep(0.1)
        return build


@dataclass
class Package:
    name: str
    data: bytes
    posters: list[str]


class NotReady(Exception):
    """Nothing to put in the package yet; the message says what to do."""


def current_keys(ws: Workspace, entry: CampaignFile, jobs: list | None = None) -> dict[str, str]:
    """The input key a build of the campaign as it is now gives each poster (of ``jobs``,
    or all), by file name: the same as ``poster build`` keeps in the manifest."""
    from ..build.campaign import input_keys
    from ..planning.inputs import templates_digest
    from ..planning.plan import fit_seeds
    from ..prepress.profiles import ProfileError, resolve_print

    campaign = entry.campaign
    every = entry.jobs()
    try:
        setup = resolve_print(campaign, ws.project)
    except ProfileError as error:
        raise NotReady(f"print profile: {error}") from None
    return input_keys(jobs or every, fit_seeds(every, campaign), campaign, ws.project,
                       templates_digest(ws.project), setup)  # fmt: skip


def built_preview(ws: Workspace, entry: CampaignFile, job) -> Path | None:
    """The build's own preview of a poster, when that build is of the campaign as it is."""
    folder = ws.output / entry.campaign.id
    item = read_manifest(folder).entry(job.filename)
    if item is None:
        return None
    png = preview_paths(folder, job.filename, 1)[0]
    try:
        fresh = png.stat().st_mtime_ns >= (folder / job.filename).stat().st_mtime_ns
    except OSError:
        return None
    try:
        same = current_keys(ws, entry, [job]).get(job.filename) == item.inputs
    except NotReady:
        return None
    return png if fresh and same else None


def _current_entries(
    ws: Workspace, entry: CampaignFile
) -> tuple[Path, list[ManifestEntry], list[str]]:
    """The campaign's output folder, the manifest entries of posters built from the campaign
    as it is now, and the names of those out of date."""
    campaign = entry.campaign
    if campaign is None:
        raise NotReady("the campaign file does not load: fix it first")
    folder = ws.output / campaign.id
    manifest = read_manifest(folder)
    if not manifest.posters:
        raise NotReady("no build yet: build the campaign first")
    keys = current_keys(ws, entry)
    current, stale = [], []
    for item in manifest.posters:
        if not (folder / item.file).is_file():
            continue
        if keys.get(item.file) == item.inputs:
            current.append(item)
        else:
            stale.append(item.file)
    return folder, current, stale


def print_package(ws: Workspace, entry: CampaignFile) -> Package:
    """A ZIP of the final posters, with their own proof sheet and print order."""
    folder, current, stale = _current_entries(ws, entry)
    finals = [item for item in current if not item.draft]
    if not finals:
        why = "; ".join(
            part
            for part in (
                f"{sum(1 for i in current if i.draft)} built posters are drafts (texts "
                "await review)"
                if any(i.draft for i in current)
                else "",
                f"{len(stale)} are out of date: build again" if stale else "",
            )
            if part
        )
        raise NotReady(f"no final poster to print{': ' + why if why else ''}")
    manifest = replace(read_manifest(folder), posters=tuple(finals), draft=False)
    with tempfile.TemporaryDirectory(prefix="print-package-") as temporary:
        sheet = Path(temporary)
        for item in finals:
            shutil.copy2(folder / item.file, sheet / item.file)
            for png in preview_paths(folder, item.file, item.pages or 1):
                if png.is_file():
                    shutil.copy2(png, sheet / png.name)
        write_order_sheet(sheet, manifest)
        write_proof_sheet(sheet, manifest, ws.project)
        files = [item.file for item in finals] + [PROOF_SHEET, ORDER_SHEET]
        data = _zip(sheet, files)
    return Package(f"{entry.campaign.id}-print.zip", data, [i.file for i in finals])


def proof_package(ws: Workspace, entry: CampaignFile) -> Package:
    """A ZIP of the draft posters (marked DRAFT) and the build's proof sheet: for review,
    never for print."""
    folder, current, _ = _current_entries(ws, entry)
    drafts = [item.file for item in current if item.draft]
    if not drafts:
        raise NotReady("no draft poster in the latest build")
    files = drafts + ([PROOF_SHEET] if (folder / PROOF_SHEET).is_file() else [])
    return Package(f"{entry.campaign.id}-proofs-DRAFT.zip", _zip(folder, files), drafts)


def _zip(folder: Path, files: list[str]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name in files:
            archive.write(folder / name, arcname=name)
    return buffer.getvalue()
