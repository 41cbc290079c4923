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
from .profiles import PrintSetup, ProfileError, resolve_print
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
    profile: str | None = None  # the print profile it was made with

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


def build_poster(
    job: PosterJob,
    campaign: Campaign,
    project: Path,
    folder: Path,
    inputs: str | None = None,
    print_setup: PrintSetup | None = None,
) -> PosterResult:
    """Make one poster and write it; never raises for a problem of this poster."""
    setup = print_setup or resolve_print(campaign, project, "digital")
    result = _build_poster(job, campaign, project, folder, setup)
    result.inputs = inputs
    result.profile = setup.profile.name
    return result


def _build_poster(
    job: PosterJob, campaign: Campaign, project: Path, folder: Path, setup: PrintSetup
) -> PosterResult:
    from jinja2 import TemplateError, TemplateSyntaxError

    from .pdf import PosterError, render_poster  # WeasyPrint loads here, in the worker
    from .preflight import preflight
    from .prepress import PrepressError, prepress
    from .templating import PosterContext
    from .typeset.fonts import FontError

    try:
        rendered = render_poster(PosterContext(job, campaign, project, print_setup=setup))
        prepared = prepress(rendered.pdf, job.format, setup)
        report = preflight(prepared.pdf, job.format, profile=setup.profile)
        warnings = list(report.warnings) + prepared.notes
        warnings += [
            f"text '{key}' ({lang}) shrunk to {scale:.0%} to fit"
            for (key, lang), scale in sorted(rendered.fits.items())
        ]
        if not report.ok:
            return PosterResult(
                job,
                False,
                error="preflight: " + "; ".join(report.errors),
                warnings=warnings,
                preflight=report.as_dict(),
            )
        write_atomically(folder / job.filename, prepared.pdf)
        return PosterResult(
            job,
            True,
            job.filename,
            rendered.pages,
            sha256(prepared.pdf),
            None,
            warnings,
            report.as_dict(),
        )
    except (PosterError, FontError, PrepressError) as error:
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
    profile: str | None = None,
) -> CampaignResult:
    """Build the planned posters whose inputs changed (all of them with ``force``).

    ``executor`` may be any ``concurrent.futures.Executor``, a cluster's among
    them; by default a process pool of ``jobs`` workers (all cores) is used.
    ``profile`` names a print profile overriding the campaign's (``--profile``);
    a profile that cannot be used (a press profile without its ICC profile)
    fails every poster with the reason and leaves the output folder as it was.
    """
    campaign = loaded.campaign
    folder = output_root / campaign.id
    poster_jobs = plan(campaign, only)
    try:
        setup = resolve_print(campaign, project, profile)
    except ProfileError as error:
        results = [PosterResult(job, False, error=f"print profile: {error}") for job in poster_jobs]
        for result in results:
            on_result(result)
        return CampaignResult(campaign.id, folder, results)
    folder.mkdir(parents=True, exist_ok=True)
    remove_leftovers(folder)
    templates = templates_digest(project)
    keys = {
        job.filename: job_key(job, campaign, project, templates, setup.key()) for job in poster_jobs
    }
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
            results.append(build_poster(job, campaign, project, folder, keys[job.filename], setup))
            on_result(results[-1])
    elif to_build:
        own = executor is None
        pool = executor or ProcessPoolExecutor(max_workers=min(workers, len(to_build)))
        try:
            futures = [
                pool.submit(build_poster, job, campaign, project, folder, keys[job.filename], setup)
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
    return CampaignResult(campaign.id, folder, results, setup)


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
        inputs=entry.get("inputs"), unchanged=True, profile=entry.get("profile"),
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
                _remove_stale(folder, job.filename)
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


def _remove_stale(folder: Path, filename: str) -> None:
    """A poster that fails now must not leave its outdated PDF where it could be printed."""
    from .proofs import preview_paths

    for path in (folder / filename, *preview_paths(folder, filename, 1)):
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
