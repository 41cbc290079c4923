"""QR codes on posters and flyers: made at build time, as vector SVG, sized to scan.

A design's ``qr`` names a campaign contact (the code dials its number: a
``tel:`` URI) or an https address. segno draws the code as an SVG, which goes
to WeasyPrint as a ``data:`` URL: nothing is written to disk, and the project
URL fetcher, which serves only templates/ and assets/, serves ``data:`` URLs.

Size: a phone camera must resolve one module from where the reader stands.
The usual rule, a code's side one tenth of the scanning distance, is made for
codes of about 25 modules; put per module, it is 1/250 of the distance. We
scan from where the messages are read (``formats.ROLE_READING_SHARE["message"]`` of
the viewing distance: 0.6 m for A3, 0.28 m for A5), and never print the code
itself smaller than 20 mm. Around it is the quiet zone the standard asks for,
four light modules wide.
"""

from __future__ import annotations

from dataclasses import dataclass

import segno

from ..campaign import Campaign, Contact, QrCode
from ..errors import PosterFailure
from ..planning.formats import ROLE_READING_SHARE, PaperFormat

QUIET_ZONE_MODULES = 4
MODULE_PER_DISTANCE = 1 / 250  # module size as a share of the scanning distance
MIN_SYMBOL_MM = 20.0
SCAN_SHARE = ROLE_READING_SHARE["message"]
# Pure black on white: the highest contrast, and a single ink (K) in CMYK.
DARK, LIGHT = "#000000", "#ffffff"

# International dialling codes of the countries a campaign's contacts serve.
CALLING_CODES = {"LA": "856", "TH": "66", "VN": "84", "CN": "86", "KH": "855", "MM": "95"}


class QrError(PosterFailure, ValueError):
    """A QR code cannot be made or would not scan; the message says why."""


@dataclass(frozen=True)
class QrImage:
    payload: str
    uri: str  # data:image/svg+xml URL of the code with its quiet zone
    modules: int  # side of the code, quiet zone included, in modules

    def min_side_mm(self, paper: PaperFormat) -> float:
        """The smallest printed side (quiet zone included) that scans at ``paper``'s distance."""
        return self.modules * module_mm(self.modules - 2 * QUIET_ZONE_MODULES, paper)


def module_mm(symbol_modules: int, paper: PaperFormat) -> float:
    scan_mm = paper.viewing_distance_m * SCAN_SHARE * 1000
    return max(scan_mm * MODULE_PER_DISTANCE, MIN_SYMBOL_MM / symbol_modules)


def tel_uri(contact: Contact) -> str:
    """A ``tel:`` URI that a visitor's phone dials as printed.

    Numbers with a trunk prefix ("021 251 128") become international
    (``tel:+85621251128``), which also works from a foreign SIM card; short
    service numbers ("1191") are dialled as they are, since they have no
    international form.
    """
    digits = contact.number.replace(" ", "")
    if digits.startswith("+") or not digits.startswith("0"):
        return f"tel:{digits}"
    code = CALLING_CODES.get(contact.country)
    if code is None:
        raise QrError(
            f"contact '{contact.id}': no calling code known for country {contact.country}; "
            "write the number in international form (+...)"
        )
    return f"tel:+{code}{digits[1:]}"


def payload(qr: QrCode, campaign: Campaign) -> str:
    if qr.contact is not None:
        return tel_uri(campaign.contact(qr.contact))
    if qr.url is not None:
        return qr.url
    raise QrError("a QR code needs a contact or a url")


def make_qr(data: str) -> QrImage:
    """The QR code of ``data`` as an SVG ``data:`` URL (error correction M or better)."""
    code = segno.make(data, error="m", boost_error=True, micro=False)
    uri = code.svg_data_uri(
        border=QUIET_ZONE_MODULES,
        dark=DARK,
        light=LIGHT,
        omitsize=True,  # a viewBox and no fixed size: the template sets the printed size
        svgclass=None,
        lineclass=None,
    )
    width, _ = code.symbol_size(border=QUIET_ZONE_MODULES)
    return QrImage(data, uri, int(width))  # scale 1: a whole number of modules


def check_printed_sizes(qr: QrImage, printed: list[tuple[float, float]], paper: PaperFormat):
    """Errors for a QR code printed too small to scan, or not printed at all."""
    if not printed:
        return ["the design has a QR code but its template does not print it"]
    need = qr.min_side_mm(paper)
    errors = []
    for width, height in printed:
        side = min(width, height)
        if side < need - 0.05:
            errors.append(
                f"QR code ({qr.payload}) printed {side:.1f} mm wide; on {paper.label}, "
                f"scanned from {paper.viewing_distance_m * SCAN_SHARE:.2g} m, it needs "
                f"{need:.1f} mm with its quiet zone"
            )
    return errors
