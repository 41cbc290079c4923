"""Where a campaign's content stands: texts per language, contacts, posters ready to print.

``campaign_status`` gathers it as plain data (``as_dict`` for JSON); the CLI
only lays it out.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass, field

from . import Campaign
from .content import (
    SOURCE,
    campaign_texts,
    contact_state,
    held_back,
    language_text_ids,
    placement_contacts,
    text_problems,
    text_state,
)
from .languages import LANGUAGES

COLUMNS = ("draft", "translated", "reviewed", "stale", "missing")


@dataclass
class LanguageStatus:
    lang: str
    source: bool
    counts: dict[str, int]  # per column of COLUMNS (or "source")
    problems: list[str]  # texts that would be refused on import: script, budget, placeholders


@dataclass
class ContactStatus:
    id: str
    number: str
    source: str
    verified: dt.date | None
    age_months: int | None
    state: str  # ok | old | unverified | future
    note: str


@dataclass
class PlacementStatus:
    id: str
    languages: list[str]
    posters: int
    final_ready: bool
    press_ready: bool  # final-ready and every contact verified
    held_back_by: list[str] = field(default_factory=list)
    unverified: list[str] = field(default_factory=list)
    contacts: list[str] = field(default_factory=list)  # ids of the contacts its posters show


@dataclass
class CampaignStatus:
    campaign: str
    source_language: str
    max_age_months: int
    languages: list[LanguageStatus]
    contacts: list[ContactStatus]
    placements: list[PlacementStatus]
    notes: list[str]

    def as_dict(self) -> dict:
        from dataclasses import asdict

        return asdict(self)


def campaign_status(campaign: Campaign, today: dt.date | None = None) -> CampaignStatus:
    today = today or dt.date.today()
    LANGUAGES.declare(campaign.language_declarations())  # another campaign may have since
    texts = campaign_texts(campaign)
    used = {lang for p in campaign.placements for lang in p.languages}
    present = {lang for text in texts.values() for lang in text.texts}
    languages = []
    known_first = [code for code in LANGUAGES if code in used | present]
    for lang in dict.fromkeys([*known_first, *sorted(used | present)]):
        ids = language_text_ids(campaign, lang)
        states = Counter(text_state(campaign, texts[i], lang).state for i in ids)
        problems = [
            f"{text_id}: {problem}"
            for text_id in ids
            if lang in texts[text_id].texts
            for problem in text_problems(campaign, texts[text_id], lang, texts[text_id].texts[lang])
        ]
        is_source = lang == campaign.source_language
        counts = {SOURCE: states[SOURCE]} if is_source else {c: states[c] for c in COLUMNS}
        if is_source and states["missing"]:
            counts["missing"] = states["missing"]
        languages.append(LanguageStatus(lang, is_source, counts, problems))

    max_age = campaign.review.contact_max_age_months
    contacts = []
    for contact in campaign.contacts:
        state = contact_state(contact, today, max_age)
        contacts.append(
            ContactStatus(
                contact.id,
                contact.number,
                contact.source,
                contact.verified,
                state.age_months,
                state.state,
                "" if state.state == "ok" else state.describe(),
            )
        )

    placements = []
    for placement in campaign.placements:
        waiting = [s.describe() for s in held_back(campaign, placement)]
        unverified = [
            contact_state(c, today, max_age).describe()
            for c in placement_contacts(campaign, placement)
            if not contact_state(c, today, max_age).verified
        ]
        placements.append(
            PlacementStatus(
                placement.id,
                list(placement.languages),
                sum(len(order.formats) for order in placement.orders()),
                not waiting,
                not waiting and not unverified,
                waiting,
                unverified,
                [c.id for c in placement_contacts(campaign, placement)],
            )
        )

    notes = []
    if campaign.review.translations == "reviewed":
        notes.append(
            "review.translations: reviewed is no longer used: each text has its own status "
            "(translations:); texts with none are drafts"
        )
    return CampaignStatus(
        campaign.id,
        campaign.source_language,
        max_age,
        languages,
        contacts,
        placements,
        notes,
    )
