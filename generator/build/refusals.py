"""What stops a poster before it is built: refusal policy, and the reasons a build names."""

from __future__ import annotations

import datetime as dt

from ..campaign import Campaign
from ..campaign.content import contact_state, placement_contacts
from ..planning.plan import PosterJob
from ..prepress.profiles import PrintProfile

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


def check_contacts(campaign: Campaign, today: dt.date) -> dict[tuple[str, str], list]:
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


def contact_warnings(checks: dict[tuple[str, str], list]) -> dict[tuple[str, str], list[str]]:
    """What each (placement, design)'s posters are warned about their contacts, as of the
    day of the build: every contact whose verification is not 'ok'."""
    return {
        poster: [state.describe() for state in states if state.state != "ok"]
        for poster, states in checks.items()
    }


def refusals(
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
