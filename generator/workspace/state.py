"""The campaigns a workspace serves, read again whenever their file changes on disk.

Only campaign files directly inside the project's ``campaigns/`` folder are
served (they are the only files the workspace writes). Each is known by its
file name's stem, checked against a fixed pattern: a request names a campaign
by that key and never by a path.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import threading
from dataclasses import dataclass, field
from pathlib import Path

from ..campaign import CampaignError, LoadedCampaign
from ..campaign.files import text_sha256
from ..campaign.loader import _display_path, decode_campaign, parse_campaign
from ..planning.plan import PosterJob, plan

KEY = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$")
SUFFIXES = (".yaml", ".yml")


class NotServed(ValueError):
    """A file the workspace will not serve (outside campaigns/, not YAML)."""


@dataclass
class CampaignFile:
    key: str
    path: Path  # inside <project>/campaigns/
    shown: str  # as messages name it
    sha256: str = ""
    stamp: tuple[int, int] | None = None
    loaded: LoadedCampaign | None = None
    problems: list[str] = field(default_factory=list)  # why it does not load

    @property
    def campaign(self):
        return self.loaded.campaign if self.loaded else None

    def jobs(self) -> list[PosterJob]:
        return plan(self.campaign) if self.loaded else []

    def job(self, name: str) -> PosterJob | None:
        return next((job for job in self.jobs() if job.name == name), None)

    def languages(self) -> list[str]:
        """Every language the campaign's posters print, the source first."""
        campaign = self.campaign
        if campaign is None:
            return []
        used = [campaign.source_language]
        for placement in campaign.placements:
            used += placement.languages
        return list(dict.fromkeys(used))


def _stamp(path: Path) -> tuple[int, int] | None:
    try:
        stat = path.stat()
    except OSError:
        return None
    return stat.st_mtime_ns, stat.st_size


class Workspace:
    """The project and its served campaigns, and what the open pages show (``version_key``)."""

    def __init__(
        self, project: Path, campaigns: list[Path] | None = None, output: Path | None = None
    ):
        self.project = project.resolve()
        self.output = (output or self.project / "output").resolve()
        self.folder = self.project / "campaigns"
        self._lock = threading.RLock()
        self.elsewhere = 0
        self.today = dt.date.today
        paths = campaigns or sorted(
            p for p in self.folder.glob("*") if p.suffix in SUFFIXES and p.is_file()
        )
        self.files: dict[str, CampaignFile] = {}
        for path in paths:
            entry = self._entry(path)
            self.files[entry.key] = entry
        for entry in self.files.values():
            self._read(entry)

    def _entry(self, path: Path) -> CampaignFile:
        absolute = Path(os.path.abspath(path if path.is_absolute() else Path.cwd() / path))
        if absolute.parent != self.folder or absolute.suffix not in SUFFIXES:
            raise NotServed(
                f"{path}: the workspace serves (and writes) only campaign files in {self.folder}"
            )
        if not absolute.is_file():
            raise NotServed(f"{path}: no such campaign file")
        if not KEY.match(absolute.stem):
            raise NotServed(f"{path}: name the file with letters, digits, '-', '_' or '.'")
        return CampaignFile(absolute.stem, absolute, _display_path(absolute))

    def _read(self, entry: CampaignFile) -> None:
        stamp = _stamp(entry.path)
        try:
            raw = entry.path.read_bytes()
        except OSError as error:
            entry.loaded, entry.problems = None, [f"{entry.shown}: cannot read: {error.strerror}"]
            entry.stamp, entry.sha256 = stamp, ""
            return
        entry.stamp, entry.sha256 = stamp, text_sha256(raw)
        try:
            text = decode_campaign(raw, entry.shown)
            campaign = parse_campaign(text, entry.shown, self.project)
        except CampaignError as error:
            entry.loaded, entry.problems = None, [str(p) for p in error.problems]
            return
        entry.loaded, entry.problems = LoadedCampaign(campaign, entry.path, text), []

    def refresh(self) -> bool:
        """Read again every campaign whose file changed; whether any did."""
        changed = False
        with self._lock:
            for entry in self.files.values():
                if _stamp(entry.path) != entry.stamp:
                    old = entry.sha256
                    self._read(entry)
                    changed |= entry.sha256 != old
        return changed

    def changed_elsewhere(self) -> None:
        """A template or an asset changed: the pages' pictures are out of date."""
        with self._lock:
            self.elsewhere += 1

    def version_key(self) -> str:
        """What the open pages show, as a short key: the campaign files' contents and the
        count of template and asset changes. A page whose key is old reloads."""
        parts = [entry.sha256 for entry in self.files.values()] + [str(self.elsewhere)]
        return text_sha256("\0".join(parts))[:16]

    def get(self, key: str) -> CampaignFile | None:
        self.refresh()
        return self.files.get(key) if KEY.match(key or "") else None

    def replaced(self, entry: CampaignFile, text: str, campaign) -> None:
        """The workspace itself wrote ``text`` (``campaign`` parsed from it): no need to
        read and check the file again."""
        with self._lock:
            entry.stamp, entry.sha256 = _stamp(entry.path), text_sha256(text)
            entry.loaded, entry.problems = LoadedCampaign(campaign, entry.path, text), []

    def reread(self, entry: CampaignFile) -> None:
        with self._lock:
            self._read(entry)
