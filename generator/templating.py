"""Render a poster job to HTML with its design's Jinja2 template.

Templates run in Jinja2's sandbox with autoescaping, because a design may come
from a volunteer outside the core team and message text from anyone: text is
always printed literally, never interpreted as HTML or template code.

Texts reach the template already typeset: line-break opportunities inserted
for unspaced scripts, and checked against the language's fonts.
"""

from __future__ import annotations

import math
import re
import tomllib
from dataclasses import dataclass, field
from functools import cache, cached_property, lru_cache
from pathlib import Path

from jinja2 import FileSystemLoader, StrictUndefined, TemplateNotFound, select_autoescape
from jinja2.loaders import split_template_path
from jinja2.sandbox import SandboxedEnvironment
from markupsafe import Markup, escape

from .colours import DEFAULT_PALETTE, palette_css
from .content import fill_placeholders
from .formats import BLEED_MM, READING_SHARE
from .languages import LANGUAGES, Language, font_stack
from .plan import PosterJob
from .profiles import PrintSetup
from .qr import QrImage, make_qr, payload
from .schema import Campaign
from .typeset.fonts import FontError, check_coverage, text_width_em
from .typeset.segment import WORD_JOINER, insert_breaks, keep_words

Fits = dict[tuple[str, str], float]
Field = tuple[str | int, ...]  # a path into the campaign file, e.g. ("messages", "call", "lo")
TEMPLATE_METADATA = "template.toml"
MAX_PAGES = 4


class TemplateMetadataError(ValueError):
    """A template's ``template.toml`` is unreadable or says something impossible."""


def template_pages(project: Path, template: str) -> int:
    """How many pages a template makes: 1, or what its ``template.toml`` says
    (``pages = 2`` for a two-sided flyer: front, then back, in duplex order)."""
    path = project / "templates" / template / TEMPLATE_METADATA
    if not path.is_file():
        return 1
    shown = f"templates/{template}/{TEMPLATE_METADATA}"
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as error:
        raise TemplateMetadataError(f"{shown}: {error}") from None
    pages = data.get("pages", 1)
    if not isinstance(pages, int) or isinstance(pages, bool) or not 1 <= pages <= MAX_PAGES:
        raise TemplateMetadataError(f"{shown}: pages must be a whole number from 1 to {MAX_PAGES}")
    return pages


@lru_cache(maxsize=64)
def _qr(data: str) -> QrImage:
    return make_qr(data)


@lru_cache(maxsize=4096)
def _width_em(raw: str, families: tuple[str, ...]) -> float:
    return text_width_em(raw, families)


@lru_cache(maxsize=4096)
def _with_breaks(raw: str, lang: str) -> Markup:
    """Segmenting is the same in every fit round and on every poster sharing the text."""
    language = LANGUAGES[lang]
    if language.keep_words:
        return _hold_together(keep_words(raw))
    return _hold_together(insert_breaks(raw, language.icu_locale) if language.segment else raw)


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
    """One text in one language, ready to print."""

    key: str
    lang: str
    text: str
    fit: float = 1.0
    width_em: float = 0.0  # about how wide it is set on one line (``text_width_em``)

    @property
    def fit_id(self) -> str:
        return f"{self.key}:{self.lang}"

    def lines(self, width_mm: float, size_mm: float) -> int:
        """About how many lines the text takes in a box ``width_mm`` wide, set at
        ``size_mm``: for layouts that share room between texts by their length."""
        width = self.width_em * size_mm
        if width <= width_mm:
            return 1
        # Lines break between words, so a line holds a little less than the full width.
        return math.ceil(width * 1.1 / max(width_mm, 1e-6))


@dataclass(frozen=True)
class Pair:
    """The same text in the poster's two languages: primary first."""

    primary: Text
    secondary: Text

    def __iter__(self):
        return iter((self.primary, self.secondary))


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
    printed: dict[tuple[str, str], str] = field(default_factory=dict)  # for the text-layer check

    def __post_init__(self):
        # In a build's worker process too, the campaign's declared languages are known.
        LANGUAGES.declare(self.campaign.language_declarations())
        self.design = self.campaign.design(self.job.design_id)
        self.design_index = self.campaign.designs.index(self.design)
        self.placement_index, self.placement = next(
            (i, p) for i, p in enumerate(self.campaign.placements) if p.id == self.job.placement_id
        )

    def text(
        self,
        key: str,
        lang: str,
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
        except FontError as error:
            error.field = source
            raise
        width = _width_em(raw, font_stack(lang, alternative))
        return Text(key, lang, _with_breaks(raw, lang), self.fits.get((key, lang), 1.0), width)

    def pair(self, key: str) -> Pair:
        first, second = self.job.languages
        return Pair(self.text(key, first), self.text(key, second))

    def named_pair(self, key: str, names: dict[str, str], where: str, source: Field) -> Pair:
        first, second = self.job.languages
        return Pair(
            self.text(key, first, names[first], where, source),
            self.text(key, second, names[second], where, source),
        )

    def printed_texts(self) -> dict[str, str]:
        """Every text the poster prints, by a name for messages: "text 'call' (lo)"."""
        return {f"text '{key}' ({lang})": raw for (key, lang), raw in self.printed.items()}

    @cached_property
    def qr_image(self) -> QrImage | None:
        """The design's QR code, made once per poster (not once per fit round)."""
        qr = self.design.qr
        return _qr(payload(qr, self.campaign)) if qr else None

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

    def variables(self) -> dict:
        job, design, campaign = self.job, self.design, self.campaign
        width, height = job.format.trim_mm
        first, second = job.languages
        contacts = [campaign.contact(c) for c in (*design.contacts, *self.placement.contacts)]
        organisations = [campaign.organisation(o) for o in design.organisations]
        at_design = ("designs", self.design_index)
        return {
            "page": {
                "width": width,
                "height": height,
                "bleed": BLEED_MM,
                "landscape": job.format.orientation == "landscape",
                "format": job.format.label,
                "unit": min(width, height) / 100,  # 1% of the shorter side, in mm
                "diagonal_deg": math.degrees(math.atan2(height, width)),
                "sides": template_pages(self.project, job.template),  # 2: a two-sided flyer
                # The smallest legible size of each text role at this format's distance.
                "floor": {role: job.format.min_font_size_mm(role) for role in READING_SHARE},
            },
            "languages": [LANGUAGES[first], LANGUAGES[second]],
            "palette_css": self.palette_css(),
            "language_css": {code: self.language_css(LANGUAGES[code]) for code in job.languages},
            "headline": self.pair(design.headline),
            "subheadline": self.pair(design.subheadline) if design.subheadline else None,
            "messages": [
                {
                    "icon": self.asset_url(slot.icon, (*at_design, "messages", i, "icon")),
                    "text": self.pair(slot.text),
                    "group": self.pair(slot.group) if slot.group else None,
                }
                for i, slot in enumerate(design.messages)
            ],
            "texts": {name: self.pair(key) for name, key in design.texts.items()},
            "illustration": self.asset_url(design.illustration, (*at_design, "illustration")),
            "qr": self._qr_variables(),
            "call_to_action": self.pair(design.call_to_action),
            "place_label": self.pair(design.place_label) if design.place_label else None,
            "place": self.named_pair(
                f"place-{self.placement.id}",
                self.placement.name,
                f"placement '{self.placement.id}' name",
                ("placements", self.placement_index, "name"),
            ),
            "pictogram": self.asset_url(design.pictogram, (*at_design, "pictogram")),
            "contacts": [
                {
                    "number": contact.number,
                    "country": contact.country,
                    "name": self.named_pair(
                        f"contact-{contact.id}",
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
            "caption": self.pair(qr.caption),
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
