"""Render a poster job to HTML with its design's Jinja2 template.

Templates run in Jinja2's sandbox with autoescaping, because a design may come
from a volunteer outside the core team and message text from anyone: text is
always printed literally, never interpreted as HTML or template code.

Texts reach the template already typeset: line-break opportunities inserted
for unspaced scripts, and checked against the language's fonts.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field, replace
from functools import cache, cached_property, lru_cache
from pathlib import Path

from jinja2 import FileSystemLoader, StrictUndefined, TemplateNotFound, select_autoescape
from jinja2.loaders import split_template_path
from jinja2.sandbox import SandboxedEnvironment
from markupsafe import Markup, escape

from ..campaign import Campaign
from ..campaign.content import fill_placeholders, name_id, printed_contact_ids
from ..campaign.languages import LANGUAGES, Language, font_stack
from ..errors import Field, PosterFailure
from ..planning.formats import FORMAT_NAMES
from ..planning.plan import PosterJob
from ..prepress.colours import DEFAULT_PALETTE, palette_css
from ..prepress.profiles import PrintSetup
from ..typeset.fonts import FontError, check_coverage, text_width_em
from ..typeset.layout import (
    BOLD_WIDTH,
    PHRASE_SPACED,
    Fits,
    Geometry,
    balanced_lines,
    geometry,
    text_size,
)
from ..typeset.segment import WORD_JOINER, ZWSP, insert_breaks, keep_words
from .qr import QrImage, make_qr, payload

TEMPLATE_METADATA = "template.toml"
MAX_PAGES = 4


class TemplateMetadataError(PosterFailure, ValueError):
    """A template's ``template.toml`` is unreadable or says something impossible."""


@dataclass(frozen=True)
class TemplateMetadata:
    """What ``template.toml`` says about a design (every key is optional)."""

    pages: int = 1  # 2: a two-sided flyer, front then back in duplex order
    # The formats and orientations the design is made for: those tried when a text
    # does not fit, to say which would hold it. Empty: every format.
    formats: tuple[str, ...] = ()
    orientations: tuple[str, ...] = ("portrait", "landscape")
    viewing_distance_m: float | None = None  # instead of the format's own distance
    safe_bottom_mm: float = 0.0  # kept clear at the foot (a banner's cassette)


def template_metadata(project: Path, template: str) -> TemplateMetadata:
    path = project / "templates" / template / TEMPLATE_METADATA
    if not path.is_file():
        return TemplateMetadata()
    return _read_metadata(path, path.stat().st_mtime_ns, template)


@lru_cache(maxsize=64)
def _read_metadata(path: Path, _stamp: int, template: str) -> TemplateMetadata:
    shown = f"templates/{template}/{TEMPLATE_METADATA}"
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as error:
        raise TemplateMetadataError(f"{shown}: {error}") from None
    pages = data.get("pages", 1)
    if not isinstance(pages, int) or isinstance(pages, bool) or not 1 <= pages <= MAX_PAGES:
        raise TemplateMetadataError(f"{shown}: pages must be a whole number from 1 to {MAX_PAGES}")
    formats = data.get("formats", [])
    if not isinstance(formats, list) or not set(formats) <= set(FORMAT_NAMES):
        known = ", ".join(FORMAT_NAMES)
        raise TemplateMetadataError(f"{shown}: formats must be a list of {known}")
    orientations = data.get("orientations", ["portrait", "landscape"])
    if (
        not isinstance(orientations, list)
        or not orientations
        or not set(orientations)
        <= {
            "portrait",
            "landscape",
        }
    ):
        raise TemplateMetadataError(f"{shown}: orientations must list portrait, landscape")
    distance = data.get("viewing_distance_m")
    if distance is not None and (
        not isinstance(distance, int | float) or not 0.2 <= distance <= 20
    ):
        raise TemplateMetadataError(f"{shown}: viewing_distance_m must be 0.2 to 20 (metres)")
    bottom = data.get("safe_bottom_mm", 0.0)
    if not isinstance(bottom, int | float) or not 0 <= bottom <= 300:
        raise TemplateMetadataError(f"{shown}: safe_bottom_mm must be 0 to 300")
    return TemplateMetadata(
        pages, tuple(formats), tuple(orientations), distance and float(distance), float(bottom)
    )


def template_pages(project: Path, template: str) -> int:
    """How many pages a template makes: 1, or what its ``template.toml`` says
    (``pages = 2`` for a two-sided flyer: front, then back, in duplex order)."""
    return template_metadata(project, template).pages


@lru_cache(maxsize=64)
def _qr(data: str) -> QrImage:
    return make_qr(data)


@lru_cache(maxsize=4096)
def _width_em(raw: str, families: tuple[str, ...]) -> float:
    return text_width_em(raw, families)


@lru_cache(maxsize=4096)
def _with_breaks(raw: str, lang: str) -> Markup:
    """Segmenting is the same in every fit round and on every poster sharing the text."""
    return _hold_together(_segmented(raw, lang))


@lru_cache(maxsize=4096)
def _balanced(raw: str, lang: str, families: tuple[str, ...], measure_em: float) -> Markup:
    """A headline broken into even lines (``layout.balanced_lines``): each line held
    together, so a line the estimate set too wide is narrowed by the fit, not rewrapped."""
    language = LANGUAGES[lang]
    segmented = _segmented(raw, lang)
    pieces: list[tuple[str, float, bool]] = []  # as balanced_lines takes them
    for part in re.split(r"( +|\u200b)", segmented):
        if not part:
            continue
        if part == ZWSP or part.isspace():
            if pieces:
                word, _, _ = pieces[-1]
                pieces[-1] = (word + part, _width_em(word + part, families), part != ZWSP)
            continue
        pieces.append((part, _width_em(part.replace(WORD_JOINER, ""), families), False))
    breaks = balanced_lines(pieces, measure_em, language.script in PHRASE_SPACED)
    if not breaks:
        return _hold_together(segmented)
    lines, start = [], 0
    for end in [*breaks, len(pieces) - 1]:
        line = "".join(word for word, _, _ in pieces[start : end + 1]).rstrip(" " + ZWSP)
        lines.append(Markup('<span class="line">%s</span>') % _hold_together(line))
        start = end + 1
    return Markup("<br>").join(lines)


def _segmented(raw: str, lang: str) -> str:
    language = LANGUAGES[lang]
    if language.keep_words:
        return keep_words(raw)
    return insert_breaks(raw, language.icu_locale) if language.segment else raw


_WORDS = re.compile(r"([\s\u200b]+)")


def _hold_together(segmented: str) -> Markup:
    """The text as HTML, escaped, each word with a WORD JOINER inside kept on one line.

    A WORD JOINER marks a break the segmenter forbids (a Korean word, a Lao or
    Thai prefix and its word). Pango honours it for most scripts but not for
    Thai, which it breaks with libthai on its own: a ``nowrap`` span holds for all.
    """
    out = []
    for part in _WORDS.split(segmented):
        if WORD_JOINER in part:
            word = escape(part.replace(WORD_JOINER, ""))
            out.append(Markup('<span style="white-space: nowrap">%s</span>') % word)
        else:
            out.append(escape(part))
    return Markup("").join(out)


@dataclass(frozen=True)
class Text:
    """One text in one language, ready to print at its size."""

    key: str
    lang: str
    text: Markup | str
    role: str = "message"
    rank: int = 0  # 0: the primary language; 1, 2, 3: the others in order
    size: float = 0.0  # font size in mm, the fit included
    floor: float = 0.0  # the smallest size legible for its role on this format
    text_id: str = ""  # its id in the PO files and the workspace: the key ("" for a number)

    @property
    def fit_id(self) -> str:
        return f"{self.key}:{self.lang}"

    @property
    def primary(self) -> bool:
        return self.rank == 0


@dataclass(frozen=True)
class Stack:
    """The same text in each of the poster's languages, the primary first and largest."""

    texts: tuple[Text, ...]

    def __iter__(self):
        return iter(self.texts)

    def __len__(self) -> int:
        return len(self.texts)

    @property
    def primary(self) -> Text:
        return self.texts[0]

    @property
    def others(self) -> tuple[Text, ...]:
        return self.texts[1:]

    @property
    def key(self) -> str:
        return self.texts[0].key


@dataclass
class PosterContext:
    job: PosterJob
    campaign: Campaign
    project: Path
    fits: Fits = field(default_factory=dict)
    print_setup: PrintSetup | None = None  # colours in CMYK or sRGB; default: sRGB
    # Which campaign field each text and each asset URL comes from, so that a
    # problem found while rendering can name its line in the campaign file.
    text_fields: dict[tuple[str, str], Field] = field(default_factory=dict)
    url_fields: dict[str, Field] = field(default_factory=dict)
    # The plain text of every printed text: for the text-layer check, and for messages
    # about a text too long.
    printed: dict[tuple[str, str], str] = field(default_factory=dict)

    def __post_init__(self):
        # In a build's worker process too, the campaign's declared languages are known.
        LANGUAGES.declare(self.campaign.language_declarations())
        self.design = self.campaign.design(self.job.design_id)
        self.design_index = self.campaign.designs.index(self.design)
        self.placement = self.campaign.placement(self.job.placement_id)
        self.placement_index = self.campaign.placements.index(self.placement)
        self.metadata = template_metadata(self.project, self.job.template)
        self.geometry = self._geometry()

    def _geometry(self) -> Geometry:
        return geometry(
            self.job.format,
            self.metadata.pages,
            self.fits,
            self.metadata.viewing_distance_m,
            self.metadata.safe_bottom_mm,
        )

    def text(
        self,
        key: str,
        lang: str,
        role: str = "message",
        rank: int = 0,
        value: str | None = None,
        where: str | None = None,
        source: Field | None = None,
    ) -> Text:
        raw = value if value is not None else self.campaign.messages[key][lang]
        raw = fill_placeholders(raw, self.campaign)  # "{number:la-1554}": the contact's number
        source = (*source, lang) if source else ("messages", key, lang)
        self.text_fields[(key, lang)] = source
        self.printed[(key, lang)] = raw
        alternative = self.design.fonts.get(lang)
        try:
            check_coverage(raw, lang, where or f"message '{key}'", alternative)
        except FontError as error:  # the same failure, at the field it comes from
            raise FontError(str(error), source) from None
        size, floor = text_size(self.geometry.type, self.fits, role, rank, key, lang)
        if role == "headline":
            measure_em = self.headline_measure_mm() / size / BOLD_WIDTH
            markup = _balanced(raw, lang, font_stack(lang, alternative), round(measure_em, 2))
        else:
            markup = _with_breaks(raw, lang)
        return Text(key, lang, markup, role, rank, size, floor, key)

    def headline_measure_mm(self) -> float:
        """The width the headline is balanced for (a design may set it in a column)."""
        return self.geometry.content_width

    def stack(
        self,
        key: str,
        role: str = "message",
        names: dict[str, str] | None = None,
        where: str | None = None,
        source: Field | None = None,
    ) -> Stack:
        """``key`` (the text's id, as the PO files and the workspace know it) in every
        language of the poster; ``names``: the texts, when they are not a message (a
        place's or a contact's name)."""
        texts: list[Text] = []
        for rank, lang in enumerate(self.job.languages):
            value = names[lang] if names is not None else None
            text = self.text(key, lang, role, rank, value, where, source)
            if texts and text.size > texts[-1].size:  # never larger than the one before
                text = replace(text, size=texts[-1].size)
            texts.append(text)
        return Stack(tuple(texts))

    def printed_texts(self) -> dict[str, str]:
        """Every text the poster prints, by a name for messages: "text 'call' (lo)"."""
        return {f"text '{key}' ({lang})": raw for (key, lang), raw in self.printed.items()}

    @cached_property
    def qr_image(self) -> QrImage | None:
        """The design's QR code, made once per poster (not once per fit round)."""
        qr = self.design.qr
        return _qr(payload(qr, self.campaign)) if qr else None

    def url_field(self, url: str) -> Field | None:
        """The campaign field a URL the template asked for came from (None: the design's own)."""
        return self.url_fields.get(url)

    def asset_url(self, path: str | None, source: Field) -> str | None:
        if not path:
            return None
        url = (self.project / path).resolve().as_uri()
        self.url_fields[url] = source
        return url

    def language_css(self, lang: Language) -> Markup:
        """CSS built from declared font names only (never campaign text), so safe to print."""
        families = font_stack(lang.code, self.design.fonts.get(lang.code))
        stack = ", ".join(f'"{family}"' for family in families)
        return Markup(f"font-family: {stack}; line-height: {lang.line_height};")

    def palette_css(self) -> Markup:
        """The palette as CSS custom properties: numbers and checked names only, so safe."""
        setup = self.print_setup
        colours = setup.colours if setup else DEFAULT_PALETTE
        return Markup(palette_css(colours, cmyk=bool(setup and setup.profile.cmyk)))

    def _number(self, contact) -> Text:
        """A contact's number: Latin digits, one line, as large as the hotline allows."""
        key = f"number-{contact.id}"
        size, floor = text_size(self.geometry.type, self.fits, "number", 0, key, "en")
        self.printed[(key, "en")] = contact.number
        self.text_fields[(key, "en")] = (
            "contacts",
            self.campaign.contacts.index(contact),
            "number",
        )
        return Text(key, "en", contact.number, "number", 0, size, floor, "")

    def _contact_columns(self, contacts) -> int:
        """Columns of the hotline's contact grid: as many as leave room for each number
        set at its size, a four-digit one in one column, a long one in two."""
        g = self.geometry
        spans = sum(2 if len(c.number) > 5 else 1 for c in contacts)
        width = g.content_width
        if self.design.qr:
            assert self.qr_image is not None  # made for every design with a QR code
            width -= max(self.qr_image.min_side_mm(self.job.format), 0.2 * width) + g.gap
        digit = 0.6 * g.type.size("number")
        column = max(
            [4 * digit + g.gap / 2]
            + [(len(c.number) * digit - g.gap) / 2 for c in contacts if len(c.number) > 5]
        )
        return max(1, min(spans, int(width / column), 6))

    def variables(self) -> dict:
        self.geometry = self._geometry()  # the fit may have changed since the last round
        job, design, campaign = self.job, self.design, self.campaign
        contacts = [campaign.contact(c) for c in printed_contact_ids(design, self.placement)]
        organisations = [campaign.organisation(o) for o in design.organisations]
        at_design = ("designs", self.design_index)
        languages = [LANGUAGES[code] for code in job.languages]
        columns = self._contact_columns(contacts)
        return {
            "page": self.geometry,
            # Columns of the hotline's contact grid: a long number takes two.
            "contact_columns": columns,
            "geometry_css": self.geometry.css(),
            "languages": languages,
            "palette_css": self.palette_css(),
            "language_css": {lang.code: self.language_css(lang) for lang in languages},
            "headline": self.stack(design.headline, "headline"),
            "subheadline": (
                self.stack(design.subheadline, "subheadline") if design.subheadline else None
            ),
            "messages": [
                {
                    "icon": self.asset_url(slot.icon, (*at_design, "messages", i, "icon")),
                    "text": self.stack(slot.text),
                    "group": self.stack(slot.group, "subheadline") if slot.group else None,
                }
                for i, slot in enumerate(design.messages)
            ],
            "texts": {name: self.stack(key) for name, key in design.texts.items()},
            "illustration": self.asset_url(design.illustration, (*at_design, "illustration")),
            "qr": self._qr_variables(),
            "call_to_action": self.stack(design.call_to_action, "cta"),
            "place_label": self.stack(design.place_label, "label") if design.place_label else None,
            "place": self.stack(
                name_id("placement", self.placement.id),
                "place",
                self.placement.name,
                f"placement '{self.placement.id}' name",
                ("placements", self.placement_index, "name"),
            ),
            "pictogram": self.asset_url(design.pictogram, (*at_design, "pictogram")),
            "contacts": [
                {
                    "number": self._number(contact),
                    "long": len(contact.number) > 5,  # "021 251 128" takes two columns
                    "country": contact.country,
                    "name": self.stack(
                        name_id("contact", contact.id),
                        "contact_name",
                        contact.name,
                        f"contact '{contact.id}' name",
                        ("contacts", campaign.contacts.index(contact), "name"),
                    ),
                }
                for contact in contacts
            ],
            "organisations": [
                {
                    "name": next(
                        (org.name[lang] for lang in (*job.languages, "en") if lang in org.name),
                        org.id,
                    ),
                    "logo": self.asset_url(
                        org.logo, ("organisations", campaign.organisations.index(org), "logo")
                    ),
                }
                for org in organisations
            ],
            "draft": job.draft,  # texts await review: base.html.j2 marks the page DRAFT
            "campaign_title": campaign.title.get("en") or next(iter(campaign.title.values())),
            "document": self.document_metadata(),
        }

    def document_metadata(self) -> dict[str, str]:
        """The PDF's Title and Subject, as the campaign file writes them: without the
        break characters typesetting inserts, which a search or a file list would show."""
        campaign, placement = self.campaign, self.placement
        title = campaign.title.get("en") or next(iter(campaign.title.values()))
        place = placement.name[self.job.languages[0]]  # a placement has a name in each
        headline = campaign.messages[self.design.headline]
        subject = " / ".join(
            fill_placeholders(headline[lang], campaign) for lang in self.job.languages
        )
        return {"title": f"{title} – {place}", "subject": subject}

    def _qr_variables(self) -> dict | None:
        qr, image = self.design.qr, self.qr_image
        if qr is None or image is None:
            return None
        return {
            "src": image.uri,
            # The smallest side, quiet zone included, that scans from this format's distance.
            "min_side": image.min_side_mm(self.job.format),
            "side": max(image.min_side_mm(self.job.format), 0.2 * self.geometry.content_width),
            "caption": self.stack(qr.caption, "contact_name"),
            "number": self.campaign.contact(qr.contact).number if qr.contact else None,
            "payload": image.payload,
        }


class ProjectTemplateLoader(FileSystemLoader):
    """Templates from templates/ only. Jinja already refuses names with '..'; this also
    refuses a link that leads out of the folder, before anything is read through it."""

    def get_source(self, environment, template):
        pieces = split_template_path(template)
        for folder in self.searchpath:
            root = Path(folder).resolve()
            candidate = Path(folder, *pieces)
            if candidate.is_file():
                if not candidate.resolve().is_relative_to(root):
                    raise TemplateNotFound(f"{template} (a link to a file outside templates/)")
                break
        return super().get_source(environment, template)


@cache
def environment(project: Path) -> SandboxedEnvironment:
    """One environment per project, so each template compiles once per process
    (Jinja still reloads a template whose file changed)."""
    return SandboxedEnvironment(
        loader=ProjectTemplateLoader(project / "templates"),
        autoescape=select_autoescape(default=True, default_for_string=True),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )


def render_html(env: SandboxedEnvironment, context: PosterContext) -> str:
    template = env.get_template(f"{context.job.template}/poster.html.j2")
    return template.render(**context.variables())
