"""Read a finished PDF back and check what a print shop checks.

Everything here comes from the file itself (pikepdf for structure, pypdfium2
for text positions), not from what the code meant to write.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field

import pikepdf
import pypdfium2

from .formats import BLEED_MM, PaperFormat

PT_PER_MM = 72 / 25.4
TOLERANCE_PT = 0.5


@dataclass
class PreflightReport:
    pages: int = 0
    errors: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    fonts: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors

    def as_dict(self) -> dict:
        return {
            "ok": self.ok,
            "errors": self.errors,
            "warnings": self.warnings,
            "fonts": self.fonts,
        }


def preflight(pdf_bytes: bytes, paper: PaperFormat, expected_pages: int = 1) -> PreflightReport:
    report = PreflightReport()
    with pikepdf.open(io.BytesIO(pdf_bytes)) as pdf:
        report.pages = len(pdf.pages)
        if report.pages != expected_pages:
            report.errors.append(f"{report.pages} pages, expected {expected_pages}")
        for number, page in enumerate(pdf.pages, 1):
            _check_boxes(page, paper, number, report)
        report.fonts = sorted(_check_fonts(pdf, report))
    _check_text_inside_trim(pdf_bytes, report)
    return report


def page_boxes(page: pikepdf.Page) -> dict[str, tuple[float, ...]]:
    out = {}
    for name in ("MediaBox", "BleedBox", "TrimBox"):
        box = page.obj.get(f"/{name}")
        if box is not None:
            out[name] = tuple(float(v) for v in box)
    return out


def _size_mm(box: tuple[float, ...]) -> tuple[float, float]:
    return (box[2] - box[0]) / PT_PER_MM, (box[3] - box[1]) / PT_PER_MM


def _check_boxes(page, paper: PaperFormat, number: int, report: PreflightReport) -> None:
    found = page_boxes(page)
    trim = found.get("TrimBox")
    bleed = found.get("BleedBox")
    if trim is None:
        report.errors.append(f"page {number}: no TrimBox")
        return
    width, height = _size_mm(trim)
    want_w, want_h = paper.trim_mm
    if abs(width - want_w) > 0.2 or abs(height - want_h) > 0.2:
        report.errors.append(
            f"page {number}: trim {width:.1f}×{height:.1f} mm, expected {want_w:g}×{want_h:g} mm"
        )
    if bleed is None:
        report.errors.append(f"page {number}: no BleedBox")
        return
    margins = (trim[0] - bleed[0], trim[1] - bleed[1], bleed[2] - trim[2], bleed[3] - trim[3])
    if min(margins) < BLEED_MM * PT_PER_MM - TOLERANCE_PT:
        shown = ", ".join(f"{m / PT_PER_MM:.1f}" for m in margins)
        report.errors.append(f"page {number}: bleed {shown} mm, expected {BLEED_MM:g} mm each side")


def _check_fonts(pdf: pikepdf.Pdf, report: PreflightReport) -> set[str]:
    names = set()
    for obj in pdf.objects:
        if not isinstance(obj, pikepdf.Dictionary) or obj.get("/Type") != "/FontDescriptor":
            continue
        name = str(obj.get("/FontName", "?")).lstrip("/")
        names.add(name.split("+", 1)[-1])
        if not any(key in obj for key in ("/FontFile", "/FontFile2", "/FontFile3")):
            report.errors.append(f"font {name} is not embedded")
    return names


def _check_text_inside_trim(pdf_bytes: bytes, report: PreflightReport) -> None:
    document = pypdfium2.PdfDocument(pdf_bytes)
    try:
        for number in range(len(document)):
            page = document[number]
            trim = page.get_trimbox()
            text = page.get_textpage()
            outside = 0
            for index in range(text.count_chars()):
                left, bottom, right, top = text.get_charbox(index)
                if right <= left:  # zero-width marks have no box to check
                    continue
                if (
                    left < trim[0] - TOLERANCE_PT
                    or bottom < trim[1] - TOLERANCE_PT
                    or right > trim[2] + TOLERANCE_PT
                    or top > trim[3] + TOLERANCE_PT
                ):
                    outside += 1
            if outside:
                report.errors.append(
                    f"page {number + 1}: {outside} characters lie outside the trim"
                )
    finally:
        document.close()


def extract_text(pdf_bytes: bytes) -> list[str]:
    """The text layer of each page, as a reader's copy-and-paste would give it."""
    document = pypdfium2.PdfDocument(pdf_bytes)
    try:
        return [document[i].get_textpage().get_text_range() for i in range(len(document))]
    finally:
        document.close()
