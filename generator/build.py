"""Build every poster of a campaign: plan → HTML → PDF → preflight → write → manifest.

One poster's failure is recorded and the others go on. Posters are built one
per job in any ``concurrent.futures.Executor`` (a process pool by default when
there is more than one job), and each PDF is written atomically. The manifest
is written last, listing only complete files.
"""

from __future__ import annotations

import logging
import os
import traceback
from collections.abc import Callable, Iterable
from concurrent.futures import Executor, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from pathlib import Path

from .inputs import job_key, templates_digest
from .limits import LIMIT_ERRORS, WORKER_DIED, Limits, Recovery, out_of_memory, poster_limits
from .output import (
    build_lock,
    read_manifest,
    remove_leftovers,
    sha256,
    write_atomically,
    write_manifest,
)
from .plan import PosterJob, plan
from .schema import Campaign, LoadedCampaign
from .schema.loader import field_location

LOGGER = logging.getLogger(__name__)


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
    field: tuple | None = None  # the campaign field a failure comes from, for its line

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
    job: PosterJob,
    campaign: Campaign,
    project: Path,
    folder: Path,
    inputs: str | None = None,
    limits: Limits | None = None,
) -> PosterResult:
    """Make one poster and write it; never raises for a problem of this poster."""
    from . import preflight  # noqa: F401  (loaded, like the renderer, before the limits)
    from .pdf import font_config

    font_config()  # the renderer's start-up is not the poster's: before the limits
    try:
        with poster_limits(limits):
            result = _build_poster(job, campaign, project, folder)
    except LIMIT_ERRORS as error:
        result = PosterResult(job, False, error=(limits or Limits()).describe(error))
    result.inputs = inputs
    return result


def _build_poster(job: PosterJob, campaign: Campaign, project: Path, folder: Path) -> PosterResult:
    from jinja2 import TemplateError, TemplateSyntaxError

    from .pdf import PosterError, render_poster  # WeasyPrint loads here, in the worker
    from .preflight import preflight
    from .templating import PosterContext
    from .typeset.fonts import FontError

    try:
        rendered = render_poster(PosterContext(job, campaign, project))
        report = preflight(rendered.pdf, job.format)
        warnings = list(report.warnings)
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
    except (PosterError, FontError) as error:
        return PosterResult(job, False, error=str(error), field=getattr(error, "field", None))
    except TemplateSyntaxError as error:
        where = f"templates/{error.name}:{error.lineno}" if error.name else f"line {error.lineno}"
        return PosterResult(job, False, error=f"template error in {where}: {error.message}")
    except TemplateError as error:
        where = _template_frame(error) or f"template '{job.template}'"
        return PosterResult(job, False, error=f"template error in {where}: {error}")
    except Exception as error:  # one poster's bug must not stop the others
        if out_of_memory(error):  # a limit: build_poster reports it once memory is free again
            raise MemoryError(str(error)) from error
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
    limits: Limits | None = None,
    on_wait: Callable[[str], None] = LOGGER.warning,
) -> CampaignResult:
    """Build the planned posters whose inputs changed (all of them with ``force``).

    ``executor`` may be any ``concurrent.futures.Executor``, a cluster's among
    them; by default a process pool of ``jobs`` workers (all cores) is used.
    ``limits`` bound each poster's time and memory (none by default). Two
    builds of one campaign into one folder take turns: the second says so
    through ``on_wait`` and waits.
    """
    folder = output_root / loaded.campaign.id
    folder.mkdir(parents=True, exist_ok=True)
    with build_lock(folder, on_wait):
        return _build_campaign(
            loaded, project, folder, only, jobs, executor, _locating(loaded, on_result), force,
            limits,
        )  # fmt: skip


def _locating(loaded: LoadedCampaign, on_result: Callable[[PosterResult], None]):
    """Put the file, line and field in front of a failure that comes from one field."""

    def report(result: PosterResult) -> None:
        if not result.ok and result.field and result.error:
            result.error = f"{field_location(loaded, result.field)}: {result.error}"
            result.field = None
        on_result(result)

    return report


def _build_campaign(
    loaded: LoadedCampaign,
    project: Path,
    folder: Path,
    only: Iterable[str],
    jobs: int | None,
    executor: Executor | None,
    on_result: Callable[[PosterResult], None],
    force: bool,
    limits: Limits | None,
) -> CampaignResult:
    campaign = loaded.campaign
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
    # The memory limit applies in worker processes only: one poster is built in a
    # worker of its own when there is a memory limit, unless jobs=1 says otherwise.
    alone = len(to_build) <= 1 and not (limits and limits.memory_mb)
    if executor is None and (workers == 1 or alone):
        for job in to_build:
            results.append(build_poster(job, campaign, project, folder, keys[job.filename], limits))
            on_result(results[-1])
    elif to_build:
        own = executor is None
        pool = executor or ProcessPoolExecutor(max_workers=min(workers, len(to_build)))
        recovery = Recovery()
        try:
            calls = [
                (job, campaign, project, folder, keys[job.filename], limits) for job in to_build
            ]
            futures = [(call, recovery.submit(pool, build_poster, *call)) for call in calls]
            for call, future in futures:
                try:
                    result = future.result()
                except BrokenProcessPool:  # a worker died: its posters are tried again alone
                    result = recovery.run(build_poster, *call)
                    result = result or PosterResult(call[0], False, error=WORKER_DIED)
                except Exception as error:  # the worker could not even start this poster
                    result = PosterResult(
                        call[0], False, error=f"unexpected {type(error).__name__}: {error}",
                        detail=traceback.format_exc(),
                    )  # fmt: skip
                results.append(result)
                on_result(results[-1])
        finally:
            recovery.close()
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
