"""Every change the workspace makes to a campaign file, by the rules of the command line.

A text edit, a review (approve or send back) and a contact's verification are
made on the file's round-trip YAML tree (``strings``: comments, order and
quoting kept, only the changed values change), checked as ``poster strings
import`` checks a PO entry, then the whole new file is validated as
``poster validate`` would, and only then written (``campaign_files``), and only
if the file is still the one the page was made from. Any problem refuses the
change with the CLI's located message; nothing is written.
"""

from __future__ import annotations

import datetime as dt
import json

from ..campaign import CampaignError
from ..campaign.characters import character_problem
from ..campaign.content import campaign_texts
from ..campaign.files import (
    CampaignFileChanged,
    CampaignWriteError,
    text_sha256,
    write_campaign_text,
)
from ..campaign.languages import LANGUAGES
from ..campaign.loader import decode_campaign, field_location, parse_campaign
from ..campaign.strings import (
    TextEdit,
    edit_problems,
    edited_campaign,
    round_trip_edit,
    text_change,
)
from .state import CampaignFile, Workspace

MAX_NAME = 200
MAX_NOTE = 500


class Refused(Exception):
    """The change is not allowed; ``problems`` are located messages, as the CLI gives."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__("\n".join(problems))


class Conflict(Exception):
    """The file changed since the page was made: the change would overwrite another."""


def _loaded(entry: CampaignFile, expected_sha256: str, base: str | None = None, current=None):
    """The campaign as the change sees it, and the file hash to write over.

    The file must be the one the page was made from; or, for a change to one text
    (``base``: what that text and its status were on the page; ``current``: what they are
    now), the file may have changed elsewhere meanwhile, and the change is made to the file
    as it is: two people working on different texts do not stop each other.
    """
    if entry.loaded is None:
        raise Refused(["the campaign file does not load; fix it first:", *entry.problems])
    if expected_sha256 != entry.sha256 and not (base and current and base == current()):
        raise Conflict(
            f"{entry.path.name} changed since this page was loaded (someone else saved, or an "
            "editor changed the file): nothing was written. Reload to see the file as it is "
            "now, then make your change again."
        )
    return entry.loaded, entry.sha256


def text_base(entry: CampaignFile, text_id: str, lang: str) -> str:
    """What a text is in one language now, with its status record, as a short hash: a page
    sends it back with a change to that text."""
    campaign = entry.campaign
    text = campaign_texts(campaign).get(text_id)
    record = campaign.translations.get(lang, {}).get(text_id)
    data = [
        text.texts.get(lang) if text else None,
        record.model_dump(mode="json") if record else None,
    ]
    return text_sha256(json.dumps(data, ensure_ascii=False, sort_keys=True))[:16]


def _write(
    ws: Workspace, entry: CampaignFile, new_text: str, expected_sha256: str, campaign
) -> None:
    """Write the checked new text; ``campaign`` is what it parsed to, kept as the entry's."""
    try:
        write_campaign_text(entry.path, new_text, expected_sha256, writer="the workspace")
    except CampaignFileChanged:
        ws.reread(entry)
        raise Conflict(
            f"{entry.path.name} changed on disk while saving: nothing was written. Reload and "
            "make your change again."
        ) from None
    except CampaignWriteError as error:  # disk full, read-only folder: the path, what to do
        raise Refused([str(error)]) from None
    ws.replaced(entry, new_text, campaign)


def clean_line(value: str, what: str, limit: int, required: bool = True) -> str:
    """A name or a note as one line: no control characters, bounded."""
    value = " ".join((value or "").split())
    if required and not value:
        raise Refused([f"{what}: write it (it is recorded with the change)"])
    if len(value) > limit:
        raise Refused([f"{what}: at most {limit} characters, not {len(value)}"])
    problem = character_problem(value)
    if problem:
        raise Refused([f"{what}: {problem}"])
    return value


def normalised_text(value: str) -> str:
    """A text as a browser sends it from a text area: line ends as in the file (\\n)."""
    return value.replace("\r\n", "\n").replace("\r", "\n")


def _text_and_lang(entry: CampaignFile, text_id: str, lang: str):
    campaign = entry.campaign
    text = campaign_texts(campaign).get(text_id)
    if text is None:
        raise Refused([f"{entry.shown}: no text '{text_id}' in this campaign"])
    if lang not in LANGUAGES or (lang not in entry.languages() and lang not in text.texts):
        raise Refused([f"{entry.shown}: {text_id}: the campaign has no language '{lang}'"])
    return text


def change_text(
    ws: Workspace,
    entry: CampaignFile,
    text_id: str,
    lang: str,
    expected_sha256: str,
    *,
    value: str | None = None,
    draft: bool = False,
    reviewer: str | None = None,
    note: str | None = None,
    base: str | None = None,
) -> str | None:
    """Edit a text, or review it (``reviewer``: approve; ``draft``: send back); what changed,
    or None when nothing did. Raises ``Refused`` or ``Conflict``, writing nothing.
    ``base``: the text as the page showed it (``text_base``)."""
    loaded, expected_sha256 = _loaded(
        entry, expected_sha256, base, lambda: text_base(entry, text_id, lang)
    )
    campaign = loaded.campaign
    text = _text_and_lang(entry, text_id, lang)

    def where() -> str:  # only for a refusal: it reads the file's YAML again
        return field_location(loaded, (*text.loc, lang) if lang in text.texts else text.loc)

    new_value = normalised_text(value) if value is not None else text.texts.get(lang)
    if new_value is None:
        raise Refused([f"{where()}: no {LANGUAGES[lang].name} text to review yet: write it first"])
    try:
        edit, change = text_change(campaign, text, lang, new_value, draft=draft,
                                   reviewer=reviewer, today=ws.today())  # fmt: skip
    except ValueError as error:
        raise Refused([f"{where()}: {error}"]) from None
    if edit is None and draft and note:  # sent back again: the comment is still news
        edit, change = TextEdit(text, lang, new_value, {"status": "draft"}), "draft, commented"
    if edit is None:
        return None
    problems = edit_problems(campaign, edit)
    if problems:
        raise Refused([f"{where()}: {problem}" for problem in problems])
    edit.note = note
    try:
        new_text, _, new_campaign = edited_campaign(loaded, [edit], ws.project)
    except CampaignError as error:
        raise Refused([str(problem) for problem in error.problems]) from None
    _write(ws, entry, new_text, expected_sha256, new_campaign)
    return f"{text_id} ({lang}): {change}"


def review_note(decision: str, reviewer: str, today: dt.date, comment: str) -> str | None:
    """The comment kept beside a review's status in the file, for the people who read it."""
    if decision == "send-back":
        return f"sent back by {reviewer} on {today}" + (f": {comment}" if comment else "")
    return f"{reviewer}: {comment}" if comment else None


def verify_contact(
    ws: Workspace, entry: CampaignFile, contact_id: str, person: str, note: str,
    expected_sha256: str,
) -> str:  # fmt: skip
    """Record that ``person`` checked the contact's number by phone today."""
    loaded, expected_sha256 = _loaded(entry, expected_sha256)
    campaign = loaded.campaign
    index = next((i for i, c in enumerate(campaign.contacts) if c.id == contact_id), None)
    if index is None:
        raise Refused([f"{entry.shown}: no contact '{contact_id}' in this campaign"])
    person = clean_line(person, "who checked it", MAX_NAME)
    note = clean_line(note, "note", MAX_NOTE, required=False)
    today = ws.today()
    how = f"by phone on {today} by {person}" + (f": {note}" if note else "")

    def record(tree) -> None:
        contact = tree["contacts"][index]
        for key, value in (("verified", today), ("verification", how)):
            if key in contact:
                contact[key] = value
            else:  # after the source (and its date), where a person looks for it
                after = [k for k in ("source", "source_date", "verified") if k in contact]
                position = list(contact).index(after[-1]) + 1 if after else len(contact)
                contact.insert(position, key, value)

    new_text, _ = round_trip_edit(loaded.source, record)
    try:
        campaign = parse_campaign(new_text, entry.shown, ws.project)
    except CampaignError as error:
        raise Refused([str(problem) for problem in error.problems]) from None
    _write(ws, entry, new_text, expected_sha256, campaign)
    return f"contact {contact_id}: verified {how}"


def save_source(ws: Workspace, entry: CampaignFile, raw: bytes, expected_sha256: str) -> bool:
    """Replace the whole campaign file (the file editor); whether it changed."""
    if expected_sha256 != entry.sha256:
        _loaded(entry, expected_sha256)  # raises the conflict
    try:
        text = decode_campaign(raw, entry.shown)
        campaign = parse_campaign(text, entry.shown, ws.project)
    except CampaignError as error:
        raise Refused([str(problem) for problem in error.problems]) from None
    if text_sha256(text) == entry.sha256:
        return False
    _write(ws, entry, text, expected_sha256, campaign)
    return True
