"""Social-media cards: the campaign's message as images for phones, with a post text.

A card is a job in a screen format (formats.PIXEL_SIZES: ``square``, ``tall``,
``story``, ``link``), usually of a design on the ``social`` template. It goes
through the same stages as a poster up to the PDF (the fit with the floors of
a phone at arm's length, the tofu check, the DRAFT mark), always in sRGB; then
its PDF is read back like a poster's (fonts, text inside the page, text sizes,
contrast) and rasterised with PDFium at exactly its pixel size into:

- ``<name>.png``: lossless, with an embedded sRGB profile, under ``MAX_BYTES``;
- ``<name>.jpg``: 4:4:4 chroma and a high quality, so Lao and Thai marks stay
  crisp; the same profile and limit;
- ``<name>.txt``: the post text: the card's texts in the placement's languages,
  the numbers as ``tel:`` links, the campaign's hashtags, and an alt text for
  screen readers built from the texts on the image.

The card's PNG is its own preview; no PDF is written.
"""

from __future__ import annotations

import io
import re
import struct
from dataclasses import dataclass, field, replace
from functools import cache
from html.parser import HTMLParser
from pathlib import Path
from typing import TYPE_CHECKING

from markupsafe import Markup
from PIL import Image, ImageCms

from ..errors import PosterFailure
from ..planning.formats import PaperFormat
from ..preflight.pdfium_access import open_pdf
from ..typeset.layout import Geometry, TypeScale, text_size
from .templating import PosterContext

if TYPE_CHECKING:
    from ..preflight import PreflightReport

# Facebook, WhatsApp and LINE recompress images above about 1 MB: stay under it.
MAX_BYTES = 1_000_000
JPEG_QUALITIES = (94, 90, 86)  # the best that keeps under MAX_BYTES; below 86 marks blur
PNG_COLOURS = 256  # a PNG too large is quantised to a palette of this many colours
SRGB_NAME = "sRGB"
# A story's type is designed up to this much larger than a square's (see CardContext).
TALL_GROWTH = 1.2
GROWING_ROLES = ("headline", "number", "subheadline", "message", "cta")  # not the small print
# The link preview sets its hotline beside the headline, in this share of the width.
WIDE_HOTLINE_SHARE = 0.38


# The ICC header's creation date (bytes 24-35), fixed: LittleCMS writes the time of
# the call, which made every build's card images differ. The profile ID (bytes
# 84-99, an MD5 that covers the date) is zeroed, which ICC reads as "not computed".
_PROFILE_DATE = struct.pack(">6H", 2026, 1, 1, 0, 0, 0)


@cache  # made once per process: every card image embeds it
def srgb_profile() -> bytes:
    """An sRGB ICC profile (LittleCMS's built-in), embedded in every card image; the same
    bytes in every build."""
    profile = bytearray(ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes())
    profile[24:36] = _PROFILE_DATE
    profile[84:100] = bytes(16)
    return bytes(profile)


class CardContext(PosterContext):
    """A poster context whose design shows ONE number large: the first contact's
    number is set at the headline's size, the others at the numbers' size."""

    def _geometry(self) -> Geometry:
        """A taller card has room to spare: its texts, not its small print, are designed
        larger (the fit still shrinks them, never below the floors), by the fourth root
        of its height over its width, at most ``TALL_GROWTH`` (a story: 1.15)."""
        g = super()._geometry()
        growth = min(TALL_GROWTH, max(1.0, (g.height / g.width) ** 0.25))
        if growth == 1.0:
            return g
        sizes = {
            role: size * (growth if role in GROWING_ROLES else 1.0)
            for role, size in g.type.sizes.items()
        }
        return replace(g, type=TypeScale(sizes, g.type.floors))

    def headline_measure_mm(self) -> float:
        g = self.geometry
        if g.width > g.height:  # the link preview: the headline beside the hotline
            return g.width * (1 - WIDE_HOTLINE_SHARE) - g.margin - g.gap
        return g.content_width

    def variables(self) -> dict:
        values = super().variables()
        values["hotline_share"] = round(100 * WIDE_HOTLINE_SHARE, 2)
        contacts = values["contacts"]
        lead, others = (contacts[0], contacts[1:]) if contacts else (None, [])
        if lead is not None:
            number = lead["number"]
            size, floor = text_size(self.geometry.type, self.fits, "headline", 0, number.key, "en")
            lead = {**lead, "number": replace(number, size=size, floor=floor)}
        values["lead"] = lead
        values["others"] = others
        values["other_columns"] = max(1, min(len(others), 4))
        values["qr"] = None  # scanned from the phone that shows it: never on a card
        return values


def context_type(job) -> type[PosterContext]:
    """The context a job is laid out with: a card's, or a poster's."""
    return CardContext if job.format.is_pixel else PosterContext


@dataclass(frozen=True)
class PrintedText:
    """One text as the card prints it (from the rendered HTML)."""

    text_id: str
    lang: str
    role: str
    text: str


@dataclass
class CardImages:
    png: bytes
    jpeg: bytes
    pixels: tuple[int, int]
    jpeg_quality: int
    png_quantised: bool = False
    notes: list[str] = field(default_factory=list)


class CardError(PosterFailure):
    """The card cannot be made within its limits; the message says why."""


class _PrintedTexts(HTMLParser):
    """The texts of the rendered card, in document order: every element the partials
    mark with ``data-fit`` (so every text the fit sets), and the logos' names."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.found: list[PrintedText] = []
        self.logos: list[str] = []
        self._open: list[tuple[str, str, str, list[str]]] = []
        self._depth = 0

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag == "img":
            if "logo" in (attributes.get("class") or "") and attributes.get("alt"):
                self.logos.append(attributes["alt"])
            return
        if tag == "br":
            if self._open:
                self._open[-1][3].append(" ")
            return
        self._depth += 1
        fit = attributes.get("data-fit")
        if fit and not self._open:
            key_lang, role, _rank, _floor = fit.split("|")
            lang = key_lang.rsplit(":", 1)[1]
            text_id = attributes.get("data-text-id") or key_lang.rsplit(":", 1)[0]
            self._open.append((text_id, lang, role, []))
            self._open_depth = self._depth

    def handle_endtag(self, tag):
        if tag in ("img", "br"):
            return
        if self._open and self._depth == self._open_depth:
            text_id, lang, role, parts = self._open.pop()
            text = _plain("".join(parts))
            self.found.append(PrintedText(text_id, lang, role, text))
        self._depth -= 1

    def handle_data(self, data):
        if self._open:
            self._open[-1][3].append(data)


def printed_texts(html: str) -> tuple[list[PrintedText], list[str]]:
    parser = _PrintedTexts()
    parser.feed(html)
    parser.close()
    return parser.found, parser.logos


def rasterise(pdf: bytes, paper: PaperFormat) -> Image.Image:
    """The card's page at exactly its pixel size (PDFium, one thread at a time)."""
    width, height = paper.pixels
    with open_pdf(pdf) as document:
        page = document[0]
        page_width, _ = page.get_size()
        bitmap = page.render(scale=width / page_width, draw_annots=False, may_draw_forms=False)
        image = bitmap.to_pil().convert("RGB")
        page.close()
    if image.size != (width, height):  # a pixel lost to rounding: never the wrong size
        image = image.resize((width, height), Image.Resampling.LANCZOS)
    return image


def encode(image: Image.Image, max_bytes: int = MAX_BYTES) -> CardImages:
    """PNG and JPEG of a card, each with the sRGB profile and under ``max_bytes``."""
    profile = srgb_profile()
    png = _png(image, profile)
    quantised = False
    if len(png) > max_bytes:
        # A photograph on the card: a palette keeps the text's edges and halves the file.
        png = _png(image.quantize(PNG_COLOURS, dither=Image.Dither.NONE), profile)
        quantised = True
    for quality in JPEG_QUALITIES:
        jpeg = _jpeg(image, profile, quality)
        if len(jpeg) <= max_bytes:
            break
    problems = []
    if len(png) > max_bytes:
        problems.append(f"the PNG is {len(png) / 1e6:.2f} MB even with {PNG_COLOURS} colours")
    if len(jpeg) > max_bytes:
        problems.append(f"the JPEG is {len(jpeg) / 1e6:.2f} MB even at quality {quality}")
    if problems:
        raise CardError(
            "; ".join(problems)
            + f", over the {max_bytes / 1e6:g} MB the platforms take without recompressing: "
            "use a simpler illustration or none"
        )
    notes = ["PNG quantised to 256 colours to stay under 1 MB"] if quantised else []
    return CardImages(png, jpeg, image.size, quality, quantised, notes)


def _png(image: Image.Image, profile: bytes) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", optimize=True, icc_profile=profile)
    return buffer.getvalue()


def _jpeg(image: Image.Image, profile: bytes, quality: int) -> bytes:
    buffer = io.BytesIO()
    image.save(
        buffer, format="JPEG", quality=quality, subsampling=0, optimize=True, icc_profile=profile
    )
    return buffer.getvalue()


# --- post text ------------------------------------------------------------------------

MESSAGE_ROLES = ("headline", "subheadline", "message", "cta")
DRAFT_NOTE = "DRAFT, do not post: the texts of this card await review"


def tel_link(number: str) -> str:
    """A ``tel:`` URI for a number as printed: "021 251 128" → "tel:021251128"."""
    return "tel:" + re.sub(r"[^0-9+]", "", number)


def hashtags(tags: list[str]) -> str:
    return " ".join("#" + tag.lstrip("#") for tag in tags)


def alt_texts(
    texts: list[PrintedText], logos: list[str], languages: tuple[str, ...], draft: bool
) -> dict[str, str]:
    """An alt text per language: the card's texts in that language in the order they
    are printed, the numbers where they stand, then the logos' names."""
    out = {}
    for lang in languages:
        parts = ["DRAFT"] if draft else []
        parts += [t.text for t in texts if t.lang == lang or t.role == "number"]
        if logos:
            parts.append("Logos: " + ", ".join(logos))
        out[lang] = ". ".join(p.rstrip(".") for p in parts if p) + "."
    return out


def post_text(
    texts: list[PrintedText],
    logos: list[str],
    contacts: list[dict],
    languages: tuple[str, ...],
    tags: list[str],
    draft: bool,
    held_back: tuple[str, ...] = (),
) -> str:
    """The text to post with the image: the message in each language, each number with
    its name and a ``tel:`` link, the hashtags, and the alt texts."""
    blocks = []
    if draft:
        shown = "; ".join(held_back[:3]) + ("; ..." if len(held_back) > 3 else "")
        blocks.append(f"{DRAFT_NOTE} ({shown})" if shown else DRAFT_NOTE)
    for lang in languages:
        lines = [t.text for t in texts if t.lang == lang and t.role in MESSAGE_ROLES]
        for contact in contacts:
            number = _plain(contact["number"].text)
            name = next((_plain(t.text) for t in contact["name"] if t.lang == lang), "")
            lines.append(f"{number} {name}: {tel_link(number)}".replace("  ", " "))
        blocks.append("\n".join(lines))
    if tags:
        blocks.append(hashtags(tags))
    alts = alt_texts(texts, logos, languages, draft)
    blocks.append("\n".join(f"Alt text ({lang}): {alt}" for lang, alt in alts.items()))
    return "\n\n".join(blocks) + "\n"


def _plain(text) -> str:
    """A typeset text as one types it: no markup, no inserted break opportunities."""
    plain = Markup(text).striptags() if isinstance(text, Markup) else str(text)
    return " ".join(plain.replace("\u200b", "").replace("\u2060", "").split())


# --- build ----------------------------------------------------------------------------


@dataclass
class RenderedCard:
    pdf: bytes
    images: CardImages
    post_text: str
    texts: list[PrintedText]
    alt_texts: dict[str, str]
    fits: dict
    report: PreflightReport


def render_card(job, campaign, project: Path, fits: dict | None = None) -> RenderedCard:
    """Lay a card out as a poster (fit, tofu, DRAFT), check its PDF, rasterise it."""
    from ..prepress.profiles import resolve_print
    from ..typeset.pdf import render_poster
    from .templating import environment, render_html

    setup = resolve_print(campaign, project, "digital")  # screens: sRGB, whatever the campaign
    context = CardContext(job, campaign, project, dict(fits or {}), print_setup=setup)
    rendered = render_poster(context, expected_pages=1)
    html = render_html(environment(project), context)  # the final round's, for its texts
    texts, logos = printed_texts(html)
    image = rasterise(rendered.pdf, job.format)
    images = encode(image)
    report = check_card(rendered.pdf, job.format, images)
    contacts = context.variables()["contacts"]
    tags = list(campaign.social.hashtags)
    text = post_text(texts, logos, contacts, job.languages, tags, job.draft, job.held_back)
    alts = alt_texts(texts, logos, job.languages, job.draft)
    return RenderedCard(rendered.pdf, images, text, texts, alts, rendered.fits, report)


def check_card(pdf: bytes, paper: PaperFormat, images: CardImages):
    """A poster's preflight without print's checks (bleed, marks, CMYK): fonts, text
    inside the page, text sizes and contrast; and the images' size and profile."""
    import pikepdf

    from ..preflight import PreflightReport
    from ..preflight.drawing import check_drawing
    from ..preflight.structure import check_colours, check_fonts, check_syntax
    from ..prepress.profiles import PROFILES

    report = PreflightReport(profile="digital", format=paper.label)
    with pikepdf.open(io.BytesIO(pdf)) as document:
        report.pages = len(document.pages)
        check_syntax(document, report)
        check_fonts(document, report)
        check_colours(document, PROFILES["digital"], report)
    check_drawing(pdf, paper, report, press=False)
    width, height = paper.pixels
    for kind, data in (("PNG", images.png), ("JPEG", images.jpeg)):
        with Image.open(io.BytesIO(data)) as opened:
            if opened.size != (width, height):
                report.error("pixels", f"{kind} is {opened.size[0]}×{opened.size[1]} px")
            icc = opened.info.get("icc_profile")
            name = (
                ImageCms.getProfileDescription(ImageCms.ImageCmsProfile(io.BytesIO(icc)))
                if icc
                else ""
            )
            if SRGB_NAME not in name:
                report.error("colour profile", f"{kind} has no embedded sRGB profile")
        if len(data) > MAX_BYTES:
            report.error("file size", f"{kind} is {len(data)} bytes, over {MAX_BYTES}")
    report.note("pixels", f"{width}×{height} px, PNG and JPEG")
    report.note("colour profile", "sRGB embedded in PNG and JPEG")
    report.note(
        "file size",
        f"PNG {len(images.png) / 1e3:.0f} kB, JPEG {len(images.jpeg) / 1e3:.0f} kB "
        f"(quality {images.jpeg_quality}); limit {MAX_BYTES / 1e6:g} MB",
    )
    return report


def build_card(job, campaign, project: Path, folder: Path, fits: dict):
    """Make one card and write its PNG, JPEG and post text; a PosterResult like a poster's."""
    from ..build.results import PosterResult
    from ..output.files import companion_names, sha256, write_atomically
    from ..output.manifest import CardFiles
    from ..typeset.layout import describe_fits

    card = render_card(job, campaign, project, fits)
    report = card.report
    warnings = list(report.warnings) + card.images.notes + describe_fits(card.fits)
    if report.errors:
        return PosterResult(
            job,
            False,
            error="preflight: " + "; ".join(report.errors),
            warnings=warnings,
            preflight=report.summary(),
        )
    jpeg_name, text_name = companion_names(job.filename)
    write_atomically(folder / jpeg_name, card.images.jpeg)
    write_atomically(folder / text_name, card.post_text.encode("utf-8"))
    write_atomically(folder / job.filename, card.images.png)  # last: the manifest's file
    return PosterResult(
        job,
        True,
        job.filename,
        1,
        sha256(card.images.png),
        None,
        warnings,
        report.summary(),
        fits=card.fits,
        card=CardFiles(jpeg_name, text_name, card.images.pixels),
    )
