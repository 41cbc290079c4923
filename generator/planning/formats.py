"""Paper formats: trim sizes, bleed, and the distance each is read from.

The ISO A sizes and DL, and a roll-up banner (``rollup``, 850 × 2000 mm); and the
screen formats of social-media cards (``square``, ``tall``, ``story``, ``link``), whose
sizes are in pixels: no bleed, no marks, rasterised (generator/render/social.py).
"""

from __future__ import annotations

from dataclasses import dataclass

# Units, defined here once: millimetres, PDF points, CSS pixels (WeasyPrint's layout unit).
MM_PER_INCH = 25.4
CSS_PPI = 96.0  # a raster image at its natural size: one image pixel per CSS pixel
PT_PER_MM = 72 / MM_PER_INCH
MM_PER_PT = MM_PER_INCH / 72
PX_PER_MM = CSS_PPI / MM_PER_INCH
MM_PER_PX = MM_PER_INCH / CSS_PPI

BLEED_MM = 3.0
# Text keeps this far inside the trim: cutting may wander by a millimetre or two.
SAFE_MARGIN_MM = 4.0

# Trim sizes in millimetres, portrait (width, height). ISO 216 and the DL flyer.
PAPER_SIZES_MM: dict[str, tuple[float, float]] = {
    "A1": (594, 841),
    "A2": (420, 594),
    "A3": (297, 420),
    "A4": (210, 297),
    "A5": (148, 210),
    "A6": (105, 148),
    "DL": (99, 210),
    # A roll-up banner stand's print, 850 × 2000 mm: its foot goes into the cassette
    # (templates/rollup-banner/template.toml keeps the bottom clear).
    "rollup": (850, 2000),
}

# Social-media cards, in pixels (width, height). A card is laid out on a page of
# one CSS pixel (1/96 in) per image pixel, so its PDF renders at 96 dpi to the
# exact size. square: a post; tall: a 4:5 portrait post; story: stories and
# WhatsApp/LINE status; link: the preview of a shared link.
PIXEL_SIZES: dict[str, tuple[int, int]] = {
    "square": (1080, 1080),
    "tall": (1080, 1350),
    "story": (1080, 1920),
    "link": (1200, 630),
}
PAPER_SIZES_MM.update(
    {name: (w * MM_PER_PX, h * MM_PER_PX) for name, (w, h) in PIXEL_SIZES.items()}
)
FORMAT_NAMES = tuple(PAPER_SIZES_MM)
PIXEL_FORMAT_NAMES = tuple(PIXEL_SIZES)

# A card is seen on a phone held at arm's length (40 cm), about 64 mm wide on the
# screen whatever its pixels (a 390-point-wide phone). Seen on the page it is laid
# out on, that is the distance the page would be read from at its own size.
ARM_LENGTH_M = 0.4
PHONE_IMAGE_WIDTH_MM = 64.0

# How far away a passer-by reads the headline and hotline of each size, in metres.
# The floor for text size follows from it (see ``min_font_size_mm``).
VIEWING_DISTANCE_M: dict[str, float] = {
    "A1": 3.0,
    "A2": 2.0,
    "A3": 1.5,
    "A4": 1.0,
    "A5": 0.7,
    "A6": 0.5,
    "DL": 0.5,
    "rollup": 4.0,  # read from 3 to 5 m, in a lobby or at a stand
    **{
        name: round(ARM_LENGTH_M * w * MM_PER_PX / PHONE_IMAGE_WIDTH_MM, 3)
        for name, (w, _) in PIXEL_SIZES.items()
    },
}

# Sign-making rule of thumb: 25 mm of capital height per 3 m of viewing distance.
CAP_HEIGHT_PER_M_MM = 25 / 3
# Capital height as a share of the font size (Noto Sans: 0.714 em).
CAP_HEIGHT_EM = 0.714
# The roles of the type scale. Each is read from a share of the poster's viewing
# distance (the headline from all of it, small print as one walks up). The layout
# sets each role's floor by it, preflight judges printed sizes by it, and the QR
# code is sized to scan from where the messages are read.
ROLE_READING_SHARE: dict[str, float] = {
    "headline": 1.0,
    "number": 0.75,
    "subheadline": 0.45,
    "cta": 0.45,
    "message": 0.4,
    "contact_name": 0.25,
    "place": 0.25,
    "label": 0.2,
}
# On a social-media card every text is read from the same arm's length: small print
# is set no smaller than this share of the card's distance.
PHONE_READING_SHARE = 0.3


@dataclass(frozen=True)
class PaperFormat:
    name: str
    orientation: str  # portrait | landscape

    @property
    def trim_mm(self) -> tuple[float, float]:
        width, height = PAPER_SIZES_MM[self.name]
        return (height, width) if self.orientation == "landscape" else (width, height)

    @property
    def is_pixel(self) -> bool:
        """A screen format: a raster card of exact pixels, no bleed, no marks."""
        return self.name in PIXEL_SIZES

    @property
    def bleed_mm(self) -> float:
        return 0.0 if self.is_pixel else BLEED_MM

    @property
    def pixels(self) -> tuple[int, int]:
        """The image size of a screen format, in pixels (width, height)."""
        width, height = self.trim_mm
        return round(width / MM_PER_PX), round(height / MM_PER_PX)

    @property
    def extension(self) -> str:
        """The file a job of this format makes: a PDF, or a card's PNG."""
        return ".png" if self.is_pixel else ".pdf"

    @property
    def media_mm(self) -> tuple[float, float]:
        width, height = self.trim_mm
        return width + 2 * self.bleed_mm, height + 2 * self.bleed_mm

    @property
    def viewing_distance_m(self) -> float:
        return VIEWING_DISTANCE_M[self.name]

    def layout_floor_mm(self, role: str, distance_m: float | None = None) -> float:
        """The size below which the layout never sets ``role``: the legible minimum,
        except on a phone, which is read from where it is held (no walking up to it),
        so its small print is read from at least ``PHONE_READING_SHARE`` of the distance."""
        share = ROLE_READING_SHARE[role]
        if self.is_pixel:
            share = max(share, PHONE_READING_SHARE)
        return self._legible_size_mm(share, distance_m)

    @property
    def label(self) -> str:
        return self.name + ("-landscape" if self.orientation == "landscape" else "")

    def min_font_size_mm(self, role: str, distance_m: float | None = None) -> float:
        """The smallest font size legible for a text role, read from its share of
        ``distance_m`` (by default this format's viewing distance): 25 mm of capital
        height per 3 m. Preflight holds printed text to it; the layout's floors are
        this, or more on a phone (``layout_floor_mm``)."""
        return self._legible_size_mm(ROLE_READING_SHARE[role], distance_m)

    def _legible_size_mm(self, share: float, distance_m: float | None) -> float:
        distance = (distance_m or self.viewing_distance_m) * share
        return distance * CAP_HEIGHT_PER_M_MM / CAP_HEIGHT_EM
