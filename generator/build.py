"""Build every poster of a campaign: plan → HTML → PDF → preflight → write → manifest.

One poster's failure is recorded and the others go on. Posters are built one
per job in any ``concurrent.futures.Executor`` (a process pool by default when
there is more than one job), and each PDF is written atomically. The manifest
is written last, listing only complete files.
"""

from __future__ import annotations

import os
import traceback
from collections.abc import Callable, Iterable
from concurrent.futures import Executor, ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from .inputs import job_key, templates_digest
from .output import read_manifest, remove_leftovers, sha256, write_atomically, write_manifest
from .plan import PosterJob, plan
from .schema import Campaign, LoadedCampaign


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

    def manifest_entry(self) -> dict:
        job = self.job
        return {
            "file": self.file,
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
        }


@dataclass
class CampaignResult:
    campaign_id: str
    folder: Path
    results: list[PosterResult]

    @property
    def failed(self) -> list[PosterResult]:
        return [r for r in self.results if not r.ok]


def build_poster(
    job: PosterJob, campaign: Campaign, project: Path, folder: Path, inputs: str | None = None
) -> PosterResult:
    """Make one poster and write it; never raises for a problem of this poster."""
    result = _build_poster(job, campaign, project, folder)
    result.inputs = inputs
    return result


def _build_poster(job: PosterJob, campaign: Campaign, project: Path, folder: Path) -> PosterResult:
    from jinja2 import TemplateError, TemplateSyntaxError

    from .images import check_pictures
    from .pdf import PosterError, render_poster  # WeasyPrint loads here, in the worker
    from .preflight import preflight
    from .qr import QrError
    from .templating import PosterContext, TemplateMetadataError, template_pages
    from .typeset.fonts import FontError

    try:
        pages = template_pages(project, job.template)
        context = PosterContext(job, campaign, project)
        rendered = render_poster(context, expected_pages=pages)
        report = preflight(rendered.pdf, job.format, expected_pages=pages)
        warnings = list(report.warnings)
        warnings += [
            f"text '{key}' ({lang}) shrunk to {scale:.0%} to fit"
            for (key, lang), scale in sorted(rendered.fits.items())
        ]
        # Images too coarse for print, a QR code too small to scan.
        picture_errors, picture_warnings = check_pictures(context, rendered)
        warnings += picture_warnings
        errors = (["preflight: " + "; ".join(report.errors)] if report.errors else []) + (
            picture_errors
        )
        if errors:
            return PosterResult(
                job, False, error="; ".join(errors), warnings=warnings, preflight=report.as_dict()
            )
        write_atomically(folder / job.filename, rendered.pdf)
        return PosterResult(
            job,
            True,
            job.filename,
            rendered.pages,
            sha256(rendered.pdf),
            None,
            warnings,
            report.as_dict(),
        )
    except (PosterError, FontError, TemplateMetadataError, QrError) as error:
        return PosterResult(job, False, error=str(error))
    except TemplateSyntaxError as error:
        where = f"templates/{error.name}:{error.lineno}" if error.name else f"line {error.lineno}"
        return PosterResult(job, False, error=f"template error in {where}: {error.message}")
    except TemplateError as error:
        where = _template_frame(error) or f"template '{job.template}'"
        return PosterResult(job, False, error=f"template error in {where}: {error}")
    except Exception as error:  # one poster's bug must not stop the others
        return PosterResult(
            job,
            False,
            error=f"unexpected {type(error).__name__}: {error}",
            detail=traceback.format_exc(),
        )


def _template_frame(error: BaseException) -> str | None:
    """Where in a template an error arose: Jinja puts template lines in the traceback."""
    found = None
    for frame in traceback.extract_tb(error.__traceback__):
        if frame.filename.endswith(".j2"):
            name = frame.filename.split("/templates/")[-1]
            found = f"templates/{name}:{frame.lineno}"
    return found


def build_campaign(
    loaded: LoadedCampaign,
    project: Path,
    output_root: Path,
    only: Iterable[str] = (),
    jobs: int | None = None,
    executor: Executor | None = None,
    on_result: Callable[[PosterResult], None] = lambda result: None,
    force: bool = False,
) -> CampaignResult:
    """Build the planned posters whose inputs changed (all of them with ``force``).

    ``executor`` may be any ``concurrent.futures.Executor``, a cluster's among
    them; by default a process pool of ``jobs`` workers (all cores) is used.
    """
    campaign = loaded.campaign
    folder = output_root / campaign.id
    folder.mkdir(parents=True, exist_ok=True)
    remove_leftovers(folder)
    poster_jobs = plan(campaign, only)
    templates = templates_digest(project)
    keys = {job.filename: job_key(job, campaign, project, templates) for job in poster_jobs}
    previous = _previous_entries(folder)
    results: list[PosterResult] = []

    to_build = []
    for job in poster_jobs:
        entry = previous.get(job.filename)
        fresh = entry and entry.get("inputs") == keys[job.filename] and _intact(folder, entry)
        if fresh and not force:
            results.append(_unchanged(job, entry))
            on_result(results[-1])
        else:
            to_build.append(job)

    workers = jobs or os.cpu_count() or 1
    if executor is None and (workers == 1 or len(to_build) <= 1):
        for job in to_build:
            results.append(build_poster(job, campaign, project, folder, keys[job.filename]))
            on_result(results[-1])
    elif to_build:
        own = executor is None
        pool = executor or ProcessPoolExecutor(max_workers=min(workers, len(to_build)))
        try:
            futures = [
                pool.submit(build_poster, job, campaign, project, folder, keys[job.filename])
                for job in to_build
            ]
            for future in futures:
                results.append(future.result())
                on_result(results[-1])
        finally:
            if own:
                pool.shutdown(cancel_futures=True)

    manifest = _record(folder, campaign, results, loaded, previous)
    _write_proofs(folder, manifest, project, changed=any(not r.unchanged for r in results))
    return CampaignResult(campaign.id, folder, results)


def _previous_entries(folder: Path) -> dict[str, dict]:
    posters = read_manifest(folder).get("posters", [])
    return {e["file"]: e for e in posters if isinstance(e, dict) and isinstance(e.get("file"), str)}


def _intact(folder: Path, entry: dict) -> bool:
    """The file the manifest lists is there and has the bytes it says."""
    path = folder / entry["file"]
    return path.is_file() and sha256(path.read_bytes()) == entry.get("sha256")


def _unchanged(job: PosterJob, entry: dict) -> PosterResult:
    return PosterResult(
        job, True, entry["file"], entry.get("pages", 0), entry.get("sha256"),
        warnings=list(entry.get("warnings", [])), preflight=entry.get("preflight"),
        inputs=entry.get("inputs"), unchanged=True,
    )  # fmt: skip


def _record(
    folder: Path, campaign: Campaign, results: list[PosterResult], loaded, previous: dict[str, dict]
) -> dict:
    """Write the manifest: this build's posters, plus earlier ones it did not rebuild."""
    built = {r.job.filename: r for r in results}
    posters = []
    for job in plan(campaign):
        result = built.get(job.filename)
        if result is not None:
            if result.ok:
                posters.append(result.manifest_entry())
            else:
                _remove_stale(folder, job.filename, previous.get(job.filename, {}).get("pages"))
        elif job.filename in previous and (folder / job.filename).is_file():
            posters.append(previous[job.filename])
    manifest = {
        "campaign": campaign.id,
        "source": loaded.path.name,
        "draft": campaign.review.translations != "reviewed",
        "review_note": campaign.review.note,
        "posters": posters,
    }
    write_manifest(folder, manifest)
    return manifest


def _remove_stale(folder: Path, filename: str, pages: int | None) -> None:
    """A poster that fails now must not leave its outdated PDF where it could be printed."""
    from .proofs import preview_paths

    pages = pages if isinstance(pages, int) and pages > 0 else 1
    for path in (folder / filename, *preview_paths(folder, filename, pages)):
        path.unlink(missing_ok=True)


def _write_proofs(folder: Path, manifest: dict, project: Path, changed: bool) -> None:
    """Previews (each redrawn only when out of date), and the proof sheet and print order
    when a poster changed or they are missing: an unchanged rebuild never imports WeasyPrint.
    """
    from .proofs import ORDER_SHEET, PROOF_SHEET, write_order_sheet, write_previews

    if not manifest["posters"]:
        return
    write_previews(folder, manifest["posters"])
    if changed or not (folder / ORDER_SHEET).is_file():
        write_order_sheet(folder, manifest)
    if changed or not (folder / PROOF_SHEET).is_file():
        from .proofs import write_proof_sheet

        write_proof_sheet(folder, manifest, project)
