"""Texts out to translators and back: gettext PO files, read and written with Babel.

``export_strings`` writes one PO file per target language: each entry has the
text id as ``msgctxt``, the source-language text as ``msgid``, the translation
as ``msgstr``, where the text sits in the campaign file as its reference
(``#:``), and, for the translator (``#.``), where the text appears on posters
and its character budget. The status travels in the usual PO way:

- ``#, fuzzy``                        draft: written, not yet checked
- no flag                             translated
- ``# reviewed-by: NAME YYYY-MM-DD``  reviewed by a native speaker (a translator
  comment, which PO editors such as Poedit let you write)

``import_strings`` reads such a file back, checks every changed text
(placeholders, character budget, script of the language), and edits the
campaign file with ruamel.yaml's round-trip mode so that only the changed
texts and statuses change: comments, order, quoting and layout stay. A file
imported without edits changes nothing. Nothing is written when any entry is
refused.
"""

from __future__ import annotations

import datetime as dt
import io
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from babel.messages.catalog import Catalog, Message
from babel.messages.pofile import PoFileError, PoFileParser, write_po
from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap
from ruamel.yaml.scalarstring import ScalarString
from ruamel.yaml.util import load_yaml_guess_indent

from . import Campaign, CampaignError, LoadedCampaign, load_campaign
from .characters import character_problem
from .content import (
    CampaignText,
    budget,
    campaign_texts,
    language_text_ids,
    short_hash,
    text_problems,
    text_state,
)
from .files import (
    CampaignWriteError,
    campaign_lock,
    remove_leftover_parts,
    text_sha256,
    write_campaign_text,
)
from .languages import LANGUAGES
from .loader import MAX_FILE_BYTES, _display_path, _locate, parse_campaign

REVIEW_COMMENT = re.compile(r"^reviewed-by:\s*(?P<name>.*?)\s*(?P<date>\d{4}-\d{2}-\d{2})?\s*$")
MAX_USED_BY = 4
MAX_SHOWN_PROBLEMS = 20  # then a count of the rest by kind

HEADER = """\
{language} texts of the campaign '{campaign}', translated from {source}.
Written by `poster strings export`; read back with `poster strings import`.

msgctxt names the text: do not change it, nor msgid (the {source} source).
Write the translation in msgstr. The status of each entry:
  fuzzy flag                            draft: written, not yet checked
  no fuzzy flag                         translated
  translator comment on its own line:
  # reviewed-by: NAME YYYY-MM-DD        reviewed by a native speaker
Keep every {{number:...}} placeholder as it is: the poster prints the contact's
number there. Texts are drafts until a native speaker has reviewed them."""


class StringsError(Exception):
    """A PO file that cannot be imported (or a language that cannot be exported)."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__("\n".join(problems))


def capped(problems: list[tuple[str, str]]) -> list[str]:
    """The first ``MAX_SHOWN_PROBLEMS`` of (kind, message), then how many more of each kind:
    a file with 100,000 bad entries gives a screenful, not 100,000 lines."""
    shown = [message for _, message in problems[:MAX_SHOWN_PROBLEMS]]
    rest: dict[str, int] = {}
    for kind, _ in problems[MAX_SHOWN_PROBLEMS:]:
        rest[kind] = rest.get(kind, 0) + 1
    if rest:
        counts = ", ".join(f"{count:,} {kind}" for kind, count in rest.items())
        shown.append(f"and {sum(rest.values()):,} more problems not shown: {counts}")
    return shown


# --- export ---------------------------------------------------------------------------


@dataclass
class Export:
    po: bytes
    entries: int
    skipped: list[str] = field(default_factory=list)  # texts with no source to translate from


def export_strings(loaded: LoadedCampaign, lang: str) -> Export:
    """The PO file of ``lang`` for a campaign: every text its posters need or it has."""
    campaign = loaded.campaign
    source_lang = campaign.source_language
    LANGUAGES.declare(campaign.language_declarations())
    if lang not in LANGUAGES:
        raise StringsError([f"cannot export '{lang}': {LANGUAGES.problem(lang)}"])
    if lang == source_lang:
        raise StringsError([f"'{lang}' is the campaign's source language: nothing to translate"])
    tree = YAML(typ="rt").load(loaded.source)
    language, source = LANGUAGES[lang], LANGUAGES[source_lang]
    catalog = Catalog(
        locale=_babel_locale(lang),
        project=campaign.id,
        version=f"source-{source_lang}",
        header_comment="\n".join(
            f"# {line}".rstrip()
            for line in HEADER.format(
                language=language.name, campaign=campaign.id, source=source.name
            ).splitlines()
        ),
        language_team=f"{language.name} reviewers",
        last_translator="",
        fuzzy=False,
    )
    texts = campaign_texts(campaign)
    skipped = []
    for text_id in language_text_ids(campaign, lang):
        text = texts[text_id]
        if source_lang not in text.texts:
            skipped.append(f"{text_id}: no {source.name} ('{source_lang}') text to translate from")
            continue
        state = text_state(campaign, text, lang)
        line, _ = _locate(tree, (*text.loc, lang if lang in text.texts else source_lang), False)
        comments = [_where(text), f"budget: at most {budget(text)} characters (CJK count 2)"]
        if state.state == "stale":
            comments.append(f"needs review again: {state.why}")
        catalog.add(
            text.texts[source_lang],
            text.texts.get(lang, ""),
            locations=[(loaded.path.name, line)],
            flags=["fuzzy"] if state.state == "draft" else [],
            auto_comments=comments,
            user_comments=(
                [f"reviewed-by: {state.reviewer} {state.reviewed}"]
                if state.state == "reviewed"
                else []
            ),
            context=text_id,
        )
    buffer = io.BytesIO()
    write_po(buffer, catalog, width=0, sort_output=False, include_previous=False)
    return Export(buffer.getvalue(), len(catalog), skipped)


def _where(text: CampaignText) -> str:
    users = list(text.used_by[:MAX_USED_BY])
    if len(text.used_by) > MAX_USED_BY:
        users.append(f"and {len(text.used_by) - MAX_USED_BY} more")
    shown = ", ".join(users) if users else "no poster yet"
    return f"{' and '.join(r.replace('_', ' ') for r in text.roles)}: {shown}"


def _babel_locale(lang: str) -> str:
    return lang.replace("-", "_")


# --- import ---------------------------------------------------------------------------


@dataclass
class Import:
    lang: str
    changes: list[str] = field(default_factory=list)  # "headline (lo): draft → translated"
    written: bool = False
    layout_kept: bool = True  # False: the YAML library could not keep this file's layout


@dataclass
class TextEdit:
    """One text's new value in one language, and its new status record."""

    text: CampaignText
    lang: str
    value: str
    status: dict | None  # the new record in translations; None: a source text, none kept
    note: str | None = None  # a reviewer's comment, kept beside the status as a YAML comment


def import_strings(
    loaded: LoadedCampaign,
    po_path: Path,
    project: Path | None = None,
    reviewed_by: str | None = None,
    today: dt.date | None = None,
    dry_run: bool = False,
) -> Import:
    """Read a PO file back into its campaign file; raise ``StringsError`` when any entry is wrong.

    ``reviewed_by``: the person importing has reviewed every entry of the file
    that is not fuzzy; those not yet reviewed become reviewed by them ``today``.

    The campaign file is locked from reading to writing (``campaign_files``): an
    import that had to wait for another writer works on the file as that writer
    left it, so neither change is lost.
    """
    if dry_run:
        return _import(loaded, po_path, project, reviewed_by, today, dry_run)
    try:
        with campaign_lock(loaded.path) as real:
            remove_leftover_parts(real)  # what a killed import left behind
            current = _as_it_is_now(loaded, project)
            return _import(current, po_path, project, reviewed_by, today, dry_run)
    except CampaignWriteError as error:
        raise StringsError([str(error)]) from None


def _as_it_is_now(loaded: LoadedCampaign, project: Path | None) -> LoadedCampaign:
    """The campaign file as it is now: another writer may have changed it since it was read."""
    try:
        unchanged = text_sha256(loaded.path.read_bytes()) == text_sha256(loaded.source)
    except OSError:
        unchanged = False
    if unchanged:
        return loaded
    try:
        return load_campaign(loaded.path, project)
    except CampaignError as error:
        raise StringsError(
            [
                f"the campaign file changed meanwhile and is not valid now: {p}"
                for p in error.problems
            ]
        ) from None


def _import(
    loaded: LoadedCampaign,
    po_path: Path,
    project: Path | None,
    reviewed_by: str | None,
    today: dt.date | None,
    dry_run: bool,
) -> Import:
    campaign = loaded.campaign
    LANGUAGES.declare(campaign.language_declarations())
    today = today or dt.date.today()
    shown = _display_path(po_path)
    catalog = _read_po(po_path, shown)
    # Babel parses only the locales CLDR has data for (not Hmong): the header as written.
    identifier = str(catalog.locale) if catalog.locale else catalog.locale_identifier or ""
    lang = (identifier or catalog.language_header).replace("_", "-")
    problems: list[tuple[str, str]] = []
    if lang not in LANGUAGES:
        named = lang or catalog.language_header
        raise StringsError([f"{shown}: no known language in its 'Language' header ('{named}')"])
    if lang == campaign.source_language:
        raise StringsError([f"{shown}: '{lang}' is the campaign's source language"])
    if catalog.project_header and catalog.project != campaign.id:
        raise StringsError([f"{shown}: this file is for campaign '{catalog.project}'"])

    result = Import(lang)
    texts = campaign_texts(campaign)
    edits: list[TextEdit] = []
    for message in catalog:
        if not message.id:
            continue  # the header
        where = f"{shown}:{message.lineno}"
        if not message.context or message.context not in texts:
            problems.append(
                (
                    "unknown text",
                    f"{where}: unknown text '{message.context}' (msgctxt was changed?)",
                )
            )
            continue
        text = texts[message.context]
        try:
            entry, change = _entry(campaign, text, lang, message, reviewed_by, today)
        except ValueError as error:
            problems.append(("invalid entry", f"{where}: {text.id} ({lang}): {error}"))
            continue
        if entry is None:
            continue
        if message.id != text.texts.get(campaign.source_language):
            problems.append(
                (
                    "source changed",
                    f"{where}: {text.id} ({lang}): the {campaign.source_language} source changed "
                    "since this file was exported; export again and redo this entry",
                )
            )
            continue
        problems += [
            ("text problem", f"{where}: {text.id} ({lang}): {problem}")
            for problem in edit_problems(campaign, entry)
        ]
        edits.append(entry)
        result.changes.append(f"{text.id} ({lang}): {change}")
    problems = [("duplicate entry", d) for d in catalog.duplicates] + problems
    if problems:
        raise StringsError(capped(problems))
    if not edits:
        return result

    try:
        new_text, result.layout_kept, _ = edited_campaign(loaded, edits, project)
    except CampaignError as error:  # the edit must leave a valid campaign
        raise StringsError(
            [f"the campaign would not be valid: {p}" for p in error.problems]
        ) from None
    if not dry_run:
        try:  # only if the file is still the one read: another writer's change is never lost
            write_campaign_text(
                loaded.path, new_text, text_sha256(loaded.source), writer="poster strings import"
            )
        except CampaignWriteError as error:
            raise StringsError([str(error)]) from None
        result.written = True
    return result


def edited_campaign(
    loaded: LoadedCampaign, edits: list[TextEdit], project: Path | None = None
) -> tuple[str, bool, Campaign]:
    """The campaign file's new text with the edits made, whether its layout was kept, and
    the new campaign; ``CampaignError`` (located in the new text) when it is not valid."""
    new_text, layout_kept = _edited_yaml(loaded.source, edits)
    campaign = parse_campaign(new_text, _display_path(loaded.path), project)
    return new_text, layout_kept, campaign


def text_change(
    campaign,
    text: CampaignText,
    lang: str,
    value: str,
    *,
    draft: bool = False,
    reviewer: str | None = None,
    today: dt.date | None = None,
) -> tuple[TextEdit | None, str | None]:
    """One text changed outside a PO file (the workspace), by the rules of a PO entry:
    ``draft`` is a fuzzy entry (sent back), ``reviewer`` a ``reviewed-by`` line, neither a
    plain translated entry. A source text has no status: changing it makes the reviews
    of its translations stale. Returns (the edit, what changes), or (None, None) when
    nothing does; ``ValueError`` when the change is not allowed."""
    today = today or dt.date.today()
    if lang == campaign.source_language:
        if draft or reviewer:
            raise ValueError("a source text is not reviewed: it is what the others translate")
        if value == text.texts.get(lang):
            return None, None
        return TextEdit(text, lang, value, None), "source text changed"
    source = text.texts.get(campaign.source_language)
    if source is None:
        raise ValueError(f"no {campaign.source_language} source text to translate from")
    message = Message(
        source,
        value,
        flags=["fuzzy"] if draft else [],
        user_comments=[f"reviewed-by: {reviewer} {today}"] if reviewer else [],
        context=text.id,
    )
    return _entry(campaign, text, lang, message, None, today)


def edit_problems(campaign, edit: TextEdit) -> list[str]:
    """What is wrong with an edit's value (nothing when the value is as it was)."""
    if edit.value == edit.text.texts.get(edit.lang):
        return []
    refused = character_problem(edit.value)  # as the campaign file itself would refuse it
    if refused:
        return [refused]
    return text_problems(campaign, edit.text, edit.lang, edit.value)


class _Catalog(Catalog):
    duplicates: list[str]
    language_header: str = ""  # as written, when Babel knows no such locale
    project_header: bool = False  # the file names its campaign (Project-Id-Version)


class _Parser(PoFileParser):
    """Babel's parser, noting entries whose text id (msgctxt) comes twice: Babel keeps
    only one of them, and which translation was meant cannot be known."""

    catalog: _Catalog  # the one given to __init__

    def __init__(self, catalog: _Catalog, shown: str):
        super().__init__(catalog, ignore_obsolete=True, abort_invalid=True)
        self.shown = shown
        self.first_lines: dict[tuple, int] = {}
        catalog.duplicates = []

    def _add_message(self) -> None:
        context = self.context.denormalize() if self.context else None
        key = (context,) if context else ("", self.messages[0].denormalize())
        line = self.offset + 1
        first = self.first_lines.setdefault(key, line) if not self.obsolete else line
        if first != line:
            name = f"text '{context}'" if context else f"msgid {key[1][:40]!r}"
            self.catalog.duplicates.append(
                f"{self.shown}:{line}: {name} comes twice, at lines {first} and {line}: "
                "keep one of the two entries"
            )
        super()._add_message()


def _read_po(path: Path, shown: str) -> _Catalog:
    try:
        with path.open("rb") as file:
            raw = file.read(MAX_FILE_BYTES + 1)
    except OSError as error:
        raise StringsError([f"{shown}: cannot read: {error.strerror}"]) from None
    if len(raw) > MAX_FILE_BYTES:
        raise StringsError([f"{shown}: larger than the limit of {MAX_FILE_BYTES:,} bytes"])
    catalog = _Catalog()
    try:
        _Parser(catalog, shown).parse(io.BytesIO(raw))
    except LookupError:  # the header names a charset Python does not know
        line, charset = _charset_line(raw)
        raise StringsError(
            [
                f"{shown}:{line}: unknown charset '{charset}' in the Content-Type header; "
                "save the file as UTF-8 and write 'charset=UTF-8' there"
            ]
        ) from None
    except UnicodeDecodeError as error:
        raise StringsError(
            [f"{shown}: not {catalog.charset} text ({error.reason}); save the file as UTF-8"]
        ) from None
    except (PoFileError, ValueError) as error:
        raise StringsError([f"{shown}: not a valid PO file: {error}"]) from None
    found = re.search(rb'^"Language: *([^\\"]*)', raw, re.MULTILINE)
    catalog.language_header = found.group(1).decode("utf-8", "replace")[:40] if found else ""
    # Without the header Babel says the project is "PROJECT": no campaign named at all.
    catalog.project_header = re.search(rb'^"Project-Id-Version:', raw, re.MULTILINE) is not None
    return catalog


def _charset_line(raw: bytes) -> tuple[int, str]:
    """Where the header names its charset, and the name."""
    for number, line in enumerate(raw.splitlines(), 1):
        match = re.search(rb"charset=([^\\\s\"]*)", line)
        if match:
            return number, match.group(1).decode("ascii", "replace")[:40]
    return 1, "?"


def _entry(campaign, text: CampaignText, lang: str, message, reviewed_by, today):
    """What an entry asks for: (the edit, a description), or (None, None) for no change."""
    value = message.string
    if not isinstance(value, str):
        raise ValueError("plural forms are not used in campaigns")
    review = _review_line(message.user_comments, today)
    fuzzy = message.fuzzy
    if fuzzy and review:
        raise ValueError("both fuzzy (draft) and reviewed-by: remove one")
    current = text.texts.get(lang)
    if not value:
        if review:
            raise ValueError("reviewed-by on an empty translation")
        return None, None
    state = text_state(campaign, text, lang) if current is not None else None
    before = state.state if state else "missing"
    exported_review = (state.reviewer, state.reviewed) if state and before == "reviewed" else None
    changed = value != current
    source = text.texts.get(campaign.source_language, "")

    if review and review != exported_review:
        status = "reviewed"  # a reviewer added or renewed the line
    elif review and not changed:
        return None, None  # still reviewed, as exported
    elif fuzzy:
        status = "draft"
    elif reviewed_by and not (before == "reviewed" and not changed):
        status, review = "reviewed", (reviewed_by, today)
    else:
        status = "translated"  # also: a reviewed text edited without a new review line

    if not changed and (status == before or (status == "translated" and before == "stale")):
        return None, None
    record: dict[str, object] = {"status": status}
    after = status
    if status == "reviewed":
        assert review is not None  # each way to "reviewed" above sets it
        name, date = review
        record.update(
            reviewer=name,
            reviewed=date,
            source_hash=short_hash(source),
            text_hash=short_hash(value),
        )
        after = f"reviewed by {name} on {date}"
    what = ("text changed; " if changed else "") + (
        f"{before} → {after}" if before != after else after
    )
    if changed and before == "reviewed" and status != "reviewed":
        what += " (the review was of the earlier text)"
    return TextEdit(text, lang, value, record), what


def _review_line(comments: list[str], today: dt.date) -> tuple[str, dt.date] | None:
    found = None
    for comment in comments:
        if not comment.strip().lower().startswith("reviewed-by"):
            continue
        match = REVIEW_COMMENT.match(comment.strip())
        if not match or not match.group("name"):
            raise ValueError(
                f"write the review as '# reviewed-by: NAME YYYY-MM-DD', not {comment!r}"
            )
        try:
            date = dt.date.fromisoformat(match.group("date")) if match.group("date") else today
        except ValueError:
            raise ValueError(f"no such date: {match.group('date')}") from None
        if date > today:
            raise ValueError(f"review date {date} is still to come")
        found = (match.group("name"), date)
    return found


# --- editing the campaign file ----------------------------------------------------------

STATUS_COMMENT = (
    "\nStatus of each translation, per language and text: written by `poster strings import`"
    "\n(see docs/campaign-format.md). A text with no entry here is a draft."
)


# Layouts tried, as (mapping indent, sequence indent, sequence dash offset): the
# first that writes the unchanged file back byte for byte is the file's own.
LAYOUTS = ((2, 4, 2), (2, 2, 0), (4, 4, 0), (4, 6, 2), (2, 3, 1), (3, 3, 0), (4, 4, 2))


def _yaml_for(source: str) -> tuple[YAML, Any, bool]:  # Any: ruamel's load()
    """Round-trip YAML with this file's layout, the file's tree, and whether the layout
    is kept exactly (the YAML library cannot reproduce every hand-made layout)."""
    _, sequence, offset = load_yaml_guess_indent(source)
    guessed = (2, sequence or 2, offset or 0)
    for layout in (guessed, *LAYOUTS):
        yaml = YAML(typ="rt")
        yaml.preserve_quotes = True
        yaml.width = 4096  # never fold a long text onto a second line
        # Two reviews on the same day share a date object: write it twice, never as an
        # alias (campaign files refuse aliases).
        yaml.representer.ignore_aliases = lambda data: True
        yaml.indent(mapping=layout[0], sequence=layout[1], offset=layout[2])
        tree = yaml.load(source)
        if _dump(yaml, tree) == source:
            return yaml, tree, True
    yaml.indent(mapping=guessed[0], sequence=guessed[1], offset=guessed[2])
    return yaml, yaml.load(source), False


def _dump(yaml: YAML, tree) -> str:
    buffer = io.StringIO()
    yaml.dump(tree, buffer)
    return buffer.getvalue()


def round_trip_edit(source: str, change: Callable[[CommentedMap], None]) -> tuple[str, bool]:
    """A campaign file's text after ``change`` edited its round-trip tree in place, written
    in the file's own layout; and whether that layout could be kept exactly."""
    yaml, tree, layout_kept = _yaml_for(source)
    change(tree)
    return _dump(yaml, tree), layout_kept


def _edited_yaml(source: str, edits: list[TextEdit]) -> tuple[str, bool]:
    """The campaign file with the edits made; and whether its layout could be kept."""
    return round_trip_edit(source, lambda tree: _apply(tree, edits))


def _apply(tree: CommentedMap, edits: list[TextEdit]) -> None:
    for entry in edits:
        node = tree
        for step in entry.text.loc:
            node = node[step]
        if node.get(entry.lang) != entry.value:
            node[entry.lang] = _like(node.get(entry.lang), node, entry.value)
        if entry.status is not None:
            _set_status(tree, entry.lang, entry.text.id, entry.status, entry.note)


def _like(old, siblings: CommentedMap, value: str):
    """The new text, quoted as the text it replaces (or as its siblings) was."""
    model = old if old is not None else next(iter(siblings.values()), None)
    if isinstance(model, ScalarString):
        return type(model)(value)
    return value


def _set_status(
    tree: CommentedMap, lang: str, text_id: str, record: dict, note: str | None = None
) -> None:
    if "translations" not in tree:
        tree["translations"] = CommentedMap()
        tree.yaml_set_comment_before_after_key("translations", before=STATUS_COMMENT)
    block = tree["translations"]
    if lang not in block:
        block[lang] = CommentedMap()
    statuses = block[lang]
    if text_id in statuses:  # keep the entry (and its layout), change its fields
        entry = statuses[text_id]
        for key in [k for k in entry if k not in record]:
            del entry[key]
        for key, value in record.items():
            if entry.get(key) != value:
                entry[key] = value
    else:
        entry = CommentedMap(record)
        entry.fa.set_flow_style()
        statuses[text_id] = entry
    if note:
        statuses.yaml_add_eol_comment(note, text_id)
