"""What a poster depends on, hashed: the key that decides whether to rebuild it.

A poster is rebuilt when any of its inputs changed: the campaign data it uses
(its design, placement, the texts in its two languages, its contacts and
organisations, the review state), the templates, the asset files it shows,
the fonts, the print profile (with the ICC profile's digest, the palette and
the date press files carry) and the tool's version. Nothing here imports
WeasyPrint, so a build with nothing to do stays fast.
"""

from __future__ import annotations

import hashlib
import json
from functools import cache
from pathlib import Path

from .. import tool_version
from ..campaign import Campaign
from ..campaign.content import poster_contact_ids
from .plan import PosterJob


def poster_data(job: PosterJob, campaign: Campaign) -> dict:
    """The part of the campaign one poster prints, in a stable form."""
    design = campaign.design(job.design_id)
    placement = campaign.placement(job.placement_id)
    contact_ids = poster_contact_ids(design, placement)
    return {
        "job": [job.template, job.format.name, job.format.orientation, list(job.languages)],
        "design": design.model_dump(mode="json"),
        # Quantities and the other designs' sizes do not change this poster's pixels.
        "placement": placement.model_dump(mode="json", exclude={"formats", "designs", "design"}),
        "texts": {
            key: {lang: campaign.messages[key].get(lang) for lang in job.languages}
            for key in design.message_keys()
        },
        "contacts": [campaign.contact(c).model_dump(mode="json") for c in contact_ids],
        "organisations": [
            campaign.organisation(o).model_dump(mode="json") for o in design.organisations
        ],
        "review": campaign.review.model_dump(mode="json"),
        "title": campaign.title,
        # A text may print any contact's number through a placeholder ({number:id}).
        "numbers": {contact.id: contact.number for contact in campaign.contacts},
    }


def poster_assets(job: PosterJob, campaign: Campaign) -> list[str]:
    """The asset files a poster shows (pictogram, illustration, icons, logos), sorted."""
    design = campaign.design(job.design_id)
    logos = [campaign.organisation(o).logo for o in design.organisations]
    icons = [slot.icon for slot in design.messages]
    return sorted({p for p in [design.pictogram, design.illustration, *icons, *logos] if p})


def _file_digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _asset_digest(project: Path, path: str) -> str:
    """An asset's digest; one changed into a link out of assets/, or removed, since the
    campaign was loaded is not read (the renderer refuses it and says where)."""
    real = (project / path).resolve()
    if not real.is_relative_to((project / "assets").resolve()) or not real.is_file():
        return f"unusable: {real}"
    return _file_digest(real)


def templates_digest(project: Path) -> str:
    """Every template file: a change to a shared one affects every design."""
    digest = hashlib.sha256()
    root = project / "templates"
    inside = root.resolve()
    for path in sorted(p for p in root.rglob("*") if p.is_file()):
        # A link out of templates/ is never read (the renderer refuses it too): its target
        # stands for it.
        real = path.resolve()
        content = _file_digest(path) if real.is_relative_to(inside) else f"-> {real}"
        digest.update(str(path.relative_to(root)).encode() + b"\0" + content.encode())
    return digest.hexdigest()


@cache
def fonts_digest() -> str:
    """The declared font files, by path and size: a font update rebuilds everything."""
    from ..typeset.fonts import declared_files

    digest = hashlib.sha256()
    for family, files in sorted(declared_files().items()):
        for file in files:
            digest.update(f"{family}\0{file}\0{file.stat().st_size}\n".encode())
    return digest.hexdigest()


def job_key(
    job: PosterJob,
    campaign: Campaign,
    project: Path,
    templates: str,
    print_key: dict | None = None,
) -> str:
    """``print_key``: the print setup's part (profile, ICC digest, palette, date)."""
    data = poster_data(job, campaign)
    payload = {
        "tool": tool_version(),
        "data": data,
        "templates": templates,
        "assets": {path: _asset_digest(project, path) for path in poster_assets(job, campaign)},
        "fonts": fonts_digest(),
        "print": print_key,
    }
    text = json.dumps(payload, sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()
