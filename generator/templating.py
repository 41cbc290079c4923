"""Render a poster job to HTML with its design's Jinja2 template.

Templates run in Jinja2's sandbox with autoescaping, because a design may come
from a volunteer outside the core team and message text from anyone: text is
always printed literally, never interpreted as HTML or template code.

Texts reach the template already typeset: line-break opportunities inserted
for unspaced scripts, and checked against the language's fonts.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from functools import cache, lru_cache
from pathlib import Path

from jinja2 import FileSystemLoader, StrictUndefined, select_autoescape
from jinja2.sandbox import SandboxedEnvironment
from markupsafe import Markup

from .colours import DEFAULT_PALETTE, palette_css
from .content import fill_placeholders
from .formats import BLEED_MM
from .languages import LANGUAGES, Language, font_stack
from .plan import PosterJob
from .profiles import PrintSetup
from .schema import Campaign
from .typeset.fonts import check_coverage
from .typeset.segment import insert_breaks

Fits = dict[tuple[str, str], float]


@lru_cache(maxsize=4096)
def _with_breaks(raw: str, lang: str) -> str:
    """Segmenting is the same in every fit round and on every poster sharing the text."""
    language = LANGUAGES[lang]
    return insert_breaks(raw, language.icu_locale) if language.segment else raw


@dataclass(frozen=True)
class Text:
    """One text in one language, ready to print."""

    key: str
    lang: str
    text: str
    fit: float = 1.0

    @property
    def fit_id(self) -> str:
        return f"{self.key}:{self.lang}"


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

    def __post_init__(self):
        self.design = self.campaign.design(self.job.design_id)
        self.placement = next(p for p in self.campaign.placements if p.id == self.job.placement_id)

    def text(self, key: str, lang: str, value: str | None = None, where: str | None = None) -> Text:
        raw = value if value is not None else self.campaign.messages[key][lang]
        raw = fill_placeholders(raw, self.campaign)  # "{number:la-1554}": the contact's number
        alternative = self.design.fonts.get(lang)
        check_coverage(raw, lang, where or f"message '{key}'", alternative)
        return Text(key, lang, _with_breaks(raw, lang), self.fits.get((key, lang), 1.0))

    def pair(self, key: str) -> Pair:
        first, second = self.job.languages
        return Pair(self.text(key, first), self.text(key, second))

    def named_pair(self, key: str, names: dict[str, str], where: str) -> Pair:
        first, second = self.job.languages
        return Pair(
            self.text(key, first, names[first], where), self.text(key, second, names[second], where)
        )

    def asset_url(self, path: str | None) -> str | None:
        return (self.project / path).resolve().as_uri() if path else None

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
        return {
            "page": {
                "width": width,
                "height": height,
                "bleed": BLEED_MM,
                "landscape": job.format.orientation == "landscape",
                "format": job.format.label,
                "unit": min(width, height) / 100,  # 1% of the shorter side, in mm
                "diagonal_deg": math.degrees(math.atan2(height, width)),
            },
            "languages": [LANGUAGES[first], LANGUAGES[second]],
            "palette_css": self.palette_css(),
            "language_css": {code: self.language_css(LANGUAGES[code]) for code in job.languages},
            "headline": self.pair(design.headline),
            "subheadline": self.pair(design.subheadline) if design.subheadline else None,
            "messages": [
                {"icon": self.asset_url(slot.icon), "text": self.pair(slot.text)}
                for slot in design.messages
            ],
            "call_to_action": self.pair(design.call_to_action),
            "place_label": self.pair(design.place_label) if design.place_label else None,
            "place": self.named_pair(
                f"place-{self.placement.id}",
                self.placement.name,
                f"placement '{self.placement.id}' name",
            ),
            "pictogram": self.asset_url(design.pictogram),
            "contacts": [
                {
                    "number": contact.number,
                    "country": contact.country,
                    "name": self.named_pair(
                        f"contact-{contact.id}", contact.name, f"contact '{contact.id}' name"
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
                    "logo": self.asset_url(org.logo),
                }
                for org in organisations
            ],
            "draft": job.draft,  # texts await review: base.html.j2 marks the page DRAFT
            "campaign_title": campaign.title.get("en") or next(iter(campaign.title.values())),
        }


@cache
def environment(project: Path) -> SandboxedEnvironment:
    """One environment per project, so each template compiles once per process
    (Jinja still reloads a template whose file changed)."""
    return SandboxedEnvironment(
        loader=FileSystemLoader(project / "templates"),
        autoescape=select_autoescape(default=True, default_for_string=True),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )


def render_html(env: SandboxedEnvironment, context: PosterContext) -> str:
    template = env.get_template(f"{context.job.template}/poster.html.j2")
    return template.render(**context.variables())
