"""Expand a campaign into poster jobs: one per placement, design and format.

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


def plan(campaign: Campaign, only: Iterable[str] = ()) -> list[PosterJob]:
    """Every poster of a campaign (a flyer too is a "poster" here), in file order,
    filtered by ``only`` patterns.

    A filter matches a job when it equals its placement, design, format label,
    size, or one of its languages, or when it is a shell-style pattern matching
    the job's name (``*A1*``). Several filters keep what any of them matches.
    """
    jobs = []
    for placement in campaign.placements:
        for order in placement.orders():
            design = campaign.design(order.design)
            for size in order.formats:
                jobs.append(
                    PosterJob(
                        campaign_id=campaign.id,
                        placement_id=placement.id,
                        design_id=design.id,
                        template=design.template,
                        format=PaperFormat(size.size, size.orientation),
                        languages=(placement.languages[0], placement.languages[1]),
                        quantity=size.quantity,
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
