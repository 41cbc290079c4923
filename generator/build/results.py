"""A build's results: each poster's, and the manifest they are written to and read
back from (with the previews, proof sheet and print order made from it)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path

from ..campaign import Campaign
from ..output.files import (
    OutputError,
    companion_names,
    made_from,
    read_manifest,
    record_sheet,
    sha256,
    sheet_is_fresh,
    write_manifest,
)
from ..output.manifest import CardFiles, Manifest, ManifestEntry
from ..output.print_order import write_order_sheet
from ..output.proofs import (
    ORDER_SHEET,
    PROOF_SHEET,
    preview_paths,
    thumbnail_path,
    write_previews,
    write_proof_sheet,
)
from ..planning.plan import PosterJob
from ..preflight.report import PreflightSummary
from ..prepress.profiles import PrintSetup


@dataclass
class PosterResult:
    job: PosterJob
    ok: bool
    file: str | None = None
    pages: int = 0
    sha256: str | None = None
    error: str | None = None
    warnings: list[str] = field(default_factory=list)
    preflight: PreflightSummary | None = None
    detail: str | None = None  # traceback of an unexpected failure, for --verbose
    inputs: str | None = None  # hash of everything the poster depends on
    unchanged: bool = False  # inputs as in the last build: not rebuilt
    fits: dict | None = None  # scales of the shrunk texts, passed on to the family
    refused: bool = False  # not built: a draft in a --final build, or unverified for press
    # Why it was refused or failed: a key of REASONS → the texts, contacts or errors at fault.
    reasons: dict[str, list[str]] = field(default_factory=dict)
    contact_warnings: list[str] = field(default_factory=list)  # as of the day of the build
    placeholders: list[str] = field(default_factory=list)  # stand-in assets it shows
    profile: str | None = None  # the print profile it was made with
    card: CardFiles | None = None  # a social-media card's JPEG, post text and pixels
    field: tuple | None = None  # the campaign field a failure comes from, for its line

    def manifest_entry(self) -> ManifestEntry:
        job = self.job
        return with_content(
            ManifestEntry(
                file=str(self.file),
                profile=self.profile,
                placement=job.placement_id,
                design=job.design_id,
                format=job.format.label,
                languages=tuple(job.languages),
                quantity=job.quantity,
                pages=self.pages,
                sha256=self.sha256,
                preflight=self.preflight,
                warnings=tuple(self.warnings),
                inputs=self.inputs,
                placeholders=tuple(self.placeholders),
                card=self.card,
            ),
            job,
            self.contact_warnings,
        )


def with_content(
    entry: ManifestEntry, job: PosterJob, contact_warnings: list[str]
) -> ManifestEntry:
    """Whether the poster may go on a wall: recomputed at every build, never carried over."""
    return replace(
        entry,
        draft=job.draft,
        held_back_by=tuple(job.held_back),
        contact_warnings=tuple(contact_warnings),
    )


@dataclass
class CampaignResult:
    campaign_id: str
    folder: Path
    results: list[PosterResult]
    print_setup: PrintSetup | None = None  # None when the print profile could not be resolved

    @property
    def failed(self) -> list[PosterResult]:
        return [r for r in self.results if not r.ok]


def previous_entries(folder: Path) -> dict[str, ManifestEntry]:
    return {entry.file: entry for entry in read_manifest(folder).posters}


def intact(folder: Path, entry: ManifestEntry) -> bool:
    """The file the manifest lists is there and has the bytes it says."""
    path = folder / entry.file
    companions = [entry.card.jpeg, entry.card.post_text] if entry.card is not None else []
    return (
        path.is_file()
        and sha256(path.read_bytes()) == entry.sha256
        and all((folder / name).is_file() for name in companions)
    )


def unchanged_result(job: PosterJob, entry: ManifestEntry) -> PosterResult:
    return PosterResult(
        job, True, entry.file, entry.pages, entry.sha256,
        warnings=list(entry.warnings), preflight=entry.preflight,
        inputs=entry.inputs, unchanged=True, profile=entry.profile, card=entry.card,
    )  # fmt: skip


def record_manifest(
    folder: Path,
    campaign: Campaign,
    jobs: list[PosterJob],
    results: list[PosterResult],
    loaded,
    previous: dict[str, ManifestEntry],
    contact_warnings: dict[tuple[str, str], list[str]],
) -> Manifest:
    """Write the manifest: this build's posters, plus earlier ones it did not rebuild
    (``jobs``: every poster the campaign plans)."""
    built = {r.job.filename: r for r in results}
    posters: list[ManifestEntry] = []
    for job in jobs:
        # A poster that went from draft to final or back: its file under the other
        # name shows content that is no longer the campaign's.
        _remove_stale(folder, job.other_filename, _pages(previous, job.other_filename))
        result = built.get(job.filename)
        if result is not None and not result.refused:
            if result.ok:
                posters.append(result.manifest_entry())
            else:
                _remove_stale(folder, job.filename, _pages(previous, job.filename))
        elif job.filename in previous and (folder / job.filename).is_file():
            warnings = contact_warnings[job.placement_id, job.design_id]
            posters.append(with_content(previous[job.filename], job, warnings))
    manifest = Manifest(
        campaign=campaign.id,
        source=loaded.path.name,
        draft=any(job.draft for job in jobs),
        review_note=campaign.review.note,
        posters=tuple(posters),
    )
    write_manifest(folder, manifest)
    return manifest


def _pages(previous: dict[str, ManifestEntry], filename: str) -> int | None:
    entry = previous.get(filename)
    return entry.pages if entry is not None else None


def _remove_stale(folder: Path, filename: str, pages: int | None) -> None:
    """A poster that fails now must not leave its outdated PDF where it could be printed."""

    pages = pages if isinstance(pages, int) and pages > 0 else 1
    stale = (folder / filename, *preview_paths(folder, filename, pages))
    companions = [folder / name for name in companion_names(filename)]
    for path in (*stale, thumbnail_path(folder, filename), *companions):
        if not (path.exists() or path.is_symlink()):
            continue  # (a read-only folder refuses even to unlink what is not there)
        try:
            path.unlink(missing_ok=True)
        except OSError as error:
            raise OutputError(path, error) from None


def write_proofs(folder: Path, manifest: Manifest, project: Path) -> None:
    """Previews (each redrawn only when out of date), and the proof sheet and print order
    whenever what they were made from (the manifest) differs from what they show, or
    they are missing or were changed, or their last write failed: an unchanged rebuild
    never imports WeasyPrint."""
    if not manifest.posters:
        return
    with _faults_named(folder):
        write_previews(folder, manifest.posters)
    digest = made_from(manifest)
    if not sheet_is_fresh(folder, ORDER_SHEET, digest):
        with _faults_named(folder / ORDER_SHEET):
            write_order_sheet(folder, manifest)
        record_sheet(folder, ORDER_SHEET, digest)
    if not sheet_is_fresh(folder, PROOF_SHEET, digest):
        with _faults_named(folder / PROOF_SHEET):
            write_proof_sheet(folder, manifest, project)
        record_sheet(folder, PROOF_SHEET, digest)


@contextmanager
def _faults_named(path: Path) -> Iterator[None]:
    """A file-system fault while writing ``path`` (by a library writing its own temporary
    files, say) as an ``OutputError`` that names it."""
    try:
        yield
    except OutputError:
        raise
    except OSError as error:
        raise OutputError(path, error) from None
