"""What ``poster preflight`` checks: PDF files, output folders or campaigns' posters.

A file listed in a manifest is checked against the format and profile it was
built with; a loose PDF against what the file itself says (its TrimBox and its
PDF/X claim).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from ..output.files import MANIFEST, read_manifest
from ..planning.formats import PaperFormat
from ..prepress.profiles import PROFILES
from . import PreflightReport, preflight, preflight_file


@dataclass(frozen=True)
class Target:
    path: Path
    paper: PaperFormat | None = None
    profile: str | None = None
    pages: int | None = None


def collect_targets(given: Iterable[Path], output: Path, project: Path) -> list[Target]:
    from ..campaign import CampaignError, load_campaign
    from ..output.proofs import paper_format

    given = list(given)
    if not given:
        given = sorted((project / "campaigns").glob("*.y*ml"))
    targets: list[Target] = []
    for path in given:
        if path.is_file() and path.suffix.lower() == ".pdf":
            targets.append(Target(path))
            continue
        if path.is_dir():
            folder = path
        else:
            try:
                folder = output / load_campaign(path, project).campaign.id
            except CampaignError as error:
                raise ValueError(f"{path}: not a valid campaign file ({error})") from None
        if not (folder / MANIFEST).is_file():
            raise ValueError(f"no {MANIFEST} in {folder}: build the posters first")
        for entry in read_manifest(folder).posters:
            file = folder / entry.file
            # A social-media card has no PDF: its checks ran at build (the manifest's preflight).
            if file.is_file() and file.suffix == ".pdf":
                paper = paper_format(entry.format) if entry.format else None
                targets.append(Target(file, paper, entry.profile, entry.pages or None))
    return targets


def run_preflight(targets: list[Target], profile: str | None) -> list[tuple[Path, PreflightReport]]:
    reports = []
    for target in targets:
        data = target.path.read_bytes()
        chosen = PROFILES[name] if (name := profile or target.profile) else None
        if target.paper is not None:
            report = preflight(data, target.paper, target.pages, chosen)
        else:
            report = preflight_file(data, profile=chosen)
        reports.append((target.path, report))
    return reports
