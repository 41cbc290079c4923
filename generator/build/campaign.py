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
import queue
import traceback
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Executor, Future
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from ..campaign import Campaign, LoadedCampaign
from ..campaign.content import contact_state, placement_contacts
from ..campaign.languages import LANGUAGES
from ..campaign.loader import field_location
from ..campaign.placeholders import describe, placeholder_assets
from ..output.files import (
    OutputError,
    build_lock,
    made_from,
    read_manifest,
    record_sheet,
    remove_leftovers,
    sha256,
    sheet_is_fresh,
    write_atomically,
    write_manifest,
)
from ..planning.inputs import job_key, poster_assets, templates_digest
from ..planning.plan import PosterJob, fit_seeds, plan, select
from ..prepress.profiles import PROFILES, PrintProfile, PrintSetup, ProfileError, resolve_print
from .cluster import worker_lost
from .limits import LIMIT_ERRORS, WORKER_DIED, Limits, Recovery, out_of_memory, poster_limits
from .workers import INTERRUPTIONS, interruptible, stop_now, worker_pool

LOGGER = logging.getLogger(__name__)

# What stops a poster, as the build's summary names it (PosterResult.reasons).
REASONS = {
    "final": "drafts under --final; these texts await review by native speakers",
    "draft-mark": "drafts under a profile without transparency (for the DRAFT mark); "
    "these texts await review",
    "unverified": "press profile and a contact with no verification date",
    "fit": "a text does not fit",
    "preflight": "preflight errors",
    "pictures": "an image or QR code unusable at its printed size",
    "placeholder": "press profile and placeholder assets; replace them with the real files, "
    "or set print.allow_placeholders: true for proofs",
}
FIT_FAILURE = "does not fit"  # in each message of pdf.py's fit loop giving up


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
            **_content_fields(job, self.contact_warnings),
        }


def _content_fields(job: PosterJob, contact_warnings: list[str]) -> dict:
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


def build_poster(
    job: PosterJob,
    campaign: Campaign,
    project: Path,
    folder: Path,
    inputs: str | None = None,
    print_setup: PrintSetup | None = None,
    fits: dict | None = None,
    limits: Limits | None = None,
) -> PosterResult:
    """Make one poster and write it; never raises for a problem of this poster."""
    from .. import preflight  # noqa: F401  (loaded, like the renderer, before the limits)
    from ..typeset.pdf import font_config

    setup = print_setup or resolve_print(campaign, project, "digital")
    LANGUAGES.declare(campaign.language_declarations())  # their fonts join the renderer's
    font_config()  # the renderer's start-up is not the poster's: before the limits
    try:
        with poster_limits(limits):
            result = _build_poster(job, campaign, project, folder, setup, fits or {})
    except LIMIT_ERRORS as error:
        result = PosterResult(job, False, error=(limits or Limits()).describe(error))
    result.inputs = inputs
    result.profile = "digital" if job.format.is_pixel else setup.profile.name  # cards: sRGB
    return result


def seed_fits(
    seed: PosterJob,
    campaign: Campaign,
    project: Path,
    setup: PrintSetup,
    limits: Limits | None = None,
) -> dict:
    """The scales a family's seed needs, when the seed itself is not being built."""
    from ..render.social import context_type
    from ..typeset.pdf import font_config, render_poster

    LANGUAGES.declare(campaign.language_declarations())
    font_config()
    make = context_type(seed)  # a social-media card sets its lead number large
    try:
        with poster_limits(limits):
            return render_poster(make(seed, campaign, project, print_setup=setup)).fits
    except Exception:  # the seed's own build reports its problem; start from scratch
        return {}


def _build_poster(
    job: PosterJob,
    campaign: Campaign,
    project: Path,
    folder: Path,
    setup: PrintSetup,
    fits: dict,
) -> PosterResult:
    from jinja2 import TemplateError, TemplateSyntaxError

    from ..output.proofs import render_previews
    from ..preflight import preflight
    from ..preflight.text_layer import printed_texts
    from ..prepress.prepress import PrepressError, prepress
    from ..render.asset_check import check_job_pictures, drawing_failures
    from ..render.images import check_pictures
    from ..render.qr import QrError
    from ..render.social import CardError, build_card
    from ..render.templating import PosterContext, TemplateMetadataError, template_pages
    from ..typeset.actualtext import recording
    from ..typeset.fonts import FontError
    from ..typeset.layout import describe_fits
    from ..typeset.pdf import PosterError, render_poster  # WeasyPrint loads here, in the worker

    try:
        # Every picture verified before layout: the renderer would drop a broken one.
        broken = check_job_pictures(job, campaign, project)
        if broken:
            return PosterResult(job, False, error="; ".join(map(str, broken)))
        if job.format.is_pixel:  # a social-media card: PNG, JPEG and post text, no PDF
            return build_card(job, campaign, project, folder, fits)
        pages = template_pages(project, job.template)
        context = PosterContext(job, campaign, project, dict(fits), print_setup=setup)
        # The lines the PDF prints are recorded for the text-layer check.
        with drawing_failures() as failures, recording() as drawn:
            rendered = render_poster(context, expected_pages=pages)
        if failures:  # never a poster with a picture silently left out
            failed = "; ".join(dict.fromkeys(failures))
            return PosterResult(job, False, error=f"a picture could not be drawn: {failed}")
        prepared = prepress(rendered.pdf, job.format, setup)
        report = preflight(
            prepared.pdf,
            job.format,
            expected_pages=pages,
            profile=setup.profile,
            texts=printed_texts(context.printed_texts(), drawn),
        )
        warnings = list(report.warnings) + prepared.notes
        warnings += describe_fits(rendered.fits)
        # Images too coarse for print, a QR code too small to scan.
        picture_errors, picture_warnings = check_pictures(context, rendered)
        warnings += picture_warnings
        errors = (["preflight: " + "; ".join(report.errors)] if report.errors else []) + (
            picture_errors
        )
        if errors:
            reasons = {"preflight": list(report.errors)} if report.errors else {}
            reasons |= {"pictures": picture_errors} if picture_errors else {}
            return PosterResult(
                job, False, error="; ".join(errors), warnings=warnings,
                preflight=report.as_dict(), reasons=reasons,
            )  # fmt: skip
        write_atomically(folder / job.filename, prepared.pdf)
        render_previews(folder, job.filename, prepared.pdf)  # here, in parallel
        return PosterResult(
            job,
            True,
            job.filename,
            rendered.pages,
            sha256(prepared.pdf),
            None,
            warnings,
            report.as_dict(),
            fits=rendered.fits,
        )
    except (
        PosterError,
        FontError,
        PrepressError,
        TemplateMetadataError,
        QrError,
        CardError,
    ) as error:
        fit = isinstance(error, PosterError) and FIT_FAILURE in str(error)
        return PosterResult(
            job, False, error=str(error), field=getattr(error, "field", None),
            reasons={"fit": [str(error)]} if fit else {},
        )  # fmt: skip
    except OutputError as error:  # disk full, read-only folder: the path and what to do
        return PosterResult(job, False, error=str(error))
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
    final: bool = False,
    profile: str | None = None,
    today: dt.date | None = None,
    limits: Limits | None = None,
    on_wait: Callable[[str], None] = LOGGER.warning,
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
    """
    campaign = loaded.campaign
    folder = output_root / campaign.id
    on_result = _locating(loaded, on_result)
    try:
        setup = resolve_print(campaign, project, profile)
    except ProfileError as error:
        results = [
            PosterResult(job, False, error=f"print profile: {error}")
            for job in plan(campaign, only)
        ]
        for result in results:
            on_result(result)
        return CampaignResult(campaign.id, folder, results)
    with interruptible(), build_lock(folder, on_wait):
        return _build_campaign(
            loaded, project, folder, only, jobs, executor, on_result, force, final, setup,
            today or dt.date.today(), limits,
        )  # fmt: skip


def _with_placeholders(on_result: Callable[[PosterResult], None], placeholders: dict):
    """Say which stand-in assets each poster shows, before it is reported."""

    def report(result: PosterResult) -> None:
        result.placeholders = placeholders.get(result.job.filename, [])
        on_result(result)

    return report


def _locating(loaded: LoadedCampaign, on_result: Callable[[PosterResult], None]):
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


def _build_campaign(
    loaded: LoadedCampaign,
    project: Path,
    folder: Path,
    only: Iterable[str],
    jobs: int | None,
    executor: Executor | None,
    on_result: Callable[[PosterResult], None],
    force: bool,
    final: bool,
    setup: PrintSetup,
    today: dt.date,
    limits: Limits | None,
) -> CampaignResult:
    campaign = loaded.campaign
    contact_checks = _contact_checks(campaign, today)
    remove_leftovers(folder)
    planned = plan(campaign)
    stand_ins = placeholder_assets(project)
    placeholders = {
        job.filename: [path for path in poster_assets(job, campaign) if path in stand_ins]
        for job in planned
    }
    on_result = _with_placeholders(on_result, placeholders)
    poster_jobs = select(planned, only)
    seeds = fit_seeds(planned, campaign)
    templates = templates_digest(project)
    keys = _input_keys(poster_jobs, seeds, campaign, project, templates, setup)
    previous = _previous_entries(folder)
    results: list[PosterResult] = []

    to_build = []
    for job in poster_jobs:
        refused_stand_ins = (
            []
            if campaign.print.allow_placeholders
            else [describe(path, stand_ins[path]) for path in placeholders[job.filename]]
        )
        profile = PROFILES["digital"] if job.format.is_pixel else setup.profile  # cards: screens
        refusal, reasons = _refusals(
            job, contact_checks[job.placement_id, job.design_id], final, profile,
            refused_stand_ins,
        )  # fmt: skip
        if refusal:
            results.append(PosterResult(job, False, error=refusal, refused=True, reasons=reasons))
            on_result(results[-1])
            continue
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
    own = executor is None
    shared = None
    if own:
        pooled = workers > 1 and not alone and to_build
        if pooled:  # the campaign goes to each worker once, not with every poster
            shared = _Shared(campaign, setup)
            executor = worker_pool(
                min(workers, len(to_build)), initializer=_Shared.keep, initargs=(shared,)
            )
        else:
            executor = _Inline()

    def record() -> dict:
        for result in results:
            checks = contact_checks[result.job.placement_id, result.job.design_id]
            result.contact_warnings = [c.describe() for c in checks if c.state != "ok"]
        return _record(folder, campaign, planned, results, loaded, previous, contact_checks)

    try:
        calls = _Calls(executor, campaign, project, folder, keys, setup, limits, shared)
        for result in calls.run(to_build, seeds):
            results.append(result)
            on_result(result)
    except INTERRUPTIONS:  # stop the workers; record the posters that were finished
        if own:
            stop_now(executor)
        record()
        raise
    finally:
        if own:
            executor.shutdown(cancel_futures=True)

    manifest = record()
    _write_proofs(folder, manifest, project)
    return CampaignResult(campaign.id, folder, results, setup)


def _input_keys(
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


class _Calls:
    """Hands the posters to the executor, each family's seed first, and yields the
    results as they come.

    Every other member of a family waits for its seed's scales, then all of them
    go to the executor at once, so the workers stay busy. The scales a poster
    starts from depend only on the campaign, never on which posters this build
    includes: a seed that is not being built is laid out (not written) for them.
    A poster whose worker died is tried again alone (``limits.Recovery``).
    """

    def __init__(self, executor, campaign, project, folder, keys, setup, limits, shared=None):
        self.executor, self.recovery, self.shared = executor, Recovery(), shared
        self.campaign, self.project, self.folder = campaign, project, folder
        self.keys, self.setup, self.limits = keys, setup, limits
        self.pending: dict[Future, tuple[PosterJob, PosterJob | None, tuple]] = {}
        # Futures as they finish, in order: waiting on all pending futures for each
        # result would make a build of N posters take N² steps.
        self.finished: queue.SimpleQueue[Future] = queue.SimpleQueue()

    def _submit(self, call: tuple, job: PosterJob, seed: PosterJob | None) -> None:
        sent = self.shared.packed(call) if self.shared else call
        future = self.recovery.submit(self.executor, *sent)
        self.pending[future] = (job, seed, call)
        future.add_done_callback(self.finished.put)

    def _poster(self, job: PosterJob, fits: dict | None, seed: PosterJob | None = None) -> None:
        args = (job, self.campaign, self.project, self.folder, self.keys[job.filename])
        self._submit((build_poster, *args, self.setup, fits, self.limits), job, seed)

    def _seed_fits(self, seed: PosterJob) -> None:
        call = (seed_fits, seed, self.campaign, self.project, self.setup, self.limits)
        self._submit(call, seed, seed)

    def run(self, to_build: list[PosterJob], seeds: dict[str, PosterJob]) -> Iterator[PosterResult]:
        members: dict[PosterJob, list[PosterJob]] = {}
        for job in to_build:
            seed = seeds[job.filename]
            members.setdefault(seed, [])
            if job != seed:
                members[seed].append(job)
        building = set(to_build)
        for seed in members:
            if seed in building:
                self._poster(seed, None, seed)
            else:
                self._seed_fits(seed)
        try:
            while self.pending:
                future = self.finished.get()
                job, seed, call = self.pending.pop(future)
                outcome = self._outcome(future, job, call)
                if isinstance(outcome, PosterResult):
                    yield outcome
                if seed is None:
                    continue  # a member's own result
                fits = outcome.fits if isinstance(outcome, PosterResult) else outcome
                for member in members[seed]:
                    self._poster(member, fits or {})
        except INTERRUPTIONS:
            self.recovery.close(now=True)
            raise
        finally:
            self.recovery.close()

    def _outcome(self, future: Future, job: PosterJob, call: tuple):
        """The call's result; if its worker died (a local worker, or on a cluster a task
        whose workers kept dying), the result of trying it again alone."""
        fits_only = call[0] is seed_fits
        try:
            return future.result()
        except Exception as error:
            if not worker_lost(error):  # the worker could not even start this call
                if fits_only:
                    return {}
                return PosterResult(
                    job, False, error=f"unexpected {type(error).__name__}: {error}",
                    detail=traceback.format_exc(),
                )  # fmt: skip
            outcome = self.recovery.run(*call)
            if outcome is None:
                return {} if fits_only else PosterResult(job, False, error=WORKER_DIED)
            return outcome


_KEPT: dict[str, tuple[Campaign, PrintSetup]] = {}  # in a pool's worker: its build's


class _Shared:
    """The campaign and print setup of a build, handed to each worker of its pool once
    (the pool's initializer) rather than pickled with every poster: a campaign of
    2,000 posters is half a megabyte, which made each poster's call cost grow with
    the campaign. A call refers to them by this object's key."""

    def __init__(self, campaign: Campaign, setup: PrintSetup):
        self.key = f"{os.getpid()}-{id(campaign)}-{id(setup)}"
        self.campaign, self.setup = campaign, setup

    def keep(self) -> None:
        """In a new worker: keep this build's campaign and setup."""
        _KEPT.clear()
        _KEPT[self.key] = (self.campaign, self.setup)

    def packed(self, call: tuple) -> tuple:
        """``call`` with the campaign and setup replaced by references to them."""
        function, *args = call
        refs = [_Kept(self.key, 0) if a is self.campaign else
                _Kept(self.key, 1) if a is self.setup else a for a in args]  # fmt: skip
        return (_unpacked, function, *refs)


@dataclass(frozen=True)
class _Kept:
    key: str
    index: int  # 0: the campaign, 1: the print setup


def _unpacked(function, *args):
    """In a worker: ``function`` called with the kept campaign and setup put back."""
    return function(*(_KEPT[a.key][a.index] if isinstance(a, _Kept) else a for a in args))


class _Inline(Executor):
    """Runs each job at once, in this process: one worker, or a single poster."""

    def submit(self, fn, /, *args, **kwargs) -> Future:
        future: Future = Future()
        try:
            future.set_result(fn(*args, **kwargs))
        except Exception as error:
            future.set_exception(error)
        return future


def _contact_checks(campaign: Campaign, today: dt.date) -> dict[tuple[str, str], list]:
    """The contacts of each placement's posters of each design, with the state of
    their verification."""
    max_age = campaign.review.contact_max_age_months
    return {
        (placement.id, order.design): [
            contact_state(contact, today, max_age)
            for contact in placement_contacts(campaign, placement, order.design)
        ]
        for placement in campaign.placements
        for order in placement.orders()
    }


def _refusals(
    job: PosterJob, contacts: list, final: bool, profile: PrintProfile, placeholders: list[str]
) -> tuple[str | None, dict[str, list[str]]]:
    """Why this build must not make this poster: the message (None: it may), and its
    details per reason (a key of REASONS)."""
    messages, reasons = [], {}
    if final and job.draft:
        shown = "; ".join(job.held_back[:5])
        more = len(job.held_back) - 5
        shown += f"; and {more} more (see: poster status)" if more > 0 else ""
        messages.append(f"refused by --final, {len(job.held_back)} texts await review: {shown}")
        reasons["final"] = list(job.held_back)
    if job.draft and not profile.transparency:
        messages.append(
            f"refused for {profile.name}: the DRAFT mark is translucent, which "
            f"{profile.pdf_x} forbids; build drafts with 'press' (PDF/X-4), or have "
            "the texts reviewed"
        )
        reasons["draft-mark"] = list(job.held_back)
    unverified = [state.describe() for state in contacts if not state.verified]
    if profile.is_press and unverified:
        messages.append(f"refused for press: {'; '.join(unverified)}")
        reasons["unverified"] = unverified
    if profile.is_press and placeholders:
        messages.append(
            f"refused for press: placeholder assets {'; '.join(placeholders)}: replace them, "
            "or set print.allow_placeholders: true for proofs"
        )
        reasons["placeholder"] = placeholders
    return " / ".join(messages) or None, reasons


def _previous_entries(folder: Path) -> dict[str, dict]:
    posters = read_manifest(folder).get("posters", [])
    return {e["file"]: e for e in posters if isinstance(e, dict) and isinstance(e.get("file"), str)}


def _intact(folder: Path, entry: dict) -> bool:
    """The file the manifest lists is there and has the bytes it says."""
    path = folder / entry["file"]
    companions = [entry[key] for key in ("jpeg", "post_text") if isinstance(entry.get(key), str)]
    return (
        path.is_file()
        and sha256(path.read_bytes()) == entry.get("sha256")
        and all((folder / name).is_file() for name in companions)
    )


def _unchanged(job: PosterJob, entry: dict) -> PosterResult:
    return PosterResult(
        job, True, entry["file"], entry.get("pages", 0), entry.get("sha256"),
        warnings=list(entry.get("warnings", [])), preflight=entry.get("preflight"),
        inputs=entry.get("inputs"), unchanged=True, profile=entry.get("profile"),
        extra={k: entry[k] for k in ("jpeg", "post_text", "pixels") if k in entry},
    )  # fmt: skip


def _record(
    folder: Path,
    campaign: Campaign,
    jobs: list[PosterJob],
    results: list[PosterResult],
    loaded,
    previous: dict[str, dict],
    contact_checks: dict[tuple[str, str], list],
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
            warnings = [
                s.describe()
                for s in contact_checks[job.placement_id, job.design_id]
                if s.state != "ok"
            ]
            posters.append({**previous[job.filename], **_content_fields(job, warnings)})
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
    from ..output.proofs import preview_paths, thumbnail_path
    from ..render.social import companion_names

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


def _write_proofs(folder: Path, manifest: dict, project: Path) -> None:
    """Previews (each redrawn only when out of date), and the proof sheet and print order
    whenever what they were made from (the manifest) differs from what they show, or
    they are missing or were changed, or their last write failed: an unchanged rebuild
    never imports WeasyPrint."""
    from ..output.print_order import write_order_sheet
    from ..output.proofs import ORDER_SHEET, PROOF_SHEET, write_previews

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
        from ..output.proofs import write_proof_sheet

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
