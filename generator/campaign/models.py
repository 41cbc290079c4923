"""The campaign file, as pydantic models.

Every model rejects unknown keys, so a typo in a campaign file is an error
with its line number rather than a silently ignored setting. Cross-references
(a placement naming a design, a design naming a message) are checked after
the shapes, in ``references.py``, so both kinds of problem carry a field path.
"""

from __future__ import annotations

import datetime as dt
from pathlib import PurePosixPath
from typing import Annotated, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    PrivateAttr,
    StringConstraints,
    ValidationInfo,
    model_validator,
)

from ..planning.formats import FORMAT_NAMES
from ..prepress.profiles import PROFILE_NAMES
from .languages import Declaration

# Any BCP 47 tag; whether the tag is a language the posters can set is checked once
# per tag after the shapes (references.check_languages), with every place it is used.
LanguageCode = Annotated[
    str,
    StringConstraints(max_length=35),
    Field(description="a BCP 47 language tag, e.g. 'lo', 'fr', 'zh-Hans', 'hmn-Latn'"),
]
ScriptCode = Annotated[
    str,
    StringConstraints(pattern=r"^[A-Z][a-z]{3}$"),
    Field(description="an ISO 15924 script code, e.g. 'Latn', 'Laoo', 'Hans'"),
]
# A poster speaks one to four languages: more would leave none of them legible.
MAX_LANGUAGES = 4
Id = Annotated[
    str,
    StringConstraints(pattern=r"^[a-z0-9]+(-[a-z0-9]+)*$", max_length=64),
    Field(description="lower-case letters, digits and single hyphens, e.g. 'vientiane-nong-khai'"),
]
Text = Annotated[str, StringConstraints(min_length=1, max_length=2000)]
Texts = Annotated[
    dict[LanguageCode, Text],
    Field(description="one text per language code, e.g. {lo: ..., th: ...}"),
]
PhoneNumber = Annotated[
    str,
    StringConstraints(pattern=r"^\+?[0-9]+( [0-9]+)*$", max_length=24),
    Field(description="Western digits grouped by single spaces as dialled, e.g. '021 251 128'"),
]


class StrictModel(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def _check_asset(value: str, info: ValidationInfo) -> str:
    """An asset is a relative path inside the project's assets/ folder that exists."""
    path = PurePosixPath(value)
    if path.is_absolute() or ".." in path.parts or "\\" in value or ":" in value:
        raise ValueError("must be a relative path inside assets/, without '..' or a URL scheme")
    if not path.parts or path.parts[0] != "assets":
        raise ValueError("must be a path under assets/, e.g. assets/logos/mlsw.svg")
    project = (info.context or {}).get("project")
    if project is not None:
        real = (project / path).resolve()
        if not real.is_relative_to((project / "assets").resolve()):
            raise ValueError("points outside assets/ (through a link)")
        if not real.is_file():
            raise ValueError(f"no such file: {value}")
    return value


AssetPath = Annotated[
    str,
    AfterValidator(_check_asset),
    Field(description="a file under assets/, e.g. assets/logos/mlsw.svg"),
]


class Review(StrictModel):
    translations: Literal["draft", "reviewed"] = Field(
        "draft",
        description="no longer used: each text carries its own status (translations:); "
        "kept so that older files load",
    )
    note: str | None = None
    contact_max_age_months: int = Field(
        12, ge=1, le=120, description="warn when a contact was verified longer ago than this"
    )


TextId = Annotated[
    str,
    StringConstraints(
        pattern=r"^([a-z0-9]+(-[a-z0-9]+)*|campaign\.title|"
        r"(placement|contact|organisation)\.[a-z0-9]+(-[a-z0-9]+)*\.name)$",
        max_length=100,
    ),
    Field(
        description="a message key, or campaign.title, placement.<id>.name, "
        "contact.<id>.name, organisation.<id>.name"
    ),
]
ShortHash = Annotated[str, StringConstraints(pattern=r"^[0-9a-f]{8}$")]


class TextStatus(StrictModel):
    """Where one text in one language stands; a text with no entry is a draft."""

    status: Literal["draft", "translated", "reviewed"]
    reviewer: Annotated[str, StringConstraints(min_length=1, max_length=200)] | None = None
    reviewed: dt.date | None = Field(None, description="the date of the review")
    source_hash: ShortHash | None = Field(
        None, description="hash of the source-language text the review saw"
    )
    text_hash: ShortHash | None = Field(None, description="hash of the text the review saw")

    @model_validator(mode="after")
    def _review_is_complete(self) -> TextStatus:
        review = (self.reviewer, self.reviewed, self.source_hash, self.text_hash)
        if self.status == "reviewed" and None in review:
            raise ValueError("a reviewed text needs reviewer, reviewed, source_hash and text_hash")
        if self.status != "reviewed" and any(v is not None for v in review):
            raise ValueError("reviewer, reviewed and the hashes belong to reviewed texts only")
        return self


class Organisation(StrictModel):
    id: Id
    name: Texts
    logo: AssetPath | None = None


class Contact(StrictModel):
    id: Id
    number: PhoneNumber
    country: Annotated[str, StringConstraints(pattern=r"^[A-Z]{2}$")] = Field(
        description="ISO 3166 alpha-2 country code, e.g. LA, TH"
    )
    name: Texts = Field(description="what the line is, short, per language")
    source: Annotated[str, StringConstraints(min_length=1)]
    source_date: Annotated[str, StringConstraints(pattern=r"^\d{4}(-\d{2}(-\d{2})?)?$")] | None = (
        Field(
            None,
            description="when the source said it, YYYY, YYYY-MM or YYYY-MM-DD; omit if unknown",
        )
    )
    verified: dt.date | None = Field(None, description="date someone last checked the number")
    verification: str | None = Field(None, description="how it was checked")


class MessageSlot(StrictModel):
    text: Id = Field(description="key of a message")
    icon: AssetPath | None = None
    group: Id | None = Field(
        None,
        description="key of a message heading this one and the next ones with the same group "
        "(the flyer's back prints 'warning signs' and 'what to do' this way)",
    )


class QrCode(StrictModel):
    """A QR code printed on the poster: it dials a campaign contact or opens a web page."""

    contact: Id | None = Field(None, description="a contact id: the code dials its number")
    url: Annotated[str, StringConstraints(pattern=r"^https://[^\s]+$", max_length=300)] | None = (
        Field(None, description="an https:// address: the code opens it")
    )
    caption: Id = Field(description="key of a message printed beside the code, e.g. 'Scan to call'")


class Design(StrictModel):
    id: Id
    template: Id = Field(description="a folder under templates/, e.g. border-sign")
    headline: Id
    subheadline: Id | None = None
    messages: list[MessageSlot] = Field(min_length=1, max_length=6)
    call_to_action: Id
    place_label: Id | None = None
    pictogram: AssetPath | None = None
    illustration: AssetPath | None = Field(
        None,
        description="a picture (SVG, PNG or JPEG) for designs that show one; a raster image "
        "needs 300 ppi at its printed size for a print read from 1 m, less from further "
        "(100 ppi from 3 m); below half of that the poster fails",
    )
    qr: QrCode | None = None
    texts: dict[Id, Id] = Field(
        default_factory=dict,
        description="further texts a template prints by name, e.g. {turn-over: see-back}: "
        "name as the template's documentation gives it, then a message key",
    )
    contacts: list[Id] = Field(default_factory=list)
    organisations: list[Id] = Field(default_factory=list)
    fonts: dict[LanguageCode, str] = Field(
        default_factory=dict, description="named alternative font stack per language"
    )

    def message_keys(self) -> list[str]:
        """Every message this design prints, each once, in order."""
        keys = [self.headline, self.subheadline, self.call_to_action, self.place_label]
        for slot in self.messages:
            keys += [slot.group, slot.text]
        keys += [self.qr.caption if self.qr else None, *self.texts.values()]
        return list(dict.fromkeys(key for key in keys if key))


class FormatOrder(StrictModel):
    size: Literal[tuple(FORMAT_NAMES)]  # type: ignore[valid-type]
    orientation: Literal["portrait", "landscape"] = "portrait"
    quantity: int = Field(ge=1, le=1_000_000)


class DesignOrder(StrictModel):
    """One design of a placement, in its formats."""

    design: Id
    formats: list[FormatOrder] = Field(min_length=1)


class Placement(StrictModel):
    """A place that gets posters: either one ``design`` in ``formats``, or several
    ``designs`` each with its own formats (posters and flyers from one placement)."""

    id: Id
    name: Texts
    design: Id | None = Field(None, description="a design id; or use 'designs'")
    languages: list[LanguageCode] = Field(
        min_length=1,
        max_length=MAX_LANGUAGES,
        description=f"1 to {MAX_LANGUAGES} languages, the primary one first, e.g. [lo, th, en]",
    )
    contacts: list[Id] = Field(default_factory=list, description="added to the design's")
    formats: list[FormatOrder] | None = Field(
        None, min_length=1, description="the sizes of 'design'; with 'designs', each has its own"
    )
    designs: list[DesignOrder] | None = Field(
        None,
        min_length=1,
        description="several designs, each with its formats (instead of 'design' and 'formats')",
    )

    def orders(self) -> list[DesignOrder]:
        """Each design of this placement with its formats, whichever way the file gives them."""
        if self.designs is not None:
            return list(self.designs)
        if self.design is None or self.formats is None:
            return []  # reported by references.check_references
        return [DesignOrder(design=self.design, formats=self.formats)]


Percent = Annotated[float, Field(ge=0, le=100)]


class PaletteColour(StrictModel):
    cmyk: tuple[Percent, Percent, Percent, Percent] = Field(
        description="cyan, magenta, yellow, black in percent, e.g. [10, 100, 100, 40]"
    )
    srgb: Annotated[str, StringConstraints(pattern=r"^#[0-9a-fA-F]{6}$")] = Field(
        description="the sRGB equivalent, '#rrggbb', for screens and contrast checks"
    )


class PrintSettings(StrictModel):
    profile: Literal[tuple(PROFILE_NAMES)] | None = Field(  # type: ignore[valid-type]
        None,
        description="digital (sRGB, no marks), press (PDF/X-4, CMYK, crop marks) or "
        "press-x1a (PDF/X-1a); `poster build --profile` overrides it",
    )
    icc: str | None = Field(
        None,
        description="CMYK ICC profile for press output: a file name among the system's "
        "profiles (default_cmyk.icc) or a path; never committed",
    )
    date: dt.date | None = Field(
        None, description="date written into press PDFs, so rebuilds give the same bytes"
    )
    palette: dict[Id, PaletteColour] = Field(
        default_factory=dict,
        description="colours replacing or adding to the default palette (--colour-<name>)",
    )
    allow_placeholders: bool = Field(
        False,
        description="let press builds use the assets listed in assets/placeholders.txt "
        "(for proofs); each poster using one is still warned about",
    )


class LanguageDeclaration(StrictModel):
    """What the campaign says about a language CLDR does not know, or sets differently."""

    name: Annotated[str, StringConstraints(min_length=1, max_length=80)] | None = Field(
        None, description="the language's name in English, for messages"
    )
    native_name: Annotated[str, StringConstraints(min_length=1, max_length=80)] | None = None
    script: ScriptCode | None = Field(None, description="the script its texts are written in")
    fonts: list[Annotated[str, StringConstraints(min_length=1, max_length=80)]] | None = Field(
        None, min_length=1, max_length=6, description="font families, first choice first"
    )
    line_height: float | None = Field(None, ge=1.0, le=3.0)

    def declaration(self) -> Declaration:
        fonts = tuple(self.fonts) if self.fonts else None
        return Declaration(self.name, self.native_name, self.script, fonts, self.line_height)


Hashtag = Annotated[str, StringConstraints(pattern=r"^#?[^\s#]{1,60}$")]


class SocialSettings(StrictModel):
    """What the post text beside each social-media card carries besides the card's texts."""

    hashtags: list[Hashtag] = Field(
        default_factory=list,
        max_length=30,
        description="hashtags added to every card's post text, with or without '#', "
        "e.g. [SafeMigration, ເດີນທາງປອດໄພ]",
    )


class Campaign(StrictModel):
    """A campaign: what its posters say, for which places, in which sizes."""

    id: Id
    title: Texts
    languages: dict[LanguageCode, LanguageDeclaration] = Field(
        default_factory=dict,
        description="languages declared by the campaign: name, script, fonts, line height "
        "(any BCP 47 tag CLDR knows needs no declaration)",
    )
    source_language: LanguageCode = Field(
        "en", description="the language texts are written in first and translated from"
    )
    review: Review = Review()
    organisations: list[Organisation] = Field(default_factory=list)
    messages: dict[Id, Texts]
    contacts: list[Contact] = Field(default_factory=list)
    designs: list[Design] = Field(min_length=1)
    placements: list[Placement] = Field(min_length=1)
    translations: dict[LanguageCode, dict[TextId, TextStatus]] = Field(
        default_factory=dict,
        description="status of each text per language: language -> text id -> status; "
        "written by 'poster strings import'",
    )
    print: PrintSettings = PrintSettings()
    social: SocialSettings = SocialSettings()

    # Where the file names each asset ("campaigns/c.yaml:12"), set by the loader,
    # so a problem found while building can point at the line to change.
    _asset_locations: dict[str, str] = PrivateAttr(default_factory=dict)

    def asset_location(self, path: str) -> str | None:
        return self._asset_locations.get(path)

    def language_declarations(self) -> dict[str, Declaration]:
        return {tag: entry.declaration() for tag, entry in self.languages.items()}

    def message(self, key: str) -> dict[str, str]:
        return self.messages[key]

    def contact(self, contact_id: str) -> Contact:
        return next(c for c in self.contacts if c.id == contact_id)

    def design(self, design_id: str) -> Design:
        return next(d for d in self.designs if d.id == design_id)

    def placement(self, placement_id: str) -> Placement:
        return next(p for p in self.placements if p.id == placement_id)

    def organisation(self, organisation_id: str) -> Organisation:
        return next(o for o in self.organisations if o.id == organisation_id)
