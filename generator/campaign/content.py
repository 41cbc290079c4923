"""Can this content go on a wall? Texts with their review status, and contacts with their age.

Every text a poster prints is named by a *text id*: a message key
(``headline``), or ``campaign.title``, ``placement.<id>.name``,
``contact.<id>.name``, ``organisation.<id>.name``. Each text in each language
other than the campaign's source language has a status, kept in the campaign's
``translations:`` block (no entry: ``draft``). A review records short hashes of
the source text and of the translation it saw: when either changes later, the
review no longer covers the text and it counts as ``stale`` (a translation
awaiting review again), not as reviewed.

A poster is *final-ready* when every text it prints in its two languages is
the source text or reviewed; otherwise it is a draft, and says so on the page.

This module only reads a ``Campaign``: it is used by plan (draft or final),
build (contact warnings, refusals), status and strings (export, import).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache

import icu

from .languages import LANGUAGES
from .models import Campaign, Contact, Design, Placement

STATUSES = ("draft", "translated", "reviewed")
# Effective states, as counted and shown: a status, or one of these.
SOURCE, STALE, MISSING = "source", "stale", "missing"

# --- text ids -----------------------------------------------------------------------

TITLE_ID = "campaign.title"
_NAMED = {"placement": "placements", "contact": "contacts", "organisation": "organisations"}


def name_id(kind: str, item_id: str) -> str:
    return f"{kind}.{item_id}.name"


@dataclass(frozen=True)
class CampaignText:
    """One text of the campaign, in every language it has, with its place in the file."""

    id: str
    texts: dict[str, str]
    loc: tuple[str | int, ...]  # field path in the campaign file, e.g. ("messages", "headline")
    roles: tuple[str, ...]  # what it is on a poster: headline, message, place, contact-name…
    used_by: tuple[str, ...]  # designs or placements that print it, for translators


def campaign_texts(campaign: Campaign) -> dict[str, CampaignText]:
    """Every text of the campaign by id, in file order."""
    roles: dict[str, list[str]] = {}
    used: dict[str, list[str]] = {}
    for design in campaign.designs:
        for role, key in design_roles(design):
            roles.setdefault(key, []).append(role)
            used.setdefault(key, []).append(f"design {design.id}")
    out: dict[str, CampaignText] = {}

    def add(text_id, texts, loc, text_roles, used_by):
        out[text_id] = CampaignText(
            text_id,
            dict(texts),
            loc,
            tuple(dict.fromkeys(text_roles)),
            tuple(dict.fromkeys(used_by)),
        )

    add(TITLE_ID, campaign.title, ("title",), ["title"], ["PDF title of every poster"])
    for i, org in enumerate(campaign.organisations):
        users = [f"design {d.id}" for d in campaign.designs if org.id in d.organisations]
        add(name_id("organisation", org.id), org.name, ("organisations", i, "name"),
            ["organisation"], users)  # fmt: skip
    for key, texts in campaign.messages.items():
        add(key, texts, ("messages", key), roles.get(key, ["message"]), used.get(key, []))
    designs = {d.id: d for d in campaign.designs}  # a reference may be unknown (a typo)
    for i, contact in enumerate(campaign.contacts):
        users = [
            f"placement {p.id}"
            for p in campaign.placements
            if contact.id in p.contacts
            or any(contact.id in getattr(designs.get(o.design), "contacts", ()) for o in p.orders())
        ]
        add(name_id("contact", contact.id), contact.name, ("contacts", i, "name"),
            ["contact-name"], users)  # fmt: skip
    for i, placement in enumerate(campaign.placements):
        add(name_id("placement", placement.id), placement.name, ("placements", i, "name"),
            ["place"], [f"placement {placement.id}"])  # fmt: skip
    return out


def design_roles(design: Design) -> Iterator[tuple[str, str]]:
    """(role, message key) for every message a design prints."""
    for role in ("headline", "subheadline", "call_to_action", "place_label"):
        key = getattr(design, role)
        if key:
            yield role, key
    for slot in design.messages:
        yield "message", slot.text


def _designs(campaign: Campaign, placement: Placement, design_id: str | None) -> list:
    """The design named, or every design of the placement."""
    ids = [design_id] if design_id else [order.design for order in placement.orders()]
    return [campaign.design(i) for i in ids]


def poster_text_ids(
    campaign: Campaign, placement: Placement, design_id: str | None = None
) -> list[str]:
    """The texts a placement's posters (of one design, or all) are given: all of them
    are checked before print.

    Messages of its designs, its name, its contacts' names, its designs'
    organisations' names, and the campaign title: everything the template
    receives, whether a design prints it large or only in the PDF's metadata.
    """
    designs = _designs(campaign, placement, design_id)
    contacts = [c.id for c in placement_contacts(campaign, placement, design_id)]
    ids = [key for design in designs for key in design.message_keys()]
    ids += [name_id("placement", placement.id)]
    ids += [name_id("contact", c) for c in contacts]
    ids += [name_id("organisation", o) for design in designs for o in design.organisations]
    return list(dict.fromkeys([*ids, TITLE_ID]))


# --- statuses -----------------------------------------------------------------------


def short_hash(text: str) -> str:
    """8 hex digits of SHA-256: enough to notice a change, short enough to read in YAML."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:8]


@dataclass(frozen=True)
class TextState:
    text_id: str
    lang: str
    state: str  # source | draft | translated | reviewed | stale | missing
    reviewer: str | None = None
    reviewed: dt.date | None = None
    why: str = ""  # for stale: what changed since the review

    @property
    def final(self) -> bool:
        return self.state in (SOURCE, "reviewed")

    def describe(self) -> str:
        what = f"{self.text_id} ({self.lang}): {self.state}"
        return f"{what}, {self.why}" if self.why else what


def text_state(campaign: Campaign, text: CampaignText, lang: str) -> TextState:
    """Where the text ``text`` stands in ``lang``."""
    if lang not in text.texts:
        return TextState(text.id, lang, MISSING)
    if lang == campaign.source_language:
        return TextState(text.id, lang, SOURCE)
    record = campaign.translations.get(lang, {}).get(text.id)
    if record is None:
        return TextState(text.id, lang, "draft")
    if record.status != "reviewed":
        return TextState(text.id, lang, record.status)
    source = text.texts.get(campaign.source_language, "")
    changed = []
    if record.source_hash != short_hash(source):
        changed.append(f"the {campaign.source_language} source changed")
    if record.text_hash != short_hash(text.texts[lang]):
        changed.append("the text was edited")
    state = STALE if changed else "reviewed"
    why = f"reviewed by {record.reviewer} on {record.reviewed}, but {' and '.join(changed)} since"
    return TextState(text.id, lang, state, record.reviewer, record.reviewed, why if changed else "")


def held_back(
    campaign: Campaign,
    placement: Placement,
    design_id: str | None = None,
    texts: dict[str, CampaignText] | None = None,
) -> list[TextState]:
    """The texts that keep a placement's posters (of one design, or all) from being
    final, in poster order. ``texts``: the campaign's, when the caller has them already
    (a plan asks for every placement: making them each time was quadratic)."""
    texts = texts if texts is not None else campaign_texts(campaign)
    found = []
    for text_id in poster_text_ids(campaign, placement, design_id):
        for lang in placement.languages:
            state = text_state(campaign, texts[text_id], lang)
            if state.state != MISSING and not state.final:
                found.append(state)
    return found


def language_text_ids(campaign: Campaign, lang: str) -> list[str]:
    """The texts a language needs or has: those its posters print, and any it already has."""
    texts = campaign_texts(campaign)
    needed: dict[str, None] = {}
    for placement in campaign.placements:
        if lang in placement.languages:
            needed.update(dict.fromkeys(poster_text_ids(campaign, placement)))
    wanted = []
    for text_id, text in texts.items():
        optional = text_id == TITLE_ID or text_id.startswith("organisation.")
        if lang in text.texts or (text_id in needed and not optional):
            wanted.append(text_id)
    return wanted


# --- placeholders -------------------------------------------------------------------

# A text may name a contact's number instead of typing it: "{number:la-1554}". The
# number then prints exactly as the contact has it, in every language.
PLACEHOLDER = re.compile(r"\{number:([a-z0-9]+(?:-[a-z0-9]+)*)\}")


def placeholders(text: str) -> list[str]:
    return PLACEHOLDER.findall(text)


def placeholder_problems(text: str, source: str | None, contacts: set[str]) -> list[str]:
    """What is wrong with the placeholders of ``text``, compared with its source."""
    problems = []
    stray = PLACEHOLDER.sub("", text)
    if "{" in stray or "}" in stray:
        problems.append("a brace that is not part of a placeholder {number:<contact id>}")
    for name in placeholders(text):
        if name not in contacts:
            problems.append(f"placeholder {{number:{name}}} names no contact")
    if source is not None and sorted(placeholders(text)) != sorted(placeholders(source)):
        expected = ", ".join(f"{{number:{n}}}" for n in placeholders(source)) or "none"
        problems.append(f"placeholders differ from the source's (expected: {expected})")
    return problems


def fill_placeholders(text: str, campaign: Campaign) -> str:
    numbers = {c.id: c.number for c in campaign.contacts}
    return PLACEHOLDER.sub(lambda match: numbers[match.group(1)], text)


# --- script -------------------------------------------------------------------------

# ICU script codes a language's letters may have. Latin is allowed as a minority in
# every language, for names such as UNICEF; any other script is an error.
_SCRIPT_CODES = {
    "Hans": {"Hani"},
    "Hant": {"Hani"},
    "Jpan": {"Hani", "Hira", "Kana"},
    "Kore": {"Hang", "Hani"},
}
_NEUTRAL = {"Zyyy", "Zinh", "Zzzz"}  # common (digits, punctuation), inherited marks


@cache
def _script_of(char: str) -> str:
    return icu.Script.getScript(char).getShortName()


def script_problem(text: str, lang: str) -> str | None:
    """Why ``text`` is not written in the script of ``lang``, or None when it is."""
    language = LANGUAGES[lang]
    allowed = _SCRIPT_CODES.get(language.script, {language.script})
    counts: dict[str, int] = {}
    for char in text:
        if unicodedata.category(char)[0] in "LM":
            script = _script_of(char)
            if script not in _NEUTRAL:
                counts[script] = counts.get(script, 0) + 1
    foreign = {s: n for s, n in counts.items() if s not in allowed and s != "Latn"}
    if foreign:
        names = ", ".join(_script_name(s) for s in sorted(foreign, key=lambda s: -foreign[s]))
        return f"has {names} letters; {language.name} is written in {_script_name(language.script)}"
    own = sum(n for s, n in counts.items() if s in allowed)
    latin = counts.get("Latn", 0)
    if "Latn" not in allowed and latin > own:
        return f"is mostly Latin letters; {language.name} is written in {_script_name(language.script)}"
    return None


def _script_name(code: str) -> str:
    names = {"Hans": "Han (Simplified)", "Hant": "Han (Traditional)", "Kore": "Hangul"}
    if code in names:
        return names[code]
    codes = icu.Script.getCode(code)
    return icu.Script(codes[0]).getName().replace("_", " ") if codes else code


# --- character budget ---------------------------------------------------------------

# How many characters each role may have, whatever the language. Derived from the
# border sign at its floor sizes: a headline box holds two lines of about 30
# characters, a message two lines of about 45, small print one or two short lines.
# A wide (CJK) character counts as two. The layout's own check (pdf.py) remains the
# judge at build time; the budget tells a translator early.
BUDGETS = {
    "headline": 60,
    "subheadline": 80,
    "message": 90,
    "call_to_action": 45,
    "place_label": 30,
    "place": 90,
    "contact-name": 50,
    "organisation": 80,
    "title": 120,
}


def budget(text: CampaignText) -> int:
    return min(BUDGETS[role] for role in text.roles)


def text_width(text: str) -> int:
    """Characters as a reader counts them: a base letter with its marks is one, CJK two."""
    breaker = icu.BreakIterator.createCharacterInstance(icu.Locale.getRoot())
    units = icu.UnicodeString(text)  # ICU counts UTF-16 units: slice its own string
    breaker.setText(units)
    width, start = 0, 0
    for end in breaker:
        cluster = str(units[start:end])
        width += 2 if unicodedata.east_asian_width(cluster[0]) in "WF" else 1
        start = end
    return width


def text_problems(campaign: Campaign, text: CampaignText, lang: str, value: str) -> list[str]:
    """Everything wrong with ``value`` as the ``lang`` text of ``text``."""
    problems = []
    if not value.strip():
        problems.append("is empty")
    script = script_problem(value, lang)
    if script:
        problems.append(script)
    source = text.texts.get(campaign.source_language)
    contacts = {c.id for c in campaign.contacts}
    problems += placeholder_problems(value, source if lang != campaign.source_language else None,
                                     contacts)  # fmt: skip
    width, limit = text_width(value), budget(text)
    if width > limit:
        problems.append(f"{width} characters; the budget for a {text.roles[0]} is {limit}")
    return problems


# --- contacts -----------------------------------------------------------------------


def add_months(day: dt.date, months: int) -> dt.date:
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    for last in (31, 30, 29, 28):
        try:
            return dt.date(year, month, min(day.day, last))
        except ValueError:
            continue
    raise AssertionError("unreachable")


def months_between(earlier: dt.date, later: dt.date) -> int:
    months = (later.year - earlier.year) * 12 + later.month - earlier.month
    return months - (1 if later.day < earlier.day else 0)


@dataclass(frozen=True)
class ContactState:
    contact: Contact
    state: str  # ok | old | unverified | future
    age_months: int | None

    @property
    def verified(self) -> bool:
        return self.state in ("ok", "old")

    def describe(self) -> str:
        c = self.contact
        name = f"contact {c.id} ({c.number})"
        if self.state == "unverified":
            return f"{name} has no verification date: check the number, then set 'verified'"
        if self.state == "future":
            return f"{name} is verified on {c.verified}, a date still to come: a typo?"
        age = f"{self.age_months} months ago" if self.age_months != 1 else "a month ago"
        return f"{name} was last verified on {c.verified}, {age}: check it again"


def contact_state(contact: Contact, today: dt.date, max_age_months: int) -> ContactState:
    if contact.verified is None:
        return ContactState(contact, "unverified", None)
    if contact.verified > today:
        return ContactState(contact, "future", None)
    age = months_between(contact.verified, today)
    old = add_months(contact.verified, max_age_months) < today
    return ContactState(contact, "old" if old else "ok", age)


def placement_contacts(
    campaign: Campaign, placement: Placement, design_id: str | None = None
) -> list[Contact]:
    """The contacts a placement's posters (of one design, or all) print: the designs'
    own, the placement's, and any a QR code dials."""
    ids: list[str] = []
    for design in _designs(campaign, placement, design_id):
        ids += poster_contact_ids(design, placement)
    return [campaign.contact(c) for c in dict.fromkeys(ids)]


# The contacts of one poster, in one place. Two views of one list: what its hotline
# grid prints (the design's, then the placement's, a repeat kept where it is listed),
# and everything the poster shows, which adds the contact its QR code dials.


def printed_contact_ids(design: Design, placement: Placement) -> list[str]:
    """The contacts a poster's hotline grid prints, in order."""
    return [*design.contacts, *placement.contacts]


def poster_contact_ids(design: Design, placement: Placement) -> list[str]:
    """Every contact a poster shows: those it prints, and the one its QR code dials."""
    ids = printed_contact_ids(design, placement)
    if design.qr and design.qr.contact:
        ids.append(design.qr.contact)
    return ids
