"""Expand a campaign into poster jobs: one per placement and format.

A job carries everything the later stages need and nothing they must look up
again, so it can be sent to a worker process as it is.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from .formats import PaperFormat
from .schema import Campaign


@dataclass(frozen=True)
class PosterJob:
    campaign_id: str
    placement_id: str
    design_id: str
    template: str
    format: PaperFormat
    languages: tuple[str, str]
    quantity: int

    @property
    def name(self) -> str:
        """A stable, readable file stem: place, design, size, languages."""
        langs = "-".join(self.languages)
        return f"{self.placement_id}_{self.design_id}_{self.format.label}_{langs}"

    @property
    def filename(self) -> str:
        return f"{self.name}.pdf"

    @property
    def fit_family(self) -> tuple:
        """Jobs with the same family are one poster at similar sizes: the A sizes share
        one aspect ratio and the layout scales with the page, so a text that needs
        shrinking on one needs about the same on the others."""
        width, height = self.format.trim_mm
        return (self.placement_id, self.design_id, self.languages, round(width / height, 2))

    @property
    def area_mm2(self) -> float:
        width, height = self.format.trim_mm
        return width * height


def plan(campaign: Campaign, only: Iterable[str] = ()) -> list[PosterJob]:
    """Every poster of a campaign, in file order, filtered by ``only`` patterns.

    A filter matches a job when it equals its placement, design, format label,
    size, or one of its languages, or when it is a shell-style pattern matching
    the job's name (``*A1*``). Several filters keep what any of them matches.
    """
    jobs = []
    for placement in campaign.placements:
        design = campaign.design(placement.design)
        for order in placement.formats:
            jobs.append(
                PosterJob(
                    campaign_id=campaign.id,
                    placement_id=placement.id,
                    design_id=design.id,
                    template=design.template,
                    format=PaperFormat(order.size, order.orientation),
                    languages=(placement.languages[0], placement.languages[1]),
                    quantity=order.quantity,
                )
            )
    filters = list(only)
    if filters:
        jobs = [job for job in jobs if any(_matches(job, f) for f in filters)]
    return jobs


def _matches(job: PosterJob, pattern: str) -> bool:
    fields = {job.placement_id, job.design_id, job.format.label, job.format.name, *job.languages}
    if pattern in fields:
        return True
    regex = re.escape(pattern).replace(r"\*", ".*").replace(r"\?", ".")
    return re.fullmatch(regex, job.name) is not None
