"""Checks that need the whole campaign: ids unique, references resolve, texts complete.

Each problem names a field path into the campaign file, so the loader can turn
it into a line and column just like a shape error from pydantic.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from .languages import FONT_ALTERNATIVES, LANGUAGES
from .models import Campaign, DesignOrder
from .wording import did_you_mean

Loc = tuple[str | int, ...]


def check_references(campaign: Campaign, project: Path | None) -> Iterator[tuple[Loc, str]]:
    # Two designs of one placement may share a text: report a missing one once.
    yield from dict.fromkeys(_check(campaign, project))


def _check(campaign: Campaign, project: Path | None) -> Iterator[tuple[Loc, str]]:
    yield from check_languages(campaign)
    yield from _unique_ids(campaign)

    messages = campaign.messages
    contacts = {c.id: c for c in campaign.contacts}
    organisations = {o.id: o for o in campaign.organisations}
    designs = {d.id: d for d in campaign.designs}

    for i, design in enumerate(campaign.designs):
        loc: Loc = ("designs", i)
        if project is not None and not (project / "templates" / design.template).is_dir():
            yield (*loc, "template"), _unknown("template", design.template, _templates(project))
        for field in ("headline", "subheadline", "call_to_action", "place_label"):
            key = getattr(design, field)
            if key is not None and key not in messages:
                yield (*loc, field), _unknown("message", key, messages)
        for j, slot in enumerate(design.messages):
            if slot.text not in messages:
                yield (*loc, "messages", j, "text"), _unknown("message", slot.text, messages)
        for j, contact_id in enumerate(design.contacts):
            if contact_id not in contacts:
                yield (*loc, "contacts", j), _unknown("contact", contact_id, contacts)
        for j, org_id in enumerate(design.organisations):
            if org_id not in organisations:
                yield (*loc, "organisations", j), _unknown("organisation", org_id, organisations)
        for lang, alternative in design.fonts.items():
            known = FONT_ALTERNATIVES.get(lang, {})
            if alternative not in known:
                yield (*loc, "fonts", lang), _unknown(f"font stack for {lang}", alternative, known)
        for j, slot in enumerate(design.messages):
            if slot.group is not None and slot.group not in messages:
                yield (*loc, "messages", j, "group"), _unknown("message", slot.group, messages)
        for name, key in design.texts.items():
            if key not in messages:
                yield (*loc, "texts", name), _unknown("message", key, messages)
        if design.qr is not None:
            yield from _check_qr(design.qr, (*loc, "qr"), messages, contacts)

    for i, placement in enumerate(campaign.placements):
        loc = ("placements", i)
        for j, lang in enumerate(placement.languages):
            if lang in placement.languages[:j]:
                message = f"'{lang}' is listed twice; list each language once, the primary first"
                yield (*loc, "languages", j), message
        for lang in (lang for lang in placement.languages if lang in LANGUAGES):
            if lang not in placement.name:
                yield (*loc, "name"), f"no name in '{lang}', a language of this placement"
        for j, contact_id in enumerate(placement.contacts):
            if contact_id not in contacts:
                yield (*loc, "contacts", j), _unknown("contact", contact_id, contacts)
        if placement.designs is not None:
            if placement.design is not None or placement.formats is not None:
                message = "give either 'design' and 'formats', or 'designs', not both"
                yield (*loc, "designs"), message
            orders: list[tuple[Loc, DesignOrder]] = [
                ((*loc, "designs", j), order) for j, order in enumerate(placement.designs)
            ]
        elif placement.design is None or placement.formats is None:
            missing = "design" if placement.design is None else "formats"
            yield (*loc, missing), "required field is missing (or list several under 'designs')"
            continue
        else:
            orders = [(loc, placement.orders()[0])]
        seen_designs: set[str] = set()
        for order_loc, order in orders:
            if order.design in seen_designs:
                message = f"design '{order.design}' is listed twice; merge its formats"
                yield (*order_loc, "design"), message
            seen_designs.add(order.design)
            seen_formats: set[tuple[str, str]] = set()
            for j, size in enumerate(order.formats):
                if (size.size, size.orientation) in seen_formats:
                    message = f"{size.size} {size.orientation} is listed twice; add the quantities"
                    yield (*order_loc, "formats", j), message
                seen_formats.add((size.size, size.orientation))
            if order.design not in designs:
                yield (*order_loc, "design"), _unknown("design", order.design, designs)
                continue
            yield from _complete_texts(campaign, designs[order.design], placement, loc)

    yield from _statuses_and_placeholders(campaign)


def language_uses(campaign: Campaign) -> dict[str, list[Loc]]:
    """Every language tag the campaign uses, with the field path of each use."""
    uses: dict[str, list[Loc]] = {}

    def use(tag: str, loc: Loc) -> None:
        uses.setdefault(tag, []).append(loc)

    for tag in campaign.languages:
        use(tag, ("languages", tag))
    use(campaign.source_language, ("source_language",))
    for i, placement in enumerate(campaign.placements):
        for j, tag in enumerate(placement.languages):
            use(tag, ("placements", i, "languages", j))
    for key, texts in campaign.messages.items():
        for tag in texts:
            use(tag, ("messages", key, tag))
    for tag in campaign.title:
        use(tag, ("title", tag))
    for field in ("placements", "contacts", "organisations"):
        for i, item in enumerate(getattr(campaign, field)):
            for tag in item.name:
                use(tag, (field, i, "name", tag))
    for i, design in enumerate(campaign.designs):
        for tag in design.fonts:
            use(tag, ("designs", i, "fonts", tag))
    for tag in campaign.translations:
        use(tag, ("translations", tag))
    return uses


def check_languages(campaign: Campaign) -> Iterator[tuple[Loc, str]]:
    """A problem at each use of a language the posters cannot use, the same words at
    each (the loader makes them one message with the lines): an ill-formed or unknown
    tag, a right-to-left script, fonts not installed, fonts lacking its letters."""
    from ..typeset.fonts import language_font_problem  # fonts reads the language table

    LANGUAGES.declare(campaign.language_declarations())  # this campaign's, not another's
    for tag, uses in language_uses(campaign).items():
        problem = LANGUAGES.problem(tag)
        if problem is None:
            problem = language_font_problem(LANGUAGES[tag])
        if problem is not None:
            for loc in dict.fromkeys(uses):
                yield loc, problem


def _check_qr(qr, loc: Loc, messages, contacts) -> Iterator[tuple[Loc, str]]:
    if (qr.contact is None) == (qr.url is None):
        yield loc, "give either 'contact' (the code dials it) or 'url' (the code opens it)"
    if qr.contact is not None and qr.contact not in contacts:
        yield (*loc, "contact"), _unknown("contact", qr.contact, contacts)
    if qr.caption not in messages:
        yield (*loc, "caption"), _unknown("message", qr.caption, messages)


def _complete_texts(campaign, design, placement, loc: Loc) -> Iterator[tuple[Loc, str]]:
    """Every text a poster prints must exist in both of its languages."""
    where = f"placement '{placement.id}' needs it"
    languages = [lang for lang in placement.languages if lang in LANGUAGES]  # others: once
    for key in (k for k in design.message_keys() if k in campaign.messages):
        for lang in languages:
            if lang not in campaign.messages[key]:
                yield ("messages", key), f"no '{lang}' translation; {where}"
    for contact in campaign.contacts:
        if contact.id in design.contacts or contact.id in placement.contacts:
            for lang in languages:
                if lang not in contact.name:
                    yield (
                        ("contacts", campaign.contacts.index(contact), "name"),
                        f"no '{lang}' name; {where}",
                    )
    for org in campaign.organisations:
        if org.id in design.organisations and not any(
            lang in org.name for lang in placement.languages
        ):
            i = campaign.organisations.index(org)
            yield ("organisations", i, "name"), f"no name in {placement.languages}; {where}"


def _statuses_and_placeholders(campaign: Campaign) -> Iterator[tuple[Loc, str]]:
    """A status names a text in a language that has it; a placeholder names a contact."""
    from .content import campaign_texts, placeholders  # content reads these models

    texts = campaign_texts(campaign)
    contacts = {c.id for c in campaign.contacts}
    for text in texts.values():
        for lang, value in text.texts.items():
            for name in placeholders(value):
                if name not in contacts:
                    message = _unknown("contact in {number:...}", name, contacts)
                    yield (*text.loc, lang), message
    for lang, statuses in campaign.translations.items():
        for text_id in statuses:
            loc: Loc = ("translations", lang, text_id)
            if lang == campaign.source_language:
                yield loc, f"'{lang}' is the source language: its texts have no status"
            elif text_id not in texts:
                hint = did_you_mean(text_id, texts)
                yield (
                    loc,
                    f"no text '{text_id}' in this campaign{hint} (was it renamed or removed?)",
                )
            elif lang not in texts[text_id].texts:
                yield loc, f"text '{text_id}' has no '{lang}' version to have a status"


def _unique_ids(campaign: Campaign) -> Iterator[tuple[Loc, str]]:
    for field in ("organisations", "contacts", "designs", "placements"):
        seen: set[str] = set()
        for i, item in enumerate(getattr(campaign, field)):
            if item.id in seen:
                yield (field, i, "id"), f"duplicate id '{item.id}'"
            seen.add(item.id)


def _templates(project: Path) -> list[str]:
    root = project / "templates"
    return sorted(p.name for p in root.iterdir() if p.is_dir()) if root.is_dir() else []


def _unknown(kind: str, value: str, known) -> str:
    names = sorted(known)
    listed = ", ".join(names[:12]) + (", …" if len(names) > 12 else "")
    hint = did_you_mean(value, names)
    return f"unknown {kind} '{value}'{hint} (expected one of: {listed or 'none defined'})"
