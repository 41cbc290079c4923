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
    fits: dict | None = None  # scales of the shrunk texts, passed on to the family

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
    fits: dict | None = None,
) -> PosterResult:
    """Make one poster and write it; never raises for a problem of this poster."""
    result = _build_poster(job, campaign, project, folder, fits or {})
    result.inputs = inputs
    return result


def build_family(
    jobs: list[PosterJob],
    seed: PosterJob,
    campaign: Campaign,
    project: Path,
    folder: Path,
    keys: dict[str, str],
) -> list[PosterResult]:
    """Build posters of one fit family (``PosterJob.fit_family``), in one worker.

    ``seed`` is the family's largest poster in the whole plan. Its scales,
    found from scratch, are where every other member's fitting starts, which
    saves most of their layout rounds (the largest, because rounding makes
    a text that just fits a little tighter on big sheets than on small ones). Each poster's bytes depend only on the
    campaign, never on which posters this build happens to include: when the
    seed itself is not being built, it is laid out (not written) for its scales.
    """
    results = []
    if seed in jobs:
        results.append(build_poster(seed, campaign, project, folder, keys[seed.filename]))
        fits = results[0].fits or {}
    else:
        fits = _seed_fits(seed, campaign, project)
    for job in jobs:
        if job != seed:
            results.append(build_poster(job, campaign, project, folder, keys[job.filename], fits))
    return results


def _seed_fits(seed: PosterJob, campaign: Campaign, project: Path) -> dict:
    from .pdf import render_poster
    from .templating import PosterContext

    try:
        return render_poster(PosterContext(seed, campaign, project)).fits
    except Exception:  # the seed's own build reports its problem; start from scratch
        return {}


def _families(to_build: list[PosterJob], planned: list[PosterJob]):
    """Group the jobs to build by fit family, each with its seed from the whole plan."""
    seeds: dict[tuple, PosterJob] = {}
    for job in planned:
        known = seeds.get(job.fit_family)
        if known is None or job.area_mm2 > known.area_mm2:
            seeds[job.fit_family] = job
    families: dict[tuple, list[PosterJob]] = {}
    for job in to_build:
        families.setdefault(job.fit_family, []).append(job)
    return [(jobs, seeds[family]) for family, jobs in families.items()]


def _build_poster(
    job: PosterJob, campaign: Campaign, project: Path, folder: Path, fits: dict
) -> PosterResult:
    from jinja2 import TemplateError, TemplateSyntaxError

    from .pdf import PosterError, render_poster  # WeasyPrint loads here, in the worker
    from .preflight import preflight
    from .proofs import render_previews
    from .templating import PosterContext
    from .typeset.fonts import FontError

    try:
        rendered = render_poster(PosterContext(job, campaign, project, dict(fits)))
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
        render_previews(folder, job.filename, rendered.pdf)  # here, in parallel
        return PosterResult(
            job,
            True,
            job.filename,
            rendered.pages,
            sha256(rendered.pdf),
            None,
            warnings,
            report.as_dict(),
            fits=rendered.fits,
        )
    except (PosterError, FontError) as error:
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

    families = _families(to_build, plan(campaign))
    workers = jobs or os.cpu_count() or 1
    if executor is None and (workers == 1 or len(families) <= 1):
        for family, seed in families:
            for result in build_family(family, seed, campaign, project, folder, keys):
                results.append(result)
                on_result(result)
    elif families:
        own = executor is None
        pool = executor or ProcessPoolExecutor(max_workers=min(workers, len(families)))
        try:
            futures = [
                pool.submit(build_family, family, seed, campaign, project, folder, keys)
                for family, seed in families
            ]
            for future in futures:
                for result in future.result():
                    results.append(result)
                    on_result(result)
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
