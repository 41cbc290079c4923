"""Build every poster of a campaign: plan → HTML → PDF → preflight → write → manifest.

One poster's failure is recorded and the others go on. Posters are built one
per job in any ``concurrent.futures.Executor`` (a process pool by default when
there is more than one job), and each PDF is written atomically. The manifest
is written last, listing only complete files.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import os
from collections.abc import Callable, Iterable
from concurrent.futures import Executor
from dataclasses import dataclass, field
from pathlib import Path

from ..campaign import Campaign, LoadedCampaign
from ..campaign.loader import field_location
from ..campaign.placeholders import describe, placeholder_assets
from ..output.files import (
    build_lock,
    remove_leftovers,
)
from ..output.manifest import Manifest
from ..planning.inputs import job_key, poster_assets, templates_digest
from ..planning.plan import PosterJob, fit_seeds, plan, select
from ..prepress.profiles import PROFILES, PrintSetup, ProfileError, resolve_print
from .limits import Limits
from .refusals import check_contacts, contact_warnings, refusals
from .results import (
    CampaignResult,
    PosterResult,
    intact,
    previous_entries,
    record_manifest,
    unchanged_result,
    write_proofs,
)
from .schedule import Calls, Inline, Shared
from .workers import INTERRUPTIONS, interruptible, stop_now, worker_pool

LOGGER = logging.getLogger(__name__)


def build_campaign(
    loaded: LoadedCampaign,
    project: Path,
    output_root: Path,
    only: Iterable[str] = (),
    jobs: int | None = None,
    executor: Executor | None = None,
    on_result: Callable[[PosterResult], None] = lambda result: None,
    force: bool = False,
    final: bool = False,
    profile: str | None = None,
    today: dt.date | None = None,
    limits: Limits | None = None,
    on_wait: Callable[[str], None] = LOGGER.warning,
    planned: list[PosterJob] | None = None,
) -> CampaignResult:
    """Build the planned posters whose inputs changed (all of them with ``force``).

    ``executor`` may be any ``concurrent.futures.Executor``, a cluster's among
    them; by default a process pool of ``jobs`` workers (all cores) is used.

    ``final`` refuses draft posters (texts below 'reviewed'); a press profile
    refuses posters showing a contact with no verification date. A refused
    poster is not built, and a file of it from an earlier build is left as it
    was. Contacts verified longer ago than the campaign allows
    (``review.contact_max_age_months`` before ``today``) are warned about in
    each poster's ``contact_warnings``.

    ``profile`` names a print profile overriding the campaign's (``--profile``);
    a profile that cannot be used (a press profile without its ICC profile)
    fails every poster with the reason and leaves the output folder as it was.

    ``limits`` bound each poster's time and memory (none by default). Two
    builds of one campaign into one folder take turns: the second says so
    through ``on_wait`` and waits.

    ``planned`` is every poster the campaign plans (``plan(campaign)``), when the
    caller has planned it already: a build plans once.
    """
    campaign = loaded.campaign
    folder = output_root / campaign.id
    on_result = locating(loaded, on_result)
    planned = plan(campaign) if planned is None else planned
    try:
        setup = resolve_print(campaign, project, profile)
    except ProfileError as error:
        results = [
            PosterResult(job, False, error=f"print profile: {error}")
            for job in select(planned, only)
        ]
        for result in results:
            on_result(result)
        return CampaignResult(campaign.id, folder, results)
    with interruptible(), build_lock(folder, on_wait):
        options = BuildOptions(
            tuple(only), jobs, executor, force, final, today or dt.date.today(), limits
        )
        return _build_campaign(loaded, project, folder, setup, options, on_result, planned)


def _with_placeholders(on_result: Callable[[PosterResult], None], placeholders: dict):
    """Say which stand-in assets each poster shows, before it is reported."""

    def report(result: PosterResult) -> None:
        result.placeholders = placeholders.get(result.job.filename, [])
        on_result(result)

    return report


def locating(loaded: LoadedCampaign, on_result: Callable[[PosterResult], None]):
    """Put the file, line and field in front of a failure that comes from one field."""

    def report(result: PosterResult) -> None:
        if not result.ok and result.field and result.error:
            located = f"{field_location(loaded, result.field)}: {result.error}"
            for reason, details in result.reasons.items():
                result.reasons[reason] = [located if d == result.error else d for d in details]
            result.error = located
            result.field = None
        on_result(result)

    return report


@dataclass(frozen=True)
class BuildOptions:
    """What a build was asked for, beyond the campaign (see ``build_campaign``)."""

    only: tuple[str, ...] = ()
    jobs: int | None = None
    executor: Executor | None = None
    force: bool = False
    final: bool = False
    today: dt.date = field(default_factory=dt.date.today)
    limits: Limits | None = None


def _build_campaign(
    loaded: LoadedCampaign,
    project: Path,
    folder: Path,
    setup: PrintSetup,
    options: BuildOptions,
    on_result: Callable[[PosterResult], None],
    planned: list[PosterJob],
) -> CampaignResult:
    campaign = loaded.campaign
    contact_checks = check_contacts(campaign, options.today)
    remove_leftovers(folder)
    stand_ins = placeholder_assets(project)
    placeholders = {
        job.filename: [path for path in poster_assets(job, campaign) if path in stand_ins]
        for job in planned
    }
    on_result = _with_placeholders(on_result, placeholders)
    poster_jobs = select(planned, options.only)
    seeds = fit_seeds(planned, campaign)
    templates = templates_digest(project)
    keys = input_keys(poster_jobs, seeds, campaign, project, templates, setup)
    previous = previous_entries(folder)
    results: list[PosterResult] = []

    to_build = []
    for job in poster_jobs:
        refused_stand_ins = (
            []
            if campaign.print.allow_placeholders
            else [describe(path, stand_ins[path]) for path in placeholders[job.filename]]
        )
        profile = PROFILES["digital"] if job.format.is_pixel else setup.profile  # cards: screens
        refusal, reasons = refusals(
            job, contact_checks[job.placement_id, job.design_id], options.final, profile,
            refused_stand_ins,
        )  # fmt: skip
        if refusal:
            results.append(PosterResult(job, False, error=refusal, refused=True, reasons=reasons))
            on_result(results[-1])
            continue
        entry = previous.get(job.filename)
        fresh = entry and entry.inputs == keys[job.filename] and intact(folder, entry)
        if entry and fresh and not options.force:
            results.append(unchanged_result(job, entry))
            on_result(results[-1])
        else:
            to_build.append(job)

    workers = options.jobs or os.cpu_count() or 1
    # The memory limit applies in worker processes only: one poster is built in a
    # worker of its own when there is a memory limit, unless jobs=1 says otherwise.
    limits, executor = options.limits, options.executor
    alone = len(to_build) <= 1 and not (limits and limits.memory_mb)
    own = executor is None
    shared = None
    if own:
        pooled = workers > 1 and not alone and to_build
        if pooled:  # the campaign goes to each worker once, not with every poster
            shared = Shared(campaign, setup)
            executor = worker_pool(
                min(workers, len(to_build)), initializer=Shared.keep, initargs=(shared,)
            )
        else:
            executor = Inline()

    warnings = contact_warnings(contact_checks)  # as of the day of the build

    def record() -> Manifest:
        for result in results:
            result.contact_warnings = list(warnings[result.job.placement_id, result.job.design_id])
        return record_manifest(folder, campaign, planned, results, loaded, previous, warnings)

    try:
        calls = Calls(executor, campaign, project, folder, keys, setup, limits, shared)
        for result in calls.run(to_build, seeds):
            results.append(result)
            on_result(result)
    except INTERRUPTIONS:  # stop the workers; record the posters that were finished
        if own:
            stop_now(executor)
        record()
        raise
    finally:
        if own and executor is not None:
            executor.shutdown(cancel_futures=True)

    manifest = record()
    write_proofs(folder, manifest, project)
    return CampaignResult(campaign.id, folder, results, setup)


def input_keys(
    jobs: list[PosterJob],
    seeds: dict[str, PosterJob],
    campaign: Campaign,
    project: Path,
    templates: str,
    setup: PrintSetup,
) -> dict[str, str]:
    """Each job's input hash. A poster's fitting starts from its seed's scales, so
    the seed's inputs are among its own."""
    own = {}
    for job in {*jobs, *(seeds[job.filename] for job in jobs)}:
        own[job.filename] = job_key(job, campaign, project, templates, setup.key())
    keys = {}
    for job in jobs:
        seed = seeds[job.filename]
        key = own[job.filename]
        keys[job.filename] = key if seed == job else _combined(key, own[seed.filename])
    return keys


def _combined(*keys: str) -> str:
    return hashlib.sha256("\0".join(keys).encode()).hexdigest()
