"""Expand a campaign into poster jobs: one per placement, design and format.

A job carries everything the later stages need and nothing they must look up
again, so it can be sent to a worker process as it is.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from ..campaign import Campaign
from ..campaign.content import campaign_texts, held_back, printed_contact_ids
from ..campaign.wording import did_you_mean
from .formats import PaperFormat

# Appended to the file name of a poster with texts still awaiting review.
DRAFT_SUFFIX = "_DRAFT"


@dataclass(frozen=True)
class PosterJob:
    campaign_id: str
    placement_id: str
    design_id: str
    template: str
    format: PaperFormat
    languages: tuple[str, ...]  # 1 to 4, the primary first
    quantity: int
    held_back: tuple[str, ...] = ()  # texts below 'reviewed', as "key (lang): state"

    @property
    def draft(self) -> bool:
        return bool(self.held_back)

    @property
    def name(self) -> str:
        """A stable, readable file stem: place, design, size, languages, and _DRAFT."""
        langs = "-".join(self.languages)
        stem = f"{self.placement_id}_{self.design_id}_{self.format.label}_{langs}"
        return stem + (DRAFT_SUFFIX if self.draft else "")

    @property
    def other_filename(self) -> str:
        """The name this poster has when its draft state is the other one."""
        final = self.name.removesuffix(DRAFT_SUFFIX)
        extension = self.format.extension  # .png for a social-media card
        return f"{final}{extension}" if self.draft else f"{final}{DRAFT_SUFFIX}{extension}"

    @property
    def filename(self) -> str:
        return f"{self.name}{self.format.extension}"

    @property
    def area_mm2(self) -> float:
        width, height = self.format.trim_mm
        return width * height


def fit_family(job: PosterJob, campaign: Campaign) -> tuple:
    """Posters of one family set the same texts in boxes of the same proportions.

    Same design, languages and contacts (the contacts set the width of the name
    columns), and the same aspect ratio: the layout scales with the page and
    the A sizes share one ratio, so a text that must shrink on one member must
    shrink about as much on the others. Only the place name differs.
    """
    design = campaign.design(job.design_id)
    placement = campaign.placement(job.placement_id)
    width, height = job.format.trim_mm
    contacts = tuple(printed_contact_ids(design, placement))
    # To one decimal: the A sizes (0.705 to 0.710) are one family, DL (0.47) another.
    return (job.design_id, job.languages, contacts, round(width / height, 1))


def fit_seeds(jobs: list[PosterJob], campaign: Campaign) -> dict[str, PosterJob]:
    """For each job, its family's seed: the family's largest poster, first in file order."""
    largest: dict[tuple, PosterJob] = {}
    families = {}
    for job in jobs:
        family = families[job.filename] = fit_family(job, campaign)
        if family not in largest or job.area_mm2 > largest[family].area_mm2:
            largest[family] = job
    return {job.filename: largest[families[job.filename]] for job in jobs}


def plan(campaign: Campaign, only: Iterable[str] = ()) -> list[PosterJob]:
    """Every poster of a campaign (a flyer too is a "poster" here), in file order,
    filtered by ``only`` patterns.

    A filter names a placement, a design, a format (label ``A3-landscape`` or
    size ``A3``), a language, or is a shell-style pattern on the job's name
    (``*A1*``). Filters of different kinds must all match; filters of one kind
    keep what any of them matches (``select``).
    """
    jobs = []
    texts = campaign_texts(campaign)
    for placement in campaign.placements:
        for order in placement.orders():
            design = campaign.design(order.design)
            waiting = tuple(s.describe() for s in held_back(campaign, placement, design.id, texts))
            for size in order.formats:
                jobs.append(
                    PosterJob(
                        campaign_id=campaign.id,
                        placement_id=placement.id,
                        design_id=design.id,
                        template=design.template,
                        format=PaperFormat(size.size, size.orientation),
                        languages=tuple(placement.languages),
                        quantity=size.quantity,
                        held_back=waiting,
                    )
                )
    return select(jobs, only)


FILTER_KINDS = ("placement", "design", "format", "language", "pattern")


def select(jobs: list[PosterJob], only: Iterable[str] = ()) -> list[PosterJob]:
    """The jobs that the ``only`` filters select (all of them without filters).

    Filters AND across kinds and OR within one: ``vientiane-nong-khai A1`` is the
    Vientiane A1 poster, ``A1 A2`` both sizes at every placement, ``A1 *_lo-th*``
    the A1 posters in Lao and Thai.
    """
    groups = filter_kinds(jobs, only)
    return [
        job
        for job in jobs
        if all(any(_matches(job, f) for f in filters) for filters in groups.values())
    ]


def filter_kinds(jobs: list[PosterJob], only: Iterable[str]) -> dict[str, list[str]]:
    """The filters grouped by what they name among ``jobs``, in ``FILTER_KINDS`` order.

    A name that is not a placement, design, format or language of any job is a
    pattern on the file name (and matches nothing unless it is one).
    """
    names: dict[str, set[str]] = {kind: set() for kind in FILTER_KINDS[:-1]}
    for job in jobs:
        names["placement"].add(job.placement_id)
        names["design"].add(job.design_id)
        names["format"].update((job.format.label, job.format.name))
        names["language"].update(job.languages)
    groups: dict[str, list[str]] = {}
    for f in dict.fromkeys(only):
        kind = next((k for k, known in names.items() if f in known), "pattern")
        groups.setdefault(kind, []).append(f)
    return {kind: groups[kind] for kind in FILTER_KINDS if kind in groups}


def unknown_filters(jobs: list[PosterJob], only: Iterable[str]) -> dict[str, str]:
    """Each filter that names nothing among ``jobs`` and is no pattern (no ``*`` or ``?``)
    → a "did you mean" for the name it may have meant, or ""."""
    names = {
        name
        for job in jobs
        for name in (job.placement_id, job.design_id, job.format.label, *job.languages)
    }
    return {
        f: did_you_mean(f, names)
        for f in filter_kinds(jobs, only).get("pattern", [])
        if not any(c in f for c in "*?[") and not any(_matches(job, f) for job in jobs)
    }


def describe_selection(jobs: list[PosterJob], only: Iterable[str]) -> str:
    """What ``only`` selects, in words: "placement vientiane-nong-khai and format A1 or A2"."""
    groups = filter_kinds(jobs, only)
    return " and ".join(f"{kind} {' or '.join(filters)}" for kind, filters in groups.items())


def _matches(job: PosterJob, pattern: str) -> bool:
    fields = {job.placement_id, job.design_id, job.format.label, job.format.name, *job.languages}
    if pattern in fields:
        return True
    regex = re.escape(pattern).replace(r"\*", ".*").replace(r"\?", ".")
    # A draft's name ends in _DRAFT; the name without it matches too, so a filter
    # written for the draft still finds the final poster and the other way round.
    names = (job.name, job.name.removesuffix(DRAFT_SUFFIX))
    return any(re.fullmatch(regex, name) for name in names)
