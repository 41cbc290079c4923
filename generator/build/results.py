"""A build's results: each poster's, and the manifest they are written to and read
back from (with the previews, proof sheet and print order made from it)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from ..campaign import Campaign
from ..output.files import (
    OutputError,
    made_from,
    read_manifest,
    record_sheet,
    sha256,
    sheet_is_fresh,
    write_manifest,
)
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
from ..prepress.profiles import PrintSetup
from ..render.social import companion_names


@dataclass
class PosterResult:
    job: PosterJob
    ok: bool
    file: str | None = None
    pages: int = 0
    sha256: str | None = None
    error: str | None = None
    warnings: list[str] = field(default_factory=list)
    preflight: dict | None = None
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
    extra: dict = field(default_factory=dict)  # a card's JPEG, post text and pixels
    field: tuple | None = None  # the campaign field a failure comes from, for its line

    def manifest_entry(self) -> dict:
        job = self.job
        return {
            "file": self.file,
            "profile": self.profile,
            "placement": job.placement_id,
            "design": job.design_id,
            "format": job.format.label,
            "languages": list(job.languages),
            "quantity": job.quantity,
            "pages": self.pages,
            "sha256": self.sha256,
            "preflight": self.preflight,
            "warnings": self.warnings,
            "inputs": self.inputs,
            "placeholders": self.placeholders,
            **self.extra,
            **content_fields(job, self.contact_warnings),
        }


def content_fields(job: PosterJob, contact_warnings: list[str]) -> dict:
    """Whether the poster may go on a wall: recomputed at every build, never carried over."""
    return {
        "draft": job.draft,
        "held_back_by": list(job.held_back),
        "contact_warnings": contact_warnings,
    }


@dataclass
class CampaignResult:
    campaign_id: str
    folder: Path
    results: list[PosterResult]
    print_setup: PrintSetup | None = None  # None when the print profile could not be resolved

    @property
    def failed(self) -> list[PosterResult]:
        return [r for r in self.results if not r.ok]


def previous_entries(folder: Path) -> dict[str, dict]:
    posters = read_manifest(folder).get("posters", [])
    return {e["file"]: e for e in posters if isinstance(e, dict) and isinstance(e.get("file"), str)}


def intact(folder: Path, entry: dict) -> bool:
    """The file the manifest lists is there and has the bytes it says."""
    path = folder / entry["file"]
    companions = [entry[key] for key in ("jpeg", "post_text") if isinstance(entry.get(key), str)]
    return (
        path.is_file()
        and sha256(path.read_bytes()) == entry.get("sha256")
        and all((folder / name).is_file() for name in companions)
    )


def unchanged_result(job: PosterJob, entry: dict) -> PosterResult:
    return PosterResult(
        job, True, entry["file"], entry.get("pages", 0), entry.get("sha256"),
        warnings=list(entry.get("warnings", [])), preflight=entry.get("preflight"),
        inputs=entry.get("inputs"), unchanged=True, profile=entry.get("profile"),
        extra={k: entry[k] for k in ("jpeg", "post_text", "pixels") if k in entry},
    )  # fmt: skip


def record_manifest(
    folder: Path,
    campaign: Campaign,
    jobs: list[PosterJob],
    results: list[PosterResult],
    loaded,
    previous: dict[str, dict],
    contact_warnings: dict[tuple[str, str], list[str]],
) -> dict:
    """Write the manifest: this build's posters, plus earlier ones it did not rebuild
    (``jobs``: every poster the campaign plans)."""
    built = {r.job.filename: r for r in results}
    posters = []
    for job in jobs:
        # A poster that went from draft to final or back: its file under the other
        # name shows content that is no longer the campaign's.
        _remove_stale(folder, job.other_filename, previous.get(job.other_filename, {}).get("pages"))
        result = built.get(job.filename)
        if result is not None and not result.refused:
            if result.ok:
                posters.append(result.manifest_entry())
            else:
                _remove_stale(folder, job.filename, previous.get(job.filename, {}).get("pages"))
        elif job.filename in previous and (folder / job.filename).is_file():
            warnings = contact_warnings[job.placement_id, job.design_id]
            posters.append({**previous[job.filename], **content_fields(job, warnings)})
    manifest = {
        "campaign": campaign.id,
        "source": loaded.path.name,
        "draft": any(job.draft for job in jobs),
        "review_note": campaign.review.note,
        "posters": posters,
    }
    write_manifest(folder, manifest)
    return manifest


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


def write_proofs(folder: Path, manifest: dict, project: Path) -> None:
    """Previews (each redrawn only when out of date), and the proof sheet and print order
    whenever what they were made from (the manifest) differs from what they show, or
    they are missing or were changed, or their last write failed: an unchanged rebuild
    never imports WeasyPrint."""
    if not manifest["posters"]:
        return
    with _faults_named(folder):
        write_previews(folder, manifest["posters"])
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
