"""Read a finished PDF back and check what a print shop checks, page by page.

Everything here comes from the file itself (pikepdf for structure, pypdfium2
for what the pages show), not from what the code meant to write:

- the file's syntax (qpdf); trim size equals the format; bleed on every page; crop marks outside it (press);
- every font embedded;
- colour: no RGB in press output; the PDF/X output intent with a CMYK ICC profile;
  PDF/X identification, version, dates and IDs; no transparency in PDF/X-1a;
- images' effective resolution for the format's viewing distance;
- each printed text read back verbatim by poppler and PDFium (copy and paste);
- text inside the trim and the safe area; the smallest text against the
  format's viewing distance; each text's contrast with what is behind it.

``preflight`` takes the profile and format a build used; ``preflight_file``
works them out from the file for ``poster preflight`` on any PDF.
"""

from __future__ import annotations

import io
from collections.abc import Mapping

import pikepdf

from ..planning.formats import PAPER_SIZES_MM, PaperFormat
from ..prepress.profiles import PROFILES, PrintProfile
from .drawing import check_drawing
from .pdfium_access import open_pdf
from .report import PreflightReport
from .structure import (
    check_boxes,
    check_colours,
    check_fonts,
    check_output_intent,
    check_pdfx,
    check_syntax,
    check_transparency,
    claimed_pdfx,
    page_boxes,
    size_mm,
)
from .text_layer import check_text_layer


def preflight(
    pdf_bytes: bytes,
    paper: PaperFormat,
    expected_pages: int | None = 1,
    profile: PrintProfile | None = None,
    texts: Mapping[str, str] | None = None,
) -> PreflightReport:
    """Check one poster's PDF against its format and print profile (digital by default),
    and that each of ``texts`` (by name: what the poster prints) reads back from it."""
    profile = profile or PROFILES["digital"]
    report = PreflightReport(profile=profile.name, format=paper.label)
    with pikepdf.open(io.BytesIO(pdf_bytes)) as pdf:
        report.pages = len(pdf.pages)
        check_syntax(pdf, report)
        if expected_pages is not None and report.pages != expected_pages:
            report.error("pages", f"{report.pages} pages, expected {expected_pages}")
        check_boxes(pdf, paper, report)
        check_fonts(pdf, report)
        check_colours(pdf, profile, report)
        check_output_intent(pdf, profile, report)
        check_pdfx(pdf, profile, report)
        check_transparency(pdf, profile, report)
    # One opening of the file by PDFium for both: the text layer reads its pages' text
    # as the drawing checks found it.
    pdfium_pages = check_drawing(pdf_bytes, paper, report, press=profile.is_press)
    check_text_layer(pdf_bytes, texts, report, pdfium_pages)
    return report


def detect(pdf_bytes: bytes) -> tuple[PaperFormat | None, PrintProfile]:
    """The format (from the first page's TrimBox) and profile (from the PDF/X claim) of a file."""
    with pikepdf.open(io.BytesIO(pdf_bytes)) as pdf:
        claimed = claimed_pdfx(pdf)
        trim = page_boxes(pdf.pages[0]).get("TrimBox") if len(pdf.pages) else None
    profile = next(
        (p for p in PROFILES.values() if claimed and p.pdf_x == claimed), PROFILES["digital"]
    )
    if trim is None:
        return None, profile
    width, height = size_mm(trim)
    for name, (short, long) in PAPER_SIZES_MM.items():
        for orientation, size in (("portrait", (short, long)), ("landscape", (long, short))):
            if abs(width - size[0]) <= 0.5 and abs(height - size[1]) <= 0.5:
                return PaperFormat(name, orientation), profile
    return None, profile


def preflight_file(
    pdf_bytes: bytes,
    paper: PaperFormat | None = None,
    profile: PrintProfile | None = None,
) -> PreflightReport:
    """Preflight a file on its own: what it is not told, it works out from the file."""
    found_paper, found_profile = detect(pdf_bytes)
    paper = paper or found_paper
    if paper is None:
        report = PreflightReport(profile=(profile or found_profile).name)
        report.error("trim size", "the trim size is no known format (A1–A6, DL)")
        return report
    return preflight(pdf_bytes, paper, expected_pages=None, profile=profile or found_profile)


def extract_text(pdf_bytes: bytes) -> list[str]:
    """The text layer of each page, as a reader's copy-and-paste would give it."""
    with open_pdf(pdf_bytes) as document:
        return [document[i].get_textpage().get_text_range() for i in range(len(document))]
