"""Render a poster job to HTML with its design's Jinja2 template.

Templates run in Jinja2's sandbox with autoescaping, because a design may come
from a volunteer outside the core team and message text from anyone: text is
always printed literally, never interpreted as HTML or template code.

Texts reach the template already typeset: line-break opportunities inserted
for unspaced scripts, and checked against the language's fonts.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache, lru_cache
from pathlib import Path

from jinja2 import FileSystemLoader, StrictUndefined, TemplateNotFound, select_autoescape
from jinja2.loaders import split_template_path
from jinja2.sandbox import SandboxedEnvironment
from markupsafe import Markup

from .formats import BLEED_MM
from .languages import LANGUAGES, Language, font_stack
from .plan import PosterJob
from .schema import Campaign
from .typeset.fonts import FontError, check_coverage
from .typeset.segment import insert_breaks

Fits = dict[tuple[str, str], float]
Field = tuple[str | int, ...]  # a path into the campaign file, e.g. ("messages", "call", "lo")


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
    # Which campaign field each text and each asset URL comes from, so that a
    # problem found while rendering can name its line in the campaign file.
    text_fields: dict[tuple[str, str], Field] = field(default_factory=dict)
    url_fields: dict[str, Field] = field(default_factory=dict)

    def __post_init__(self):
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
        source = (*source, lang) if source else ("messages", key, lang)
        self.text_fields[(key, lang)] = source
        alternative = self.design.fonts.get(lang)
        try:
            check_coverage(raw, lang, where or f"message '{key}'", alternative)
        except FontError as error:
            error.field = source
            raise
        return Text(key, lang, _with_breaks(raw, lang), self.fits.get((key, lang), 1.0))

    def pair(self, key: str) -> Pair:
        first, second = self.job.languages
        return Pair(self.text(key, first), self.text(key, second))

    def named_pair(self, key: str, names: dict[str, str], where: str, source: Field) -> Pair:
        first, second = self.job.languages
        return Pair(
            self.text(key, first, names[first], where, source),
            self.text(key, second, names[second], where, source),
        )

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
            },
            "languages": [LANGUAGES[first], LANGUAGES[second]],
            "language_css": {code: self.language_css(LANGUAGES[code]) for code in job.languages},
            "headline": self.pair(design.headline),
            "subheadline": self.pair(design.subheadline) if design.subheadline else None,
            "messages": [
                {
                    "icon": self.asset_url(slot.icon, (*at_design, "messages", i, "icon")),
                    "text": self.pair(slot.text),
                }
                for i, slot in enumerate(design.messages)
            ],
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
            "draft": campaign.review.translations != "reviewed",
            "campaign_title": campaign.title.get("en") or next(iter(campaign.title.values())),
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
