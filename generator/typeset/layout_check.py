"""``poster validate --layout``: lay out every poster as ``build`` would, write nothing.

The fit of a poster is found the same way as in a build (the family's seed
first, its scales passed on to the other members), so a campaign that
validates with ``--layout`` does not then fail to fit at build.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from ..campaign import LoadedCampaign
from ..campaign.loader import field_location
from ..errors import PosterFailure
from ..planning.plan import PosterJob, fit_seeds, plan


@dataclass(frozen=True)
class LayoutProblem:
    job: PosterJob
    message: str  # with the campaign file's line in front when one field is at fault


def check_layout(loaded: LoadedCampaign, project: Path, only=()) -> list[LayoutProblem]:
    from jinja2 import TemplateError

    from ..render.social import context_type
    from ..render.templating import template_pages
    from .pdf import render_poster

    campaign = loaded.campaign
    jobs = plan(campaign, only)
    seeds = fit_seeds(jobs, campaign)
    fits: dict[str, dict] = {}
    problems = []
    # Seeds first, as a build lays them out first.
    order = sorted(jobs, key=lambda job: seeds[job.filename] != job)
    for job in order:
        seed = seeds[job.filename]
        make = context_type(job)  # a social-media card sets its lead number large
        context = make(job, campaign, project, dict(fits.get(seed.filename, {})))
        try:
            rendered = render_poster(context, template_pages(project, job.template))
        except (PosterFailure, TemplateError) as error:
            where = error.field if isinstance(error, PosterFailure) else None
            message = str(error)
            if where:
                message = f"{field_location(loaded, where)}: {message}"
            problems.append(LayoutProblem(job, message))
            continue
        if seed == job:
            fits[job.filename] = rendered.fits
    return problems
